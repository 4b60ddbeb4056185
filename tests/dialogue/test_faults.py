"""Faults inside one turn: a sender address the database cannot store as given must not lose an
urgent message (PostgreSQL refuses NUL bytes and over-long values; SQLite took them)."""

from __future__ import annotations

import pytest

from famsbot.dialogue.engine import Engine
from famsbot.dialogue.messages import Inbound
from famsbot.store.database import Database
from famsbot.store.models import Concern, Contact, Outbox
from tests.support.rows import all_rows

URGENT = "my son says he will kill himself tonight"


@pytest.mark.parametrize(
    "sender", ["+44770\x000900123", "+44" + "7" * 90, "\x00"], ids=["nul-byte", "too-long", "only-nul"]
)
async def test_an_urgent_message_from_an_unstorable_address_is_recorded_and_alerted(
    engine: Engine, db: Database, sender: str
) -> None:
    outcome = await engine.take(Inbound("sms", sender, URGENT, provider_id="SMweird"))

    assert outcome.stored
    assert "call 999" in outcome.replies[0].text
    assert not any("saved" in reply.text for reply in outcome.replies)
    [concern] = await all_rows(db, Concern)
    assert concern.verbatim == URGENT
    assert [row.concern_id for row in await all_rows(db, Outbox, kind="alert")] == [concern.id]
    [contact] = await all_rows(db, Contact)
    assert "\x00" not in contact.address
    assert len(contact.address) <= 64


async def test_two_over_long_addresses_stay_two_people(engine: Engine, db: Database) -> None:
    await engine.take(Inbound("sms", "+44" + "7" * 90 + "1", "hello"))
    await engine.take(Inbound("sms", "+44" + "7" * 90 + "2", "hello"))

    assert len({contact.address for contact in await all_rows(db, Contact)}) == 2
