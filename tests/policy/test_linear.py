"""The learned second reader: the shipped models match their data, and run-time inference matches training.

The models are files written by ``bench/train_text_models.py``; these tests catch the two ways they can
silently go wrong: the labelled data changed and nobody retrained, or the run-time code computes the
features differently from the trainer (then every probability would be quietly off).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from famsbot.policy import linear, risk
from famsbot.policy.risk import POSSIBLE_RISK, assess

DATA = Path(__file__).parent / "data"
RISK_CASES = [json.loads(line) for line in (DATA / "risk_cases.jsonl").open(encoding="utf-8")]


@pytest.mark.parametrize("name", ["risk", "intents"])
def test_the_shipped_model_was_trained_on_the_current_labelled_data(name: str) -> None:
    model = linear.load_model(name)
    for file, digest in model.meta["data_sha256"].items():
        actual = hashlib.sha256((DATA / file).read_bytes()).hexdigest()
        assert actual == digest, f"{file} changed: run python bench/train_text_models.py"


@pytest.mark.parametrize("name", ["risk", "intents"])
def test_run_time_probabilities_are_the_trainers(name: str) -> None:
    model = linear.load_model(name)
    assert model.meta["checks"]
    for check in model.meta["checks"]:
        got = model.probabilities(linear.words(check["text"]))
        for label, expected in check["probabilities"].items():
            assert got[label] == pytest.approx(expected, abs=1e-3), (check["text"], label)


def test_the_intent_model_gives_a_distribution_over_the_nine_labels() -> None:
    model = linear.load_model("intents")
    probabilities = model.probabilities(linear.words("can i get money for the train to see my son"))
    assert sum(probabilities.values()) == pytest.approx(1.0)
    assert max(probabilities, key=probabilities.__getitem__) == "apvs"


def test_features_are_word_and_padded_character_ngrams() -> None:
    words = linear.words("Hes NOT ok")
    assert words == ["hes", "not", "ok"]
    assert linear.word_ngrams(words) == {"hes": 1, "not": 1, "ok": 1, "hes not": 1, "not ok": 1}
    chars = linear.char_ngrams(["ok"])
    assert chars == {" o": 1, "ok": 1, "k ": 1, " ok": 1, "ok ": 1, " ok ": 1}


def test_the_model_catches_risk_the_phrases_did_not_foresee() -> None:
    # the labelled urgent messages the phrase lists miss (most from the later blind batch) are mostly
    # caught by the model alone, and reported as such; the honest figure for unseen messages is the
    # trainer's cross-validation by source, stored in risk.json
    missed_by_rules = [c for c in RISK_CASES if c["urgent"] and not risk.read_signals(c["text"])[0]]
    assert missed_by_rules
    caught = [c for c in missed_by_rules if assess(c["text"]).urgent]
    assert len(caught) >= len(missed_by_rules) // 2
    assert all(assess(c["text"]).signals == [POSSIBLE_RISK] for c in caught)


@pytest.mark.parametrize(
    "text",
    [
        "he tried to hang himself two years ago but hes doing well now",
        "he is not suicidal, he is just bored",
        "this booking line is killing me",
        "my phone battery is dead, will ring tomorrow",
    ],
)
def test_the_rules_veto_the_model_where_they_are_sure(text: str) -> None:
    assert risk.read(text).probability == 0.0
    assert not assess(text).urgent


def test_without_its_model_the_gate_still_runs_on_its_phrases(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable(name: str) -> linear.LinearModel:
        raise OSError("model file missing")

    risk.risk_model.cache_clear()
    monkeypatch.setattr(linear, "load_model", unreadable)
    try:
        assert assess("he said hes going to kill himself tonight").urgent
        assert not assess("how do i book a visit").urgent
        assert risk.read("how do i book a visit").probability == 0.0
    finally:
        risk.risk_model.cache_clear()
