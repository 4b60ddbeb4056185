"""Running a written conversation through the real engine, and measuring how it went.

A conversation is data (``data/*.yaml``): what the person types, turn by turn, and what they end
up with (the flow and question reached, answers stored, words they were told, a concern kept).
The same conversation runs on SMS and on Telegram. :class:`Measure` counts what the issue asks:
answers understood first time, re-prompts, and SMS segments per conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import select

from famsbot.channels.packing import sms_messages
from famsbot.content.loader import get_content
from famsbot.dialogue.messages import Reply
from famsbot.policy import risk
from famsbot.sms_text import segments
from famsbot.store.database import Database
from famsbot.store.models import Concern, ConcernEvent
from tests.support.chat import Chat
from tests.support.rows import conversation_of

DATA = Path(__file__).parent / "data"
NOT_UNDERSTOOD = get_content().text("common.not_understood")


@dataclass(frozen=True)
class Conversation:
    id: str
    flow: str
    turns: list[str]
    expect: dict[str, Any]
    urgent_turns: tuple[int, ...] = ()  # 1-based turns that show imminent risk (for recall)


def _turns(turns: str | list[object]) -> list[str]:
    """Turns as a YAML list, or one string with the messages separated by " | " (easier to write)."""
    if isinstance(turns, str):
        return [turn.strip() for turn in turns.split(" | ")]
    return [str(turn) for turn in turns]


def load_all() -> list[Conversation]:
    found: list[Conversation] = []
    for path in sorted(DATA.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            found.append(
                Conversation(
                    id=f"{path.stem}/{item['id']}",
                    flow=item.get("flow", path.stem),
                    turns=_turns(item["turns"]),
                    expect=item.get("expect", {}),
                    urgent_turns=tuple(item.get("urgent_turns", ())),
                )
            )
    return found


@dataclass
class Measure:
    """What one run of a conversation cost the person."""

    turns: int = 0
    reprompts: int = 0
    segments: int = 0
    transcript: list[str] = field(default_factory=list)
    urgent_replies: list[int] = field(default_factory=list)  # turns answered with the emergency route
    gate: list[bool] = field(default_factory=list)  # risk.assess(text).urgent per turn

    @property
    def first_time(self) -> int:
        return self.turns - self.reprompts


def is_reprompt(replies: list[Reply]) -> bool:
    return any(NOT_UNDERSTOOD in reply.text for reply in replies)


async def run(chat: Chat, conversation: Conversation) -> Measure:
    measure = Measure()
    for number, text in enumerate(conversation.turns, start=1):
        told = await chat.say(text)
        replies = chat.last
        measure.turns += 1
        measure.reprompts += is_reprompt(replies)
        measure.segments += sum(segments(body) for body in sms_messages(replies))
        if any(reply.urgent for reply in replies):
            measure.urgent_replies.append(number)
        measure.gate.append(risk.assess(text).urgent)
        measure.transcript.append(f"> {text}\n{told}")
    return measure


async def check(db: Database, channel: str, address: str, conversation: Conversation, measure: Measure) -> list[str]:
    """What the person did not end up with: one line per unmet expectation (empty when all are met)."""
    expect, failures = conversation.expect, []
    told = "\n\n".join(measure.transcript).lower()
    last = measure.transcript[-1].lower() if measure.transcript else ""
    for words in [*(expect.get("said") or []), *(expect.get(f"said_{channel}") or [])]:
        if words.lower() not in told:
            failures.append(f"never told {words!r}")
    for words in expect.get("said_last") or []:
        if words.lower() not in last:
            failures.append(f"not told {words!r} at the end")
    for words in expect.get("not_said") or []:
        if words.lower() in told:
            failures.append(f"told {words!r}")
    if "reprompts" in expect and measure.reprompts > expect["reprompts"]:
        failures.append(f"{measure.reprompts} re-prompts")
    if "urgent_replies" in expect and measure.urgent_replies != expect["urgent_replies"]:
        failures.append(f"emergency route at turns {measure.urgent_replies}, expected {expect['urgent_replies']}")
    stored = await conversation_of(db, channel, address)
    if expect.get("forgotten"):
        if stored is not None:
            failures.append("not forgotten")
        return failures
    if stored is None:
        return [*failures, "no conversation stored"]
    if "flow" in expect and stored.flow != expect["flow"]:
        failures.append(f"flow {stored.flow!r}, expected {expect['flow']!r}")
    if "state" in expect and stored.state != expect["state"]:
        failures.append(f"at {stored.state!r}, expected {expect['state']!r}")
    for key, value in (expect.get("answers") or {}).items():
        if stored.answers.get(key, "<missing>") != value:
            failures.append(f"answer {key} = {stored.answers.get(key, '<missing>')!r}, expected {value!r}")
    async with db.transaction() as session:
        concerns = list((await session.exec(select(Concern))).all())
        events = list((await session.exec(select(ConcernEvent))).all())
    if expect.get("no_concern") and concerns:
        failures.append(f"{len(concerns)} concern(s) stored")
    if "concern" in expect:
        if len(concerns) != 1:
            failures.append(f"{len(concerns)} concerns stored, expected 1")
        else:
            for key, value in expect["concern"].items():
                if getattr(concerns[0], key) != value:
                    failures.append(f"concern {key} = {getattr(concerns[0], key)!r}, expected {value!r}")
    for kind in expect.get("events") or []:
        if not any(event.kind == kind for event in events):
            failures.append(f"no {kind} event")
    return failures
