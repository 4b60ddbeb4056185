"""Outbox delivery through the real senders and the fakes: retries, limits, failures, leases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.delivery.backoff import MAX_ATTEMPTS
from famsbot.delivery.claims import LEASE, claim_due
from famsbot.delivery.deliver import NO_SENDER_WAIT, Delivery
from famsbot.delivery.dispatcher import Dispatcher
from famsbot.delivery.message import OutgoingMessage
from famsbot.delivery.setup import open_senders, rate_limits
from famsbot.dialogue.messages import Option
from famsbot.store.database import Database
from famsbot.store.models import Contact, Outbox
from famsbot.store.outbox import enqueue
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import FakeTwilio
from tests.support.rows import all_rows, contact_of
from tests.support.webhooks import with_telegram, with_twilio

CHAT = "5150"
PHONE = "+447700900456"
START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def served_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_chat_burst=50) as fake:
        yield fake


@pytest.fixture(scope="module")
def served_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def telegram(served_telegram: FakeTelegram) -> FakeTelegram:
    served_telegram.reset()
    return served_telegram


@pytest.fixture
def twilio(served_twilio: FakeTwilio) -> FakeTwilio:
    served_twilio.reset()
    return served_twilio


@pytest.fixture
def channel_settings(settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio) -> Settings:
    fast = {"telegram_per_second": 1000.0, "telegram_per_chat_per_second": 1000.0, "sms_per_second": 1000.0}
    return with_twilio(with_telegram(settings, telegram), twilio, **fast)


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta durations, as ``famsbot`` does at start (PTB warns otherwise)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def shown() -> list[OutgoingMessage]:
    return []


@pytest.fixture
def moment() -> FixedClock:
    """Delivery's clock, moved by hand past backoff waits."""
    return FixedClock(START)


@pytest.fixture
async def delivery(
    db: Database, channel_settings: Settings, moment: FixedClock, shown: list[OutgoingMessage]
) -> AsyncIterator[Delivery]:
    async with open_senders(channel_settings, sink=shown.append) as senders:
        yield Delivery(db, senders, limits=rate_limits(channel_settings), clock=moment)


async def queue(
    db: Database,
    channel: str,
    address: str,
    body: str = "Hello",
    *,
    kind: str = "feedback",
    key: str | None = None,
    at: datetime = START,
    options: tuple[Option, ...] = (),
) -> Outbox:
    async with db.transaction() as session:
        row = await enqueue(
            session,
            kind=kind,
            channel=channel,
            address=address,
            body=body,
            dedupe_key=key or f"{kind}:{channel}:{address}:{body}",
            options=options,
            now=at,
        )
    assert row is not None
    return row


async def rows(db: Database) -> list[Outbox]:
    return sorted(await all_rows(db, Outbox), key=lambda row: row.id or 0)


async def add_contact(db: Database, channel: str, address: str, **values: Any) -> None:
    async with db.transaction() as session:
        session.add(Contact(channel=channel, address=address, **values))


async def test_each_channel_sends_and_records_the_receipt(
    db: Database, delivery: Delivery, telegram: FakeTelegram, twilio: FakeTwilio, shown: list[OutgoingMessage]
) -> None:
    await queue(db, "telegram", CHAT, "Your concern was read.", options=(Option("menu", "Main menu"),))
    await queue(db, "sms", PHONE, "Your concern was read.", options=(Option("menu", "Main menu"),))
    await queue(db, "console", "safer-custody:maidstone", "URGENT concern", kind="alert")

    assert await Dispatcher(delivery).run_once() == 3

    assert telegram.sent(CHAT) == ["Your concern was read."]
    assert telegram.buttons(CHAT) == {"Main menu": "o:menu"}
    assert twilio.sent_to(PHONE) == ["Your concern was read.\n1 Main menu"]
    assert [m.address for m in shown] == ["safer-custody:maidstone"]
    tg, sms, console = await rows(db)
    assert all(row.status == "sent" and row.sent_at == START and row.attempts == 1 for row in (tg, sms, console))
    assert tg.provider_id == str(telegram.last_message(CHAT)["message_id"])  # type: ignore[index]
    assert (sms.provider_id, sms.segments) == (twilio.messages[0].sid, 1)
    assert console.provider_id == f"console-{console.id}"


async def test_transient_failures_are_retried_with_backoff_until_sent(
    db: Database, delivery: Delivery, twilio: FakeTwilio, moment: FixedClock
) -> None:
    await queue(db, "sms", PHONE)
    twilio.fail_next(2, status=503)
    dispatcher = Dispatcher(delivery)

    await dispatcher.run_once()
    [row] = await rows(db)
    assert (row.status, row.attempts) == ("queued", 1)
    assert START < row.next_attempt_at <= START + timedelta(seconds=5)
    assert "503" in (row.error or "")
    assert await dispatcher.run_once() == 0  # not before its time

    moment.advance(timedelta(minutes=1))
    await dispatcher.run_once()
    moment.advance(timedelta(minutes=1))
    await dispatcher.run_once()

    [row] = await rows(db)
    assert (row.status, row.attempts, row.error) == ("sent", 3, None)
    assert twilio.sent_to(PHONE) == ["Hello"]


async def test_a_message_that_keeps_failing_is_given_up(
    db: Database, delivery: Delivery, telegram: FakeTelegram, moment: FixedClock
) -> None:
    await queue(db, "telegram", CHAT)
    telegram.fail_next(MAX_ATTEMPTS + 5, status=502, method="sendMessage")
    dispatcher = Dispatcher(delivery)

    for _ in range(MAX_ATTEMPTS + 3):
        await dispatcher.run_once()
        moment.advance(timedelta(hours=1))

    [row] = await rows(db)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert row.error is not None
    assert row.error.startswith(f"gave up after {MAX_ATTEMPTS} attempts")


async def test_retry_after_is_honoured_and_not_counted_as_a_failure(
    db: Database, delivery: Delivery, telegram: FakeTelegram, twilio: FakeTwilio, moment: FixedClock
) -> None:
    await queue(db, "telegram", CHAT)
    await queue(db, "sms", PHONE)
    telegram.fail_next(1, status=429, method="sendMessage", retry_after=7)
    twilio.fail_next(1, status=429)
    dispatcher = Dispatcher(delivery)

    await dispatcher.run_once()

    tg, sms = await rows(db)
    assert (tg.status, tg.attempts, tg.next_attempt_at) == ("queued", 0, START + timedelta(seconds=7))
    assert (sms.status, sms.attempts, sms.next_attempt_at) == ("queued", 0, START + timedelta(seconds=1))
    moment.advance(timedelta(seconds=7))
    await dispatcher.run_once()
    tg, sms = await rows(db)
    assert (tg.status, tg.attempts, sms.status, sms.attempts) == ("sent", 1, "sent", 1)


@pytest.mark.parametrize(
    ("channel", "address", "refuse"),
    [
        ("telegram", CHAT, "blocked"),
        ("telegram", CHAT, "not-found"),
        ("sms", PHONE, "invalid-number"),
        ("sms", PHONE, "unsubscribed"),
    ],
)
async def test_a_permanent_failure_fails_once_and_marks_the_contact_unreachable(
    db: Database,
    delivery: Delivery,
    telegram: FakeTelegram,
    twilio: FakeTwilio,
    channel: str,
    address: str,
    refuse: str,
) -> None:
    await add_contact(db, channel, address)
    {"blocked": lambda: telegram.block(address), "not-found": lambda: telegram.mark_not_found(address),
     "invalid-number": lambda: twilio.mark_invalid(address),
     "unsubscribed": lambda: twilio.unsubscribe(address)}[refuse]()  # fmt: skip
    await queue(db, channel, address)

    await Dispatcher(delivery).run_once()

    [row] = await rows(db)
    assert (row.status, row.attempts) == ("failed", 1)
    contact = await contact_of(db, channel, address)
    assert contact is not None
    assert contact.unreachable_at == START
    attempts = len(telegram.calls_for("sendMessage")) if channel == "telegram" else len(twilio.attempts)
    assert attempts == 1


async def test_a_refused_message_fails_without_blaming_the_contact(
    db: Database, delivery: Delivery, telegram: FakeTelegram
) -> None:
    await add_contact(db, "telegram", CHAT)
    await queue(db, "telegram", CHAT, "x" * 5000, key="too-long")  # over Telegram's 4096 characters

    await Dispatcher(delivery).run_once()

    [row] = await rows(db)
    assert row.status == "failed"
    assert "too long" in (row.error or "")
    contact = await contact_of(db, "telegram", CHAT)
    assert contact is not None
    assert contact.unreachable_at is None


async def test_after_stop_only_urgent_messages_and_the_confirmation_are_sent(
    db: Database, delivery: Delivery, twilio: FakeTwilio, moment: FixedClock
) -> None:
    stopped = START + timedelta(minutes=5)
    await add_contact(db, "sms", PHONE, opted_out_at=stopped)
    await queue(db, "sms", PHONE, "An earlier reply, delayed", kind="reply", at=START)
    await queue(db, "sms", PHONE, "Family day on Saturday", kind="broadcast", at=stopped + timedelta(minutes=1))
    await queue(db, "sms", PHONE, "Your concern was read", kind="feedback", at=stopped + timedelta(minutes=1))
    await queue(db, "sms", PHONE, "You won't get any more messages", kind="reply", at=stopped)
    await queue(db, "sms", PHONE, "If anyone is in danger, call 999", kind="urgent", at=stopped + timedelta(hours=1))
    moment.advance(timedelta(hours=2))

    await Dispatcher(delivery).run_once()

    assert sorted(twilio.sent_to(PHONE)) == ["If anyone is in danger, call 999", "You won't get any more messages"]
    statuses = {row.body: row.status for row in await rows(db)}
    assert statuses["Family day on Saturday"] == statuses["Your concern was read"] == "skipped"
    assert statuses["An earlier reply, delayed"] == "skipped"


async def test_a_channel_without_credentials_holds_its_rows(
    db: Database, settings: Settings, moment: FixedClock
) -> None:
    await queue(db, "telegram", CHAT)
    async with open_senders(settings) as senders:  # nothing configured
        delivery = Delivery(db, senders, clock=moment)
        assert await Dispatcher(delivery).run_once() == 0  # only channels with a sender are claimed
        [row] = await claim_due(db, "someone", START, channels=["telegram"], limit=10)
        outcome = await delivery.deliver(row)

    [row] = await rows(db)
    assert (outcome.status, row.status, row.attempts) == ("queued", "queued", 0)
    assert row.next_attempt_at == START + NO_SENDER_WAIT


async def test_urgent_messages_are_sent_first(db: Database, delivery: Delivery, shown: list[OutgoingMessage]) -> None:
    for n in range(5):
        await queue(db, "console", f"family-{n}", f"notice {n}", kind="broadcast")
    await queue(db, "console", "safer-custody:chelmsford", "URGENT", kind="alert")
    delivery_one_at_a_time = Dispatcher(delivery, batch=1)

    await delivery_one_at_a_time.run_once()

    assert [m.text for m in shown] == ["URGENT"]


async def test_one_persons_messages_keep_their_order_when_one_must_wait(
    db: Database, delivery: Delivery, telegram: FakeTelegram, moment: FixedClock
) -> None:
    for n in range(3):
        await queue(db, "telegram", CHAT, f"part {n}")
    telegram.fail_next(1, status=429, method="sendMessage", retry_after=3)
    dispatcher = Dispatcher(delivery)

    await dispatcher.run_once()
    assert telegram.sent(CHAT) == []  # the first had to wait, so the others waited behind it
    assert [(r.attempts, r.next_attempt_at) for r in await rows(db)] == [(0, START + timedelta(seconds=3))] * 3

    moment.advance(timedelta(seconds=3))
    await dispatcher.run_once()
    assert telegram.sent(CHAT) == ["part 0", "part 1", "part 2"]


async def test_two_dispatchers_share_the_work_without_sending_anything_twice(
    db: Database, channel_settings: Settings, twilio: FakeTwilio
) -> None:
    for n in range(60):
        await queue(db, "sms", f"+4477009{n:05d}", f"notice {n}", kind="broadcast")
    async with open_senders(channel_settings) as senders:
        workers = [Dispatcher(Delivery(db, senders, limits=rate_limits(channel_settings)), batch=7)
                   for _ in range(2)]  # fmt: skip

        async def drain(worker: Dispatcher) -> int:
            total = 0
            while claimed := await worker.run_once():
                total += claimed
            return total

        shares = await asyncio.gather(*(drain(worker) for worker in workers))

    assert sum(shares) == 60
    assert len(twilio.messages) == 60
    assert twilio.duplicates == 0
    assert {row.status for row in await rows(db)} == {"sent"}


async def test_a_lease_left_by_a_dead_sender_runs_out_and_the_row_is_sent(
    db: Database, delivery: Delivery, twilio: FakeTwilio, moment: FixedClock
) -> None:
    await queue(db, "sms", PHONE)
    [claimed] = await claim_due(db, "a-worker-that-died", START, channels=["sms"], limit=1)
    assert claimed.lease_until == START + LEASE
    dispatcher = Dispatcher(delivery)

    assert await dispatcher.run_once() == 0  # leased: nobody else may send it
    moment.advance(LEASE + timedelta(seconds=1))
    assert await dispatcher.run_once() == 1

    [row] = await rows(db)
    assert (row.status, row.attempts, row.lease_owner) == ("sent", 2, None)
    assert twilio.sent_to(PHONE) == ["Hello"]


async def test_dedupe_key_makes_enqueueing_twice_harmless(db: Database) -> None:
    await queue(db, "sms", PHONE, key="alert:1:duty")
    async with db.transaction() as session:
        again = await enqueue(
            session, kind="alert", channel="sms", address=PHONE, body="Hello", dedupe_key="alert:1:duty"
        )

    assert again is None
    assert len(await rows(db)) == 1
