"""Shared by the load benchmarks: a fresh database, ``famsbot serve`` as a real process, its CPU time.

The server is the production command (``python -m famsbot serve``, as the Procfile runs it) with its
own environment pointing at the local fakes of Twilio and Telegram, so every request pays for what
production pays for: signature check, the engine in one transaction, rendering, logging. Its output
goes to a temporary file (a full pipe would stall the server mid-benchmark).

Server CPU is read from ``/proc/<pid>/stat`` (utime + stime) of the server and every process under it
(``--workers 2`` makes uvicorn spawn worker processes), so a figure per message is CPU time spent in
the server between two readings divided by the messages answered in between.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.fake_telegram import FakeTelegram  # noqa: E402
from tests.support.fake_twilio import FakeTwilio, sign_twilio_request  # noqa: E402
from tests.support.processes import free_port  # noqa: E402

PUBLIC_URL = "https://famsbot.example.org"
TELEGRAM_SECRET = "bench-secret"  # noqa: S105 - a test value for the local fake
SMS_PATH = "/webhooks/twilio/sms"
TELEGRAM_PATH = "/webhooks/telegram"
TICKS = os.sysconf("SC_CLK_TCK")

__all__ = [
    "PUBLIC_URL", "SMS_PATH", "TELEGRAM_PATH", "TELEGRAM_SECRET", "FakeTelegram", "FakeTwilio", "Server",
    "fresh_database", "percentile", "served", "sign_twilio_request",
]  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@contextmanager
def fresh_database(kind: str, postgres_url: str) -> Iterator[str]:
    """A new, empty database URL: a SQLite file in a temporary folder, or a new PostgreSQL database
    on the server (created and dropped as tests/support/databases.py does)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        return
    name = f"famsbot_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield postgres_url.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    """A running ``famsbot serve``: its URL and process; ``cpu_seconds()`` of its whole process tree."""

    def __init__(self, url: str, process: subprocess.Popen[bytes]) -> None:
        self.url, self.process = url, process

    def cpu_seconds(self) -> float:
        """utime + stime of the server and all its descendants now alive, from /proc."""
        parents: dict[int, int] = {}
        times: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue  # gone meanwhile
            fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
            parents[int(entry)] = int(fields[1])
            times[int(entry)] = int(fields[11]) + int(fields[12])
        tree, frontier = {self.process.pid}, [self.process.pid]
        while frontier:
            parent = frontier.pop()
            for pid, ppid in parents.items():
                if ppid == parent and pid not in tree:
                    tree.add(pid)
                    frontier.append(pid)
        return sum(times.get(pid, 0) for pid in tree) / TICKS


@contextmanager
def served(
    database_url: str, twilio: FakeTwilio, telegram: FakeTelegram | None = None, *, workers: int = 1
) -> Iterator[Server]:
    """Migrate ``database_url`` (``famsbot db upgrade``), then run ``famsbot serve`` on it until exit."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env |= {
        "FAMSBOT_DATABASE_URL": database_url, "FAMSBOT_PUBLIC_URL": PUBLIC_URL,
        "FAMSBOT_SPOOL_DIR": tempfile.mkdtemp(prefix="famsbot-bench-spool-"), "FAMSBOT_LOG_LEVEL": "WARNING",
        "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_FROM": twilio.number, "TWILIO_API_URL": twilio.url,
    }  # fmt: skip
    if telegram is not None:
        env |= {"TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
                "TELEGRAM_API_URL": telegram.bot_url}  # fmt: skip
    subprocess.run([sys.executable, "-m", "famsbot", "db", "upgrade"], env=env, cwd=ROOT, check=True,  # noqa: S603
                   stdout=subprocess.DEVNULL)  # fmt: skip
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "famsbot", "serve", "--port", str(port), "--workers", str(workers)],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        server = Server(f"http://127.0.0.1:{port}", process)
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"famsbot serve exited {process.returncode}: {log.read().decode()[-2000:]}")
                try:
                    if httpx.get(server.url + "/healthz", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("famsbot serve did not start within 60 s")
                time.sleep(0.2)
            yield server
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
