"""Benchmark: the dialogue engine handling full visits conversations.

Prints messages per second and p50/p99 latency per message, on SQLite and on PostgreSQL, for 1 and
50 conversations running at once (each conversation sends its messages one after another, as a
person does). The engine, flows, content and database are the real ones; only the clock is fixed.

    python bench/engine.py [--rounds N] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.dialogue.engine import Engine
from famsbot.dialogue.messages import Inbound
from famsbot.store.database import Database
from famsbot.store.migrate import upgrade

CONVERSATION = ["hello", "1", "maidstone", "how to book", "topics", "2", "next", "visitors centre", "menu"]


async def run_conversations(engine: Engine, concurrent: int, rounds: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    run = uuid.uuid4().hex[:6]

    async def person(index: int, round_: int) -> None:
        address = f"+44{run}{index:04d}{round_:03d}"
        for number, text in enumerate(CONVERSATION):
            started = time.perf_counter()
            replies = await engine.handle(Inbound("sms", address, text, provider_id=f"{address}-{number}"))
            latencies.append(time.perf_counter() - started)
            if not replies:
                raise RuntimeError(f"no reply to {text!r}")

    began = time.perf_counter()
    for round_ in range(rounds):
        await asyncio.gather(*(person(i, round_) for i in range(concurrent)))
    return latencies, time.perf_counter() - began


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def bench(label: str, url: str, rounds: int) -> None:
    db = Database(url, pool_size=25)
    await upgrade(db)
    engine = Engine(db, Settings(environment="test", database_url=url),
                    clock=FixedClock(datetime(2026, 11, 23, 10, tzinfo=UTC)))
    await run_conversations(engine, 5, 1)  # warm up: imports, pools, caches
    for concurrent in (1, 50):
        runs = rounds if concurrent == 1 else max(1, rounds // 10)
        latencies, elapsed = await run_conversations(engine, concurrent, runs)
        print(
            f"{label:<11} {concurrent:>3} at once  {len(latencies):>6} msgs  {len(latencies) / elapsed:>8.1f} msg/s"
            f"  p50 {percentile(latencies, 0.5) * 1000:>7.2f} ms  p99 {percentile(latencies, 0.99) * 1000:>7.2f} ms"
            f"  mean {statistics.fmean(latencies) * 1000:>7.2f} ms"
        )
    await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40, help="conversations per person (1-at-once case)")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"full visits conversation: {len(CONVERSATION)} messages; engine + real database")
    with tempfile.TemporaryDirectory() as tmp:
        await bench("sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", args.rounds)
    name = f"famsbot_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(args.postgres_url, autocommit=True)
    except psycopg.OperationalError as exc:
        print(f"postgresql  skipped: {exc}")
        return
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            server = args.postgres_url.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0]
            await bench("postgresql", f"{server}/{name}", args.rounds)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
