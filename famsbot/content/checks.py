"""``famsbot content check``: everything that can be wrong with content, found before a family does.

Beyond the schema (``loader``), every question of every flow is rendered for every prison, and
every visits topic answered, so a missing text, a wrong placeholder or an over-long SMS shows up
here rather than in a conversation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from famsbot.channels.render import sms_text
from famsbot.content.language import LANGUAGES, speaking
from famsbot.content.loader import Content, load_content
from famsbot.content.rules import rule_problems
from famsbot.content.translations import budget_problems, review_notes, translation_problems
from famsbot.dialogue.flow import FlowModel, TurnContext
from famsbot.errors import ContentError
from famsbot.sms_text import MAX_SEGMENTS, segments, sms_safe

__all__ = ["check_all", "check_flows", "check_notes"]


def check_all(root: Path | None = None) -> list[str]:
    """Every content problem, as readable lines; empty when all is well."""
    rules = rule_problems(root / "rules") if root is not None else rule_problems()
    try:
        content = load_content(root) if root is not None else load_content()
    except ContentError as exc:
        return exc.problems + rules
    return translation_problems(content) + budget_problems(content) + check_flows(content) + rules


def check_notes(root: Path | None = None) -> list[str]:
    """What is worth knowing but not wrong: texts awaiting a native speaker's review."""
    try:
        return review_notes(load_content(root) if root is not None else load_content())
    except ContentError:
        return []


def check_flows(content: Content) -> list[str]:
    """Every question of every flow, for every seed prison and in every language, rendered and measured."""
    problems: list[str] = []
    for lang in LANGUAGES:
        with speaking(lang):
            problems.extend(f"{p} [{lang}]" if lang != "en" else p for p in _check_flows(content))
    return problems


def _check_flows(content: Content) -> list[str]:
    from famsbot.flows import FLOWS
    from famsbot.flows.visits import answer_every_topic

    problems: list[str] = []
    now = datetime.now(UTC)
    for prison_id in content.prisons:
        for flow in FLOWS.values():
            for state, step in flow.steps.items():
                model = FlowModel(state, {"prison": prison_id}, TurnContext(content, now, "sms", prison_id))
                where = f"{flow.name}.{state} ({prison_id})"
                try:
                    body = sms_text(step.question(model))
                except ContentError as exc:
                    problems.extend(f"{where}: {p}" for p in exc.problems)
                    continue
                if segments(sms_safe(body)) > MAX_SEGMENTS:
                    problems.append(f"{where}: question is {segments(body)} SMS segments (max {MAX_SEGMENTS})")
        problems.extend(answer_every_topic(content, prison_id, now))
    for place in content.directory:  # every other prison is answered from the national directory
        if place.id not in content.prisons:
            problems.extend(answer_every_topic(content, place.id, now))
    return problems
