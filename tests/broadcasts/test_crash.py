"""Killing the worker in the middle of a broadcast, and starting it again (``delivery.ambiguous``).

What is guaranteed, and tested here against the fakes' own counts:

* rows sent and recorded before the crash are never sent again;
* rows claimed but not yet at the provider (waiting for a slot) are sent after the restart;
* rows whose send was under way (the provider may or may not have it):
  - SMS: Twilio is asked (its list of messages to the number); found → recorded as sent, not
    resent; not found → sent now. Every family gets exactly one;
  - Telegram broadcasts: not sent again, recorded ``unconfirmed`` (at most once): no duplicate,
    and a gap only if Telegram never received the request;
  - alerts (any urgent kind): sent again (at least once).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import update
from sqlmodel import col

from famsbot.clock import FixedClock, SystemClock
from famsbot.config import Settings
from famsbot.delivery.ambiguous import SETTLE
from famsbot.delivery.claims import LEASE, claim_due
from famsbot.delivery.deliver import Delivery
from famsbot.delivery.dispatcher import Dispatcher
from famsbot.delivery.message import Finder, OutgoingMessage, Sender, Sent
from famsbot.delivery.setup import open_senders
from famsbot.errors import MaybeSent
from famsbot.store.database import Database
from famsbot.store.models import Outbox
from famsbot.store.outbox import enqueue
from tests.support.broadcasts import add_subscriber, add_subscribers, chat, phone, queue_broadcast
from tests.support.concerns import add_staff
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import FakeTwilio
from tests.support.rows import all_rows
from tests.support.webhooks import PUBLIC_URL, eventually, with_telegram

ROOT = Path(__file__).resolve().parents[2]


class Crash(BaseException):
    """The process dies here: nothing after this line of the worker runs (not even ``except Exception``)."""


class _Finding:
    """The wrapped sender's ``find``, on the class: from Python 3.12, ``isinstance(x, Finder)`` looks
    attributes up on the class and no longer sees what ``__getattr__`` would give."""

    sender: Sender

    async def find(self, message: OutgoingMessage, since: datetime) -> Sent | None:
        return await cast(Finder, self.sender).find(message, since)


@functools.cache
def _finding(cls: type) -> type:
    return type(cls.__name__, (cls, _Finding), {})


class Dying:
    """A real sender in a worker that dies: just before the provider gets the message for the addresses
    in ``before``, or just after it accepted it for those in ``after``."""

    def __new__(cls, sender: Sender, **_: Any) -> Dying:
        chosen = _finding(cls) if isinstance(sender, Finder) else cls  # a Finder stays a Finder
        return cast(Dying, object.__new__(chosen))

    def __init__(self, sender: Sender, *, before: set[str] = frozenset(), after: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.sender, self.before, self.after = sender, before, after

    def cost(self, message: OutgoingMessage) -> int:
        return self.sender.cost(message)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sender, name)  # the real sender's other abilities (Twilio's ``find``)

    async def send(self, message: OutgoingMessage) -> Sent:
        if message.address in self.before:
            raise Crash()
        sent = await self.sender.send(message)
        if message.address in self.after:
            raise Crash()
        return sent


class TimingOut(Dying):
    """As ``Dying``, but the send times out instead (``MaybeSent``), and the worker lives on."""

    async def send(self, message: OutgoingMessage) -> Sent:
        if message.address in self.before:
            raise MaybeSent("timed out before the request went")
        sent = await self.sender.send(message)
        if message.address in self.after:
            raise MaybeSent("timed out waiting for the answer")
        return sent


async def test_a_worker_killed_mid_broadcast_loses_nothing_and_sends_no_sms_twice(
    db: Database, channel_settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio, clock: FixedClock
) -> None:
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    await add_subscribers(db, sms=4, telegram=4)
    await queue_broadcast(db, staff, clock.now())
    sms, chats = [phone(n) for n in range(4)], [chat(n) for n in range(4)]
    async with open_senders(channel_settings) as senders:
        # Worker A claims everything, sends #0, dies after the provider accepted #1, dies before the
        # provider got #2 (the send had been marked as started), and never reached #3.
        dying = {"sms": Dying(senders["sms"], before={sms[2]}, after={sms[1]}),
                 "telegram": Dying(senders["telegram"], before={chats[2]}, after={chats[1]})}  # fmt: skip
        worker_a = Delivery(db, dying, clock=clock, owner="worker-a")
        claimed = await claim_due(db, "worker-a", clock.now(), channels=["sms", "telegram"], limit=100)
        by_address = {row.address: row for row in claimed}
        for address in (sms[0], chats[0]):
            await worker_a.deliver(by_address[address])
        for address in (sms[1], sms[2], chats[1], chats[2]):
            with pytest.raises(Crash):
                await worker_a.deliver(by_address[address])
        at_crash = {row.address: row for row in await all_rows(db, Outbox)}
        assert [bool(at_crash[a].send_started_at) for a in sms] == [False, True, True, False]
        assert {at_crash[a].status for a in sms[1:] + chats[1:]} == {"queued"}
        first_sid = twilio.messages[1].sid  # worker A's send to sms[1], accepted but never recorded

        clock.advance(LEASE + timedelta(seconds=1))  # worker B starts; A's leases have run out
        await Dispatcher(Delivery(db, senders, clock=clock, owner="worker-b")).drain()

    assert [len(twilio.sent_to(number)) for number in sms] == [1, 1, 1, 1]  # every family, exactly once
    assert len([a for a in twilio.attempts if a.to == sms[1]]) == 1  # reconciled: not even tried again
    assert [len(telegram.sent(c)) for c in chats] == [1, 1, 0, 1]  # #2 never reached Telegram: the gap
    assert twilio.duplicates == telegram.duplicates == 0
    rows = {row.address: row for row in await all_rows(db, Outbox)}
    assert [rows[a].status for a in sms] == ["sent"] * 4
    assert rows[sms[1]].provider_id == first_sid
    assert [rows[c].status for c in chats] == ["sent", "unconfirmed", "unconfirmed", "sent"]
    assert all(row.send_started_at is None and row.lease_owner is None for row in rows.values())


async def test_an_alert_interrupted_mid_send_is_sent_again(
    db: Database, channel_settings: Settings, telegram: FakeTelegram, clock: FixedClock
) -> None:
    """At least once where it matters most: two copies of an alert beat none."""
    async with db.transaction() as session:
        await enqueue(session, kind="alert", channel="telegram", address="-1001", body="URGENT concern",
                      dedupe_key="alert:1:safer-custody", now=clock.now())  # fmt: skip
    async with open_senders(channel_settings) as senders:
        worker_a = Delivery(db, {"telegram": Dying(senders["telegram"], after={"-1001"})}, clock=clock, owner="a")
        [row] = await claim_due(db, "a", clock.now(), channels=["telegram"], limit=1)
        with pytest.raises(Crash):
            await worker_a.deliver(row)
        clock.advance(LEASE + timedelta(seconds=1))
        await Dispatcher(Delivery(db, senders, clock=clock)).drain()

    assert telegram.sent("-1001") == ["URGENT concern", "URGENT concern"]
    [row] = await all_rows(db, Outbox)
    assert row.status == "sent"


SAFER_CUSTODY = "+447700900111"


async def alert_by_sms(db: Database, n: int, clock: FixedClock) -> str:
    body = f"URGENT concern MSI-{n:04d}: call the family now"
    async with db.transaction() as session:
        await enqueue(session, kind="alert", channel="sms", address=SAFER_CUSTODY, body=body,
                      dedupe_key=f"alert:{n}:safer-custody", now=clock.now())  # fmt: skip
    return body


@pytest.mark.parametrize(("before", "after"), [(25, 0), (25, 60)])
async def test_an_sms_alert_to_a_busy_number_is_sent_once_and_within_seconds_after_a_crash(
    db: Database, channel_settings: Settings, twilio: FakeTwilio, clock: FixedClock, before: int, after: int
) -> None:
    """The safer-custody phone is sent many alerts. A worker dies just after Twilio accepted one of
    them; other alerts to the same phone go out meanwhile. The dead worker's alert is found at Twilio
    however many came before or after it, and is settled as soon as its short lease runs out."""
    async with open_senders(channel_settings) as senders:
        worker_b = Dispatcher(Delivery(db, senders, clock=clock, owner="worker-b"))
        for n in range(before):
            await alert_by_sms(db, n, clock)
        await worker_b.drain()
        crashed = await alert_by_sms(db, 1000, clock)
        worker_a = Delivery(db, {"sms": Dying(senders["sms"], after={SAFER_CUSTODY})}, clock=clock, owner="a")
        [row] = await claim_due(db, "a", clock.now(), channels=["sms"], limit=1)
        with pytest.raises(Crash):
            await worker_a.deliver(row)
        for n in range(before, before + after):
            await alert_by_sms(db, n, clock)
        await worker_b.drain()
        pages_before_settling = twilio.list_pages

        clock.advance(timedelta(seconds=31))  # half a minute after the crash, not two
        await worker_b.drain()

    assert twilio.sent_to(SAFER_CUSTODY).count(crashed) == 1
    assert len(twilio.sent_to(SAFER_CUSTODY)) == before + after + 1
    assert twilio.duplicates == 0
    [settled] = await all_rows(db, Outbox, dedupe_key="alert:1000:safer-custody")
    assert (settled.status, settled.send_started_at) == ("sent", None)
    assert settled.provider_id == next(m.sid for m in twilio.messages if m.body == crashed)
    assert twilio.list_pages - pages_before_settling == 1 + (before + after) // 50  # every page back to it


@pytest.mark.parametrize("when", ["before", "after"])
async def test_a_timed_out_sms_is_checked_with_twilio_before_it_is_sent_again(
    db: Database, channel_settings: Settings, twilio: FakeTwilio, clock: FixedClock, when: str
) -> None:
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    [family] = await add_subscribers(db, sms=1)
    await queue_broadcast(db, staff, clock.now())
    async with open_senders(channel_settings) as senders:
        flaky = TimingOut(senders["sms"], **{when: {family.address}})  # type: ignore[arg-type]
        dispatcher = Dispatcher(Delivery(db, {"sms": flaky}, clock=clock))
        await dispatcher.run_once()
        [waiting] = await all_rows(db, Outbox)
        assert (waiting.status, waiting.send_started_at is not None) == ("queued", True)
        assert waiting.next_attempt_at >= clock.now() + SETTLE  # time for Twilio to settle first

        clock.advance(SETTLE + timedelta(minutes=5))
        flaky.before = flaky.after = set()
        await dispatcher.drain()

    assert twilio.sent_to(family.address) == [twilio.messages[0].body]  # exactly one, either way
    [row] = await all_rows(db, Outbox)
    assert (row.status, row.provider_id, row.send_started_at) == ("sent", twilio.messages[0].sid, None)


async def test_a_timed_out_telegram_notice_is_not_sent_blind(
    db: Database, channel_settings: Settings, telegram: FakeTelegram, clock: FixedClock
) -> None:
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    [family] = await add_subscribers(db, telegram=1)
    await queue_broadcast(db, staff, clock.now())
    async with open_senders(channel_settings) as senders:
        flaky = TimingOut(senders["telegram"], after={family.address})
        dispatcher = Dispatcher(Delivery(db, {"telegram": flaky}, clock=clock))
        await dispatcher.run_once()
        clock.advance(timedelta(hours=1))
        await dispatcher.drain()

    assert len(telegram.sent(family.address)) == 1
    [row] = await all_rows(db, Outbox)
    assert row.status == "unconfirmed"


async def test_a_graceful_stop_lets_the_sends_under_way_finish_and_records_them(
    db: Database, settings: Settings
) -> None:
    """SIGTERM (a deploy, a restart): nothing new starts, nothing under way is left in doubt."""
    async with FakeTelegram(rate_per_second=None, per_chat_per_second=None, answer_delay=0.5) as slow:
        staff = await add_staff(db, "pact@maidstone.test", role="pact")
        await add_subscribers(db, telegram=40)
        await queue_broadcast(db, staff, SystemClock().now())
        fast = with_telegram(settings, slow, telegram_per_second=1000.0, telegram_per_chat_per_second=1000.0)
        async with open_senders(fast) as senders:
            dispatcher = Dispatcher(Delivery(db, senders), batch=10)
            async with dispatcher.running():
                await eventually(lambda: slow.sent_count > 0, within=10)  # a round is with Telegram now

            rows = await all_rows(db, Outbox)
            assert not [row for row in rows if row.send_started_at is not None]  # nothing in doubt
            assert {row.address for row in rows if row.status == "sent"} == slow.recipients
            assert 0 < len(slow.recipients) < 40  # it stopped part-way, between rounds
            await Dispatcher(Delivery(db, senders)).drain()  # started again: the rest go, once
        assert len(slow.recipients) == 40
        assert slow.duplicates == 0


# --- a real worker process, killed with SIGKILL ---------------------------------------------------


@pytest.fixture
def slow_fakes() -> Iterator[tuple[FakeTelegram, FakeTwilio]]:
    """Fakes that act at once and answer slowly, so a killed worker leaves sends the providers have
    but the worker never heard about (the ambiguous case), not just requests that never arrived."""
    with FakeTelegram(rate_per_second=200, per_chat_per_second=1, answer_delay=0.2) as tg, \
            FakeTwilio(answer_delay=0.2) as tw:  # fmt: skip
        yield tg, tw


def worker_env(db: Database, telegram: FakeTelegram, twilio: FakeTwilio) -> dict[str, str]:
    return {
        **os.environ, "FAMSBOT_DATABASE_URL": db.url, "FAMSBOT_PUBLIC_URL": PUBLIC_URL, "PTB_TIMEDELTA": "true",
        "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_URL": telegram.bot_url,
        "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_FROM": twilio.number, "TWILIO_API_URL": twilio.url,
        "FAMSBOT_TELEGRAM_PER_SECOND": "60", "FAMSBOT_SMS_PER_SECOND": "60",
        "FAMSBOT_QUIET_HOURS_START": "00:00", "FAMSBOT_QUIET_HOURS_END": "00:00",  # whatever the hour of the run
    }  # fmt: skip


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "famsbot.cli", "worker", "--concurrency", "16"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("a"),
    )  # fmt: skip


async def nothing_queued(db: Database) -> bool:
    return not await all_rows(db, Outbox, status="queued")


async def after_the_lease(db: Database) -> None:
    """Two minutes on, compressed: the dead worker's leases have run out."""
    past = SystemClock().now() - timedelta(seconds=1)
    async with db.transaction() as session:
        await session.exec(update(Outbox).where(col(Outbox.lease_until).is_not(None)).values(lease_until=past))


async def test_kill_the_worker_process_mid_broadcast_and_start_it_again(
    db: Database, slow_fakes: tuple[FakeTelegram, FakeTwilio], tmp_path: Path
) -> None:
    telegram, twilio = slow_fakes
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    for n in range(120):  # interleaved, so that both channels are busy whatever order rows are taken in
        await add_subscriber(db, "sms", phone(n))
        await add_subscriber(db, "telegram", chat(n))
    await queue_broadcast(db, staff, SystemClock().now())
    env, log = worker_env(db, telegram, twilio), tmp_path / "worker.log"

    worker = start_worker(env, log)
    try:
        await eventually(lambda: len(twilio.messages) + telegram.sent_count >= 80, within=60)
        worker.send_signal(signal.SIGKILL)  # no chance to finish or record anything
        worker.wait(timeout=10)
        await asyncio.sleep(0.5)  # the fakes finish accepting what was already on its way
        in_doubt = [row for row in await all_rows(db, Outbox) if row.send_started_at is not None]
        delivered_at_kill = len(twilio.messages) + telegram.sent_count
        assert 0 < delivered_at_kill < 240, log.read_text()[-3000:]

        await after_the_lease(db)
        worker = start_worker(env, log)
        await eventually(lambda: nothing_queued(db), within=90)
    finally:
        with contextlib.suppress(ProcessLookupError):
            worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)

    rows = await all_rows(db, Outbox)
    statuses = {status: sum(row.status == status for row in rows) for status in {row.status for row in rows}}
    doubt = {channel: sum(row.channel == channel for row in in_doubt) for channel in ("sms", "telegram")}
    unconfirmed = [row.address for row in rows if row.status == "unconfirmed"]
    arrived = sum(bool(telegram.sent(address)) for address in unconfirmed)
    print(f"\n[{'sqlite' if db.is_sqlite else 'postgresql'}] at the kill: {delivered_at_kill} at the fakes, "  # noqa: T201
          f"sends in doubt: {doubt}; after the restart: {statuses}; of the unconfirmed, {arrived} had in fact "
          "reached Telegram")
    assert doubt["sms"], "the kill left no SMS in doubt: the reconciliation was not exercised"
    assert doubt["telegram"], "the kill left no Telegram send in doubt: at most once was not exercised"
    assert [len(twilio.sent_to(phone(n))) for n in range(120)] == [1] * 120, log.read_text()[-3000:]
    assert twilio.duplicates == telegram.duplicates == 0
    sent_chats = {row.address for row in rows if row.channel == "telegram" and row.status == "sent"}
    assert sent_chats <= telegram.recipients
    assert all(len(telegram.sent(chat(n))) <= 1 for n in range(120))
    assert set(statuses) <= {"sent", "unconfirmed"}
    assert statuses.get("unconfirmed", 0) <= len(in_doubt)
    missing = 120 - len(telegram.recipients)  # a Telegram gap: a request in doubt that never arrived
    assert missing <= statuses.get("unconfirmed", 0)
