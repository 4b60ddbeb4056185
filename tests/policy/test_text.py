"""The phrase matcher's shortcut: skipping phrases whose required text is absent never changes a result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from famsbot.policy import risk
from famsbot.policy.text import PhraseList, compile_phrases, plain_words, policy_data, required_text

DATA = Path(__file__).parent / "data"
TEXTS = [
    json.loads(line)["text"]
    for name in ("risk_cases.jsonl", "intent_cases.jsonl")
    for line in (DATA / name).open(encoding="utf-8")
]


@pytest.mark.parametrize(
    ("regex", "needles"),
    [
        (r"\b(he|she) (wants|wanted) to die\b", {" to die"}),
        (r"\bsuicid[a-z0-9]*\b", {"suicid"}),
        (r"\b(?:kill|killing) (?:himself|herself)\b", {"himself", "herself"}),
        (r"\b(hes|he s)?(?: [a-z0-9]+){0,3} end (it|things)\b(?! (with|between)\b)", {" end "}),
        (r"(?<!fel )\barfer\b", {"arfer"}),
        (r"^(stop|end)$", {"stop", "end"}),
        (r"\b(ab)?cd", {"cd"}),
    ],
)
def test_required_text_names_what_every_match_contains(regex: str, needles: set[str]) -> None:
    assert required_text(regex) == needles


@pytest.mark.parametrize("regex", [r"(?i)abc", r"\b[a-z]+\b", r"a|\w+", r"(?P<x>a)"])
def test_required_text_is_none_when_it_cannot_tell(regex: str) -> None:
    assert required_text(regex) is None


def _phrase_lists(data: Any, macros: dict[str, str]) -> list[list[str]]:
    """Every list of phrases in a phrase file (the ones that are matched against messages)."""
    out: list[list[str]] = []
    if isinstance(data, list) and all(isinstance(p, str) for p in data):
        out.append([p.lstrip("~") for p in data])
    elif isinstance(data, dict):
        for key, value in data.items():
            if key not in ("macros", "squashed", "datable", "needed"):
                out += _phrase_lists(value, macros)
    return out


@pytest.mark.parametrize("name", ["risk_phrases.yaml", "intent_lexicon.yaml"])
def test_phrase_lists_find_exactly_what_one_big_alternation_finds(name: str) -> None:
    data = yaml.safe_load(policy_data(name))
    macros = {k: "".join(v.split()) for k, v in data["macros"].items()}
    prepared = [" ".join(risk._rules().speller.correct(w) for w in plain_words(t)) for t in TEXTS]
    for phrases in _phrase_lists(data, macros):
        fast = PhraseList(phrases, macros)
        slow = compile_phrases(phrases, macros)
        assert slow is not None
        for text in prepared:
            assert bool(fast.starts(text)) == bool(slow.search(text)), (phrases[:2], text)
