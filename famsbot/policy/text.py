"""Text normalisation shared by every reader of free text (option matching, prisons, risk, intents).

Families write on old phones, in capitals, without punctuation, with curly quotes and emoji. One
normal form means each reader handles those once, the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Set
from functools import cache
from importlib import resources

__all__ = [
    "PhraseList",
    "Speller",
    "compile_phrases",
    "edit_distance",
    "normalise",
    "phrase_regex",
    "phrase_words",
    "plain_words",
    "policy_data",
    "protected_words",
    "tokens",
]

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_NOT_WORD = re.compile(r"[^a-z0-9' ]+")
_SPACES = re.compile(r"\s+")
# Letters that do not decompose into an ASCII base under NFKD.
_FOLD = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ı": "i"})


def normalise(text: str) -> str:
    """Lower-case ASCII words separated by single spaces; apostrophes kept, everything else dropped.

    >>> normalise("  HMP  Maidstone!! 😢 ")
    'hmp maidstone'
    >>> normalise("Dw i’n poeni")
    "dw i'n poeni"
    """
    folded = text.translate(_APOSTROPHES).lower().translate(_FOLD)
    ascii_text = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode("ascii")
    cleaned = _NOT_WORD.sub(" ", ascii_text)
    cleaned = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", cleaned)  # quotes that are not apostrophes
    return _SPACES.sub(" ", cleaned).strip()


def tokens(text: str) -> list[str]:
    """The words of ``text`` after :func:`normalise`."""
    normal = normalise(text)
    return normal.split(" ") if normal else []


# --- Reading free text for meaning (risk, intents) -------------------------------------------------
#
# ``normalise`` keeps what people typed; the helpers below go one step further and fold the many ways
# of writing the same word onto one spelling, because a phrase list can only recognise what it can
# match. "cnt", "carnt" and "can't" all become ``cant``; "u" becomes ``you``; "he'll" becomes
# ``he will``; "him self" becomes ``himself``; "cuttin" becomes ``cutting`` when that is a word we look for.

# One token typed → the word(s) it stands for. Only unambiguous shorthand: nothing that is also a
# common Welsh, Polish or Urdu word ("y", "yr", "mi", "da", "n" are left alone).
_SHORTHAND: dict[str, str] = {
    "u": "you", "c": "see", "ya": "you", "yu": "you", "ur": "your", "r": "are", "ure": "youre",
    "pls": "please", "plz": "please", "plse": "please", "pleas": "please", "pleeze": "please",
    "thx": "thanks", "thnx": "thanks", "thanx": "thanks", "ty": "thanks",
    "wen": "when", "wn": "when", "wat": "what", "wot": "what", "wht": "what", "hw": "how",
    "whr": "where", "wer": "where",
    "cud": "could", "cld": "could", "wud": "would", "wld": "would", "shud": "should", "shld": "should",
    "cnt": "cant", "carnt": "cant", "kant": "cant", "cannot": "cant", "caint": "cant", "cn": "can",
    "dnt": "dont", "dosent": "doesnt", "dosnt": "doesnt", "doznt": "doesnt", "duznt": "doesnt",
    "wnt": "wont", "hasent": "hasnt", "havnt": "havent", "avent": "havent", "didint": "didnt",
    "dint": "didnt", "wasent": "wasnt", "isint": "isnt",
    "hez": "hes", "shez": "shes", "hs": "hes",
    "gonna": "going to", "gunna": "going to", "gna": "going to", "gona": "going to", "goin": "going",
    "wanna": "want to", "wana": "want to", "gotta": "got to", "hafta": "have to",
    "dunno": "dont know", "dno": "dont know", "kno": "know", "knw": "know",
    "ima": "i am going to", "imma": "i am going to",
    "abt": "about", "bout": "about", "bowt": "about",
    "cos": "because", "coz": "because", "cuz": "because", "bc": "because", "bcos": "because",
    "becos": "because", "becoz": "because", "bcoz": "because", "cause": "because",
    "wiv": "with", "wid": "with", "thru": "through", "tho": "though",
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmrow": "tomorrow", "tomoz": "tomorrow", "tomorow": "tomorrow",
    "2moro": "tomorrow", "2morrow": "tomorrow", "2day": "today", "tday": "today",
    "2nite": "tonight", "tonite": "tonight", "2night": "tonight", "nite": "night",
    "b4": "before", "l8r": "later", "gr8": "great",
    "sum1": "someone", "some1": "someone", "any1": "anyone", "every1": "everyone", "no1": "no one",
    "ppl": "people", "msg": "message", "msgs": "messages", "mssg": "message", "txt": "text",
    "txts": "texts", "txting": "texting", "txtin": "texting",
    "bk": "book", "bkd": "booked", "bking": "booking",
    "summat": "something", "sumthin": "something", "somethin": "something", "sumthing": "something",
    "nuffin": "nothing", "nothin": "nothing", "nuthin": "nothing", "nt": "not",
    "av": "have", "hav": "have", "ded": "dead", "kil": "kill", "kild": "killed", "kiled": "killed",
    "dem": "them", "dey": "they", "dat": "that", "dis": "this",
    "bro": "brother", "hubby": "husband", "bf": "boyfriend", "gf": "girlfriend",
    "mam": "mum", "mom": "mum", "mommy": "mum", "mummy": "mum",
    "selfharm": "self harm", "selfharming": "self harming", "selfharmed": "self harmed",
    "oded": "overdosed",
    "gdbye": "goodbye", "gudbye": "goodbye", "goodby": "goodbye", "gbye": "goodbye", "g2g": "got to go",
    "soz": "sorry", "sry": "sorry", "srry": "sorry", "luv": "love", "ily": "i love you", "ilu": "i love you",
}
# Two tokens that people split and we look for as one ("him self" → "himself").
_JOINS: dict[tuple[str, str], str] = {
    ("him", "self"): "himself", ("her", "self"): "herself", ("my", "self"): "myself",
    ("them", "selves"): "themselves", ("them", "self"): "themself", ("your", "self"): "yourself",
    ("his", "self"): "hisself", ("can", "not"): "cant", ("any", "more"): "anymore",
}
# Contractions whose apostrophe carries a word we need ("he'll" → "he will"); every other
# apostrophe is simply dropped ("can't" → "cant", "he's" → "hes"), which is how most people type.
_CONTRACTION = re.compile(r"(?<=[a-z])'ll\b")
_OD_D = re.compile(r"\bod'?e?d\b(?<!\bodd)|\bod'd\b")  # "OD'd", "ODed": overdosed, but not "odd"
_RUNS = re.compile(r"([a-z])\1{2,}")
_LEET = str.maketrans({"1": "i", "3": "e", "0": "o", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})


def plain_words(text: str) -> list[str]:
    """Words with apostrophes folded away and shorthand expanded, before any spelling correction.

    >>> plain_words("He'll b ok, u cnt do it him self")
    ['he', 'will', 'b', 'ok', 'you', 'cant', 'do', 'it', 'himself']
    """
    folded = _CONTRACTION.sub(" will", normalise(text.replace("@", "a").replace("$", "s")))
    folded = _OD_D.sub("overdosed", folded)
    out: list[str] = []
    for raw in folded.replace("'", "").split():
        word = _RUNS.sub(r"\1\1", raw)
        expanded = _SHORTHAND.get(word, word)
        for part in expanded.split(" "):
            if out and (out[-1], part) in _JOINS:
                out[-1] = _JOINS[(out[-1], part)]
            else:
                out.append(part)
    return out


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (typos, dropped and swapped letters), or ``limit + 1`` past it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, previous2[j - 2] + 1)
            current[j] = best
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _deletes(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


class Speller:
    """Corrects a word to the nearest word a classifier is looking for, and never a real word.

    Built once from the words that the phrase lists use (``targets``) and the real words that must be
    left alone even when they are one letter away from a target (``protected``: "banging" is not a
    misspelling of "hanging"). A word gets at most one edit when it has five to seven letters, two
    when longer, none when shorter: short words are too often another word. Dropped final g's
    ("cuttin"), repeated letters ("helppp") and digits for letters ("su1c1de") are tried first.
    Lookups go through a symmetric-delete index, so each word costs a few dictionary probes.
    """

    _CACHE_LIMIT = 20_000

    def __init__(self, targets: Set[str], protected: Set[str] = frozenset()) -> None:
        self.targets = frozenset(targets)
        self.protected = frozenset(protected)
        self._index: dict[str, set[str]] = {}
        for target in self.targets:
            if len(target) >= 5:
                for variant in _deletes(target, 2 if len(target) >= 8 else 1):
                    self._index.setdefault(variant, set()).add(target)
        self._cache: dict[str, str] = {}

    def correct(self, word: str) -> str:
        """``word`` itself when it is known or nothing is close; otherwise the closest target."""
        cached = self._cache.get(word)
        if cached is None:
            if len(self._cache) >= self._CACHE_LIMIT:
                self._cache.clear()
            cached = self._cache[word] = self._lookup(word)
        return cached

    def _lookup(self, word: str) -> str:
        if word in self.targets or word in self.protected or not word.isascii():
            return word
        dropped_g = word + "g" if word.endswith("in") and len(word) >= 4 else word
        for variant in (dropped_g, re.sub(r"([a-z])\1", r"\1", word), word.translate(_LEET)):
            if variant in self.targets:
                return variant
        if len(word) < 5 or not word.isalpha():
            return word
        limit = 2 if len(word) >= 8 else 1
        candidates = {t for d in _deletes(word, limit) for t in self._index.get(d, ())}
        scored = sorted(
            (edit_distance(word, t, limit), t[0] != word[0], t) for t in candidates
        )
        scored = [s for s in scored if s[0] <= limit and (s[0] == 1 or len(s[2]) >= 8)]
        if not scored or (len(scored) > 1 and scored[0][:2] == scored[1][:2]):
            return word
        return scored[0][2]


_MACRO = re.compile(r"\{([A-Z][A-Z_0-9]*)\}")
_GAP = r"(?: [a-z0-9]+){0,3}"


def phrase_regex(phrase: str, macros: Mapping[str, str]) -> str:
    """One phrase of a phrase list as a regular expression over :func:`plain_words` joined by spaces.

    The notation keeps the lists readable by people who are not programmers:

    - words separated by spaces must appear in that order, next to each other;
    - ``a|b|c`` is any one of those words, and ``_`` joins several words into one choice
      (``going_to|will``);
    - a trailing ``*`` on a word matches any ending (``suicid*``: suicide, suicidal);
    - a trailing ``?`` on a slot makes it optional (``really? low``);
    - ``...`` lets up to three other words stand between the slots around it;
    - ``{NAME}`` is replaced by the choices named ``NAME`` in ``macros``;
    - a phrase starting ``re:`` is a raw regular expression, for the few cases the notation can't say
      (``{NAME}`` works there too, as a group of the choices).

    So ``{HE} ... kill* himself|herself`` matches "he said hed kill himself" and "she killed herself".
    """
    if phrase.startswith("re:"):
        return _MACRO.sub(lambda m: "(?:" + macros[m.group(1)].replace("_", " ") + ")", phrase[3:].strip())
    expanded = _MACRO.sub(lambda m: macros[m.group(1)], phrase)
    out = r"\b"
    first = True
    for slot in expanded.split():
        if slot == "...":
            out += _GAP
            continue
        optional = slot.endswith("?") and len(slot) > 1
        choices = "|".join(
            re.escape(choice.rstrip("*")).replace("_", " ") + ("[a-z0-9]*" if choice.endswith("*") else "")
            for choice in slot.rstrip("?").split("|")
        )
        if first and optional:
            out += f"(?:(?:{choices}) )?"
            continue
        if first:
            out += f"(?:{choices})"
        elif optional:
            out += f"(?: (?:{choices}))?"
        else:
            out += f" (?:{choices})"
        first = False
    return out + r"\b"


def compile_phrases(phrases: Iterable[str], macros: Mapping[str, str]) -> re.Pattern[str] | None:
    """All ``phrases`` as one alternation (``None`` for an empty list), in :func:`phrase_regex` notation.

    Every phrase starts at a word boundary, so the boundary is tested once, in front of the alternation:
    the regex engine then skips the middle of words instead of trying every phrase there (several times
    faster on long phrase lists).
    """
    parts = [phrase_regex(p, macros) for p in phrases]
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in parts) + ")") if parts else None


class PhraseList:
    """Phrases kept apart, each with the text that any match of it must contain, for fast matching.

    One long alternation makes the regex engine try every phrase at every word; most phrases need a
    word that the message does not have at all. So each phrase is compiled on its own together with its
    *needles* (:func:`required_text`: strings of which every match contains at least one), and a phrase
    is only run when one of its needles is in the message. The matches are the same, only found sooner.
    """

    def __init__(self, phrases: Iterable[str], macros: Mapping[str, str]) -> None:
        self._patterns: list[re.Pattern[str]] = []
        self._always: list[int] = []  # phrases with no needle: always run
        needed_by: dict[str, list[int]] = {}
        for index, phrase in enumerate(phrases):
            regex = phrase_regex(phrase, macros)
            self._patterns.append(re.compile(regex))
            needles = required_text(regex)
            if needles:
                for needle in needles:
                    needed_by.setdefault(needle, []).append(index)
            else:
                self._always.append(index)
        self._needles = tuple((needle, tuple(ids)) for needle, ids in sorted(needed_by.items()))

    def _candidates(self, text: str) -> list[re.Pattern[str]]:
        ids = set(self._always).union(*[ids for needle, ids in self._needles if needle in text])
        return [self._patterns[i] for i in sorted(ids)]

    def starts(self, text: str) -> list[int]:
        """Where matches of any of the phrases start in ``text`` (each phrase's matches, in order)."""
        return [m.start() for pattern in self._candidates(text) for m in pattern.finditer(text)]

    def found(self, text: str) -> set[str]:
        """The different stretches of ``text`` that the phrases match."""
        return {m.group(0) for pattern in self._candidates(text) for m in pattern.finditer(text)}


_QUANTIFIER = re.compile(r"\?|\*|\+|\{(\d*)(?:,(\d*))?\}")


class _Unknown(ValueError):
    """A regular expression that :func:`required_text` does not read: it then requires nothing."""


def required_text(regex: str) -> frozenset[str] | None:
    """Strings of which every match of ``regex`` contains at least one, or ``None`` when unknown.

    Reads the plain subset of regular expressions that the phrase lists use (groups, alternatives,
    quantifiers, classes, ``\\b``, look-arounds); anything else gives ``None``, which is always safe.

    >>> sorted(required_text(r"\\b(he|she) (wants|wanted) to die\\b"))
    [' to die']
    """
    try:
        needles, end = _alternatives(regex, 0)
    except (_Unknown, IndexError):
        return None
    return needles if end == len(regex) else None


def _alternatives(regex: str, i: int) -> tuple[frozenset[str] | None, int]:
    options: list[frozenset[str] | None] = []
    while True:
        needles, i = _sequence(regex, i)
        options.append(needles)
        if i < len(regex) and regex[i] == "|":
            i += 1
            continue
        break
    if any(o is None for o in options):
        return None, i
    return frozenset().union(*(o for o in options if o is not None)), i


def _best(current: frozenset[str] | None, candidate: frozenset[str] | None) -> frozenset[str] | None:
    """The more selective of two requirements: longer shortest string, then fewer strings."""
    if not candidate or "" in candidate:
        return current
    if current is None:
        return candidate
    return candidate if _selectivity(candidate) > _selectivity(current) else current


def _selectivity(needles: frozenset[str]) -> tuple[int, int]:
    return min(map(len, needles)), -len(needles)


def _sequence(regex: str, i: int) -> tuple[frozenset[str] | None, int]:
    best: frozenset[str] | None = None
    run = ""  # literal characters that must appear together
    while i < len(regex) and regex[i] not in "|)":
        char = regex[i]
        needles: frozenset[str] | None = None
        literal: str | None = None
        if char == "(":
            if regex.startswith(("(?=", "(?!"), i):
                _, i = _alternatives(regex, i + 3)
                i += 1
                best = _best(best, frozenset({run})) if run else best
                run = ""  # a look-around requires nothing, but it does split the run
                continue
            if regex.startswith(("(?<=", "(?<!"), i):
                _, i = _alternatives(regex, i + 4)
                i += 1
                best = _best(best, frozenset({run})) if run else best
                run = ""
                continue
            if regex.startswith("(?:", i):
                needles, i = _alternatives(regex, i + 3)
            elif regex.startswith("(?", i):
                raise _Unknown(regex)
            else:
                needles, i = _alternatives(regex, i + 1)
            if regex[i] != ")":
                raise _Unknown(regex)
            i += 1
        elif char == "[":
            end = regex.index("]", i + 2 if regex[i + 1] in "^]" else i + 1)
            i = end + 1
        elif char == "\\":
            escaped = regex[i + 1]
            i += 2
            if escaped in "bB":
                best = _best(best, frozenset({run})) if run else best
                run = ""
                continue
            if escaped.isalnum():  # \w, \d, \s and the like: a class
                pass
            else:
                literal = escaped
        elif char in "^$":
            i += 1
            best = _best(best, frozenset({run})) if run else best
            run = ""
            continue
        elif char == ".":
            i += 1
        elif char in "*+?{":
            raise _Unknown(regex)
        else:
            literal = char
            i += 1
        quantifier = _QUANTIFIER.match(regex, i)
        least = 1
        if quantifier:
            i = quantifier.end()
            if i < len(regex) and regex[i] in "?+":
                i += 1
            text = quantifier.group(0)
            least = 0 if text in ("?", "*") else 1 if text == "+" else int(quantifier.group(1) or 0)
        if literal is not None and least >= 1:
            run += literal
            if quantifier:  # "a+" or "a{2,}": the run cannot go on past it
                best = _best(best, frozenset({run}))
                run = ""
            continue
        best = _best(best, frozenset({run})) if run else best
        run = ""
        if least >= 1:
            best = _best(best, needles)
    if run:
        best = _best(best, frozenset({run}))
    return best, i


def phrase_words(phrases: Iterable[str]) -> set[str]:
    """The words a phrase list looks for, so a :class:`Speller` can correct typos towards them."""
    text = re.sub(r"\\[bwdsWDS]|\{[A-Z][A-Z_0-9]*\}|\[[^\]]*\]", " ", " ".join(phrases))
    return {w for w in re.findall(r"[a-z][a-z0-9]+", text.replace("_", " ")) if len(w) >= 3}


@cache
def protected_words() -> frozenset[str]:
    """Real English words a letter or two from a phrase word, which a :class:`Speller` must leave alone.

    Kept in ``data/protected_words.txt`` (generated by ``bench/classify.py --protected-words``).
    """
    text = policy_data("protected_words.txt")
    return frozenset(w for w in (line.strip() for line in text.splitlines()) if w and not w.startswith("#"))


def policy_data(name: str) -> str:
    """The text of a data file shipped in ``famsbot/policy/data`` (phrase lists, word lists)."""
    return resources.files("famsbot.policy").joinpath("data", name).read_text("utf-8")
