"""Two messages from one person at the same moment are handled one after the other, never
interleaved; a message delivered twice at once is handled once. On both databases."""

from __future__ import annotations

import asyncio

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.dialogue.engine import Engine
from famsbot.dialogue.messages import Inbound
from famsbot.store.conversations import provider_key
from famsbot.store.database import Database
from famsbot.store.models import Answer, Contact, InboundMessage
from tests.support.chat import Chat
from tests.support.rows import all_rows, conversation_of

ADDRESS = "+447700900555"


async def test_two_messages_at_once_are_serialised(db: Database, settings: Settings, clock: FixedClock) -> None:
    # Two engines stand in for two web workers sharing the database.
    first, second = Engine(db, settings, clock=clock), Engine(db, settings, clock=clock)
    for person in range(5):
        address = f"{ADDRESS}{person}"
        await Chat(first, address=address).say("hi")
        # Both say "1": serialised, the first picks Visits and the second answers the prison question
        # ("1 I don't know which prison": how to find out). Interleaved, both would read the main menu
        # and one answer would be lost.
        results = await asyncio.gather(
            first.handle(Inbound("sms", address, "1", provider_id=f"a{person}")),
            second.handle(Inbound("sms", address, "1", provider_id=f"b{person}")),
        )
        texts = sorted(r[0].text for r in results)
        assert texts[0].startswith("To find which prison someone is in"), texts
        assert texts[1].startswith("Which prison?"), texts
        conversation = await conversation_of(db, "sms", address)
        assert conversation is not None
        assert (conversation.flow, conversation.state, conversation.version) == ("visits", "prison", 3)
    assert len(await all_rows(db, Answer)) == 5  # the menu answers; "I don't know" is explained, not stored


async def test_a_new_person_sending_two_messages_at_once_gets_one_contact(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    engine = Engine(db, settings, clock=clock)
    await asyncio.gather(*(engine.handle(Inbound("sms", ADDRESS, "hi", provider_id=f"x{i}")) for i in range(4)))
    assert len(await all_rows(db, Contact)) == 1
    assert len(await all_rows(db, InboundMessage)) == 4
    assert await all_rows(db, InboundMessage, status="failed") == []


async def test_a_retry_arriving_during_the_first_delivery_is_handled_once(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    first, second = Engine(db, settings, clock=clock), Engine(db, settings, clock=clock)
    await Chat(first, address=ADDRESS).say("hi")
    message = Inbound("sms", ADDRESS, "1", provider_id="SMretried")
    results = await asyncio.gather(first.take(message), second.take(message))
    assert sorted(r.duplicate for r in results) == [False, True]
    assert results[0].replies == results[1].replies  # the retry is answered as the first was
    assert len(await all_rows(db, InboundMessage, provider_id=provider_key("sms", "SMretried"))) == 1
    assert len(await all_rows(db, Answer)) == 1
