"""The outbox dispatcher, the periodic loop and the heartbeat, in this process.

``famsbot worker`` runs them (on SQLite and PostgreSQL alike), and so, on the embedded SQLite
default, do ``famsbot serve`` (in its lifespan), ``famsbot chat`` and ``famsbot telegram poll``, so
that one process is the whole service: an alert raised in a conversation goes out without anything
else running.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from famsbot.delivery.deliver import Delivery
from famsbot.delivery.dispatcher import Dispatcher
from famsbot.worker.heartbeat import Heartbeat
from famsbot.worker.periodic import PeriodicLoop

__all__ = ["embedded"]


@asynccontextmanager
async def embedded(
    delivery: Delivery,
    *,
    periodic: PeriodicLoop | None = None,
    heartbeat: bool = False,
    concurrency: int = 16,
) -> AsyncIterator[Dispatcher]:
    """Dispatch the outbox (and run periodic work, and beat) in the background for the block.

    On the way out the dispatcher stops gracefully (the sends under way finish and are recorded).
    """
    dispatcher = Dispatcher(delivery, concurrency=concurrency)
    loops: list[Coroutine[Any, Any, None]] = []
    if periodic is not None:
        loops.append(periodic.run())
    if heartbeat:
        loops.append(Heartbeat(delivery.db, delivery.owner).run())
    async with dispatcher.running():
        tasks = [asyncio.create_task(loop, name="famsbot-background") for loop in loops]
        try:
            yield dispatcher
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
