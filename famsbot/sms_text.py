"""SMS text rules: which encoding a message needs, what it costs, and the budget for one reply.

A neutral, low-level module (it imports nothing from famsbot) so that channels, flows, content
checks and the staff console all count the same way: one ``MAX_SEGMENTS``, one ``segments``.

The rule follows GOV.UK Notify: only typographic characters that have an exact plain equivalent
(curly quotes, dashes, the ellipsis, odd spaces) are replaced, because a stray one would switch a
whole message to the costly UCS-2 encoding for nothing. Everything else is sent as typed: Welsh
(ŵ ŷ â), Polish, Urdu, Cyrillic, emoji. Such a message goes as UCS-2 (70 characters a segment, 67
when split, instead of 160/153) and is counted that way. A family's words are never deleted.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "MAX_SEGMENTS",
    "Encoding",
    "encoding",
    "is_gsm7",
    "non_gsm7_chars",
    "replaced_chars",
    "segments",
    "sms_safe",
]

MAX_SEGMENTS = 3  # the most one reply may cost on SMS (famsbot content check holds every text to it)

Encoding = Literal["GSM-7", "UCS-2"]

_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENDED = "^{}\\[~]|€\f"  # each costs two septets (escape + character)
_GSM7 = frozenset(_BASIC) | frozenset(_EXTENDED)

# Typographic characters only: each has an exact plain equivalent, so nothing the person meant is lost.
_REPLACEMENTS = {
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "″": '"', "′": "'",
    "–": "-", "—": "-", "‒": "-", "―": "-", "−": "-", "‐": "-", "‑": "-",
    "…": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\t": " ",
    "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "",  # invisible: zero-width spaces and joiners, BOM
}  # fmt: skip


def non_gsm7_chars(text: str) -> set[str]:
    """The characters in ``text`` outside the GSM-7 alphabet (before any replacement)."""
    return {ch for ch in text if ch not in _GSM7}


def is_gsm7(text: str) -> bool:
    return not non_gsm7_chars(text)


def replaced_chars(text: str) -> set[str]:
    """The typographic characters in ``text`` that :func:`sms_safe` replaces."""
    return {ch for ch in text if ch in _REPLACEMENTS}


def sms_safe(text: str) -> str:
    """``text`` with typographic characters replaced by their plain forms; every other character kept."""
    return "".join(_REPLACEMENTS.get(ch, ch) for ch in text)


def encoding(text: str) -> Encoding:
    """How ``text`` is sent: GSM-7 when every character is in that alphabet, else UCS-2."""
    return "GSM-7" if is_gsm7(text) else "UCS-2"


def segments(text: str) -> int:
    """How many SMS segments ``text`` is billed as (GSM-7: 160, or 153 each when split; UCS-2: 70/67).

    Counted on the text as given (pass it through :func:`sms_safe` first, as delivery does). When
    split, a two-septet GSM character or a surrogate pair never straddles two segments, so parts
    are packed the way handsets and carriers pack them.
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
