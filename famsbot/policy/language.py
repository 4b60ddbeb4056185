"""Which language a message is written in, as far as the bot needs to know: pure rules, no I/O.

Two questions only. Does this message look Welsh (so Welsh is offered, and an emergency route is
given in Welsh)? And, for the emergency route, is it Welsh, Polish, Urdu in its own script or
Roman Urdu (the languages the risk gate reads)? Short messages are judged on distinctive words
(words that are not also English), so "help" or "mam" alone decide nothing.
"""

from __future__ import annotations

import re

from famsbot.policy.text import normalise

__all__ = ["emergency_language", "looks_welsh"]

_URDU_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_WELSH_LETTERS = re.compile(r"[ŵŷŴŶ]")
_POLISH_LETTERS = re.compile(r"[ąćęłńśźżĄĆĘŁŃŚŹŻ]")

# Distinctive words, after ``normalise`` (accents folded). None is also a common English word.
_WELSH = frozenset(
    [
        "dw",
        "dwi",
        "rwy",
        "rydw",
        "rwyf",
        "dydw",
        "mae",
        "maen",
        "fy",
        "ddim",
        "shwmae",
        "sumae",
        "helo",
        "diolch",
        "plis",
        "carchar",
        "ngharchar",
        "charchar",
        "garchar",
        "ymweld",
        "ymweliad",
        "ymweliadau",
        "poeni",
        "gyda",
        "yn",
        "yr",
        "eisiau",
        "isio",
        "moyn",
        "angen",
        "chi",
        "wedi",
        "bore",
        "prynhawn",
        "noswaith",
        "gwelwch",
        "dda",
        "ydy",
        "ydw",
        "oes",
        "beth",
        "sut",
        "pryd",
        "pam",
        "ble",
        "gymraeg",
        "cymraeg",
        "mab",
        "merch",
        "gwr",
        "gwraig",
        "brawd",
        "chwaer",
        "tad",
        "nain",
        "taid",
        "hefyd",
        "iawn",
        "nawr",
        "rwan",
        "heddiw",
        "yfory",
        "fory",
        "ffonio",
        "rhif",
        "eich",
        "ei",
        "hun",
        "hunan",
        "mewn",
        "perygl",
        "bod",
        "oedd",
        "roedd",
        "sydd",
        "efo",
        "hefo",
        "ein",
        "nhw",
    ]
)
_POLISH = frozenset(
    [
        "jest",
        "nie",
        "sie",
        "moj",
        "moja",
        "moje",
        "syn",
        "brat",
        "maz",
        "chce",
        "chcial",
        "zabic",
        "zabije",
        "wiezieniu",
        "wiezienie",
        "pomocy",
        "pomoc",
        "prosze",
        "boje",
        "zycie",
        "sobie",
        "siebie",
        "ktos",
        "jestem",
        "bardzo",
        "krzywde",
        "mnie",
        "mu",
        "go",
        "jego",
        "jej",
        "ze",
        "juz",
        "dzisiaj",
        "teraz",
        "niebezpieczenstwie",
        "pobili",
        "grozi",
    ]
)
_ROMAN_URDU = frozenset(
    [
        "mera",
        "meri",
        "mere",
        "bhai",
        "beta",
        "beti",
        "hai",
        "hain",
        "nahi",
        "nahin",
        "kya",
        "woh",
        "apni",
        "apna",
        "apne",
        "khud",
        "maar",
        "marna",
        "chahta",
        "chahti",
        "raha",
        "rahi",
        "karna",
        "karo",
        "hum",
        "tum",
        "aap",
        "jaan",
        "kuch",
        "mujhe",
        "usko",
        "usay",
        "unko",
        "zindagi",
        "khatam",
        "jeena",
        "madad",
        "abhi",
        "bohat",
        "bahut",
        "ko",
        "ka",
        "ki",
        "ke",
        "se",
    ]
)


def _share(words: list[str], vocabulary: frozenset[str]) -> int:
    return sum(1 for word in words if word in vocabulary)


def looks_welsh(text: str) -> bool:
    """Is ``text`` (most likely) written in Welsh? ("Dw i'n poeni am fy mab", "Helo, sut mae")."""
    if _WELSH_LETTERS.search(text):
        return True
    words = normalise(text).split()
    hits = _share(words, _WELSH)
    return hits >= 2 and hits * 2 >= len(words) and hits > _share(words, _POLISH) + _share(words, _ROMAN_URDU)


def emergency_language(text: str) -> str | None:
    """The language to give the emergency route in, when ``text`` is not English: ``cy``, ``pl``,
    ``ur`` (Urdu script) or ``ur-Latn`` (Roman Urdu); ``None`` for English or unknown."""
    if _URDU_SCRIPT.search(text):
        return "ur"
    if _POLISH_LETTERS.search(text):
        return "pl"
    if looks_welsh(text):
        return "cy"
    words = normalise(text).split()
    polish, urdu = _share(words, _POLISH), _share(words, _ROMAN_URDU)
    if max(polish, urdu) < 2:
        return None
    return "pl" if polish > urdu else "ur-Latn"
