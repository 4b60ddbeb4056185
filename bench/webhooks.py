"""Benchmark: the SMS and Telegram webhooks over real HTTP, against the framework's ceiling.

The real app (``create_app``) runs under uvicorn in its own process, with two extra routes in the same
server that do no work: ``/bench/bare-sms`` returns a fixed TwiML reply and ``/bench/bare-telegram``
returns 200. Those are the ceiling (HTTP, uvicorn, FastAPI, form or JSON parsing); the ratio says
what a message costs on top of it: signature or secret check, the engine in one database
transaction, rendering, and for Telegram the ``sendMessage`` calls through python-telegram-bot to a
fake Bot API (in this process, limits off).

50 conversations run at once; each person sends their messages one after another, as people do.
Printed: messages per second, p50 and p99 latency per webhook request, and webhook/bare ratios.
The load comes from aiohttp: httpx's client tops out near 85 requests/s at 50 connections on a
small VM, which would make it, not the server, the ceiling measured.

    python bench/webhooks.py [--people 50] [--rounds 2] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import psycopg
from fastapi import Request, Response

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.fake_telegram import FakeTelegram  # noqa: E402
from tests.support.fake_twilio import FakeTwilio, sign_twilio_request  # noqa: E402

PUBLIC_URL = "https://famsbot.example.org"
SECRET = "bench-secret"  # noqa: S105 - a test value for the local fake
SMS_SCRIPT = ["hello", "1", "1", "1", "topics", "2", "3", "menu", "1", "topics", "5"]
TELEGRAM_SCRIPT = ["hello", "o:visits", "maidstone", "o:book", "o:topics", "o:times", "o:topics", "o:next",
                   "/menu", "o:visits", "o:centre"]  # fmt: skip
BARE_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Hello</Message></Response>'


def bench_app() -> Any:
    """The real app plus the two bare routes (run in the server process)."""
    from famsbot.app import create_app

    app = create_app()

    @app.post("/bench/bare-sms")
    async def bare_sms(request: Request) -> Response:
        await request.form()
        return Response(BARE_TWIML, media_type="application/xml")

    @app.post("/bench/bare-telegram")
    async def bare_telegram(request: Request) -> Response:
        await request.json()
        return Response(status_code=200)

    return app


def serve(port: int) -> None:
    import logging

    import uvicorn

    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    uvicorn.run(bench_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


Send = Callable[[aiohttp.ClientSession, int, int, str], Awaitable[None]]


async def run(
    http: aiohttp.ClientSession, send: Send, script: list[str], people: int, rounds: int
) -> tuple[list[float], float]:
    latencies: list[float] = []

    async def person(index: int, round_: int) -> None:
        for step in script:
            started = time.perf_counter()
            await send(http, index, round_, step)
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    for round_ in range(rounds):
        await asyncio.gather(*(person(index, round_) for index in range(people)))
    return latencies, time.perf_counter() - began


def report(label: str, latencies: list[float], elapsed: float) -> float:
    rate = len(latencies) / elapsed
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    mean = statistics.fmean(latencies) * 1000
    print(f"  {label:<22} {len(latencies):>6} requests  {rate:>8.1f} /s  p50 {p50:>7.2f} ms  p99 {p99:>7.2f} ms"
          f"  mean {mean:>7.2f} ms")  # fmt: skip
    return rate


class Bench:
    def __init__(self, base: str, twilio: FakeTwilio, telegram: FakeTelegram, run_id: str) -> None:
        self.base, self.twilio, self.telegram, self.run_id = base, twilio, telegram, run_id
        self.chats: dict[tuple[int, int], int] = {}

    def phone(self, index: int, round_: int) -> str:
        return f"+447{self.run_id}{index:03d}{round_:02d}"

    async def sms(self, http: aiohttp.ClientSession, index: int, round_: int, text: str) -> None:
        fields = self.twilio.user_sms(self.phone(index, round_), text)
        path = "/webhooks/twilio/sms"
        signature = sign_twilio_request(PUBLIC_URL + path, fields, self.twilio.auth_token)
        async with http.post(self.base + path, data=fields, headers={"X-Twilio-Signature": signature}) as response:
            body = await response.text()
        if response.status != 200 or "<Message>" not in body:
            raise RuntimeError(f"sms webhook answered {response.status}: {body[:200]}")

    async def bare_sms(self, http: aiohttp.ClientSession, index: int, round_: int, text: str) -> None:
        fields = self.twilio.user_sms(self.phone(index, round_), text)
        async with http.post(
            self.base + "/bench/bare-sms", data=fields, headers={"X-Twilio-Signature": "x"}
        ) as response:
            await response.read()
            response.raise_for_status()

    def chat(self, index: int, round_: int) -> int:
        return self.chats.setdefault((index, round_), 10_000_000 + len(self.chats))

    def update(self, index: int, round_: int, step: str) -> dict[str, Any]:
        chat = self.chat(index, round_)
        if step.startswith("o:"):
            return self.telegram.user_callback(chat, step)
        return self.telegram.user_message(chat, step)

    async def telegram_update(self, http: aiohttp.ClientSession, index: int, round_: int, step: str) -> None:
        before = len(self.telegram.sent(self.chat(index, round_)))
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with http.post(self.base + "/webhooks/telegram", json=self.update(index, round_, step),
                             headers=headers) as response:  # fmt: skip
            await response.read()
        if response.status != 200 or len(self.telegram.sent(self.chat(index, round_))) == before:
            raise RuntimeError(f"telegram webhook answered {response.status} and sent nothing for {step!r}")

    async def bare_telegram(self, http: aiohttp.ClientSession, index: int, round_: int, step: str) -> None:
        async with http.post(self.base + "/bench/bare-telegram", json=self.update(index, round_, step)) as response:
            await response.read()
            response.raise_for_status()


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], env=env, cwd=ROOT)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


async def bench(label: str, database_url: str, people: int, rounds: int) -> None:
    twilio = FakeTwilio()
    telegram = FakeTelegram(rate_per_second=None, per_chat_per_second=None)
    with twilio, telegram:
        env = {
            **os.environ, "FAMSBOT_DATABASE_URL": database_url, "FAMSBOT_PUBLIC_URL": PUBLIC_URL,
            "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_FROM": twilio.number, "TWILIO_API_URL": twilio.url,
            "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_URL": telegram.bot_url,
        }  # fmt: skip
        if database_url.startswith("postgresql"):
            from famsbot.store.database import Database
            from famsbot.store.migrate import upgrade

            db = Database(database_url)
            await upgrade(db)
            await db.dispose()
        server, base = start_server(env)
        try:
            connector = aiohttp.TCPConnector(limit=people)
            async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:
                b = Bench(base, twilio, telegram, uuid.uuid4().hex[:4].translate(str.maketrans("abcdef", "123456")))
                await run(http, b.sms, SMS_SCRIPT, 5, 1)  # warm up: imports, pools, caches
                await run(http, b.telegram_update, TELEGRAM_SCRIPT, 5, 1)
                b.run_id = uuid.uuid4().hex[:4].translate(str.maketrans("abcdef", "123456"))
                b.chats = {}
                print(f"{label}: {people} conversations at once, {rounds} round(s)")
                sms = report("sms webhook", *await run(http, b.sms, SMS_SCRIPT, people, rounds))
                bare_sms = report("bare TwiML endpoint", *await run(http, b.bare_sms, SMS_SCRIPT, people, rounds))
                print(f"  sms webhook / bare = {sms / bare_sms:.2f} of the framework ceiling")
                b.chats = {}
                tg = report("telegram webhook", *await run(http, b.telegram_update, TELEGRAM_SCRIPT, people, rounds))
                b.chats = {}
                bare_tg = report(
                    "bare 200 endpoint", *await run(http, b.bare_telegram, TELEGRAM_SCRIPT, people, rounds)
                )
                print(f"  telegram webhook / bare = {tg / bare_tg:.2f} of the framework ceiling")
                print(
                    f"  fake Bot API: {telegram.sent_count} messages sent, {telegram.too_many_requests} refused (429)"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)


async def main(args: argparse.Namespace) -> None:
    print(f"sms script {len(SMS_SCRIPT)} messages, telegram script {len(TELEGRAM_SCRIPT)} updates per conversation")
    with tempfile.TemporaryDirectory() as tmp:
        await bench("sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", args.people, args.rounds)
    name = f"famsbot_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(args.postgres_url, autocommit=True)
    except psycopg.OperationalError as exc:
        print(f"postgresql skipped: {exc}")
        return
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            server = args.postgres_url.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0]
            await bench("postgresql", f"{server}/{name}", args.people, args.rounds)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=50, help="conversations at once")
    parser.add_argument("--rounds", type=int, default=2, help="conversations per person")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        serve(arguments.serve)  # the server process
    else:
        asyncio.run(main(arguments))
