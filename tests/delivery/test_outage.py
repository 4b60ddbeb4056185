"""``famsbot worker`` when the database goes away: it waits, says so once, and catches up.

On PostgreSQL a real worker process reaches the database through a loopback proxy that the test cuts
(every connection closed, then "connection refused") and restores, as in a database restart or a
network drop. Meanwhile the test, connected directly, keeps queueing alerts, as the web app would.
On SQLite the database is a file: the equivalent is its volume not being there for a while.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from famsbot.delivery.console import ConsoleSender
from famsbot.delivery.deliver import Delivery
from famsbot.delivery.dispatcher import Dispatcher
from famsbot.delivery.message import OutgoingMessage
from famsbot.store.database import Database
from famsbot.store.migrate import upgrade
from famsbot.store.models import Outbox
from famsbot.store.outbox import enqueue
from tests.support.databases import reset
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import FakeTwilio
from tests.support.rows import all_rows
from tests.support.tcp_proxy import TcpProxy
from tests.support.webhooks import eventually
from tests.support.workers import start_worker, stop_worker, worker_env

OUTAGE = 10.0  # seconds, as in the reliability test
SAFER_CUSTODY_SMS = "+447700900111"
SAFER_CUSTODY_CHAT = "-100200300"


@pytest.fixture
def fakes() -> Iterator[tuple[FakeTwilio, FakeTelegram]]:
    with FakeTwilio() as twilio, FakeTelegram(per_chat_per_second=20) as telegram:
        yield twilio, telegram


def through(proxy: TcpProxy, url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))


async def raise_alerts(db: Database, first: int, count: int) -> None:
    """``count`` concerns' alerts, each to safer custody by SMS and on Telegram."""
    for n in range(first, first + count):
        async with db.transaction() as session:
            for channel, address in (("sms", SAFER_CUSTODY_SMS), ("telegram", SAFER_CUSTODY_CHAT)):
                body = f"URGENT concern MSI-{n:04d}: call the family now"
                await enqueue(session, kind="alert", channel=channel, address=address, body=body,
                              dedupe_key=f"alert:{n}:{channel}")  # fmt: skip


def everything_delivered(twilio: FakeTwilio, telegram: FakeTelegram, count: int) -> bool:
    return len(twilio.sent_to(SAFER_CUSTODY_SMS)) >= count and len(telegram.sent(SAFER_CUSTODY_CHAT)) >= count


@pytest.mark.postgres
async def test_the_worker_rides_out_a_database_outage_and_delivers_the_backlog_once(
    postgres_db: Database, postgres_url: str, fakes: tuple[FakeTwilio, FakeTelegram], tmp_path: Path
) -> None:
    twilio, telegram = fakes
    await reset(postgres_db)
    log = tmp_path / "worker.log"
    with TcpProxy(urlsplit(postgres_url).hostname or "127.0.0.1", urlsplit(postgres_url).port or 5432) as proxy:
        env = worker_env(through(proxy, postgres_db.url), twilio=twilio, telegram=telegram,
                         FAMSBOT_SMS_PER_SECOND="50",
                         FAMSBOT_TELEGRAM_PER_CHAT_PER_SECOND="20")  # pacing is not what this is about
        worker = start_worker(env, log)
        try:
            await raise_alerts(postgres_db, 0, 5)
            await eventually(lambda: everything_delivered(twilio, telegram, 5), within=30)

            proxy.cut()
            for second in range(int(OUTAGE)):  # alerts keep coming while the worker cannot see them
                await raise_alerts(postgres_db, 5 + 2 * second, 2)
                await asyncio.sleep(1)
            alive_through_outage = worker.poll() is None
            delivered_during_outage = len(twilio.sent_to(SAFER_CUSTODY_SMS))
            proxy.restore()

            await eventually(lambda: everything_delivered(twilio, telegram, 25), within=60)
            await asyncio.sleep(1.5)  # time enough for any duplicate to show itself
        finally:
            status = stop_worker(worker)

    output = log.read_text()
    assert alive_through_outage, output[-3000:]
    assert status == 0, output[-3000:]
    assert delivered_during_outage == 5
    expected = [f"URGENT concern MSI-{n:04d}: call the family now" for n in range(25)]
    assert sorted(twilio.sent_to(SAFER_CUSTODY_SMS)) == expected
    assert sorted(telegram.sent(SAFER_CUSTODY_CHAT)) == expected
    assert twilio.duplicates == telegram.duplicates == 0
    assert {row.status for row in await all_rows(postgres_db, Outbox)} == {"sent"}
    # Said once per loop (dispatch, recording sends, periodic work, heartbeat), not once per attempt (the
    # issue counted 974 tracebacks in a 10 s outage); no tracebacks at all.
    assert "Traceback" not in output, output[-3000:]
    assert 1 <= len(re.findall("the database is unavailable", output)) <= 4, output[-3000:]
    assert "working again" in output


async def test_on_sqlite_the_dispatcher_waits_for_its_volume_quietly_and_then_delivers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    volume = tmp_path / "volume"  # not mounted yet: the database file cannot be opened
    db = Database(f"sqlite+aiosqlite:///{volume / 'famsbot.db'}")
    shown: list[OutgoingMessage] = []
    dispatcher = Dispatcher(Delivery(db, {"console": ConsoleSender(shown.append)}), idle=0.1)
    try:
        with caplog.at_level(logging.INFO, logger="famsbot"):
            async with dispatcher.running():
                await asyncio.sleep(2.0)  # a dozen attempts at the old pace of one a second
                volume.mkdir()  # mounted
                await upgrade(db)
                async with db.transaction() as session:
                    await enqueue(session, kind="alert", channel="console", address="safer-custody",
                                  body="URGENT concern MSI-0001", dedupe_key="alert:1:console")  # fmt: skip
                await eventually(lambda: bool(shown), within=15)
    finally:
        await db.dispose()

    assert [message.text for message in shown] == ["URGENT concern MSI-0001"]
    said = [r for r in caplog.records if r.name.startswith("famsbot") and r.levelno >= logging.WARNING]
    assert [record.levelname for record in said] == ["WARNING", "WARNING"], [r.getMessage() for r in said]
    assert "the database is unavailable" in said[0].getMessage()
    assert "working again" in said[1].getMessage()
    assert all(record.exc_info is None for record in said)  # no tracebacks
