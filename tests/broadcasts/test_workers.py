"""Several workers on PostgreSQL share one broadcast: nobody twice, and the limits hold for all together.

Each worker paces itself by booking slots in the database (``delivery.slots``), so two workers send
no faster than one would be allowed to: the fake Telegram, enforcing its limit, answers no 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from famsbot.clock import SystemClock
from famsbot.delivery.ratelimit import Busy
from famsbot.delivery.slots import SharedRateLimiter, prune_slots
from famsbot.store.database import Database
from famsbot.store.models import Outbox, RateSlot
from tests.support.broadcasts import add_subscriber, chat, phone, queue_broadcast
from tests.support.concerns import add_staff
from tests.support.databases import reset
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import FakeTwilio
from tests.support.rows import all_rows
from tests.support.webhooks import PUBLIC_URL, eventually
from tests.support.workers import sent_by

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
RATE = 40  # Telegram messages a second, for the fake and for the workers together


@pytest.fixture
async def pg(postgres_db: Database) -> Database:
    await reset(postgres_db)
    return postgres_db


@pytest.fixture
def limited_fakes() -> Iterator[tuple[FakeTelegram, FakeTwilio]]:
    with FakeTelegram(rate_per_second=RATE, per_chat_per_second=1) as tg, FakeTwilio() as tw:
        yield tg, tw


def start_worker(pg: Database, telegram: FakeTelegram, twilio: FakeTwilio, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ, "FAMSBOT_DATABASE_URL": pg.url, "FAMSBOT_PUBLIC_URL": PUBLIC_URL, "PTB_TIMEDELTA": "true",
        "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_URL": telegram.bot_url,
        "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_FROM": twilio.number, "TWILIO_API_URL": twilio.url,
        "FAMSBOT_TELEGRAM_PER_SECOND": str(RATE), "FAMSBOT_SMS_PER_SECOND": "100",
        "FAMSBOT_QUIET_HOURS_START": "00:00", "FAMSBOT_QUIET_HOURS_END": "00:00",
    }  # fmt: skip
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "famsbot.cli", "worker", "--concurrency", "10"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("w"),
    )  # fmt: skip


async def nothing_queued(db: Database) -> bool:
    return not await all_rows(db, Outbox, status="queued")


async def test_two_worker_processes_share_a_broadcast_within_the_limits(
    pg: Database, limited_fakes: tuple[FakeTelegram, FakeTwilio], tmp_path: Path
) -> None:
    telegram, twilio = limited_fakes
    staff = await add_staff(pg, "pact@maidstone.test", role="pact")
    for n in range(160):
        await add_subscriber(pg, "telegram", chat(n))
        if n % 2:
            await add_subscriber(pg, "sms", phone(n))
    await queue_broadcast(pg, staff, SystemClock().now())
    logs = [tmp_path / f"worker-{n}.log" for n in range(2)]

    workers = [start_worker(pg, telegram, twilio, log) for log in logs]
    try:
        await eventually(lambda: nothing_queued(pg), within=90)
    finally:
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)

    sends = sorted(call.monotonic for call in telegram.calls_for("sendMessage") if call.status == 200)
    achieved = (len(sends) - 1) / (sends[-1] - sends[0])
    shares = [sent_by(log) for log in logs]
    assert {row.status for row in await all_rows(pg, Outbox)} == {"sent"}, [log.read_text()[-2000:] for log in logs]
    assert [len(telegram.sent(chat(n))) for n in range(160)] == [1] * 160
    assert [len(twilio.sent_to(phone(n))) for n in range(1, 160, 2)] == [1] * 80
    assert telegram.duplicates == twilio.duplicates == 0
    assert telegram.too_many_requests == 0  # the limit held across both workers, not hoped for
    assert achieved <= RATE * 1.05, achieved
    assert sum(shares) == 240, shares
    assert all(share > 0 for share in shares), shares  # both took their part


async def test_two_limiters_on_one_database_keep_to_one_rate(pg: Database) -> None:
    """The booking itself: two workers' limiters, 60 sends at 30 a second, take two seconds."""
    first, second = SharedRateLimiter(pg, "telegram", 30), SharedRateLimiter(pg, "telegram", 30)
    times: list[float] = []

    async def send(limiter: SharedRateLimiter, n: int) -> None:
        await limiter.acquire(f"chat-{n}")
        times.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(send(first if n % 2 else second, n) for n in range(60)))

    assert max(times) - started >= 59 / 30 - 0.05
    asked = time.monotonic()
    bulk = await asyncio.gather(*(first.acquire(f"bulk-{n}", within=0.5) for n in range(40)), return_exceptions=True)
    booking_took = time.monotonic() - asked
    booked = sum(not isinstance(outcome, Busy) for outcome in bulk)
    assert all(outcome is None or isinstance(outcome, Busy) for outcome in bulk), bulk
    # Half a second's worth (15 or 16) booked, plus the slots that time freed while the 40 asked; the
    # rest were told to come back.
    assert 14 <= booked <= 16 + math.ceil(booking_took * 30), (booked, booking_took)
    assert await prune_slots(pg, SystemClock().now() + timedelta(hours=1)) > 0
    assert await all_rows(pg, RateSlot) == []
