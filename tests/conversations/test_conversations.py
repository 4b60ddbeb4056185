"""Families' conversations, written as they text, run through the real engine on SMS and Telegram.

Each conversation in ``data/`` says what the person ends up with; this checks it. The figures
(answers understood first time, re-prompts, SMS segments) are printed by ``bench/conversations.py``.
"""

from __future__ import annotations

import pytest

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.dialogue.engine import Engine
from famsbot.dialogue.messages import Channel
from famsbot.store.database import Database
from tests.conftest import DEFAULT_NOW
from tests.conversations.runner import Conversation, check, load_all, run
from tests.support.chat import Chat
from tests.support.databases import reset

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
    failures = await check(fresh, channel, address, conversation, measure)
    assert not failures, "\n".join(failures) + "\n\n" + "\n\n".join(measure.transcript)
