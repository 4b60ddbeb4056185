"""Every reply the bot can give, rendered as the engine renders it, for checks over all of them.

Covers: every question of every flow for every prison (and before a prison is known), each with
the re-ask the engine sends when an answer is not understood and any "not sure" explanation; the
answer to every visits topic for every prison; every emergency route; and the engine's own
messages (welcomes, STOP/START, help, switching topic, carrying on, signposts).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from famsbot.content.loader import Content
from famsbot.dialogue.flow import FlowModel, TurnContext
from famsbot.dialogue.messages import Inbound, Option, Reply
from famsbot.dialogue.reprompt import reprompt
from famsbot.dialogue.steps import Explain, Rejected, Step
from famsbot.dialogue.urgent import urgent_route
from famsbot.errors import ContentError
from famsbot.flows import FLOWS

__all__ = ["every_reply"]

UNREADABLE = ("999", "zzz qqq xyz", "", "not sure")  # answers that a step refuses or explains


def every_reply(content: Content, now: datetime) -> Iterator[tuple[str, Reply]]:
    """``(where, reply)`` for every reply listed in the module docstring."""
    yield from _questions(content, now)
    yield from _topics(content, now)
    yield from _urgent(content)
    yield from _engine(content)


def _questions(content: Content, now: datetime) -> Iterator[tuple[str, Reply]]:
    for prison_id in (None, *content.prisons):
        for flow in FLOWS.values():
            for state, step in flow.steps.items():
                where = f"{flow.name}.{state} ({prison_id or 'no prison'})"
                answers = {"prison": prison_id} if prison_id else {}
                model = FlowModel(state, answers, TurnContext(content, now, "sms", prison_id))
                try:
                    question = step.question(model)
                except ContentError:
                    if prison_id is None:
                        continue  # a question that is only asked once the prison is known
                    raise
                yield where, question
                yield from _reasks(content, where, step, model, question)


def _reasks(content: Content, where: str, step: Step, model: FlowModel, question: Reply) -> Iterator[tuple[str, Reply]]:
    """What the engine sends for an answer it cannot read: ``Engine._reprompt``, and explanations."""
    for text in UNREADABLE:
        result = step.read(model, Inbound("sms", "+447700900000", text))
        if isinstance(result, Explain):
            yield f"{where} explained", Reply(result.text)
        elif isinstance(result, Rejected):
            for misses in (1, 2):
                for reply in reprompt(content, "sms", result, question, misses):
                    yield f"{where} re-asked ({misses})", reply


def _topics(content: Content, now: datetime) -> Iterator[tuple[str, Reply]]:
    from famsbot.flows.visits import READERS, TOPICS, tell_topic

    for prison_id in content.prisons:
        for topic in TOPICS:
            if topic.key not in READERS:
                continue
            model = FlowModel("more", {"prison": prison_id, "topic": topic.key}, TurnContext(content, now, "sms"))
            tell_topic(_Event(model))  # type: ignore[arg-type]
            for reply in model.replies:
                yield f"visits topic {topic.key} ({prison_id})", reply


def _urgent(content: Content) -> Iterator[tuple[str, Reply]]:
    for prison in (None, *content.prisons.values()):
        for signals in ([], ["suicide"], ["sender_at_risk"], ["threat_to_sender"]):
            where = f"urgent {'/'.join(signals) or 'general'} ({prison.id if prison else 'no prison'})"
            yield where, urgent_route(content, prison, signals)


def _engine(content: Content) -> Iterator[tuple[str, Reply]]:
    text = content.text
    numbers = {name: phone.number for name, phone in content.national.phones.items()}
    for key in ("welcome", "welcome_short", "stopped", "help", "back_to_menu", "coming_soon", "sorry_error"):
        yield f"common.{key}", Reply(text(f"common.{key}"))
    for prison in content.prisons.values():
        yield f"common.welcome_prison ({prison.id})", Reply(text("common.welcome_prison", prison=prison.name))
    resume = (Option("continue", text("common.carry_on")), Option("restart", text("common.start_again")))
    switch = (Option("yes", text("common.yes_switch")), Option("no", text("common.no_carry_on")))
    for flow in FLOWS.values():
        topic = text(flow.title)
        yield f"common.welcome_back ({flow.name})", Reply(text("common.welcome_back", topic=topic), resume)
        yield f"common.offer_switch ({flow.name})", Reply(text("common.offer_switch", topic=topic), switch)
    for key in content.texts:
        if key.startswith("routing.signpost"):
            yield key, Reply(text(key, **numbers))


class _Event:
    """The one attribute of transitions' EventData a callback reads."""

    def __init__(self, model: FlowModel) -> None:
        self.model = model
