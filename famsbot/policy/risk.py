"""Does a message show imminent risk to someone's life or safety?

This is the gate in front of every conversation (DESIGN §1 step 3): whatever state the conversation is in,
a message that shows risk gets the emergency reply first (reference B4). A missed message can cost a life
and a false alarm costs one extra message, so the rules favour recall: indirect talk ("he said he cant do
this anymore"), goodbyes and finality ("said this is the last time ill hear from him"), means ("hes got a
rope in his cell"), threats with a time ("theyre coming to sort him out tonight"), coded words ("kms",
"unalive"), typos, no spaces, and Welsh, Polish and Roman-Urdu phrases all count. Only figures of speech
("this booking line is killing me"), a plain "not" in front of a state ("he is not suicidal") and events
that are clearly over ("he tried to hang himself two years ago") are let through on their own.

The phrases live in ``data/risk_phrases.yaml`` so safeguarding staff can read and extend them; this
module only prepares the text and applies them, in four steps:

1. phrases: any phrase of a signal is enough (``signals``), unless a "not" cancels a "~" phrase;
2. cues: some words are only weak signs alone ("sorry", "look after the kids", "hung up") but two
   different kinds in one message read as a goodbye (``cues``);
3. time: a match in a clause that is plainly about the past ("two years ago", "used to", "last month
   ... hes ok now") is set aside, unless anything in the message points to now ("again", "tonight");
4. run-together words ("hesgoingtokillhimself") are searched for stems (``squashed``).

Phrases only catch what someone foresaw, so a learned second reader (:mod:`famsbot.policy.linear`, model
``data/models/risk.json``, trained on the labelled messages) is asked too: when the phrases find nothing
and the model's probability of risk reaches the threshold chosen when it was trained (stored with it),
the message is urgent with the signal ``possible_risk``: less certain, but "when in doubt, treat it as
urgent". The rules keep a veto where they are confident, because the model reads words and not
grammar: a message whose risk words are all in a finished past (step 3) or whose every clause is plainly
past, whose risk words were denied ("he is not suicidal"), or that holds a figure of speech ("this line
is killing me") is not urgent on the model's word alone.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import yaml

from famsbot.policy import linear
from famsbot.policy.text import (
    PhraseList,
    Speller,
    compile_phrases,
    phrase_words,
    plain_words,
    policy_data,
    protected_words,
)

__all__ = [
    "POSSIBLE_RISK", "RULE_SIGNALS", "SIGNALS", "RiskAssessment", "RiskReading",
    "assess", "model_may_read", "own_distress", "read", "read_signals",
]  # fmt: skip

log = logging.getLogger(__name__)

# The signals the phrase lists report, in the order they are listed ...
RULE_SIGNALS = ("suicide", "self_harm", "violence", "medical", "sender_at_risk", "threat_to_sender")
# ... and the one reported when only the learned model saw a risk (the phrases found nothing).
POSSIBLE_RISK = "possible_risk"
# Every signal this module can report.
SIGNALS = (*RULE_SIGNALS, POSSIBLE_RISK)
MODEL_NAME = "risk"
# The model reads only messages at least this long. A short answer ("3", "all", "add something") is too
# little for word statistics to mean anything, and out of fold every urgent message the model caught
# alone had 8 words or more, while 11 of its 110 false alarms had fewer than 6; short risk talk
# ("kms", "he wants to die") is the phrase lists' job.
MODEL_MIN_WORDS = 6

# Words that cancel a "~" phrase when they stand just before it ("he is NOT suicidal") ...
_NEGATORS = frozenset(
    {
        "not", "isnt", "wasnt", "never", "no", "nobody", "dont", "doesnt", "didnt",
        "aint", "nor", "arent", "werent", "hasnt", "havent", "without",
    }
)  # fmt: skip
# ... unless the writer is unsure, which is itself a reason to act ("not sure if he's suicidal").
_UNSURE = frozenset(
    {
        "if", "whether", "sure", "know", "think", "might", "maybe", "may", "could",
        "worried", "scared", "afraid",
    }
)  # fmt: skip
_NEGATION_REACH = 4
_SQUASHED_MIN = 10  # a token this long with no spaces may be several words run together
# Where one clause ends and the next begins: punctuation in the message as typed ...
_BREAKS = re.compile(r"[.,!?;:\n\r]+")
# ... and joining words (the joining word starts the new clause).
_JOINERS = frozenset({"and", "but", "then", "so", "because", "though", "although", "while", "whereas", "plus", "n"})
# A clause that is only a time ("two years ago", "when he was 17") dates the clauses either side of it:
# at most this many words in it besides the marker and filler words.
_BARE_EXTRA = 1
_FILLER = frozenset(
    {
        "it", "was", "this", "that", "about", "around", "roughly", "maybe", "back", "when", "all", "only",
        "just", "but", "and", "so", "though", "like", "to", "bylo", "roedd", "hynny", "oedd", "yeh", "tha",
        "baat", "hai", "ki", "well", "over", "nearly", "almost",
    }
)  # fmt: skip


@dataclass(frozen=True)
class RiskAssessment:
    """The verdict on one message: ``urgent`` when any signal was found, and which ones."""

    urgent: bool
    signals: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Cues:
    groups: tuple[PhraseList, ...]
    needed: int


@dataclass(frozen=True)
class _Rules:
    not_risk: re.Pattern[str] | None
    plain: dict[str, PhraseList]
    negatable: dict[str, PhraseList]
    cues: dict[str, _Cues]
    squashed: dict[str, tuple[str, ...]]
    past: re.Pattern[str] | None
    past_if_resolved: re.Pattern[str] | None
    resolved: re.Pattern[str] | None
    present: re.Pattern[str] | None
    datable: frozenset[str]
    own_distress: re.Pattern[str] | None
    speller: Speller


@cache
def _rules() -> _Rules:
    data: Any = yaml.safe_load(policy_data("risk_phrases.yaml"))
    macros: dict[str, str] = {k: "".join(v.split()) for k, v in data["macros"].items()}
    plain: dict[str, PhraseList] = {}
    negatable: dict[str, PhraseList] = {}
    words: set[str] = set()
    for signal in RULE_SIGNALS:
        phrases: list[str] = data["signals"][signal]
        words |= phrase_words(phrases)
        plain[signal] = PhraseList([p for p in phrases if not p.startswith("~")], macros)
        negatable[signal] = PhraseList([p[1:] for p in phrases if p.startswith("~")], macros)
    cues: dict[str, _Cues] = {}
    for signal, spec in data["cues"].items():
        groups = []
        for phrases in spec["groups"].values():
            words |= phrase_words(phrases)
            groups.append(PhraseList(phrases, macros))
        cues[signal] = _Cues(tuple(groups), int(spec["needed"]))
    time: dict[str, list[str]] = data["time"]
    for key in ("past", "past_if_resolved", "resolved", "present"):
        words |= phrase_words(time[key])
    for value in macros.values():
        words |= phrase_words([value])
    squashed = {signal: tuple(stems) for signal, stems in data["squashed"].items()}
    return _Rules(
        not_risk=compile_phrases(data["not_risk"], macros),
        plain=plain,
        negatable=negatable,
        cues=cues,
        squashed=squashed,
        past=compile_phrases(time["past"], macros),
        past_if_resolved=compile_phrases(time["past_if_resolved"], macros),
        resolved=compile_phrases(time["resolved"], macros),
        present=compile_phrases(time["present"], macros),
        datable=frozenset(time["datable"]),
        own_distress=own_distress(),
        speller=Speller(words, protected_words()),
    )


@cache
def own_distress() -> re.Pattern[str] | None:
    """The writer's own distress ("i cant cope"): one phrase list, in intent_lexicon.yaml, for both readers.

    The intent router takes these words out before it looks for a worry about the prisoner; the risk
    gate does not let its model alone call such a message urgent.
    """
    lexicon: Any = yaml.safe_load(policy_data("intent_lexicon.yaml"))
    macros: dict[str, str] = {k: "".join(v.split()) for k, v in lexicon["macros"].items()}
    phrases = [p for ps in lexicon["topics"]["sender_distress"].values() for p in ps]
    return compile_phrases(phrases, macros)


def _negated(text: str, start: int) -> bool:
    before = text[:start].split()[-_NEGATION_REACH:]
    return any(w in _NEGATORS for w in before) and not any(w in _UNSURE for w in before)


@dataclass(frozen=True)
class _Prepared:
    """The message as corrected words joined by spaces, with the clause each character belongs to."""

    joined: str
    starts: list[int]  # where each word starts in ``joined``
    clause_of_word: list[int]
    clause_words: dict[int, list[str]]

    def clause_at(self, position: int) -> int:
        return self.clause_of_word[max(0, bisect_right(self.starts, position) - 1)]


def _prepare(text: str, speller: Speller) -> _Prepared:
    words: list[str] = []
    clause_of_word: list[int] = []
    clause = 0
    for chunk in _BREAKS.split(text):
        for word in plain_words(chunk):
            if word in _JOINERS and clause_of_word and clause_of_word[-1] == clause:
                clause += 1
            words.append(speller.correct(word))
            clause_of_word.append(clause)
        clause += 1
    starts: list[int] = []
    position = 0
    for word in words:
        starts.append(position)
        position += len(word) + 1
    by_clause: dict[int, list[str]] = {}
    for word, c in zip(words, clause_of_word, strict=True):
        by_clause.setdefault(c, []).append(word)
    return _Prepared(" ".join(words), starts, clause_of_word, by_clause)


def _blank(match: re.Match[str]) -> str:
    """A figure of speech is blanked out with the same length, so positions keep their clauses."""
    return "_" * len(match.group(0))


def _past_clauses(rules: _Rules, prepared: _Prepared) -> set[int]:
    """Clauses plainly about a past, finished event; empty when anything in the message points to now."""
    text = prepared.joined
    if rules.past is None or (rules.present is not None and rules.present.search(text)):
        return set()
    markers = list(rules.past.finditer(text))
    if rules.past_if_resolved is not None and rules.resolved is not None and rules.resolved.search(text):
        markers += rules.past_if_resolved.finditer(text)
    marked: set[int] = set()
    for marker in markers:
        clause = prepared.clause_at(marker.start())
        marked.add(clause)
        words = prepared.clause_words.get(clause, [])
        extra = len(words) - len(marker.group(0).split()) - sum(w in _FILLER for w in words)
        if extra <= _BARE_EXTRA:
            marked |= {clause - 1, clause + 1}
    return marked


@dataclass(frozen=True)
class RiskReading:
    """Everything both readers saw in one message; :func:`assess` and the intent router decide from it."""

    signals: list[str]  # current signals found by the phrases, in the order of RULE_SIGNALS
    dated: list[str]  # signals only found about a finished past event (never urgent on their own)
    probability: float  # the model's probability of risk, after the rules' vetoes (0.0 when vetoed)
    threshold: float  # the model's threshold (above 1 when no model could be loaded)

    @property
    def model_fired(self) -> bool:
        return self.probability >= self.threshold

    @property
    def urgent(self) -> bool:
        return bool(self.signals) or self.model_fired

    def assessment(self) -> RiskAssessment:
        if self.signals:
            return RiskAssessment(urgent=True, signals=list(self.signals))
        if self.model_fired:
            return RiskAssessment(urgent=True, signals=[POSSIBLE_RISK])
        return RiskAssessment(urgent=False, signals=[])


def assess(text: str) -> RiskAssessment:
    """Decide whether a message shows imminent risk to life or safety.

    Args:
        text: the message exactly as the person sent it (any case, punctuation, emoji, language).

    Returns:
        A :class:`RiskAssessment`. ``urgent`` is true when any risk signal is found; ``signals`` names
        them in a fixed order, from: ``suicide``, ``self_harm``, ``violence``, ``medical``,
        ``sender_at_risk`` (the writer themselves is at risk) and ``threat_to_sender`` (someone,
        usually the prisoner, threatens the writer). Both of the last two also make the message urgent.
        When the phrases find nothing but the learned model sees a risk, the only signal is
        ``possible_risk`` (urgent, but less certain: nothing says whose risk or what kind).
    """
    return read(text).assessment()


def read(text: str) -> RiskReading:
    """The phrases' signals (current and past) and the model's vetoed probability for one message."""
    rules = _rules()
    reading = _read(rules, text)
    model = risk_model()
    if model is None:
        return RiskReading(reading.found, reading.dated, 0.0, _NO_MODEL)
    return RiskReading(reading.found, reading.dated, model_probability(text, model, reading), threshold(model))


def read_signals(text: str) -> tuple[list[str], list[str]]:
    """The signals of ``text`` that the phrases find current, and those only found about a finished past event.

    The second list ("he tried to hang himself two years ago") never makes a message urgent, but it
    is still a welfare concern: :mod:`famsbot.policy.intents` uses it to route the message there. The
    learned model plays no part here (see :func:`read`).
    """
    reading = _read(_rules(), text)
    return reading.found, reading.dated


_NO_MODEL = 2.0  # a threshold no probability reaches


@cache
def risk_model() -> linear.LinearModel | None:
    """The learned model, loaded once; ``None`` (rules only, logged loudly) if it cannot be read."""
    try:
        return linear.load_model(MODEL_NAME)
    except Exception:  # the gate must keep working on its phrases alone
        log.exception("the risk model could not be loaded: the risk gate runs on its phrase lists only")
        return None


def threshold(model: linear.LinearModel) -> float:
    """The probability at which the model alone makes a message urgent (chosen when it was trained)."""
    return float(model.meta["threshold"])


@dataclass(frozen=True)
class _Reading:
    found: list[str]
    dated: list[str]
    prepared: _Prepared  # with figures of speech blanked out
    figure_of_speech: bool
    all_past: bool  # every clause is plainly about a finished past, and nothing points to now
    negated: bool  # a risk phrase was found but a "not" in front of it cancelled it ("he is not suicidal")
    improving: bool  # the message says things are better ("he sounded a bit better", "hes ok now")
    own_distress: bool  # the writer speaks of their own distress ("i cant cope", "im falling apart")


def model_probability(text: str, model: linear.LinearModel, reading: _Reading | None = None) -> float:
    """The model's probability that ``text`` shows risk, or 0.0 where :func:`model_may_read` says no."""
    if not model_may_read(text, reading):
        return 0.0
    return model.probabilities(linear.words(text))[model.classes[0]]


def model_may_read(text: str, reading: _Reading | None = None) -> bool:
    """May the learned model alone make ``text`` urgent? Not where the rules are sure it must not.

    No when the rules are sure the message is about the past (risk words only in past clauses, or
    every clause past), that its risk words were denied ("he is not suicidal", "I am not going to hurt
    myself"), that they were a figure of speech ("this line is killing me"), or that things are better
    ("he sounded a bit better"): the model reads words, not grammar, and would see the risk words
    alone. No when the writer speaks of their own distress ("i cant cope, everything is falling
    apart"): whether the writer is at risk is for the phrase lists (``sender_at_risk``) to say, and a
    family member who is struggling needs support, not the prison's safer custody team. No too for a
    message shorter than :data:`MODEL_MIN_WORDS` words. (The trainer applies the same vetoes when it
    picks the threshold.)
    """
    if reading is None:
        reading = _read(_rules(), text)
    if not reading.found and (
        reading.dated
        or reading.all_past
        or reading.negated
        or reading.figure_of_speech
        or reading.improving
        or reading.own_distress
    ):
        return False
    return len(linear.words(text)) >= MODEL_MIN_WORDS


def _read(rules: _Rules, text: str) -> _Reading:
    prepared = _prepare(text, rules.speller)
    figure_of_speech = False
    if rules.not_risk is not None:
        blanked = rules.not_risk.sub(_blank, prepared.joined)
        figure_of_speech = blanked != prepared.joined
        prepared = replace(prepared, joined=blanked)
    joined = prepared.joined
    past = _past_clauses(rules, prepared)
    found: list[str] = []
    dated: list[str] = []
    negated = False
    long_tokens = [w for w in joined.split() if len(w) >= _SQUASHED_MIN]
    for signal in RULE_SIGNALS:
        datable = signal in rules.datable and bool(past)
        matches = _matches(rules, signal, joined)
        if datable:
            current = [(start, neg) for start, neg in matches if prepared.clause_at(start) not in past]
            if len(current) < len(matches):
                matches = current
                dated.append(signal)
        hit = any(not negatable or not _negated(joined, start) for start, negatable in matches)
        negated = negated or (bool(matches) and not hit)
        cues = rules.cues.get(signal)
        if not hit and cues is not None:
            hit = _enough_cues(cues, joined, past if datable else set(), prepared)
        if not hit:
            hit = any(stem in token for token in long_tokens for stem in rules.squashed.get(signal, ()))
        if hit or signal in _urdu_script(text):
            found.append(signal)
    all_past = bool(past) and bool(prepared.clause_of_word) and set(prepared.clause_of_word) <= past
    improving = rules.resolved is not None and bool(rules.resolved.search(joined))
    own_distress = rules.own_distress is not None and bool(rules.own_distress.search(joined))
    return _Reading(
        found, [s for s in dated if s not in found], prepared,
        figure_of_speech, all_past, negated, improving, own_distress,
    )


# Urdu in its own script: ``normalise`` keeps only Latin letters, so these few phrases are matched on
# the message as written (suicide, taking his life, wanting to die; being killed, a knife, in danger).
_URDU_SCRIPT = {
    "suicide": ("خودکشی", "خود کشی", "خود کو مار", "اپنی جان لے", "اپنی جان دے", "مرنا چاہت", "جینا نہیں چاہت",
                "پھانسی لگا"),
    "violence": ("جان سے مار", "مار دیں گے", "مار ڈالیں گے", "مار ڈالے", "چاقو", "خطرے میں"),
}  # fmt: skip


def _urdu_script(text: str) -> set[str]:
    return {signal for signal, phrases in _URDU_SCRIPT.items() if any(phrase in text for phrase in phrases)}


def _matches(rules: _Rules, signal: str, text: str) -> list[tuple[int, bool]]:
    """Where the phrases of ``signal`` start in ``text``, each with whether a "not" may cancel it."""
    return [(start, False) for start in rules.plain[signal].starts(text)] + [
        (start, True) for start in rules.negatable[signal].starts(text)
    ]


def _enough_cues(cues: _Cues, text: str, past: set[int], prepared: _Prepared) -> bool:
    kinds = 0
    for group in cues.groups:
        if any(prepared.clause_at(start) not in past for start in group.starts(text)):
            kinds += 1
            if kinds >= cues.needed:
                return True
    return False
