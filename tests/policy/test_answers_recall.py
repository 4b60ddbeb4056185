"""The answer reader never costs the risk gate an urgent message.

The engine sets the learned model's verdict aside only for a plain yes/no/not-sure answer to its own
question, or a request to delete data (``policy.answers.plain_answer``, ``asks_to_forget``); the
phrase lists always apply. No urgent message in the labelled set is such a message.
"""

from __future__ import annotations

import json
from pathlib import Path

from famsbot.policy import risk
from famsbot.policy.answers import asks_to_forget, plain_answer

CASES = [json.loads(line) for line in (Path(__file__).parent / "data" / "risk_cases.jsonl").open(encoding="utf-8")]


def test_no_urgent_message_is_read_as_a_mere_answer() -> None:
    urgent = [case["text"] for case in CASES if case["urgent"]]
    assert len(urgent) > 500
    set_aside = [
        text for text in urgent
        if risk.assess(text).signals == [risk.POSSIBLE_RISK] and (plain_answer(text) or asks_to_forget(text))
    ]  # fmt: skip
    assert set_aside == []


def test_the_hedged_no_that_opened_an_urgent_concern_is_a_plain_answer() -> None:
    assert risk.assess("no not right now i dont think").signals == [risk.POSSIBLE_RISK]  # the model alone fires
    assert plain_answer("no not right now i dont think")
