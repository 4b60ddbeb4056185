"""The intent router: every message gets one of the nine labels, the safest one when in doubt.

Cases come from tests/policy/data/intent_cases.jsonl (realistic messages, with a ``dev`` split that the
phrase lists were never tuned on) plus the labelling rules of the reference (Part C).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from famsbot.policy import risk
from famsbot.policy.intents import LABELS, TOPICS, IntentResult, classify

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "intent_cases.jsonl").open(encoding="utf-8")
]
RISK_TEXTS = [
    json.loads(line)["text"]
    for line in (Path(__file__).parent / "data" / "risk_cases.jsonl").open(encoding="utf-8")
]
CONTRACT_LABELS = {
    "booking",
    "apvs",
    "welfare_concern",
    "welfare_urgent",
    "care_leaver",
    "family_day",
    "opt_out",
    "greeting_help",
    "out_of_scope",
}


@cache
def _precision_recall(split: str | None) -> dict[str, tuple[float, float]]:
    rows = [c for c in CASES if split is None or c["split"] == split]
    got = [(c["label"], classify(c["text"]).label) for c in rows]
    out: dict[str, tuple[float, float]] = {}
    for label in CONTRACT_LABELS:
        tp = sum(gold == guess == label for gold, guess in got)
        predicted = sum(guess == label for _, guess in got)
        actual = sum(gold == label for gold, _ in got)
        out[label] = (tp / predicted if predicted else 1.0, tp / actual if actual else 1.0)
    return out


def test_the_labelled_set_covers_every_label_well() -> None:
    assert len(CASES) >= 1400
    assert {c["label"] for c in CASES} == CONTRACT_LABELS
    for label in CONTRACT_LABELS:
        assert sum(c["label"] == label for c in CASES) >= 30, label
        assert sum(c["label"] == label and c["split"] == "dev" for c in CASES) >= 5, label


def test_the_label_set_is_the_contract() -> None:
    assert set(LABELS) == CONTRACT_LABELS


@pytest.mark.parametrize("label", sorted(CONTRACT_LABELS))
def test_every_label_is_precise_and_found(label: str) -> None:
    precision, recall = _precision_recall(None)[label]
    assert precision >= 0.95, f"{label} precision {precision:.2f}"
    assert recall >= 0.95, f"{label} recall {recall:.2f}"


def test_held_out_split_holds_up() -> None:
    scores = _precision_recall("dev")
    rows = [c for c in CASES if c["split"] == "dev"]
    accuracy = sum(classify(c["text"]).label == c["label"] for c in rows) / len(rows)
    assert accuracy >= 0.95
    # the safety labels matter most: a missed emergency is the worst error
    assert scores["welfare_urgent"][1] >= 0.95
    for label, (precision, recall) in scores.items():
        assert precision >= 0.8, (label, precision)
        assert recall >= 0.8, (label, recall)


def test_the_first_blind_batch_holds_up() -> None:
    rows = [c for c in CASES if c.get("source") == "blind1"]
    assert len(rows) >= 350
    accuracy = sum(classify(c["text"]).label == c["label"] for c in rows) / len(rows)
    assert accuracy >= 0.97


def test_every_result_keeps_the_contract() -> None:
    for text in [c["text"] for c in CASES] + RISK_TEXTS + ["", "?", "qwerty asdf zxcv"]:
        result = classify(text)
        assert isinstance(result, IntentResult)
        assert result.label in CONTRACT_LABELS
        assert 0.0 <= result.confidence <= 1.0
        if risk.assess(text).urgent:
            assert result.label == "welfare_urgent", text
        if result.label == "out_of_scope":
            assert result.topic is None or result.topic in TOPICS
        else:
            assert result.topic is None


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("this website is killing me", "booking"),
        ("worried I can't afford the train", "apvs"),
        ("can I book a visit for Saturday? he said he's going to kill himself", "welfare_urgent"),
        ("help", "greeting_help"),
        ("HELP he's saying he's going to hang himself", "welfare_urgent"),
        ("stop sending me the family day messages", "opt_out"),
        ("STOP", "opt_out"),
        ("i want to book a visit but he sounded so low on the phone", "welfare_concern"),
        ("dying to see him, when's the next slot", "booking"),
        ("dead excited for the family day!!", "family_day"),
        ("my ex keeps ringing me from prison i dont want contact", "out_of_scope"),
        ("my ex keeps ringing me from prison saying he'll hurt me", "welfare_urgent"),
        ("when will he get parole", "out_of_scope"),
        ("how do i send him money", "out_of_scope"),
        ("i was in foster care till 17 am i a care leaver", "care_leaver"),
        ("hw do i bk a vist", "booking"),
        # a finished past risk is still a worry about him, not "out of scope"
        ("he tried to kill himself years ago, does the prison know?", "welfare_concern"),
        ("hes got a history of self harm, can they keep an eye on him", "welfare_concern"),
        ("he got beaten up last month, hes fine now but i worry", "welfare_concern"),
        # a worry about health or safety without imminent risk
        ("hes diabetic and his sugars are all over the place", "welfare_concern"),
        ("he says he doesnt feel safe on his wing", "welfare_concern"),
        ("no ones talking to him on the wing and hes going stir crazy", "welfare_concern"),
        ("she hasnt had her blood pressure tablets for a week", "welfare_concern"),
        # opt-outs in other words and languages
        ("please remove my number", "opt_out"),
        ("too many texts, only send me the important ones", "opt_out"),
        ("Stopiwch anfon negeseuon ata i", "opt_out"),
        ("nie chcę już dostawać powiadomień", "opt_out"),
        # sign-offs are not requests
        ("ok ta bye", "greeting_help"),
        ("dziękuję, do widzenia", "greeting_help"),
        # logistics: the visit itself, its cost, a family day named outright
        ("do babies need ID", "booking"),
        ("what are we allowed to wear on a visit", "booking"),
        ("im in a wheelchair, is the visits hall accessible", "booking"),
        ("costing me a fortune to visit him every week", "apvs"),
        ("do the kids need to be on his visiting list for the family day", "family_day"),
        ("my universal credit got stopped can you sort it", "out_of_scope"),
    ],
)
def test_labelling_rules_from_the_reference(text: str, label: str) -> None:
    assert classify(text).label == label, text


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("what's his release date", "release"),
        ("he needs a solicitor for his appeal", "legal"),
        ("how do i put money on his account", "money"),
        ("I want to make a complaint about the staff", "complaint"),
        ("he keeps writing to me and I want it to stop", "unwanted_contact"),
        ("I feel so alone since he went inside", "sender_distress"),
    ],
)
def test_out_of_scope_says_where_to_signpost(text: str, topic: str) -> None:
    result = classify(text)
    assert (result.label, result.topic) == ("out_of_scope", topic)


def test_nothing_recognised_gives_a_label_with_low_confidence() -> None:
    result = classify("qwerty asdf zxcv")
    assert result.label in {"out_of_scope", "greeting_help"}
    assert result.confidence < 0.3
    assert classify("how do I book a visit to see my son").confidence > 0.5


def test_welfare_urgent_is_confident() -> None:
    assert classify("he said he cant do this anymore").confidence >= 0.9
