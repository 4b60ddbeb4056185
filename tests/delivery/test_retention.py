"""Retention: every copy of a family's words goes after its period, in small batches found through
partial indexes, so the purge costs the same whatever the size of the history."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text, update
from sqlmodel import col

from famsbot.clock import FixedClock
from famsbot.store.database import Database
from famsbot.store.models import Answer, InboundMessage, Outbox
from famsbot.store.outbox import enqueue
from famsbot.worker.retention import PERIODS, purge
from tests.support.concerns import add_concern, add_contact
from tests.support.rows import all_rows

WORDS = "my son said he can't cope any more"
DAY = timedelta(days=1)


async def inbound(db: Database, n: int, at: datetime, *, status: str = "handled") -> None:
    async with db.transaction() as session:
        session.add(InboundMessage(channel="sms", provider_id=f"SM{n}", text=f"{WORDS} {n}", status=status,
                                   received_at=at))  # fmt: skip


async def answer(db: Database, contact_id: int, at: datetime) -> None:
    async with db.transaction() as session:
        session.add(Answer(contact_id=contact_id, flow="concern", state="worry", question="What is worrying you?",
                           reply=WORDS, value="recorded", at=at))  # fmt: skip


async def message(db: Database, key: str, at: datetime, *, status: str, concern_id: int | None = None) -> None:
    async with db.transaction() as session:
        await enqueue(session, kind="feedback", channel="sms", address="+447700900123", body=f"Your words: {WORDS}",
                      dedupe_key=key, concern_id=concern_id, now=at)  # fmt: skip
        await session.exec(update(Outbox).where(col(Outbox.dedupe_key) == key).values(status=status))


async def test_every_copy_of_a_familys_words_goes_after_its_period(db: Database, clock: FixedClock) -> None:
    now = clock.now()
    contact = await add_contact(db)
    assert contact.id is not None
    concern = await add_concern(db, now - 30 * DAY, contact=contact)
    for n in range(3):
        await inbound(db, n, now - PERIODS["inbound"] - DAY)
    await inbound(db, 3, now - PERIODS["inbound"] + DAY)  # not old enough yet
    await inbound(db, 4, now - 30 * DAY, status="failed")  # never handled: staff need its text
    await answer(db, contact.id, now - PERIODS["answers"] - DAY)
    await answer(db, contact.id, now - PERIODS["answers"] + DAY)
    await message(db, "sent-old", now - PERIODS["outbox"] - DAY, status="delivered")
    await message(db, "queued-old", now - PERIODS["outbox"] - DAY, status="queued")  # still to send
    await message(db, "sent-new", now - DAY, status="sent")
    await message(db, "alert", now - 30 * DAY, status="sent", concern_id=concern.id)  # the concern's record

    cleared = await purge(db, now, batch=2)  # small batches: several transactions per kind

    assert cleared == {"inbound": 3, "answers": 1, "outbox": 1}
    texts = {row.provider_id: row.text for row in await all_rows(db, InboundMessage)}
    assert texts == {"SM0": "", "SM1": "", "SM2": "", "SM3": f"{WORDS} 3", "SM4": f"{WORDS} 4"}
    assert sorted(row.reply for row in await all_rows(db, Answer)) == ["", WORDS]
    assert all(row.value == "recorded" for row in await all_rows(db, Answer))
    bodies = {row.dedupe_key: row.body for row in await all_rows(db, Outbox)}
    assert bodies["sent-old"] == ""
    assert all(bodies[key] for key in ("queued-old", "sent-new", "alert"))
    assert await purge(db, now) == {"inbound": 0, "answers": 0, "outbox": 0}  # nothing left to do


async def test_the_purges_and_the_claim_find_their_rows_through_partial_indexes(db: Database) -> None:
    """What the jobs look for is indexed apart from history, so a million old rows cost nothing."""
    queries = {
        "ix_inboundmessage_text_kept": "SELECT id FROM inboundmessage WHERE status = 'handled' AND text <> '' "
                                       "AND received_at < '2026-01-01'",
        "ix_answer_reply_kept": "SELECT id FROM answer WHERE reply <> '' AND at < '2026-01-01'",
        "ix_outbox_body_kept": "SELECT id FROM outbox WHERE status <> 'queued' AND body <> '' "
                               "AND created_at < '2026-01-01'",
        "ix_outbox_due|ix_outbox_status": "SELECT id FROM outbox WHERE status = 'queued' "
                                           "AND next_attempt_at <= '2026-01-01'",  # either holds only queued rows
        "ix_concern_unacknowledged": "SELECT id FROM concern WHERE acknowledged_at IS NULL AND closed_at IS NULL "
                                     "ORDER BY created_at",
    }  # fmt: skip
    async with db.engine.connect() as connection:
        if not db.is_sqlite:
            await connection.execute(text("SET enable_seqscan = off"))  # the tables are tiny here
        for indexes, query in queries.items():
            explain = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
            plan = " ".join(str(row) for row in (await connection.execute(text(explain + query))).all())
            assert any(index in plan for index in indexes.split("|")), (indexes, plan)
