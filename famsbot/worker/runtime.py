"""What a worker's jobs need, opened once per worker process and handed to every job."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from famsbot.clock import Clock, SystemClock
from famsbot.config import Settings
from famsbot.content.loader import Content, get_content
from famsbot.delivery.deliver import Delivery
from famsbot.delivery.setup import open_delivery
from famsbot.store.database import Database

__all__ = ["Runtime", "open_runtime"]


@dataclass(frozen=True)
class Runtime:
    db: Database
    settings: Settings
    content: Content
    clock: Clock  # business time, for escalation deadlines; delivery keeps its own (real) clock
    delivery: Delivery


@asynccontextmanager
async def open_runtime(
    db: Database, settings: Settings, *, content: Content | None = None, clock: Clock | None = None
) -> AsyncIterator[Runtime]:
    """Senders connected and a ``Delivery`` ready for the duration of the block."""
    async with open_delivery(db, settings) as delivery:
        yield Runtime(db, settings, content or get_content(), clock or SystemClock(), delivery)
