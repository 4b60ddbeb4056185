"""The worker's heartbeat: a row it touches every few seconds, so ``/readyz`` and ``famsbot status``
can tell whether anyone is delivering the outbox (a worker that died leaves an old beat behind)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import col, select

from famsbot.clock import Clock, SystemClock
from famsbot.store.availability import Patience
from famsbot.store.database import Database, insert_for
from famsbot.store.models import WorkerBeat

__all__ = ["BEAT_EVERY", "FORGET_AFTER", "Heartbeat", "latest_beat"]

log = logging.getLogger(__name__)
BEAT_EVERY = 5.0  # seconds between beats
FORGET_AFTER = timedelta(days=1)  # a worker silent this long is gone: its row is removed


@dataclass
class Heartbeat:
    """Touch this worker's row every ``every`` seconds until cancelled."""

    db: Database
    name: str
    clock: Clock = field(default_factory=SystemClock)
    every: float = BEAT_EVERY

    def __post_init__(self) -> None:
        self.started_at = self.clock.now()

    async def beat(self) -> None:
        now = self.clock.now()
        values = {"name": self.name, "host": socket.gethostname()[:128], "pid": os.getpid(),
                  "started_at": self.started_at, "beat_at": now}  # fmt: skip
        async with self.db.transaction() as session:
            statement = insert_for(session, WorkerBeat).values(**values)
            await session.exec(statement.on_conflict_do_update(index_elements=["name"], set_={"beat_at": now}))
            await session.exec(delete(WorkerBeat).where(col(WorkerBeat.beat_at) < now - FORGET_AFTER))

    async def run(self) -> None:
        patience = Patience("worker heartbeat", log)
        while True:
            pause = self.every
            try:
                await self.beat()
                patience.succeeded()
            except Exception as exc:  # noqa: BLE001 - a missed beat is logged; the next one may work
                pause = max(pause, patience.failed(exc))
            await asyncio.sleep(pause)


async def latest_beat(db: Database) -> WorkerBeat | None:
    """The most recent beat of any worker, or ``None`` if no worker has run (within a day)."""
    async with db.transaction() as session:
        query = select(WorkerBeat).order_by(col(WorkerBeat.beat_at).desc()).limit(1)
        return (await session.exec(query)).first()
