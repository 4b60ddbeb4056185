"""Recognising a prison however people write it: "HMP Maidstone", "stoke heath", "HMP/YOI Chelmsford",
"maidston", "the prison in Wrexham", "Carchar Caerdydd", a NOMIS code ("MSI"), inside a sentence.

The names come from content (each prison's names, aliases and towns); this module only decides
which one a message means, so it is a pure function over plain data. An index is built once per
list of prisons (at content load), so a lookup costs a few dictionary probes per word, never a
comparison with every prison.

Tiers, strongest first: a NOMIS code, a prison's name, a town. A longer phrase beats one it contains
("bullingdon remand" over "bullingdon"). Where the best tier names several prisons (a shared name,
a town with two prisons), every one is returned as a candidate so the caller can ask one question.
Typos are corrected word by word towards prison-name words only, and never from an everyday word
("needs" is not "Leeds"). Names that are everyday words ("Send", "Ford") count only alone or with
"HMP", "prison" or the like beside them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from famsbot.policy.text import Speller, policy_data, protected_words, tokens

__all__ = ["PrisonIndex", "PrisonMatch", "PrisonNames", "find_prison", "strip_prison_words"]

# Words that say "a prison" without saying which one (English and Welsh).
_GENERIC = {
    "hmp", "hmpyoi", "hmyoi", "yoi", "hmip", "hm", "prison", "prisons", "jail", "gaol", "nick", "the", "in", "at",
    "of", "carchar", "cem", "ei", "mawrhydi", "sefydliad", "troseddwyr", "ifanc", "y", "yr", "and", "secure",
    "training", "centre",
}
_QUALIFIERS = {"hmp", "hmpyoi", "hmyoi", "yoi", "prison", "jail", "gaol", "nick", "carchar", "hm"}
_CODE = re.compile(r"\b[A-Z][A-Z0-9]{2,3}\b")
NAME, TOWN = 1, 2


@dataclass(frozen=True)
class PrisonNames:
    """What a prison may be called: its names and aliases, the towns it is known by, its NOMIS code."""

    id: str
    names: Sequence[str]
    towns: Sequence[str] = ()
    code: str | None = None
    weak: Sequence[str] = ()  # names that are everyday words: need a qualifier beside them
    label: str | None = None
    site_words: Sequence[str] = ()  # pick this one among prisons sharing a name ("remand")


@dataclass(frozen=True)
class PrisonMatch:
    """What a message names: one prison (``id``), several (``candidates``: ask), or none."""

    candidates: tuple[str, ...] = ()
    how: str = "none"  # "code", "name", "town", or "none"
    words: str = ""  # the words that matched, for "Did you mean …?"

    @property
    def id(self) -> str | None:
        return self.candidates[0] if len(self.candidates) == 1 else None


def strip_prison_words(text: str) -> str:
    """``"HMP/YOI Chelmsford prison"`` → ``"chelmsford"``."""
    return " ".join(t for t in tokens(text.replace("/", " ")) if t not in _GENERIC)


@cache
def _common_words() -> frozenset[str]:
    lines = policy_data("common_words.txt").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#")) | protected_words()


@dataclass
class _Phrase:
    ids: set[str] = field(default_factory=set)
    tier: int = TOWN
    weak: set[str] = field(default_factory=set)


class PrisonIndex:
    """Every way of naming every prison, precomputed; :meth:`match` reads one message."""

    def __init__(self, prisons: Sequence[PrisonNames]) -> None:
        self.prisons = {p.id: p for p in prisons}
        self._phrases: dict[str, _Phrase] = {}
        self._codes: dict[str, set[str]] = {}
        self._towns: dict[str, set[str]] = {}  # every town phrase, even where a name outranks it
        for prison in prisons:
            if prison.code:
                self._codes.setdefault(prison.code.upper(), set()).add(prison.id)
            self._add(prison.id.replace("-", " "), prison.id, NAME)
            for name in prison.names:
                self._add(name, prison.id, NAME, weak=strip_prison_words(name) in prison.weak)
            for town in prison.towns:
                self._add(town, prison.id, TOWN)
                self._towns.setdefault(strip_prison_words(town), set()).add(prison.id)
        self._add_first_words(prisons)
        self._longest = max((len(p.split(" ")) for p in self._phrases), default=1)
        vocabulary = {w for phrase in self._phrases for w in phrase.split(" ")}
        joined = {p.replace(" ", "") for p in self._phrases if " " in p}
        self._speller = Speller(vocabulary | joined, _common_words() - vocabulary)
        self._cache: dict[str, PrisonMatch] = {}

    def _add_first_words(self, prisons: Sequence[PrisonNames]) -> None:
        """"Wormwood" alone means Wormwood Scrubs: the first word of a longer name, where it is no
        everyday word and no other prison's name starts with it."""
        owners: dict[str, set[str]] = {}
        for prison in prisons:
            for name in prison.names:
                words = strip_prison_words(name).split(" ")
                if len(words) > 1 and len(words[0]) >= 5:
                    owners.setdefault(words[0], set()).add(prison.id)
        common = _common_words()
        for word, ids in owners.items():
            if len(ids) == 1 and word not in common and word not in self._phrases:
                self._phrases[word] = _Phrase(ids=set(ids), tier=NAME)

    def __iter__(self) -> Iterator[PrisonNames]:
        return iter(self.prisons.values())

    def __len__(self) -> int:
        return len(self.prisons)

    def clear_cache(self) -> None:
        """Forget cached answers (benchmarks measure the cold path)."""
        self._cache.clear()

    def _add(self, text: str, prison_id: str, tier: int, *, weak: bool = False) -> None:
        phrase = strip_prison_words(text)
        if not phrase:
            return
        for key in {phrase, phrase.replace(" ", "")}:
            entry = self._phrases.setdefault(key, _Phrase(tier=tier))
            if tier < entry.tier:  # a name outranks a town of the same spelling ("Durham")
                entry.ids, entry.tier, entry.weak = set(), tier, set()
            if tier == entry.tier:
                entry.ids.add(prison_id)
                if weak:
                    entry.weak.add(prison_id)

    def match(self, text: str) -> PrisonMatch:
        """The prisons ``text`` names, best first; results are cached per text (families repeat)."""
        cached = self._cache.get(text)
        if cached is None:
            if len(self._cache) > 5000:
                self._cache.clear()
            cached = self._cache[text] = self._match(text)
        return cached

    def _match(self, text: str) -> PrisonMatch:
        code = self._code(text)
        if code:
            return PrisonMatch(code, "code", text.strip())
        raw = tokens(text.replace("/", " "))
        if not raw:
            return PrisonMatch()
        raw = [w.replace("'", "") for w in raw]  # "guy's marsh"
        kept = [(i, w) for i, w in enumerate(raw) if w not in _GENERIC]
        words = [w for _, w in kept]
        found = self._scan(raw, kept, words)
        if found is None:
            corrected = [self._speller.correct(w) for w in words]
            if corrected != words:
                found = self._scan(raw, kept, corrected)
        if found is None:
            found = self._joined(raw, kept, words)
        if found is not None and len(found.candidates) > 1:
            found = self.narrow(found, text)
        return found or PrisonMatch()

    def narrow(self, found: PrisonMatch, text: str) -> PrisonMatch:
        """Among prisons sharing a name, the one whose site words the text uses ("bullingdon remand")."""
        words = tokens(text.replace("/", " ").replace(",", " "))
        padded = f" {' '.join(words)} ".replace(" hmp yoi ", " hmp ")  # "HMP/YOI" names no site
        short = len(words) <= 4
        def says(word: str) -> bool:
            if len(word) > 1:
                return f" {word} " in padded
            # a single letter ("F wing") only in a short reply or beside "wing"
            return (short and f" {word} " in padded) or f" {word} wing" in padded or f"wing {word} " in padded

        chosen = [i for i in found.candidates if any(says(w) for w in self.prisons[i].site_words)]
        if len(chosen) == 1:
            return PrisonMatch((chosen[0],), found.how, found.words)
        return found

    def _code(self, text: str) -> tuple[str, ...] | None:
        """A NOMIS code: the whole message in any case ("msi"), or in capitals inside one ("MSI")."""
        stripped = text.strip()
        if stripped.upper() in self._codes and len(stripped) <= 5:
            return tuple(sorted(self._codes[stripped.upper()]))
        hits = [c for c in _CODE.findall(text) if c in self._codes]
        return tuple(sorted(self._codes[hits[0]])) if len(set(hits)) == 1 else None

    def _scan(self, raw: list[str], kept: list[tuple[int, str]], words: list[str]) -> PrisonMatch | None:
        hits: list[tuple[int, int, int, set[str], str]] = []  # start, end, tier, ids, words
        for start in range(len(words)):
            for width in range(min(self._longest, len(words) - start), 0, -1):
                phrase = " ".join(words[start : start + width])
                entry = self._phrases.get(phrase)
                if entry is None:
                    continue
                ids = set(entry.ids)
                if entry.weak and not self._qualified(raw, kept, start, start + width, len(words)):
                    ids -= entry.weak
                if ids:
                    hits.append((start, start + width, entry.tier, ids, phrase))
        if not hits:
            return None
        # A phrase inside a longer one that also matched does not count on its own.
        hits = [h for h in hits if not any(o is not h and o[0] <= h[0] and h[1] <= o[1] and o[1] - o[0] > h[1] - h[0]
                                           for o in hits)]
        best = min(h[2] for h in hits)
        top = [h for h in hits if h[2] == best]
        if len(top) > 1:  # "New Hall, Wakefield": a name that is also the other prison's town is its town
            ids_top: set[str] = set().union(*(h[3] for h in top))
            hits = [h for h in top if not (self._towns.get(h[4], set()) & (ids_top - h[3]))] or top
        named: set[str] = set()
        phrases = []
        for hit in hits:
            if hit[2] == best:
                named |= hit[3]
                phrases.append(hit[4])
        return PrisonMatch(tuple(sorted(named)), "name" if best == NAME else "town", " ".join(phrases))

    @staticmethod
    def _qualified(raw: list[str], kept: list[tuple[int, str]], start: int, end: int, count: int) -> bool:
        """An everyday-word name counts alone ("Send") or with a prison word beside it ("HMP Send")."""
        if count == end - start and len(raw) <= end - start + 2:
            return True
        first, last = kept[start][0], kept[end - 1][0]
        near = {*raw[max(first - 2, 0) : first], *raw[last + 1 : last + 3]}
        before = raw[first - 1] if first > 0 else ""
        return bool(near & _QUALIFIERS) or before in {"at", "in"} or (before == "the" and raw[first] == "mount")

    def _joined(self, raw: list[str], kept: list[tuple[int, str]], words: list[str]) -> PrisonMatch | None:
        """Last try: two or three words run together and misspelt ("wormwood scrub", "stokeheat")."""
        for width in (3, 2, 1):
            for start in range(len(words) - width + 1):
                joined = "".join(words[start : start + width])
                if len(joined) < 8:
                    continue
                corrected = self._speller.correct(joined)
                entry = self._phrases.get(corrected)
                if entry is None:
                    continue
                qualified = self._qualified(raw, kept, start, start + width, len(words))
                ids = set(entry.ids) - (set() if qualified else entry.weak)
                if ids:
                    return PrisonMatch(tuple(sorted(ids)), "name" if entry.tier == NAME else "town", corrected)
        return None


@cache
def _index_for(key: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]) -> PrisonIndex:
    return PrisonIndex([PrisonNames(i, names, towns) for i, names, towns in key])


def find_prison(
    text: str, prisons: PrisonIndex | Sequence[PrisonNames] | Mapping[str, PrisonNames]
) -> str | None:
    """The id of the one prison ``text`` names, or ``None`` if it names none or is ambiguous.

    Pass a prebuilt :class:`PrisonIndex` (``content.prison_index``); a plain list of names is
    indexed once and remembered.
    """
    if isinstance(prisons, PrisonIndex):
        return prisons.match(text).id
    candidates = list(prisons.values()) if isinstance(prisons, Mapping) else list(prisons)
    if any(p.code or p.weak for p in candidates):
        return PrisonIndex(candidates).match(text).id
    key = tuple((p.id, tuple(p.names), tuple(p.towns)) for p in candidates)
    return _index_for(key).match(text).id
