"""Benchmark (issue 14): open-loop SMS load at a fixed arrival rate against ``famsbot serve``.

Closed-loop benchmarks (N conversations each waiting for its reply) slow their own arrivals down when
the server is slow, hiding queueing. Here messages arrive on a fixed schedule (``--rates``, messages
per second) whether or not earlier ones were answered, and each latency is counted from the moment
the message was due, not from when the client got round to sending it (no coordinated omission).

Each arrival is the next message of a family's SMS conversation, drawn from a mix of scripts (menu
numbers, free text, "menu"/"topics", a prison by name). A person never has two messages in flight:
an arrival goes to a conversation that is waiting for its next message, or starts a new person. Every
message goes through the real signed Twilio webhook of a real ``famsbot serve`` process, on a fresh
SQLite file and on a fresh PostgreSQL database (1 and ``--pg-workers`` uvicorn workers).

Printed per run: messages, answered per second, p50/p99/p99.9 latency, errors, and server CPU per
message (utime+stime of the server's process tree from /proc, over the measured window, divided by
the messages answered). The load generator runs on the same machine and takes CPU from the server.

    python bench/open_loop.py [--rates 50,100] [--seconds 10] [--pg-workers 1,2] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.served import (  # noqa: E402
    PUBLIC_URL,
    SMS_PATH,
    FakeTwilio,
    Server,
    fresh_database,
    percentile,
    served,
    sign_twilio_request,
)

# Realistic mixes: menu numbers, free text, navigation words, a prison named in full.
SCRIPTS = [
    ["hello", "1", "1", "1", "topics", "2", "3", "menu", "1", "topics", "5"],
    ["hi", "visiting", "maidstone", "how do I book", "topics", "2", "next", "menu"],
    ["hello", "1", "hmp pentonville", "what can I bring", "menu"],
    ["hello", "menu", "2", "1", "back", "menu"],
]
WARM_UP_SECONDS = 2.0


@dataclass
class Conversation:
    phone: str
    script: list[str]
    step: int = 0


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Load:
    """Sends the arrivals; keeps which conversations are waiting for their next message."""

    def __init__(self, server: Server, twilio: FakeTwilio) -> None:
        self.server, self.twilio = server, twilio
        self.idle: list[Conversation] = []
        self.people = itertools.count()
        self.run_id = uuid.uuid4().hex[:4].translate(str.maketrans("abcdef", "123456"))

    def next_conversation(self) -> Conversation:
        if self.idle:
            return self.idle.pop(0)
        number = next(self.people)
        return Conversation(f"+447{self.run_id}{number:06d}", SCRIPTS[number % len(SCRIPTS)])

    async def send(self, http: aiohttp.ClientSession, due: float, run: Run | None) -> None:
        conversation = self.next_conversation()
        text = conversation.script[conversation.step]
        fields = self.twilio.user_sms(conversation.phone, text)
        signature = sign_twilio_request(PUBLIC_URL + SMS_PATH, fields, self.twilio.auth_token)
        try:
            async with http.post(self.server.url + SMS_PATH, data=fields,
                                 headers={"X-Twilio-Signature": signature}) as response:  # fmt: skip
                body = await response.text()
            if response.status != 200 or "<Message>" not in body:
                raise RuntimeError(f"{response.status} {body[:120]!r}")
        except Exception as exc:  # noqa: BLE001 - counted and shown, the load goes on
            if run is not None:
                run.errors.append(f"{text!r}: {exc!r}"[:200])
        else:
            if run is not None:
                run.latencies.append(time.perf_counter() - due)
        conversation.step += 1
        if conversation.step < len(conversation.script):
            self.idle.append(conversation)

    async def at_rate(self, http: aiohttp.ClientSession, rate: float, seconds: float, run: Run | None) -> None:
        """Arrivals every 1/rate s for ``seconds``; then wait (bounded) for the last answers."""
        start = time.perf_counter()
        tasks: set[asyncio.Task[None]] = set()
        for index in range(round(rate * seconds)):
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self.send(http, due, run))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            done, pending = await asyncio.wait(tasks, timeout=30)
            for task in pending:
                task.cancel()
            if pending and run is not None:
                run.errors.append(f"{len(pending)} requests unanswered 30 s after the last arrival")


async def measure(server: Server, twilio: FakeTwilio, rate: float, seconds: float) -> tuple[Run, float, float]:
    load = Load(server, twilio)
    connector = aiohttp.TCPConnector(limit=0)  # open loop: never queue in the client
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as http:
        await load.at_rate(http, min(rate, 20), WARM_UP_SECONDS, None)  # imports, pools, caches
        run = Run()
        cpu_before, began = server.cpu_seconds(), time.perf_counter()
        await load.at_rate(http, rate, seconds, run)
        elapsed, cpu = time.perf_counter() - began, server.cpu_seconds() - cpu_before
    return run, cpu, elapsed


def report(label: str, rate: float, run: Run, cpu: float, elapsed: float) -> None:
    answered = len(run.latencies)
    if not answered:
        print(f"  {label:<24} {rate:>5.0f}/s  nothing answered; errors: {run.errors[:3]}")
        return
    p50, p99, p999 = (percentile(run.latencies, share) * 1000 for share in (0.5, 0.99, 0.999))
    print(f"  {label:<24} {rate:>5.0f}/s  {answered:>5} answered {answered / elapsed:>6.1f}/s"
          f"  p50 {p50:>7.1f}  p99 {p99:>7.1f}  p99.9 {p999:>7.1f} ms"
          f"  cpu {cpu / answered * 1000:>5.2f} ms/msg  errors {len(run.errors)}")  # fmt: skip
    for error in run.errors[:3]:
        print(f"      e.g. {error}")


def bench(kind: str, args: argparse.Namespace, workers: int) -> None:
    label = f"{kind} ({workers} worker{'s' if workers > 1 else ''})"
    for rate in args.rates:
        # A fresh database and server per rate, so one run's history and backlog never meet the next.
        with FakeTwilio() as twilio, fresh_database(kind, args.postgres_url) as url, \
                served(url, twilio, workers=workers) as server:  # fmt: skip
            report(label, rate, *asyncio.run(measure(server, twilio, rate, args.seconds)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="50,100", help="arrival rates, messages per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per rate")
    parser.add_argument("--pg-workers", default="1,2", help="uvicorn worker counts on PostgreSQL")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    args.rates = [float(rate) for rate in args.rates.split(",")]
    print(f"open loop, SMS webhook, {len(SCRIPTS)} conversation scripts mixed; {args.seconds:.0f} s per rate "
          f"after {WARM_UP_SECONDS:.0f} s warm-up; latency from the due time of each arrival")  # fmt: skip
    if not args.skip_sqlite:
        bench("sqlite", args, 1)
    try:
        psycopg.connect(args.postgres_url, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        print(f"  postgresql skipped: {exc}")
        return
    for workers in (int(count) for count in args.pg_workers.split(",")):
        bench("postgresql", args, workers)


if __name__ == "__main__":
    main()
