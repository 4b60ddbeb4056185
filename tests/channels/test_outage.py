"""The database goes away while families write in: nothing is lost, nobody is told "saved".

The real app serves real HTTP; Twilio and Telegram are the local fakes. The database really goes
away: on PostgreSQL the app reaches it through a loopback TCP proxy that is cut (every connection
dropped, new ones refused); on SQLite another process holds the write lock, so every write fails
with "database is locked" after the busy timeout. While it is away, families send urgent messages
by SMS and Telegram (and Telegram retries). Afterwards every concern exists exactly once, with its
alert, holding the family's own words; every family is told their reference; no reply ever said
"saved"; and the words never reached the log.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from famsbot.channels.sms import INBOUND_PATH
from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.store.database import Database
from famsbot.store.models import Concern, InboundMessage, Outbox
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import FakeTwilio, sign_twilio_request
from tests.support.processes import KillableServe
from tests.support.rows import all_rows
from tests.support.servers import ServerThread
from tests.support.tcp_proxy import TcpProxy
from tests.support.webhooks import (
    PUBLIC_URL,
    eventually,
    post_update,
    served_app,
    text_in,
    twiml_messages,
    with_telegram,
    with_twilio,
)

TRIALS = 5  # urgent messages per channel during one outage
WORDS = [
    "my son says he will kill himself tonight",
    "my brother said he is going to hang himself tonight",
    "my son told me on the phone he wants to end his life tonight",
    "he says he is going to kill himself tonight",
    "my partner said he will kill himself tonight",
]


class Outage:
    """Takes the app's database away and brings it back, for real, on either backend."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._proxy: TcpProxy | None = None
        self._holder: sqlite3.Connection | None = None

    @contextmanager
    def app_url(self) -> Iterator[str]:
        """The URL the app must use so that the outage reaches it."""
        if self.db.is_sqlite:
            yield self.db.url + "?timeout=0.3"  # a busy database fails fast, as a webhook needs
            return
        parts = urlsplit(self.db.url)
        with TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432) as proxy:
            self._proxy = proxy
            yield self.db.url.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{proxy.port}")

    def begin(self) -> None:
        if self._proxy is not None:
            self._proxy.cut()
            return
        path = self.db.url.split("///", 1)[1]
        self._holder = sqlite3.connect(path, isolation_level=None, timeout=5)
        self._holder.execute("BEGIN IMMEDIATE")  # another process holds the only write lock

    def end(self) -> None:
        if self._proxy is not None:
            self._proxy.restore()
        elif self._holder is not None:
            self._holder.execute("ROLLBACK")
            self._holder.close()


@asynccontextmanager
async def app_with_outage(
    db: Database, settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio, clock: FixedClock, spool: Path
) -> AsyncIterator[tuple[ServerThread, Outage]]:
    outage = Outage(db)
    with outage.app_url() as url:
        configured = with_twilio(with_telegram(settings, telegram), twilio, database_url=url, spool_dir=str(spool))
        async with served_app(configured, clock) as server:
            yield server, outage


async def test_urgent_messages_during_an_outage_are_kept_alerted_and_answered_truthfully(
    db: Database, settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio, clock: FixedClock,
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.INFO)
    spool = tmp_path / "spool"
    numbers = [f"+4477009002{i:02d}" for i in range(TRIALS)]
    chats = [5100 + i for i in range(TRIALS)]
    sms_words = {number: f"{WORDS[i]} (text {i})" for i, number in enumerate(numbers)}
    tg_words = {chat: f"{WORDS[i]} (chat {i})" for i, chat in enumerate(chats)}
    heard: list[str] = []  # every reply a family saw, on either channel

    async with (
        app_with_outage(db, settings, telegram, twilio, clock, spool) as (server, outage),
        httpx.AsyncClient(timeout=30) as http,
    ):
        assert await text_in(http, server, twilio, "+447700900299", "hello")  # up and answering
        outage.begin()

        for number, words in sms_words.items():
            messages = await text_in(http, server, twilio, number, words)
            heard.extend(messages)
            assert "call 999" in messages[0]  # the emergency route, at once
            assert "I have kept it and will pass it on" in " ".join(messages)
        updates = {chat: telegram.user_message(chat, words) for chat, words in tg_words.items()}
        for chat, update in updates.items():
            assert (await post_update(http, server, update)).status_code == 503  # Telegram will retry
            assert (await post_update(http, server, update)).status_code == 503  # ... and it does
            sent = telegram.sent(chat)
            assert len(sent) == 2  # the route and the truth, once: not again on the retry
            assert "call 999" in sent[0]
        assert len(list(spool.glob("*.json"))) == 2 * TRIALS

        outage.end()
        for update in updates.values():  # Telegram's next retry, now the database is back
            assert (await post_update(http, server, update)).status_code == 200
        await eventually(lambda: not list(spool.glob("*.json")), within=30)  # the replayer caught up

        concerns = await all_rows(db, Concern)
        alerts = await all_rows(db, Outbox, kind="alert")
        replies = [row for row in await all_rows(db, Outbox) if row.kind in ("reply", "urgent")]
        for chat in chats:
            heard.extend(telegram.sent(chat))

    words = {**{f"sms:{n}": w for n, w in sms_words.items()}, **{f"telegram:{c}": w for c, w in tg_words.items()}}
    by_words = {concern.verbatim: concern for concern in concerns}
    lost = [w for w in words.values() if w not in by_words]
    duplicated = len(concerns) - len(by_words)
    assert (lost, duplicated, len(concerns)) == ([], 0, 2 * TRIALS)
    assert all(concern.urgent for concern in concerns)
    assert sorted(alert.concern_id for alert in alerts) == sorted(concern.id for concern in concerns)

    heard.extend(row.body for row in replies)
    misleading = [reply for reply in heard if "saved" in reply.lower()]
    assert misleading == []
    for key, text in words.items():  # each family is told their reference, once the database is back
        channel, address = key.split(":")
        reference = by_words[text].reference
        told = [row for row in replies if row.address == address and reference in row.body]
        told_inline = channel == "telegram" and any(reference in m for m in telegram.sent(int(address)))
        assert told or told_inline, f"{key} was never told {reference}"
    assert len(await all_rows(db, InboundMessage, status="handled")) == 1 + 2 * TRIALS
    assert not any(text in caplog.text for text in words.values())  # the words are never logged


async def test_a_kept_message_survives_kill_9_and_the_next_serve_replays_it(
    db: Database, twilio: FakeTwilio, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool, number, words = tmp_path / "spool", "+447700900321", WORDS[0]
    outage = Outage(db)
    with outage.app_url() as url:
        env = {
            "FAMSBOT_DATABASE_URL": url, "FAMSBOT_PUBLIC_URL": PUBLIC_URL, "FAMSBOT_SPOOL_DIR": str(spool),
            "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_FROM": twilio.number, "TWILIO_API_URL": twilio.url,
        }  # fmt: skip
        first = KillableServe(env, crashing=False)
        outage.begin()
        fields = twilio.user_sms(number, words)
        signature = sign_twilio_request(PUBLIC_URL + INBOUND_PATH, fields, twilio.auth_token)
        async with httpx.AsyncClient(timeout=30) as http:
            answer = await http.post(first.url + INBOUND_PATH, data=fields, headers={"X-Twilio-Signature": signature})
        assert first.kill() == -9  # the machine's web process dies before the database is back
        outage.end()

        second = KillableServe(env, crashing=False)
        try:
            await eventually(lambda: not list(spool.glob("*.json")), within=30)
        finally:
            log = second.stop() + first.stop()

    messages = twiml_messages(answer.text)
    assert "call 999" in messages[0]
    assert not any("saved" in message for message in messages)
    [concern] = await all_rows(db, Concern)
    assert (concern.verbatim, concern.urgent) == (words, True)
    assert [alert.concern_id for alert in await all_rows(db, Outbox, kind="alert")] == [concern.id]
    [told] = [row for row in await all_rows(db, Outbox, kind="reply") if row.address == number]
    assert told.body.startswith("Sorry for the wait. About your message at")
    assert concern.reference in told.body
    assert "call 999" not in told.body  # the route was given at the time: not repeated
    assert words not in log  # neither process wrote the words to its log
