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

from famsbot.channels.packing import sms_messages
from famsbot.content.loader import get_content
from famsbot.dialogue.messages import Reply
from famsbot.policy import risk
from famsbot.sms_text import segments
from tests.support.chat import Chat

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
