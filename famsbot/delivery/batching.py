"""Small writes from many concurrent sends, committed together.

Every message needs two writes: "the provider is being called" just before the send and "sent"
just after. One transaction each made the database the bottleneck: a commit costs about 3 ms on
the reference VM (SQLite has one writer, and each commit is flushed to disk), more than the
Telegram client's own cost per message. Sends run concurrently, so their writes are queued and
committed together: while one batch commits, the next one collects.

Each caller still waits until its own write is committed before it goes on, so what is durable,
and when, does not change: there are simply fewer commits. A batch that fails fails every caller
in it, as their own transactions would have.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.store.database import Database

__all__ = ["Batch"]

T = TypeVar("T")
R = TypeVar("R")


class Batch(Generic[T, R]):
    """``await batch.submit(item)``: ``apply(session, items)`` runs for many items in one transaction
    and returns one result per item, in order."""

    def __init__(self, db: Database, apply: Callable[[AsyncSession, list[T]], Awaitable[list[R]]],
                 *, limit: int = 200) -> None:  # fmt: skip
        self.db, self.apply, self.limit = db, apply, limit
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="famsbot-delivery-batch")
        return await future

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self.limit], self._waiting[self.limit :]
            try:
                async with self.db.transaction() as session:
                    results = await self.apply(session, [item for item, _ in batch])
            except Exception as exc:  # noqa: BLE001 - handed to every caller in the batch
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():  # the caller may have been cancelled meanwhile
                    future.set_result(result)
