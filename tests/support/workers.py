"""Running ``famsbot worker`` as a real process against the fakes, and stopping it as a platform would."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import FakeTwilio
from tests.support.webhooks import PUBLIC_URL

__all__ = ["ROOT", "sent_by", "start_worker", "stop_worker", "worker_env"]

ROOT = Path(__file__).resolve().parents[2]


def worker_env(database_url: str, *, twilio: FakeTwilio | None = None, telegram: FakeTelegram | None = None,
               **extra: str) -> dict[str, str]:  # fmt: skip
    """The environment of a worker using these fakes; ``extra`` adds or overrides variables."""
    env = {**os.environ, "FAMSBOT_DATABASE_URL": database_url, "FAMSBOT_PUBLIC_URL": PUBLIC_URL,
           "PTB_TIMEDELTA": "true"}  # fmt: skip
    if twilio is not None:
        env.update(TWILIO_ACCOUNT_SID=twilio.account_sid, TWILIO_AUTH_TOKEN=twilio.auth_token,
                   TWILIO_FROM=twilio.number, TWILIO_API_URL=twilio.url)  # fmt: skip
    if telegram is not None:
        env.update(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_URL=telegram.bot_url)
    env.update(extra)
    return env


def start_worker(env: dict[str, str], log: Path, *, concurrency: int = 8) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "famsbot.cli", "worker", "--concurrency", str(concurrency)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("w"),
    )  # fmt: skip


def stop_worker(worker: subprocess.Popen[bytes], *, timeout: float = 30) -> int:
    """SIGTERM (a deploy, a platform restart), then its exit status."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    return worker.wait(timeout=timeout)


def sent_by(log: Path) -> int:
    """How many outbox rows a stopped worker says it sent (its last log line)."""
    found = re.search(r"outbox rows dealt with: .*?(\d+) sent", log.read_text())
    return int(found.group(1)) if found else 0
