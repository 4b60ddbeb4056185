"""Matching what a person typed to the options of the current question.

An answer is accepted by number ("2", "2.", "no 2", "two"), by the option's words ("visiting
times", "times"), by common variants (yes/yeah/y/yep, no/nah/n) and by close spellings. Only
when none of these fits does the engine try to understand the message as a new request.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from famsbot.dialogue.messages import Option
from famsbot.policy import answers
from famsbot.policy.text import normalise

__all__ = ["NUMBER_WORDS", "VARIANTS", "Match", "match_option", "parse_number", "says_unsure"]

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "first": 1, "second": 2, "third": 3,
}  # fmt: skip
VARIANTS: dict[str, tuple[str, ...]] = {
    "yes": ("yes", "y", "yeah", "yea", "yep", "yup", "ye", "yh", "ya", "ok", "okay", "sure", "correct",
            "yes please", "aye", "tak", "ie", "oes", "haan", "han", "ji", "ydw", "ydy", "ydyn", "iawn", "ie plis",
            "gwnaf", "cewch", "ie os gwelwch yn dda"),
    "no": ("no", "n", "nah", "nope", "na", "no thanks", "not really", "nie", "na diolch", "nahi", "nai", "nac ydw",
           "nac ydy", "naddo", "nage", "dim diolch"),
    "unsure": ("not sure", "unsure", "dont know", "don't know", "dunno", "idk", "no idea", "not sure what",
               "i dont know", "i don't know", "dk", "maybe", "what does that mean", "what is that", "?",
               "im not sure", "i'm not sure", "i am not sure", "not really sure", "no clue", "not certain",
               "dont know what that is", "don't know what that is", "what does it mean", "explain",
               "ansicr", "ddim yn siwr", "dwi ddim yn siwr", "dim syniad", "dwn i ddim", "wn i ddim",
               "ddim yn gwybod", "beth mae hynny'n feddwl"),
}  # fmt: skip
_UNSURE = frozenset(normalise(v) for v in VARIANTS["unsure"]) - {""}
_NUMBER = re.compile(r"^(?:no|number|num|option|opt|choice)?\s*#?\s*(\d{1,3})\s*[.)]?$")
_FUZZY_MIN = 0.82


@dataclass(frozen=True, slots=True)
class Match:
    """The outcome of matching: the option chosen, or why nothing was (for a precise re-prompt)."""

    option: Option | None
    out_of_range: bool = False
    loose: bool = False  # found inside a longer message or by a near spelling, not said outright


def says_unsure(text: str) -> bool:
    """Is the whole message a way of saying "I'm not sure" / "what does that mean"?"""
    return normalise(text) in _UNSURE or text.strip() == "?" or answers.says_unsure(text)


def parse_number(text: str) -> int | None:
    """ ``"2"``, ``"2."``, ``"no 2"``, ``"#2"``, ``"two"`` → 2; anything else → ``None``."""
    if re.match(r"^\s*-\s*\d", text):
        return -1  # a negative number is never an option (normalising would drop the sign)
    normal = normalise(text)
    if normal in NUMBER_WORDS:
        return NUMBER_WORDS[normal]
    found = _NUMBER.match(normal) or _NUMBER.match(text.strip().lower())
    return int(found.group(1)) if found else None


def _plain(text: str) -> str:
    """Normalised, apostrophes dropped: "don't" and "dont" are typed equally often."""
    return normalise(text).replace("'", "")


def _phrases(option: Option) -> set[str]:
    phrases = {_plain(option.label), _plain(option.key.replace("_", " ").replace("-", " "))}
    phrases.update(_plain(w) for w in option.words)
    phrases.update(_plain(w) for w in VARIANTS.get(option.key, ()))
    return {p for p in phrases if p}


def match_option(text: str, options: Sequence[Option]) -> Match:
    """The option ``text`` chooses, trying the precise readings before the forgiving ones."""
    if not options:
        return Match(None)
    number = parse_number(text)
    if number is not None:
        if 1 <= number <= len(options):
            return Match(options[number - 1])
        return Match(None, out_of_range=True)
    normal = _plain(text)
    if not normal:
        return Match(None)
    exact = [o for o in options if normal in _phrases(o)]
    if len(exact) == 1:
        return Match(exact[0])
    contained = [o for o in options if any(_contains(normal, p) for p in _phrases(o))]
    if len(contained) == 1:
        return Match(contained[0], loose=True)
    return Match(_closest(normal, options), loose=True)


def _contains(text: str, phrase: str) -> bool:
    """Is ``phrase`` said in ``text`` as whole words (either way round, for short answers)?"""
    if len(phrase) < 3 and phrase not in VARIANTS["yes"] + VARIANTS["no"]:
        return False
    if f" {phrase} " in f" {text} ":
        return len(text.split()) <= 3 * max(1, len(phrase.split())) + 2
    return len(text) >= 4 and f" {text} " in f" {phrase} "


def _closest(text: str, options: Sequence[Option]) -> Option | None:
    scored = sorted(
        ((max(SequenceMatcher(None, text, p).ratio() for p in _phrases(o)), i) for i, o in enumerate(options)),
        reverse=True,
    )
    if not scored or scored[0][0] < _FUZZY_MIN or len(text) < 3:
        return None
    if len(scored) > 1 and scored[1][0] >= scored[0][0] - 0.04:
        return None
    return options[scored[0][1]]
