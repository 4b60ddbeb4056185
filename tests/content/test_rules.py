"""The sentences the rule functions give families: sourced, SMS-safe, and all of them used."""

from __future__ import annotations

from pathlib import Path

import pytest

from famsbot.content.rules import RULES_DIR, load_rules, rule_problems
from famsbot.policy import apvs, care_leavers


def test_every_rule_sentence_is_sourced_and_fits_one_sms() -> None:
    assert rule_problems() == []


@pytest.mark.parametrize(("name", "module"), [("apvs", apvs), ("care_leavers", care_leavers)])
def test_the_policy_says_exactly_the_sentences_in_its_rule_file(name: str, module: object) -> None:
    facts = load_rules(name)
    assert dict(module.SENTENCES) == {key: fact.text for key, fact in facts.items()}  # type: ignore[attr-defined]
    assert all(fact.source for fact in facts.values())


def test_a_broken_rule_file_is_reported(tmp_path: Path) -> None:
    root = tmp_path
    (root / "apvs.yaml").write_text((RULES_DIR / "apvs.yaml").read_text(encoding="utf-8").replace(
        "source:", "sauce:", 1), encoding="utf-8")
    problems = rule_problems(root)
    assert problems
    assert all("rules/apvs.yaml" in p for p in problems)
