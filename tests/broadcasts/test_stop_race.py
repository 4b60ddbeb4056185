"""STOP and a notice about to go, at the same moment (PostgreSQL, where they really run in parallel).

The send-time check locks the recipient's contact row before reading it, in the transaction that
marks the send as started: a STOP that is being stored is waited for and seen, so the notice is
never handed to the provider after the STOP was stored.
"""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from sqlalchemy import text

from famsbot.clock import SystemClock
from famsbot.config import Settings
from famsbot.delivery.claims import claim_due
from famsbot.delivery.deliver import Delivery
from famsbot.delivery.setup import open_senders
from famsbot.store.database import Database
from famsbot.store.models import Outbox
from tests.support.broadcasts import add_subscriber, phone, queue_broadcast
from tests.support.concerns import add_staff
from tests.support.databases import reset
from tests.support.fake_twilio import FakeTwilio
from tests.support.rows import all_rows
from tests.support.webhooks import eventually, with_twilio

pytestmark = pytest.mark.postgres

STOP = [  # what storing a STOP writes (``dialogue.engine``): the contact opted out, their notices off
    "UPDATE contact SET opted_out_at = now() WHERE id = %(id)s",
    "UPDATE subscription SET active = false, opted_out_at = now() WHERE contact_id = %(id)s AND active",
]


async def waiting(db: Database) -> bool:
    async with db.engine.connect() as connection:
        return bool((await connection.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))).scalar())


async def test_a_stop_being_stored_as_the_notice_goes_is_seen_and_the_notice_is_not_sent(
    postgres_db: Database, twilio: FakeTwilio
) -> None:
    db = postgres_db
    await reset(db)
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    family = await add_subscriber(db, "sms", phone(1))
    await queue_broadcast(db, staff, SystemClock().now())
    settings = with_twilio(Settings(environment="test", database_url=db.url), twilio, sms_per_second=1000.0)
    libpq = db.url.replace("postgresql+psycopg://", "postgresql://")
    async with open_senders(settings) as senders, await psycopg.AsyncConnection.connect(libpq) as stop:
        delivery = Delivery(db, senders)
        [row] = await claim_due(db, delivery.owner, SystemClock().now(), channels=["sms"], limit=1)
        for statement in STOP:  # the family's STOP is being stored: written, not yet committed
            await stop.execute(statement, {"id": family.id})

        sending = asyncio.create_task(delivery.deliver(row))
        await eventually(lambda: sending.done() or waiting(db), within=5)
        assert not sending.done(), "the notice went while the STOP was being stored"  # it waits for the STOP...
        await stop.commit()  # ...which now commits
        outcome = await asyncio.wait_for(sending, timeout=10)

    assert twilio.sent_to(family.address) == []
    assert outcome.status == "skipped"
    [stored] = await all_rows(db, Outbox)
    assert (stored.status, stored.error) == ("skipped", "recipient opted out")
