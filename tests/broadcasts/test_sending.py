"""Sending a broadcast through the real senders and the fakes: every family once, choices honoured at
send time, cancel part-way, quiet hours, and rate limits held without a single 429 counted as failure."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from famsbot.broadcasts import cancel_broadcast, progress
from famsbot.broadcasts.lifecycle import settle
from famsbot.clock import FixedClock, SystemClock
from famsbot.config import Settings
from famsbot.delivery.claims import claim_due
from famsbot.delivery.deliver import BULK_WITHIN, Delivery
from famsbot.delivery.dispatcher import Dispatcher
from famsbot.delivery.message import OutgoingMessage, Sender, Sent
from famsbot.delivery.receipts import record_receipt
from famsbot.delivery.setup import open_senders, rate_limits
from famsbot.policy.quiet_hours import QuietHours
from famsbot.store import subscriptions
from famsbot.store.database import Database
from famsbot.store.models import Broadcast, Contact, Outbox
from famsbot.store.outbox import enqueue
from famsbot.store.privacy import forget_contact
from tests.support.broadcasts import BODY, add_subscriber, add_subscribers, phone, queue_broadcast
from tests.support.chat import Chat
from tests.support.concerns import add_staff
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import FakeTwilio
from tests.support.rows import all_rows
from tests.support.webhooks import eventually, with_telegram, with_twilio

QUIET = QuietHours.off()


async def all_sent(db: Database, count: int) -> bool:
    return len(await all_rows(db, Outbox, status="sent")) == count


async def rows_by_status(db: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in await all_rows(db, Outbox):
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


async def test_a_broadcast_reaches_every_family_once_ending_with_how_to_stop(
    db: Database, delivery: Delivery, telegram: FakeTelegram, twilio: FakeTwilio, clock: FixedClock
) -> None:
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    families = await add_subscribers(db, sms=3, telegram=3)
    broadcast = await queue_broadcast(db, staff, clock.now())

    await Dispatcher(delivery).drain()

    for family in families:
        received = twilio.sent_to(family.address) if family.channel == "sms" else telegram.sent(family.address)
        assert len(received) == 1, family.address
        assert BODY in received[0]
        assert received[0].endswith("Reply STOP to stop all messages." if family.channel == "sms"
                                    else "send /stop to stop all messages.")  # fmt: skip
    assert twilio.duplicates == telegram.duplicates == 0
    async with db.transaction() as session:
        done = await progress(session, broadcast, clock.now(), QUIET)
    assert (done.counts["sent"], done.total, done.phase, done.channels) == (6, 6, "finished",
                                                                            {"sms": 3, "telegram": 3})
    assert await settle(db, clock.now()) == 1
    [stored] = await all_rows(db, Broadcast)
    assert (stored.status, stored.finished_at) == ("done", clock.now())


async def test_sms_receipts_show_as_delivered(
    db: Database, delivery: Delivery, twilio: FakeTwilio, clock: FixedClock
) -> None:
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    await add_subscribers(db, sms=2)
    broadcast = await queue_broadcast(db, staff, clock.now())
    await Dispatcher(delivery).drain()

    await record_receipt(db, sid=twilio.messages[0].sid, status="delivered", now=clock.now())
    await record_receipt(db, sid=twilio.messages[1].sid, status="undelivered", now=clock.now(), error_code="30003")

    async with db.transaction() as session:
        done = await progress(session, broadcast, clock.now(), QUIET)
    assert (done.counts["delivered"], done.counts["failed"], done.counts["sent"]) == (1, 1, 0)


async def test_someone_who_says_stop_after_it_was_queued_is_skipped(
    db: Database, delivery: Delivery, twilio: FakeTwilio, clock: FixedClock, chat: Chat
) -> None:
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    await add_subscriber(db, "sms", chat.address)
    others = await add_subscribers(db, sms=2, start=10)
    await queue_broadcast(db, staff, clock.now())

    await chat.say("STOP")  # through the real engine, after the broadcast was queued
    await Dispatcher(delivery).drain()

    assert twilio.sent_to(chat.address) == []
    assert all(len(twilio.sent_to(other.address)) == 1 for other in others)
    [skipped] = [row for row in await all_rows(db, Outbox) if row.address == chat.address]
    assert (skipped.status, skipped.error, skipped.attempts) == ("skipped", "recipient opted out", 0)


@pytest.mark.parametrize("change", ["stopped notices", "unreachable"])
async def test_a_family_whose_choice_changed_since_it_was_queued_is_skipped(
    db: Database, delivery: Delivery, telegram: FakeTelegram, clock: FixedClock, change: str
) -> None:
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    leaving, staying = await add_subscribers(db, telegram=2)
    await queue_broadcast(db, staff, clock.now())
    async with db.transaction() as session:
        contact = await session.get(Contact, leaving.id)
        assert contact is not None
        if change == "stopped notices":
            await subscriptions.opt_out(session, contact, "maidstone", "Done. No more notices.", clock.now())
        else:
            contact.unreachable_at = clock.now()
            session.add(contact)

    await Dispatcher(delivery).drain()

    assert telegram.sent(leaving.address) == []
    assert len(telegram.sent(staying.address)) == 1
    assert await rows_by_status(db) == {"skipped": 1, "sent": 1}
    [row] = await all_rows(db, Outbox, contact_id=leaving.id)
    assert change.split()[0] in (row.error or "")


class Interrupting:
    """A sender that runs ``during`` while its first message is with the provider (a cancel click)."""

    def __init__(self, sender: Sender, during: Callable[[], Awaitable[Any]]) -> None:
        self.sender, self.during, self.done = sender, during, False

    def cost(self, message: OutgoingMessage) -> int:
        return self.sender.cost(message)

    async def send(self, message: OutgoingMessage) -> Sent:
        if not self.done:
            self.done = True
            await self.during()
        return await self.sender.send(message)


async def test_cancelling_part_way_stops_what_has_not_gone_and_lets_sends_under_way_finish(
    db: Database, channel_settings: Settings, telegram: FakeTelegram, clock: FixedClock
) -> None:
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    await add_subscribers(db, telegram=10)
    broadcast = await queue_broadcast(db, staff, clock.now())
    assert broadcast.id is not None
    async with open_senders(channel_settings) as senders:
        first = Dispatcher(Delivery(db, senders, clock=clock), batch=3)
        await first.run_once()  # three families have it
        held = await claim_due(db, "another-worker", clock.now(), channels=["telegram"], limit=2)

        async def cancel() -> None:
            async with db.transaction() as session:
                withdrawn.append(await cancel_broadcast(session, staff, broadcast.id or 0, now=clock.now()))

        withdrawn: list[int] = []
        another = Delivery(db, {"telegram": Interrupting(senders["telegram"], cancel)}, clock=clock,
                           owner="another-worker")  # fmt: skip
        outcomes = [await another.deliver(row) for row in held]  # the first is at Telegram when staff cancel
        await Dispatcher(Delivery(db, senders, clock=clock)).drain()

    assert withdrawn == [5]  # the ten, less three sent and two held by a worker
    assert [outcome.status for outcome in outcomes] == ["sent", "cancelled"]
    assert len(telegram.recipients) == 4
    assert telegram.duplicates == 0
    async with db.transaction() as session:
        stored = await session.get(Broadcast, broadcast.id)
        assert stored is not None
        done = await progress(session, stored, clock.now(), QUIET)
    assert (stored.status, stored.cancelled_at, stored.cancelled_by) == ("cancelled", clock.now(), staff.id)
    assert (done.counts["sent"], done.counts["cancelled"], done.phase) == (4, 6, "cancelled")


async def test_quiet_hours_pause_a_broadcast_until_the_morning(
    db: Database, channel_settings: Settings, telegram: FakeTelegram, clock: FixedClock
) -> None:
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    await add_subscribers(db, telegram=4)
    clock.set(datetime(2026, 11, 23, 20, 55, tzinfo=UTC))
    broadcast = await queue_broadcast(db, staff, clock.now())
    night = QuietHours(channel_settings.quiet_hours_start, channel_settings.quiet_hours_end)
    async with open_senders(channel_settings) as senders:
        dispatcher = Dispatcher(Delivery(db, senders, clock=clock, quiet=night), batch=2)
        await dispatcher.run_once()  # 20:55: two go
        clock.set(datetime(2026, 11, 23, 21, 30, tzinfo=UTC))
        await dispatcher.drain()

        morning = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
        waiting = [row for row in await all_rows(db, Outbox) if row.status == "queued"]
        assert [(row.next_attempt_at, row.attempts) for row in waiting] == [(morning, 0)] * 2  # not counted
        assert len(telegram.recipients) == 2
        async with db.transaction() as session:
            assert (await progress(session, broadcast, clock.now(), night)).phase == "quiet"

        clock.set(morning)
        await dispatcher.drain()
    assert len(telegram.recipients) == 4


async def test_telegrams_limits_hold_against_the_fake_and_its_429s_are_never_failures(
    db: Database, settings: Settings, twilio: FakeTwilio
) -> None:
    """A strict fake (20/s overall, 1/s per chat, no burst); two broadcasts, so every chat gets two."""
    async with FakeTelegram(rate_per_second=20, per_chat_per_second=1, per_chat_burst=1) as strict:
        limited = with_twilio(with_telegram(settings, strict), twilio, telegram_per_second=20,
                              telegram_per_chat_per_second=1)  # fmt: skip
        staff = await add_staff(db, "pact@maidstone.test", role="pact")
        await add_subscribers(db, telegram=25)
        now = SystemClock().now()
        for body in ("Family day on 5 December.", "Family day on 12 December."):
            await queue_broadcast(db, staff, now, body=body)
        strict.fail_next(2, status=429, method="sendMessage", retry_after=1)  # Telegram asks for a pause anyway
        async with open_senders(limited) as senders:
            dispatcher = Dispatcher(Delivery(db, senders, limits=rate_limits(limited)), idle=0.05)
            async with dispatcher.running():
                await eventually(lambda: all_sent(db, 50), within=30)
        sends = [call.monotonic for call in strict.calls_for("sendMessage") if call.status == 200]
        per_chat = {chat: [c.monotonic for c in strict.calls_for("sendMessage") if c.chat_id == chat
                           and c.status == 200] for chat in strict.recipients}  # fmt: skip

        assert await rows_by_status(db) == {"sent": 50}
        assert strict.too_many_requests == 2  # only the two forced ones: the limits themselves were never hit
        assert strict.duplicates == 0
        assert (len(sends) - 1) / (max(sends) - min(sends)) <= 20 * 1.02  # on average, within the limit
        assert all(abs(b - a) >= 0.95 for times in per_chat.values() for a, b in zip(times, times[1:], strict=False))
        assert {row.attempts for row in await all_rows(db, Outbox)} == {1}  # the 429s were not counted


async def test_an_alert_is_not_held_up_behind_a_big_broadcast(db: Database, settings: Settings,
                                                               twilio: FakeTwilio) -> None:  # fmt: skip
    """SMS at 10 a second: 60 families take six seconds; an alert raised one second in goes after at
    most ``BULK_WITHIN`` seconds' worth of the broadcast (the bulk bound), not after the whole of it.
    Counted in messages, not seconds, so that a busy machine cannot make it fail."""
    rate = 10
    slow = with_twilio(settings, twilio, sms_per_second=rate)
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    await add_subscribers(db, sms=60)
    clock = SystemClock()
    await queue_broadcast(db, staff, clock.now(), body="Family day on 5 December.")
    alert_to = phone(999)
    async with open_senders(slow) as senders:
        dispatcher = Dispatcher(Delivery(db, senders, limits=rate_limits(slow)), idle=0.05)
        async with dispatcher.running():
            await asyncio.sleep(1.0)
            async with db.transaction() as session:
                await enqueue(session, kind="alert", channel="sms", address=alert_to, body="URGENT concern",
                              dedupe_key="alert:1:duty", now=clock.now())  # fmt: skip
            sent_before_the_alert = len(twilio.messages)
            await eventually(lambda: bool(twilio.sent_to(alert_to)), within=15)
            await eventually(lambda: len(twilio.messages) == 61, within=20)

    order = [record.to for record in twilio.messages]
    ahead_of_the_alert = order.index(alert_to) - sent_before_the_alert
    assert twilio.sent_to(alert_to) == ["URGENT concern"]
    assert ahead_of_the_alert <= BULK_WITHIN * rate + 2, ahead_of_the_alert  # slots already booked, and in flight
    assert order.index(alert_to) < 50  # the broadcast was far from finished
    assert len(twilio.messages) == 61


async def test_a_scheduled_broadcast_waits_for_its_time(
    db: Database, delivery: Delivery, telegram: FakeTelegram, clock: FixedClock
) -> None:
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    await add_subscribers(db, telegram=2)
    await queue_broadcast(db, staff, clock.now(), send_at=clock.now() + timedelta(hours=3))
    dispatcher = Dispatcher(delivery)

    await dispatcher.drain()
    assert telegram.recipients == set()
    clock.advance(timedelta(hours=3))
    await dispatcher.drain()
    assert len(telegram.recipients) == 2


async def test_the_record_keeps_how_many_families_it_went_to_after_one_is_forgotten(
    db: Database, clock: FixedClock
) -> None:
    """Forgetting a person deletes their message with them; the broadcast still says it went to two."""
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    gone, _ = await add_subscribers(db, sms=2)
    await queue_broadcast(db, staff, clock.now())
    async with db.transaction() as session:
        await forget_contact(session, gone.id or 0)

    [stored] = await all_rows(db, Broadcast)
    assert (stored.recipients, stored.created_by, stored.created_at) == (2, staff.id, clock.now())
    assert len(await all_rows(db, Outbox)) == 1
