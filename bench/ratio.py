"""Benchmark (issue 14): a full SMS turn against a bare endpoint and against the raw driver's floor.

On a shared, noisy machine a throughput figure alone means little: what holds is a ratio measured
side by side. One ``famsbot serve`` process (1 worker) on a fresh database takes, in alternating
rounds of ``--round-seconds`` each, ``--people`` conversations at once (closed loop: each person
waits for the reply before the next message):

- ``sms``: full SMS turns through the real signed Twilio webhook (the mixed scripts of open_loop.py);
- ``bare``: ``GET /healthz`` in the same server (HTTP, uvicorn, FastAPI, and one ``SELECT 1``);
- ``404``: ``GET`` of a path the app does not have (the same stack and routing, no database at all);
- ``telegram``: updates through the real Telegram webhook (secret header, python-telegram-bot sending
  the replies to the local fake Bot API, limits off);
- ``floor``: in this process, one durable one-row write (INSERT + COMMIT) with the raw driver, one
  after another: ``sqlite3`` on a file next to the server's with the server's pragmas (WAL, foreign
  keys, default synchronous), or ``psycopg`` on the same PostgreSQL database.

Each figure is the median over the rounds. Printed: requests/s, p50/p99, server CPU per request
(utime+stime of the server's process tree from /proc), ``sms / bare``, ``telegram / sms``, and the
``sms / 404``, SMS turn as a multiple of the floor (server CPU per message / floor ms per write, and wall time per
message at full load, 1/throughput, / floor). The load generator shares the machine with the server.

    python bench/ratio.py [--rounds 5] [--round-seconds 2] [--people 50] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.open_loop import SCRIPTS  # noqa: E402
from bench.served import (  # noqa: E402
    PUBLIC_URL,
    SMS_PATH,
    TELEGRAM_PATH,
    TELEGRAM_SECRET,
    FakeTelegram,
    FakeTwilio,
    Server,
    fresh_database,
    percentile,
    served,
    sign_twilio_request,
)

TELEGRAM_SCRIPT = ["hello", "o:visits", "maidstone", "o:book", "o:topics", "o:times", "o:topics", "o:next",
                   "/menu", "o:visits", "o:centre"]  # fmt: skip
FLOOR_SECONDS = 1.0

Send = Callable[[aiohttp.ClientSession, int, int], Awaitable[None]]


class Client:
    """Builds and sends one request of each kind for person ``who``'s ``step``-th message."""

    def __init__(self, server: Server, twilio: FakeTwilio, telegram: FakeTelegram) -> None:
        self.server, self.twilio, self.telegram = server, twilio, telegram
        self.run_id = uuid.uuid4().hex[:4].translate(str.maketrans("abcdef", "123456"))
        self.generation = itertools.count()

    async def sms(self, http: aiohttp.ClientSession, who: int, step: int) -> None:
        script = SCRIPTS[who % len(SCRIPTS)]
        conversation = step // len(script)  # a new person once the script is done
        phone = f"+447{self.run_id}{who:03d}{conversation:03d}"
        fields = self.twilio.user_sms(phone, script[step % len(script)])
        signature = sign_twilio_request(PUBLIC_URL + SMS_PATH, fields, self.twilio.auth_token)
        async with http.post(self.server.url + SMS_PATH, data=fields,
                             headers={"X-Twilio-Signature": signature}) as response:  # fmt: skip
            body = await response.text()
        if response.status != 200 or "<Message>" not in body:
            raise RuntimeError(f"sms webhook answered {response.status}: {body[:200]}")

    async def bare(self, http: aiohttp.ClientSession, who: int, step: int) -> None:
        async with http.get(self.server.url + "/healthz") as response:
            await response.read()
            response.raise_for_status()

    async def not_found(self, http: aiohttp.ClientSession, who: int, step: int) -> None:
        async with http.get(self.server.url + "/bench-no-such-page") as response:
            await response.read()
        if response.status != 404:
            raise RuntimeError(f"expected 404, got {response.status}")

    async def telegram_update(self, http: aiohttp.ClientSession, who: int, step: int) -> None:
        chat = 10_000_000 + who * 1000 + step // len(TELEGRAM_SCRIPT)
        text = TELEGRAM_SCRIPT[step % len(TELEGRAM_SCRIPT)]
        update: dict[str, Any] = (
            self.telegram.user_callback(chat, text) if text.startswith("o:") else self.telegram.user_message(chat, text)
        )
        async with http.post(self.server.url + TELEGRAM_PATH, json=update,
                             headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}) as response:  # fmt: skip
            await response.read()
        if response.status != 200:
            raise RuntimeError(f"telegram webhook answered {response.status}")


async def closed_round(
    http: aiohttp.ClientSession, send: Send, people: int, seconds: float, offset: int
) -> tuple[list[float], float]:
    """``people`` senders, each one message after another, for ``seconds``; latencies and elapsed."""
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def person(who: int) -> None:
        step = offset
        while time.perf_counter() < stop:
            started = time.perf_counter()
            await send(http, who, step)
            latencies.append(time.perf_counter() - started)
            step += 1

    began = time.perf_counter()
    await asyncio.gather(*(person(who) for who in range(people)))
    return latencies, time.perf_counter() - began


def floor_sqlite(path: Path) -> Callable[[], float]:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")

    def write() -> float:
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO floor (body) VALUES (?)", ("hello",))
        connection.execute("COMMIT")
        return time.perf_counter() - started

    return write


def floor_postgres(url: str) -> Callable[[], float]:
    connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    connection.execute("CREATE TABLE IF NOT EXISTS bench_floor (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)")
    connection.commit()

    def write() -> float:
        started = time.perf_counter()
        connection.execute("INSERT INTO bench_floor (body) VALUES (%s)", ("hello",))
        connection.commit()
        return time.perf_counter() - started

    return write


def floor_round(write: Callable[[], float]) -> float:
    """Median seconds of one durable one-row write, writes back to back for FLOOR_SECONDS."""
    times: list[float] = []
    stop = time.perf_counter() + FLOOR_SECONDS
    while time.perf_counter() < stop:
        times.append(write())
    return statistics.median(times)


async def measure(label: str, server: Server, client: Client, write: Callable[[], float],
                  args: argparse.Namespace) -> None:  # fmt: skip
    kinds: dict[str, Send] = {"sms": client.sms, "bare": client.bare, "404": client.not_found,
                            "telegram": client.telegram_update}
    rates: dict[str, list[float]] = {kind: [] for kind in kinds}
    cpu: dict[str, list[float]] = {kind: [] for kind in kinds}
    latencies: dict[str, list[float]] = {kind: [] for kind in kinds}
    floors: list[float] = []
    connector = aiohttp.TCPConnector(limit=args.people)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:
        for send in kinds.values():  # warm up: imports, pools, caches
            await closed_round(http, send, 5, 1.0, 0)
        for round_ in range(args.rounds):
            for kind, send in kinds.items():
                cpu_before = server.cpu_seconds()
                times, elapsed = await closed_round(http, send, args.people, args.round_seconds, 1000 * (round_ + 1))
                cpu[kind].append((server.cpu_seconds() - cpu_before) / len(times))
                rates[kind].append(len(times) / elapsed)
                latencies[kind].extend(times)
            floors.append(floor_round(write))
    rate = {kind: statistics.median(values) for kind, values in rates.items()}
    per = {kind: statistics.median(values) * 1000 for kind, values in cpu.items()}
    floor = statistics.median(floors) * 1000
    print(f"{label}: {args.people} conversations at once, {args.rounds} alternating rounds of "
          f"{args.round_seconds:.0f} s, medians")  # fmt: skip
    for kind in kinds:
        p50, p99 = (percentile(latencies[kind], share) * 1000 for share in (0.5, 0.99))
        print(f"  {kind:<9} {rate[kind]:>7.1f} req/s  p50 {p50:>7.1f} ms  p99 {p99:>7.1f} ms"
              f"  server cpu {per[kind]:>5.2f} ms/req   (rounds: {', '.join(f'{r:.0f}' for r in rates[kind])})")
    print(f"  floor     {floor:.3f} ms per durable one-row write with the raw driver "
          f"(rounds: {', '.join(f'{f * 1000:.3f}' for f in floors)})")
    ratios = [s / b for s, b in zip(rates["sms"], rates["bare"], strict=True)]
    empty = [s / b for s, b in zip(rates["sms"], rates["404"], strict=True)]
    tg = [t / s for t, s in zip(rates["telegram"], rates["sms"], strict=True)]
    print(f"  sms / bare      = {statistics.median(ratios):.3f}  (per round: {', '.join(f'{r:.3f}' for r in ratios)})")
    print(f"  sms / 404       = {statistics.median(empty):.3f}  (per round: {', '.join(f'{r:.3f}' for r in empty)})")
    print(f"  telegram / sms  = {statistics.median(tg):.2f}  (per round: {', '.join(f'{r:.2f}' for r in tg)})")
    print(f"  sms turn / floor: server cpu {per['sms'] / floor:.1f}x, "
          f"wall time per message at load (1/throughput) {1000 / rate['sms'] / floor:.1f}x")  # fmt: skip


def bench(kind: str, args: argparse.Namespace) -> None:
    with FakeTwilio() as twilio, FakeTelegram(rate_per_second=None, per_chat_per_second=None) as telegram, \
            fresh_database(kind, args.postgres_url) as url, served(url, twilio, telegram) as server:  # fmt: skip
        if kind == "sqlite":
            write = floor_sqlite(Path(url.split("///", 1)[1]).with_name("floor.db"))
        else:
            write = floor_postgres(url)
        asyncio.run(measure(kind, server, Client(server, twilio, telegram), write, args))
        print(f"  fake Bot API: {telegram.sent_count} messages sent")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (medians are taken)")
    parser.add_argument("--round-seconds", type=float, default=2.0, help="seconds per kind per round")
    parser.add_argument("--people", type=int, default=50, help="conversations at once")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        bench("sqlite", args)
    try:
        psycopg.connect(args.postgres_url, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        print(f"postgresql skipped: {exc}")
        return
    bench("postgresql", args)


if __name__ == "__main__":
    main()
