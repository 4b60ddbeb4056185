"""The embedded default's worker: the outbox dispatcher and the periodic loop, in this process.

``famsbot serve`` runs it in its lifespan on SQLite, as do ``famsbot chat`` and ``famsbot telegram
poll``, so that one process is the whole service: an alert raised in a conversation goes out
without anything else running.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from famsbot.delivery.deliver import Delivery
from famsbot.delivery.dispatcher import Dispatcher
from famsbot.worker.periodic import PeriodicLoop

__all__ = ["embedded"]


@asynccontextmanager
async def embedded(delivery: Delivery, *, periodic: PeriodicLoop | None = None) -> AsyncIterator[Dispatcher]:
    """Dispatch the outbox (and run periodic work) in the background for the duration of the block."""
    dispatcher = Dispatcher(delivery)
    async with dispatcher.running():
        task = asyncio.create_task(periodic.run(), name="famsbot-periodic") if periodic else None
        try:
            yield dispatcher
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
