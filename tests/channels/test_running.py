"""Running the channels: set-webhook (release step), polling (development), serve, worker, chat."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from famsbot.channels.telegram_admin import poll, set_webhook
from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.errors import ConfigError
from famsbot.store.database import Database
from famsbot.store.migrate import upgrade
from famsbot.store.models import Outbox
from famsbot.store.outbox import enqueue
from tests.support.fake_telegram import FakeTelegram
from tests.support.rows import all_rows
from tests.support.webhooks import PUBLIC_URL, WEBHOOK_SECRET, eventually, with_telegram

ROOT = Path(__file__).resolve().parents[2]
CHAT = 777


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_chat_burst=50) as fake:
        yield fake


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


async def test_set_webhook_points_telegram_at_our_route_with_the_secret(
    settings: Settings, telegram: FakeTelegram
) -> None:
    url = await set_webhook(with_telegram(settings, telegram))

    assert url == f"{PUBLIC_URL}/webhooks/telegram"
    assert telegram.webhook == {"url": url, "secret_token": WEBHOOK_SECRET, "max_connections": 40,
                                "allowed_updates": ["message", "callback_query"]}  # fmt: skip
    assert [c["command"] for c in telegram.commands] == ["start", "menu", "help", "language", "stop"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"telegram_webhook_secret": None}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"public_url": "http://famsbot.example.org"}, "https://"),
        ({"telegram_bot_token": None}, "TELEGRAM_BOT_TOKEN"),
    ],
)
async def test_set_webhook_refuses_an_incomplete_configuration(
    settings: Settings, telegram: FakeTelegram, change: dict[str, str | None], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        await set_webhook(with_telegram(settings, telegram, **change))
    assert telegram.webhook is None


async def test_polling_feeds_updates_through_the_same_handlers(
    settings: Settings, telegram: FakeTelegram, clock: FixedClock
) -> None:
    telegram.queue_update(telegram.user_message(CHAT, "/start maidstone"))
    stop = asyncio.Event()
    polling = asyncio.create_task(poll(with_telegram(settings, telegram), stop=stop, clock=clock, long_poll=1))

    await eventually(lambda: len(telegram.sent(CHAT)) >= 2 or polling.done())
    stop.set()
    await asyncio.wait_for(polling, timeout=10)

    assert "HMP Maidstone" in telegram.sent(CHAT)[0]
    assert telegram.buttons(CHAT)["Visits"] == "o:visits"


async def test_polling_refuses_while_a_webhook_is_set(settings: Settings, telegram: FakeTelegram) -> None:
    configured = with_telegram(settings, telegram)
    await set_webhook(configured)

    with pytest.raises(ConfigError, match="--delete-webhook"):
        await poll(configured, long_poll=1)
    assert telegram.webhook is not None


def famsbot(*args: str, env: dict[str, str], stdin: int | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "famsbot.cli", *args], env={**os.environ, **env}, cwd=ROOT, text=True,
        stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_health_and_mounts_only_configured_channels(tmp_path: Path) -> None:
    port = free_port()
    server = famsbot("serve", "--port", str(port), env={"FAMSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/s.db"})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "famsbot serve did not start"
                time.sleep(0.2)
        telegram = httpx.post(f"http://127.0.0.1:{port}/webhooks/telegram", json={})
        sms = httpx.post(f"http://127.0.0.1:{port}/webhooks/twilio/sms", data={})
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)

    assert health.json() == {"status": "ok"}
    assert (telegram.status_code, sms.status_code) == (404, 404)


async def test_the_worker_on_sqlite_delivers_the_outbox_and_stops_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/w.db"
    db = Database(url)
    await upgrade(db)
    async with db.transaction() as session:
        await enqueue(session, kind="alert", channel="console", address="safer-custody:maidstone", body="URGENT",
                      dedupe_key="alert:1:console")  # fmt: skip
    worker = famsbot("worker", env={"FAMSBOT_DATABASE_URL": url})
    try:
        await eventually(lambda: _sent(db), within=30)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    await db.dispose()

    assert worker.returncode == 0, output
    assert "console alert message 1 to safer-custody:maidstone" in output


async def _sent(db: Database) -> bool:
    return [row.status for row in await all_rows(db, Outbox)] == ["sent"]


def test_chat_shows_the_alert_a_worry_raises(tmp_path: Path) -> None:
    chat = famsbot("chat", env={"FAMSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/c.db"},
                   stdin=subprocess.PIPE)  # fmt: skip
    output, _ = chat.communicate("hello\nmy son says he will kill himself tonight at HMP Maidstone\n", timeout=120)

    assert chat.returncode == 0, output
    assert "If anyone is in danger right now, call 999." in output
    assert "[outbox: alert to console:safer-custody:" in output


def test_set_webhook_if_configured_is_a_no_op_without_telegram(tmp_path: Path) -> None:
    run = famsbot("telegram", "set-webhook", "--if-configured",
                  env={"FAMSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/t.db"})  # fmt: skip
    output, _ = run.communicate(timeout=60)

    assert run.returncode == 0
    assert "Telegram is not configured" in output


def test_procfile_runs_web_worker_and_release() -> None:
    """``python -m famsbot``: a buildpack installs requirements.txt only, so no ``famsbot`` script exists."""
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)

    assert lines["web"] == "python -m famsbot serve --host 0.0.0.0 --port ${PORT:-8000}"
    assert lines["worker"] == "python -m famsbot worker"
    assert lines["release"] == "python -m famsbot db upgrade && python -m famsbot telegram set-webhook --if-configured"
