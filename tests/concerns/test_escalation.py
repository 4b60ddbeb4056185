"""Escalation timing, with the clock moved by hand: once per deadline, never twice, never for what staff hold."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from famsbot.clock import FixedClock
from famsbot.concerns import run_escalations
from famsbot.config import AlertTarget, Settings
from famsbot.content import get_content
from famsbot.dialogue.engine import Engine
from famsbot.store.database import Database
from famsbot.store.models import Concern, ConcernEvent, Outbox
from tests.support.chat import Chat
from tests.support.rows import all_rows

CONTENT = get_content()
URGENT = "he said hes going to hang himself"
MINUTE = timedelta(minutes=1)


async def urgent_concern(chat: Chat) -> None:
    await chat.say("/start maidstone")
    await chat.say(URGENT)


async def worry(chat: Chat, contact: str = "1") -> None:
    await chat.say("/start maidstone")
    await chat.say("hes not called in 4 days im worried")
    for answer in ("John", "dont know", "no", "no", "yes", contact):
        await chat.say(answer)
    if contact == "2":
        await chat.say("07700900456")
    await chat.say("send")


async def rows_after_alerts(db: Database) -> list[Outbox]:
    return [o for o in await all_rows(db, Outbox) if not o.dedupe_key.startswith("alert:")]


async def test_an_urgent_concern_escalates_once_after_fifteen_minutes(
    chat: Chat, db: Database, settings: Settings, clock: FixedClock
) -> None:
    await urgent_concern(chat)
    start = clock.now()
    assert await run_escalations(db, settings, CONTENT, start + 14 * MINUTE) == 0
    assert await rows_after_alerts(db) == []

    assert await run_escalations(db, settings, CONTENT, start + 16 * MINUTE) == 2
    [concern] = await all_rows(db, Concern)
    rows = await rows_after_alerts(db)
    assert sorted((r.kind, r.channel, r.address) for r in rows) == [
        ("alert", "console", "safer-custody:maidstone"),  # the reminder
        ("escalation", "console", "duty:maidstone"),
    ]
    duty = next(r for r in rows if r.kind == "escalation")
    assert duty.body.startswith("ESCALATED")
    assert concern.reference in duty.body
    assert "16 min ago" in duty.body
    assert f"/staff/concerns/{concern.id}" in duty.body
    assert concern.escalated_at == start + 16 * MINUTE
    [event] = await all_rows(db, ConcernEvent, kind="escalated")
    assert event.data["level"] == "urgent"
    assert event.actor == "system"

    for later in (16, 17, 30):
        assert await run_escalations(db, settings, CONTENT, start + later * MINUTE) == 0
    assert len(await all_rows(db, ConcernEvent, kind="escalated")) == 1


async def test_the_family_is_asked_if_they_reached_the_prison_after_45_minutes(
    chat: Chat, db: Database, settings: Settings, clock: FixedClock
) -> None:
    await urgent_concern(chat)
    start = clock.now()
    await run_escalations(db, settings, CONTENT, start + 16 * MINUTE)
    assert await run_escalations(db, settings, CONTENT, start + 44 * MINUTE) == 0
    assert await run_escalations(db, settings, CONTENT, start + 46 * MINUTE) == 1
    [follow_up] = await all_rows(db, Outbox, kind="followup")
    assert (follow_up.channel, follow_up.address) == ("sms", chat.address)
    assert "Did you manage to speak to the prison?" in follow_up.body
    assert "999" in follow_up.body
    assert CONTENT.prisons["maidstone"].switchboard.number in follow_up.body
    assert await run_escalations(db, settings, CONTENT, start + 50 * MINUTE) == 0


async def test_a_concern_not_picked_up_in_24_hours_escalates_and_the_family_is_told(
    chat: Chat, db: Database, settings: Settings, clock: FixedClock
) -> None:
    await worry(chat)
    start = clock.now()
    for waited in (timedelta(minutes=16), timedelta(hours=2), timedelta(hours=23, minutes=59)):
        assert await run_escalations(db, settings, CONTENT, start + waited) == 0
    assert await run_escalations(db, settings, CONTENT, start + timedelta(hours=24, minutes=1)) == 3
    rows = await rows_after_alerts(db)
    assert sorted((r.kind, r.address) for r in rows) == [
        ("alert", "safer-custody:maidstone"), ("escalation", "duty:maidstone"), ("followup", chat.address)]
    follow_up = next(r for r in rows if r.kind == "followup")
    assert "Nobody has picked it up yet" in follow_up.body
    assert "not connected to famsbot" in follow_up.body  # no target is configured: no team had it
    assert CONTENT.phone("families_helpline").number in follow_up.body
    assert await run_escalations(db, settings, CONTENT, start + timedelta(hours=30)) == 0


async def test_an_urgent_concern_still_waiting_after_24_hours_escalates_again(
    chat: Chat, db: Database, settings: Settings, clock: FixedClock
) -> None:
    await urgent_concern(chat)
    start = clock.now()
    assert await run_escalations(db, settings, CONTENT, start + timedelta(hours=25)) == 6  # both levels + 2 check-backs
    levels = sorted(e.data["level"] for e in await all_rows(db, ConcernEvent, kind="escalated"))
    assert levels == ["overdue", "urgent"]


async def test_acknowledged_or_closed_concerns_are_left_to_staff(
    chat: Chat, db: Database, settings: Settings, clock: FixedClock
) -> None:
    await urgent_concern(chat)
    start = clock.now()
    async with db.transaction() as session:
        concern = (await session.exec(select(Concern))).one()
        concern.acknowledged_at, concern.status = start + 5 * MINUTE, "acknowledged"
        session.add(concern)
    assert await run_escalations(db, settings, CONTENT, start + timedelta(days=3)) == 0
    assert await all_rows(db, ConcernEvent, kind="escalated") == []


async def test_escalations_go_to_the_configured_duty_contact(db: Database, clock: FixedClock) -> None:
    settings = Settings(environment="test", database_url=db.url,
                        duty_targets={"maidstone": AlertTarget(sms="+447700900555", telegram_chat_id="-100555")},
                        urgent_ack_minutes=5)
    await urgent_concern(Chat(Engine(db, settings, clock=clock)))
    assert await run_escalations(db, settings, CONTENT, clock.now() + 4 * MINUTE) == 0
    assert await run_escalations(db, settings, CONTENT, clock.now() + 6 * MINUTE) == 3
    duty = await all_rows(db, Outbox, kind="escalation")
    assert sorted((r.channel, r.address) for r in duty) == [("sms", "+447700900555"), ("telegram", "-100555")]


async def test_no_check_back_to_a_family_who_asked_not_to_be_contacted_or_sent_stop(
    engine: Engine, db: Database, settings: Settings, clock: FixedClock
) -> None:
    await worry(Chat(engine, address="+447700900001"), contact="3")  # please don't contact me
    stopped = Chat(engine, address="+447700900002")
    await worry(stopped)
    await stopped.say("STOP")
    assert await run_escalations(db, settings, CONTENT, clock.now() + timedelta(hours=25)) == 4  # staff only
    assert await all_rows(db, Outbox, kind="followup") == []
    assert [e.data["sent"] for e in await all_rows(db, ConcernEvent, kind="followup")] == [False, False]


async def test_two_workers_at_once_send_each_escalation_once(
    chat: Chat, db: Database, settings: Settings, clock: FixedClock
) -> None:
    await urgent_concern(chat)
    await worry(Chat(chat.engine, address="+447700900009"))
    later = clock.now() + timedelta(hours=25)
    results = await asyncio.gather(*(run_escalations(db, settings, CONTENT, later) for _ in range(3)))
    assert sum(results) == 6 + 3
    assert len(await all_rows(db, ConcernEvent, kind="escalated")) == 3
    assert await run_escalations(db, settings, CONTENT, later) == 0


async def test_a_concern_raised_to_urgent_is_timed_from_when_it_became_urgent(
    chat: Chat, db: Database, settings: Settings, clock: FixedClock
) -> None:
    await worry(chat)
    clock.advance(timedelta(hours=2))
    await chat.say("he just said hes going to end it")
    raised = clock.now()
    assert await run_escalations(db, settings, CONTENT, raised + 14 * MINUTE) == 0
    assert await run_escalations(db, settings, CONTENT, raised + 16 * MINUTE) == 2
