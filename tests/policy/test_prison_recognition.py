"""Recognising every prison in the directory however a family writes it, on a labelled set.

``data/prison_phrasings.yaml`` holds several hundred phrasings across all prisons: full and short
names, "HMP/YOI", capitals, typos, sentences, unique towns, Welsh names, NOMIS codes, and shared
names that must ask one question (the expected value is then the list of candidates), plus texts
that name no prison. The accuracy is measured over the whole set and must stay high; a few exact
cases are pinned so a regression says what broke.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from famsbot.content.loader import load_content
from famsbot.policy.prisons import PrisonNames, find_prison

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "prison_phrasings.yaml").read_text(encoding="utf-8"))
CONTENT = load_content()
INDEX = CONTENT.prison_index


def _expected(case: dict[str, Any]) -> tuple[str, ...]:
    expect = case["expect"]
    if expect is None:
        return ()
    return (expect,) if isinstance(expect, str) else tuple(sorted(expect))


def test_the_labelled_set_covers_every_prison_and_every_kind() -> None:
    assert len(CASES) >= 400
    named = {i for c in CASES for i in _expected(c)}
    assert named >= {p.id for p in CONTENT.directory}
    assert {c["kind"] for c in CASES} >= {"name", "typo", "town", "welsh", "site", "code", "none"}


def test_recognition_accuracy_on_the_labelled_set() -> None:
    wrong = [(c["text"], _expected(c), INDEX.match(c["text"]).candidates) for c in CASES
             if INDEX.match(c["text"]).candidates != _expected(c)]
    accuracy = 1 - len(wrong) / len(CASES)
    assert accuracy >= 0.97, f"accuracy {accuracy:.1%}; wrong: {wrong[:20]}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the prison in Wrexham", ("berwyn",)),
        ("Carchar Caerdydd", ("cardiff",)),
        ("my son is at bullingdon on remand", ("bullingdon-remand",)),
        ("bullingdon", ("bullingdon-convicted", "bullingdon-remand")),
        ("he needs visiting times", ()),  # "needs" is not a typo of Leeds
        ("can you send me the times", ()),  # Send needs "HMP" or "prison" in a sentence
        ("HMP Send", ("send",)),
        ("MSI", ("maidstone",)),
    ],
)
def test_pinned_cases(text: str, expected: tuple[str, ...]) -> None:
    assert INDEX.match(text).candidates == expected


def test_the_old_find_prison_still_answers_for_existing_callers() -> None:
    seeds = [PrisonNames("maidstone", ["HMP Maidstone"], ["Maidstone"]),
             PrisonNames("stoke-heath", ["HMP/YOI Stoke Heath"], ["Market Drayton"])]
    assert find_prison("how do i book at maidstone", seeds) == "maidstone"
    assert find_prison("stoke heat", seeds) == "stoke-heath"
    assert find_prison("hello", seeds) is None
    assert find_prison("wandsworth", CONTENT.prison_index) == "wandsworth"
    assert find_prison("feltham", CONTENT.prison_index) is None  # two prisons: the caller asks
