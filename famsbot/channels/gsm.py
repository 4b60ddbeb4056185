"""SMS encoding: keep replies in the GSM-7 alphabet and count what a message costs.

One character outside GSM-7 (a curly quote, an en dash, an emoji) switches the whole message to
UCS-2, cutting a segment from 160 to 70 characters; every segment is paid for. So every SMS reply
is made GSM-7 safe, and segments are counted the way carriers count them.
"""

from __future__ import annotations

import unicodedata

__all__ = ["is_gsm7", "non_gsm7_chars", "segments", "to_gsm7"]

_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENDED = "^{}\\[~]|€\f"  # each costs two septets (escape + character)
_GSM7 = frozenset(_BASIC) | frozenset(_EXTENDED)

_REPLACEMENTS = {
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "″": '"', "′": "'",
    "–": "-", "—": "-", "‒": "-", "―": "-", "−": "-", "‐": "-", "‑": "-",
    "…": "...", "•": "-", "·": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\t": " ",
    "×": "x", "÷": "/", "½": "1/2", "¼": "1/4", "¾": "3/4", "©": "(c)", "®": "(R)", "™": "TM",
    "→": "->", "←": "<-", "✓": "OK", "✔": "OK", "°": " deg",
}  # fmt: skip


def non_gsm7_chars(text: str) -> set[str]:
    """The characters in ``text`` that would force the costly UCS-2 encoding."""
    return {ch for ch in text if ch not in _GSM7}


def is_gsm7(text: str) -> bool:
    return not non_gsm7_chars(text)


def to_gsm7(text: str) -> str:
    """Replace typographic characters with GSM-7 equivalents; drop what has none (emoji)."""
    out: list[str] = []
    for ch in text:
        if ch in _GSM7:
            out.append(ch)
        elif ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
        else:
            base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
            out.append(base)
    return "".join(out)


def segments(text: str) -> int:
    """How many SMS segments ``text`` is billed as (GSM-7: 160, or 153 each when split; UCS-2: 70/67).

    When split, a two-septet GSM character or a surrogate pair never straddles two segments,
    so parts are packed the way handsets and carriers pack them.
    """
    if not text:
        return 1
    if is_gsm7(text):
        sizes = [2 if ch in _EXTENDED else 1 for ch in text]
        single, part = 160, 153
    else:
        sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]  # UTF-16 code units
        single, part = 70, 67
    if sum(sizes) <= single:
        return 1
    count, used = 1, 0
    for size in sizes:
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return count
