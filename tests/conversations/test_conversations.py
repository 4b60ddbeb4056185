"""Families' conversations, written as they text, run through the real engine on SMS and Telegram.

Each conversation in ``data/`` says what the person ends up with; this checks it. The figures
(answers understood first time, re-prompts, SMS segments) are printed by ``bench/conversations.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.dialogue.engine import Engine
from famsbot.dialogue.messages import Channel
from famsbot.store.database import Database
from famsbot.store.models import Concern, ConcernEvent
from tests.conftest import DEFAULT_NOW
from tests.conversations.runner import Conversation, load_all, run
from tests.support.chat import Chat
from tests.support.databases import reset
from tests.support.rows import conversation_of

CONVERSATIONS = load_all()


@pytest.fixture
async def fresh(sqlite_db: Database) -> Database:
    await reset(sqlite_db)
    return sqlite_db


@pytest.mark.parametrize("channel", ["sms", "telegram"])
@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c.id for c in CONVERSATIONS])
async def test_the_person_ends_up_with_what_they_needed(
    conversation: Conversation, channel: Channel, fresh: Database
) -> None:
    engine = Engine(fresh, Settings(environment="test", database_url=fresh.url), clock=FixedClock(DEFAULT_NOW))
    address = "+447700900123" if channel == "sms" else "4242"
    chat = Chat(engine, channel=channel, address=address)
    measure = await run(chat, conversation)
    transcript = "\n\n".join(measure.transcript)
    expect = conversation.expect
    stored = await conversation_of(fresh, channel, address)
    if expect.get("forgotten"):
        assert stored is None, transcript
        for words in expect.get("said") or []:
            assert words.lower() in transcript.lower(), f"never told {words!r}\n{transcript}"
        return
    assert stored is not None
    if "flow" in expect:
        assert stored.flow == expect["flow"], transcript
    if "state" in expect:
        assert stored.state == expect["state"], transcript
    for key, value in (expect.get("answers") or {}).items():
        assert stored.answers.get(key) == value, f"{key}: {stored.answers.get(key)!r}\n{transcript}"
    last = measure.transcript[-1].lower()
    for words in [*(expect.get("said") or []), *(expect.get(f"said_{channel}") or [])]:
        assert words.lower() in transcript.lower(), f"never told {words!r}\n{transcript}"
    for words in expect.get("said_last") or []:
        assert words.lower() in last, f"not told {words!r} at the end\n{transcript}"
    for words in expect.get("not_said") or []:
        assert words.lower() not in transcript.lower(), f"told {words!r}\n{transcript}"
    if "reprompts" in expect:
        assert measure.reprompts <= expect["reprompts"], transcript
    if "urgent_replies" in expect:
        assert measure.urgent_replies == expect["urgent_replies"], transcript
    await _check_concern(fresh, expect, transcript)


async def _check_concern(db: Database, expect: dict[str, Any], transcript: str) -> None:
    async with db.transaction() as session:
        concerns = list((await session.exec(select(Concern))).all())
        events = list((await session.exec(select(ConcernEvent))).all())
    if expect.get("no_concern"):
        assert not concerns, transcript
    if "concern" in expect:
        assert len(concerns) == 1, f"{len(concerns)} concerns\n{transcript}"
        for key, value in expect["concern"].items():
            assert getattr(concerns[0], key) == value, f"concern {key}: {getattr(concerns[0], key)!r}\n{transcript}"
    for kind in expect.get("events") or []:
        assert any(event.kind == kind for event in events), f"no {kind} event\n{transcript}"
