"""What is a family member's free-text message about?

The dialogue engine asks this when someone types instead of choosing from the menu, to start the right
flow (booking, help with travel costs, a welfare concern, care-leaver rights, family days), to honour an
opt-out, or to signpost elsewhere. The labelling rules are the reference's (Part C): the safest label wins,
so imminent risk is ``welfare_urgent`` whatever else the message says, and any worry about the person's
welfare beats logistics; cost worries are APVS; a bare "help" is a greeting; a partial opt-out ("stop
sending me the family day messages") is still an opt-out.

Understanding comes first from weighted phrases per label (``data/intent_lexicon.yaml``), matched on the
same prepared text as :mod:`famsbot.policy.risk` (shorthand expanded, typos of phrase words corrected),
plus the few precedence rules below: a phrase list can be read, argued about and fixed by the people who
know the domain. Where the lists are unsure, a small linear model shipped with the code
(:mod:`famsbot.policy.linear`, trained by ``bench/train_text_models.py`` on the labelled messages in
``tests/``) reads the message too, because new phrasings slip past any list. Nothing is downloaded.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from famsbot.policy import linear, risk
from famsbot.policy.text import (
    PhraseList,
    Speller,
    phrase_words,
    plain_words,
    policy_data,
    protected_words,
)

__all__ = ["LABELS", "TOPICS", "IntentResult", "classify", "intent_model"]

log = logging.getLogger(__name__)

LABELS = (
    "booking",
    "apvs",
    "welfare_concern",
    "welfare_urgent",
    "care_leaver",
    "family_day",
    "opt_out",
    "greeting_help",
    "out_of_scope",
)
# What an out-of-scope message is about, so the bot can signpost the right place.
TOPICS = (
    "legal",
    "release",
    "money",
    "complaint",
    "unwanted_contact",
    "sender_distress",
    "property",
    "contact",
    "transfer",
    "find_prisoner",
    "other",
)
# When two labels score the same, the one earlier here wins: safer and more specific first.
_PRECEDENCE = (
    "welfare_concern",
    "care_leaver",
    "apvs",
    "family_day",
    "booking",
    "out_of_scope",
    "opt_out",
    "greeting_help",
)
_OPT_OUT_DECIDES = 4.0  # an opt-out phrase this strong is obeyed over anything but imminent risk
_WELFARE_DECIDES = 3.0  # a welfare worry this clear wins over logistics (the safest label wins)
_MIN_SCORE = 2.0  # below this nothing was really recognised: low confidence, the engine shows the menu
_GROUP_CAP = 2  # one phrase group counts at most this many times
# An explicit complaint or a wish to stop the prisoner's contact is not a booking question, whatever
# else the message mentions ("complaint about the visits booking line").
_TOPICS_DECIDE = ("complaint", "unwanted_contact", "other")
_TOPIC_DECIDES = 4.0
# A cost or a family day named outright is what a visit question is about ("costing me more to visit him
# than my rent", "do the kids need to be on his visiting list for the family day").
_OVER_BOOKING = ("apvs", "family_day")
_OVER_BOOKING_DECIDES = 4.0
_DATED_RISK = 4.0  # a finished past risk event ("tried to hang himself two years ago") is a welfare concern
# The learned model (``data/models/intents.json``) is asked only when the phrase lists are less sure
# than this, and it decides only when its own probability reaches MODEL_SURE and the message has at
# least MODEL_MIN_WORDS words. Chosen on the trainer's out-of-fold predictions, by source: on the blind
# batch the lists never saw, lists alone 0.817, model alone 0.891, this combination 0.919.
RULES_SURE = 0.8
MODEL_SURE = 0.6
MODEL_MIN_WORDS = 2
MODEL_NAME = "intents"


@dataclass(frozen=True)
class IntentResult:
    """The label for one message, how sure we are, and for ``out_of_scope`` what it is about."""

    label: str
    confidence: float
    topic: str | None = None


@dataclass(frozen=True)
class _Group:
    name: str  # a label, or an out-of-scope topic
    weight: float
    phrases: PhraseList


@dataclass(frozen=True)
class _Model:
    labels: tuple[_Group, ...]
    topics: tuple[_Group, ...]
    sender_distress: re.Pattern[str] | None
    speller: Speller


def _groups(section: dict[str, dict[int, list[str]]], macros: dict[str, str]) -> list[_Group]:
    out: list[_Group] = []
    for name, by_weight in section.items():
        for weight, phrases in by_weight.items():
            out.append(_Group(name, float(weight), PhraseList(phrases, macros)))
    return out


@cache
def _model() -> _Model:
    raw: Any = yaml.safe_load(policy_data("intent_lexicon.yaml"))
    macros: dict[str, str] = {k: "".join(v.split()) for k, v in raw["macros"].items()}
    phrases = [p for section in ("labels", "topics") for g in raw[section].values() for ps in g.values() for p in ps]
    return _Model(
        labels=tuple(_groups(raw["labels"], macros)),
        topics=tuple(_groups(raw["topics"], macros)),
        sender_distress=risk.own_distress(),
        speller=Speller(phrase_words([*phrases, *macros.values()]), protected_words()),
    )


def _score(groups: tuple[_Group, ...], text: str) -> dict[str, float]:
    scores: dict[str, float] = {}
    for group in groups:
        hits = len(group.phrases.found(text))
        if hits:
            scores[group.name] = scores.get(group.name, 0.0) + group.weight * min(hits, _GROUP_CAP)
    return scores


def _confidence(best: float, runner_up: float) -> float:
    """Higher with more evidence and with a clearer lead over the next label; always in [0, 1]."""
    strength = 1.0 - math.exp(-best / 2.0)
    lead = max(0.0, best - runner_up) / best
    return round(min(1.0, strength * (0.6 + 0.4 * lead)), 3)


def classify(text: str) -> IntentResult:
    """Say what a free-text message is about, so the engine can start the right flow.

    Args:
        text: the message exactly as the person sent it (any case, punctuation, emoji, language).

    Returns:
        An :class:`IntentResult`: ``label`` is one of :data:`LABELS`; ``confidence`` is in [0, 1] and is
        low (under 0.3) when nothing was really recognised, so the engine can show the menu instead;
        ``topic`` is set only for ``out_of_scope`` (one of :data:`TOPICS`, or ``None`` when unknown) to
        choose where to signpost. Whenever :func:`famsbot.policy.risk.assess` finds the message urgent,
        the label is ``welfare_urgent``.
    """
    reading = risk.read(text)
    if reading.urgent:
        return IntentResult("welfare_urgent", 0.95 if reading.signals else round(0.5 + reading.probability / 2, 3))
    by_rules, topic_scores = _by_rules(text, reading.dated)
    if by_rules.confidence >= RULES_SURE:
        return by_rules
    guess = _model_guess(text)
    if guess is None or guess[1] < MODEL_SURE or guess[0] == by_rules.label:
        return by_rules
    label, probability = guess
    return IntentResult(label, round(probability, 3), _best_topic(topic_scores) if label == "out_of_scope" else None)


def _model_guess(text: str) -> tuple[str, float] | None:
    """The learned model's best label and its probability; ``None`` without a model or with too few words.

    The model cannot see imminent risk better than the risk gate, which has already said no: its
    ``welfare_urgent`` is read as the safest label that is left, ``welfare_concern``.
    """
    model = intent_model()
    words = linear.words(text)
    if model is None or len(words) < MODEL_MIN_WORDS:
        return None
    probabilities = model.probabilities(words)
    label = max(probabilities, key=probabilities.__getitem__)
    return ("welfare_concern" if label == "welfare_urgent" else label), probabilities[label]


@cache
def intent_model() -> linear.LinearModel | None:
    """The learned model, loaded once; ``None`` (phrase lists only, logged loudly) if it cannot be read."""
    try:
        return linear.load_model(MODEL_NAME)
    except Exception:  # the router must keep working on its phrase lists alone
        log.exception("the intent model could not be loaded: intents run on the phrase lists only")
        return None


def _by_rules(text: str, dated: list[str]) -> tuple[IntentResult, dict[str, float]]:
    """The phrase lists' label for a message the risk gate let through, and the out-of-scope topics' scores."""
    model = _model()
    prepared = " ".join(model.speller.correct(w) for w in plain_words(text))
    if not prepared:
        return IntentResult("greeting_help", 0.2), {}

    topic_scores = _score(model.topics, prepared)
    # Words about the writer's own distress ("I feel so low") are not a worry about the prisoner.
    about_others = prepared
    if model.sender_distress is not None:
        about_others = model.sender_distress.sub(" _ ", prepared)
    scores = _score(model.labels, about_others)
    if dated:
        # risk words about a finished past event ("he tried to hang himself two years ago") still make
        # the message a worry about his welfare (reference B2: previous self-harm is a risk indicator)
        scores["welfare_concern"] = scores.get("welfare_concern", 0.0) + _DATED_RISK
    if topic_scores:
        scores["out_of_scope"] = max(topic_scores.values())

    # A greeting or "help" in front of a real request is just politeness.
    if any(score >= _MIN_SCORE for name, score in scores.items() if name != "greeting_help"):
        scores.pop("greeting_help", None)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], _PRECEDENCE.index(kv[0])))
    if not ranked or ranked[0][1] < _MIN_SCORE:
        label = "greeting_help" if ranked and ranked[0][0] == "greeting_help" else "out_of_scope"
        best = ranked[0][1] if ranked else 0.0
        topic = _best_topic(topic_scores) if label == "out_of_scope" else None
        return IntentResult(label, round(0.1 + min(best, 1.5) / 10, 3), topic), topic_scores
    if scores.get("opt_out", 0.0) >= _OPT_OUT_DECIDES and topic_scores.get("unwanted_contact", 0.0) < _TOPIC_DECIDES:
        label = "opt_out"
    elif scores.get("welfare_concern", 0.0) >= _WELFARE_DECIDES:
        label = "welfare_concern"
    elif max((topic_scores.get(t, 0.0) for t in _TOPICS_DECIDE), default=0.0) >= _TOPIC_DECIDES:
        label = "out_of_scope"
    elif ranked[0][0] == "booking" and any(scores.get(n, 0.0) >= _OVER_BOOKING_DECIDES for n in _OVER_BOOKING):
        label = max(_OVER_BOOKING, key=lambda n: scores.get(n, 0.0))
    else:
        label = ranked[0][0]
    runner_up = max((score for name, score in scores.items() if name != label), default=0.0)
    confidence = _confidence(scores[label], runner_up)
    topic = _best_topic(topic_scores) if label == "out_of_scope" else None
    return IntentResult(label, confidence, topic), topic_scores


def _best_topic(topic_scores: dict[str, float]) -> str | None:
    if not topic_scores:
        return None
    return max(topic_scores.items(), key=lambda kv: (kv[1], -TOPICS.index(kv[0])))[0]
