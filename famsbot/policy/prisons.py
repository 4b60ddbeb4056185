"""Recognising a prison however people write it: "HMP Maidstone", "stoke heath", "chelmsford prison",
"maidston", a town name, or a number from the list.

The names come from content (each prison's ``aliases`` and ``towns``); this module only decides
which one a message means, so it is a pure function over plain data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from famsbot.policy.text import tokens

__all__ = ["PrisonNames", "find_prison", "strip_prison_words"]

# Words that say "a prison" without saying which one.
_GENERIC = {"hmp", "hmpyoi", "hmyoi", "yoi", "hmp/yoi", "prison", "jail", "gaol", "nick", "the", "in", "at", "of"}
_FUZZY_MIN = 0.84


@dataclass(frozen=True)
class PrisonNames:
    """What a prison may be called: its names and aliases, and the towns it is known by."""

    id: str
    names: Sequence[str]
    towns: Sequence[str] = ()


def strip_prison_words(text: str) -> str:
    """``"HMP/YOI Chelmsford prison"`` → ``"chelmsford"``."""
    return " ".join(t for t in tokens(text.replace("/", " ")) if t not in _GENERIC)


def _phrases(prison: PrisonNames) -> list[str]:
    phrases = {strip_prison_words(n) for n in (*prison.names, *prison.towns, prison.id.replace("-", " "))}
    return sorted(p for p in phrases if p)


def find_prison(text: str, prisons: Sequence[PrisonNames] | Mapping[str, PrisonNames]) -> str | None:
    """The id of the one prison ``text`` names, or ``None`` if it names none or is ambiguous.

    Exact phrases win anywhere in the message ("how do i book at maidstone"); otherwise a close
    spelling of a phrase ("maidston", "stoke heat", "chelmsferd") is accepted when it is clear.
    """
    candidates = list(prisons.values()) if isinstance(prisons, Mapping) else list(prisons)
    words = strip_prison_words(text)
    if not words:
        return None
    padded = f" {words} "
    exact = {p.id for p in candidates for phrase in _phrases(p) if f" {phrase} " in padded}
    if len(exact) == 1:
        return exact.pop()
    if len(exact) > 1:
        return None
    return _closest(words.split(" "), candidates)


def _closest(words: list[str], candidates: list[PrisonNames]) -> str | None:
    best: dict[str, float] = {}
    for prison in candidates:
        for phrase in _phrases(prison):
            size = len(phrase.split(" "))
            for start in range(len(words)):
                for width in {size - 1, size, size + 1} - {0}:
                    window = " ".join(words[start : start + width])
                    if not window or abs(len(window) - len(phrase)) > 3 or len(window) < 4:
                        continue
                    score = SequenceMatcher(None, window, phrase).ratio()
                    best[prison.id] = max(best.get(prison.id, 0.0), score)
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < _FUZZY_MIN:
        return None
    if len(ranked) > 1 and ranked[1][1] >= ranked[0][1] - 0.05:
        return None
    return ranked[0][0]
