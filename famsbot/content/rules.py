"""The sentences the rule functions explain themselves with (``content/rules/*.yaml``).

Each sentence is a sourced ``Fact``: the rule it states comes from a seed or a public page. The
policy modules load them once at import and stay pure functions over plain data.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

import yaml
from pydantic import ValidationError

from famsbot.content.schema import Fact
from famsbot.errors import ContentError
from famsbot.sms_text import segments, sms_safe

__all__ = ["RULES_DIR", "load_rules", "rule_problems"]

RULES_DIR = Path(__file__).parent / "rules"


@cache
def load_rules(name: str, root: Path = RULES_DIR) -> Mapping[str, Fact]:
    """The sentences in ``rules/<name>.yaml`` by id; :class:`ContentError` lists every problem."""
    path = root / f"{name}.yaml"
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError([f"rules/{name}.yaml: cannot be read: {exc}"]) from exc
    facts: dict[str, Fact] = {}
    problems: list[str] = []
    for key, entry in entries.items():
        try:
            facts[str(key)] = Fact.model_validate(entry)
        except ValidationError as exc:
            problems.extend(f"rules/{name}.yaml: {key}: {err['msg']}" for err in exc.errors())
    if problems:
        raise ContentError(problems)
    return MappingProxyType(facts)


def rule_problems(root: Path = RULES_DIR) -> list[str]:
    """Every rule file loads, and every sentence fits one SMS (a reason is sent on its own)."""
    problems: list[str] = []
    for path in sorted(root.glob("*.yaml")):
        try:
            facts = load_rules.__wrapped__(path.stem, root)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        for key, fact in facts.items():
            where = f"rules/{path.name}: {key}"
            if segments(sms_safe(fact.text)) > 1:
                problems.append(f"{where}: longer than one SMS")
    return problems
