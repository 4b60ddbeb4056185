"""Benchmark: a 10,000-family broadcast through the real senders, against fakes that enforce the limits.

What runs is production's path end to end: the broadcast is created by ``broadcasts.send_broadcast``
(one transaction: the record and 10,000 outbox rows), then ``famsbot worker`` processes deliver it
through python-telegram-bot and twilio-python to the fake Bot API and the fake Twilio API (served
from this process, so the worker has its own CPU). The fake Telegram enforces the overall and
per-chat limits and answers 429 beyond them; the limits are scaled up so the run takes seconds
(python-telegram-bot costs about 2.7 ms of CPU per send here, so a few hundred a second is the
practical ceiling for one worker process).

Printed, per channel: the rate achieved as a share of its limit (over the channel's busy time), the
429s received, duplicates (must be 0) and families missed (must be 0); the worker's peak memory
(peak RSS, from /proc) and the peak Python allocation (tracemalloc) of creating the broadcast.

    python bench/broadcast.py [--recipients 10000] [--telegram-share 0.6] [--telegram-rate 200]
                              [--sms-rate 120] [--workers 1] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import insert, text
from sqlmodel import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from famsbot.broadcasts import Draft, plan_send, send_broadcast  # noqa: E402
from famsbot.broadcasts.compose import create_broadcast  # noqa: E402
from famsbot.broadcasts.wording import as_delivered  # noqa: E402
from famsbot.content.loader import get_content  # noqa: E402
from famsbot.policy.quiet_hours import QuietHours  # noqa: E402
from famsbot.sms_text import segments  # noqa: E402
from famsbot.store.database import Database  # noqa: E402
from famsbot.store.migrate import upgrade  # noqa: E402
from famsbot.store.models import Contact, StaffUser, Subscription  # noqa: E402
from tests.support.fake_telegram import FakeTelegram  # noqa: E402
from tests.support.fake_twilio import FakeTwilio  # noqa: E402

BODY = "Family day Sat 5 Dec, 10-2. Book at the visitors' centre."  # one SMS segment with heading and stop line
PUBLIC_URL = "https://famsbot.example.org"


@contextmanager
def database_url(postgres_url: str | None) -> Iterator[str]:
    """A fresh database: a temporary SQLite file, or a new database on the PostgreSQL server."""
    if postgres_url is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite+aiosqlite:///{tmp}/bench.db"
        return
    name = f"famsbot_bench_{uuid.uuid4().hex[:8]}"
    libpq = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def addresses(recipients: int, telegram_share: float) -> tuple[list[str], list[str]]:
    on_telegram = round(recipients * telegram_share)
    chats = [str(100_000_000 + n) for n in range(on_telegram)]
    phones = [f"+4477{n:08d}" for n in range(recipients - on_telegram)]
    return chats, phones


async def subscribe(db: Database, chats: list[str], phones: list[str]) -> None:
    """Families who asked for Maidstone's notices, written in bulk (the notices flow does it one by one)."""
    now = datetime.now(UTC)
    # Mixed in proportion, as real sign-ups are: rows are taken in id order.
    keyed = [(n / len(chats), "telegram", a) for n, a in enumerate(chats)]
    keyed += [(n / len(phones), "sms", a) for n, a in enumerate(phones)]
    people = [{"channel": channel, "address": a} for _, channel, a in sorted(keyed, key=lambda k: k[0])]
    async with db.transaction() as session:
        connection = await session.connection()
        for start in range(0, len(people), 500):
            chunk = [{**p, "prison_id": "maidstone", "language": "en", "created_at": now, "last_seen_at": now}
                     for p in people[start : start + 500]]  # fmt: skip
            ids = (await connection.execute(insert(Contact).returning(Contact.id), chunk)).scalars().all()
            await connection.execute(insert(Subscription), [
                {"contact_id": i, "prison_id": "maidstone", "topic": "family_days", "active": True, "opted_in_at": now}
                for i in ids
            ])  # fmt: skip
        unusable = "-"  # not an argon2 hash: this account can never sign in
        session.add(StaffUser(email="pact@maidstone.bench", password_hash=unusable, role="pact", prison_id="maidstone"))


class DryRun(Exception):
    """Raised to roll the measured transaction back."""


async def create(db: Database) -> tuple[float, int]:
    """The broadcast as the composer creates it: seconds taken, and tracemalloc's peak in bytes (from a
    first run that is rolled back: tracing makes Python several times slower, so it is not timed)."""
    async with db.transaction() as session:
        sender = (await session.exec(select(StaffUser))).one()
    get_content()  # loaded once per process, before any measuring
    now = datetime.now(UTC)
    draft = Draft("maidstone", BODY, plan_send(None, now, QuietHours.off()))
    tracemalloc.start()
    try:
        async with db.transaction() as session:
            await create_broadcast(session, sender, draft, content=get_content(), now=now, request_key="dry-run-" * 3)
            raise DryRun()
    except DryRun:
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    started = time.perf_counter()
    await send_broadcast(db, sender, draft, content=get_content(), now=now, request_key=uuid.uuid4().hex)
    return time.perf_counter() - started, peak


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "famsbot.cli", "worker", "--concurrency", "32"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("a"),
    )  # fmt: skip


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def queued(db: Database) -> int:
    async with db.transaction() as session:
        result = await session.exec(text("SELECT count(*) FROM outbox WHERE status = 'queued'"))  # type: ignore[call-overload]
        return int(result.scalar_one())


def rate(times: list[float]) -> float:
    times = sorted(times)
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def report(name: str, limit: float, unit_per_send: int, times: list[float], started: float, too_many: int,
           duplicates: int, missed: int) -> None:  # fmt: skip
    """``times``: when each accepted send reached the fake (``time.monotonic``); ``started``: worker start."""
    if not times:
        return
    achieved = rate(times) * unit_per_send
    units = "segments" if name == "SMS" else "messages"
    print(f"  {name:8} {len(times):6} sent from {min(times) - started:5.1f} s to {max(times) - started:5.1f} s: "
          f"{achieved:6.1f} {units}/s of {limit:g} allowed = {achieved / limit:6.1%} of the limit | "
          f"429s {too_many} | duplicates {duplicates} | missed {missed}")


async def bench(args: argparse.Namespace) -> None:
    chats, phones = addresses(args.recipients, args.telegram_share)
    with database_url(args.postgres_url) as url:
        db = Database(url)
        await upgrade(db)
        await subscribe(db, chats, phones)
        created, created_peak = await create(db)
        sms_segments = segments(as_delivered(get_content(), "maidstone", BODY, "sms"))
        with FakeTelegram(rate_per_second=args.telegram_rate, per_chat_per_second=1) as telegram, \
                FakeTwilio() as twilio, tempfile.TemporaryDirectory() as logs:  # fmt: skip
            env = {
                **os.environ, "FAMSBOT_DATABASE_URL": url, "FAMSBOT_PUBLIC_URL": PUBLIC_URL, "PTB_TIMEDELTA": "true",
                "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_URL": telegram.bot_url,
                "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token,
                "TWILIO_FROM": twilio.number, "TWILIO_API_URL": twilio.url,
                "FAMSBOT_TELEGRAM_PER_SECOND": str(args.telegram_rate), "FAMSBOT_SMS_PER_SECOND": str(args.sms_rate),
                "FAMSBOT_QUIET_HOURS_START": "00:00", "FAMSBOT_QUIET_HOURS_END": "00:00",
            }  # fmt: skip
            log = Path(logs) / "worker.log"
            started = time.monotonic()
            workers = [start_worker(env, log) for _ in range(args.workers)]
            try:
                peaks = [0.0] * len(workers)
                while await queued(db) and time.monotonic() - started < args.timeout:
                    peaks = [max(p, peak_rss_mb(w.pid)) for p, w in zip(peaks, workers, strict=True)]
                    await asyncio.sleep(0.5)
                elapsed = time.monotonic() - started
                peaks = [max(p, peak_rss_mb(w.pid)) for p, w in zip(peaks, workers, strict=True)]
            finally:
                for worker in workers:
                    worker.send_signal(signal.SIGTERM)
                for worker in workers:
                    worker.wait(timeout=60)
            left = await queued(db)
            async with db.transaction() as session:
                statuses = dict((await session.exec(  # type: ignore[call-overload]
                    text("SELECT status, count(*) FROM outbox GROUP BY status"))).all())
            tg_times = [c.monotonic for c in telegram.calls_for("sendMessage") if c.status == 200]
            offset = time.time() - time.monotonic()  # Twilio's fake stamps wall-clock times
            sms_times = [a.at.timestamp() - offset for a in twilio.attempts if a.status == 201]
            backend = "SQLite" if db.is_sqlite else f"PostgreSQL, {args.workers} worker(s)"
            print(f"\n{args.recipients} families ({len(chats)} on Telegram, {len(phones)} by SMS, "
                  f"{sms_segments} segment per SMS), {backend}")
            print(f"  created the broadcast (record + {args.recipients} outbox rows, one transaction) in "
                  f"{created:.2f} s, tracemalloc peak {created_peak / 2**20:.1f} MiB")
            print(f"  all dealt with {elapsed:.1f} s after the worker started; outbox: {statuses}"
                  + (f"; {left} still queued" if left else ""))
            report("Telegram", args.telegram_rate, 1, tg_times, started, telegram.too_many_requests,
                   telegram.duplicates, len(chats) - len(telegram.recipients))
            report("SMS", args.sms_rate, sms_segments, sms_times, started, twilio.throttled, twilio.duplicates,
                   len(phones) - len({m.to for m in twilio.messages}))
            print("  worker peak RSS: " + ", ".join(f"{p:.0f} MiB" for p in peaks))
            if left or telegram.duplicates or twilio.duplicates:
                print("  FAILED: see the worker log:\n" + log.read_text()[-3000:])
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--telegram-share", type=float, default=0.6)
    parser.add_argument("--telegram-rate", type=float, default=200.0, help="the fake's and the worker's limit")
    parser.add_argument("--sms-rate", type=float, default=120.0, help="segments a second")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (several: PostgreSQL)")
    parser.add_argument("--postgres-url", default=None, help="e.g. postgresql+psycopg://postgres@127.0.0.1/test")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    if args.workers > 1 and not args.postgres_url:
        parser.error("several workers need PostgreSQL (--postgres-url): on SQLite one process sends everything")
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
