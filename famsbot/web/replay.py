"""Replaying the spool: messages kept on disk while the database was away go through the engine again.

Runs inside ``famsbot serve`` (the spool is on the web machine's disk, where the webhook wrote it),
every :data:`EVERY` seconds. Each kept message is handed to :meth:`Engine.take` with
``replayed=True``: the turn commits with its replies queued in the outbox (the family hears back
over SMS or Telegram, without the emergency route they already had), and the file is removed. A
message the provider redelivered meanwhile is recognised by its id and done once. While the
database is still away the first failure ends the round, and the message stays where it is.

Several web processes may share the spool: each message is claimed with a file lock while it is
replayed, and the database's de-duplication would stop a second handling anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import replace

from famsbot.dialogue.engine import Engine

__all__ = ["EVERY", "replay_once", "replaying"]

log = logging.getLogger(__name__)
EVERY = 2.0  # seconds between looks at the spool


async def replay_once(engine: Engine) -> int:
    """Replay what the spool holds, oldest first; returns how many messages the database took."""
    spool, done = engine.spool, 0
    entries = await asyncio.to_thread(spool.pending)
    if not entries or not await engine.db.ping():
        return 0  # nothing kept, or the database is still away: not worth a failed turn each round
    for entry in entries:
        with spool.claimed(entry) as mine:
            if not mine:
                continue
            outcome = await engine.take(replace(entry.inbound, received_at=entry.received_at), replayed=True)
            if not outcome.stored:
                break  # the database is still away: try again next round
            done += 1
    if done:
        log.info("replayed %d message(s) from the spool", done)
    return done


@contextlib.asynccontextmanager
async def replaying(engine: Engine, every: float = EVERY) -> AsyncIterator[None]:
    """For the app's lifespan: replay the spool in the background (at once, then every ``every`` s)."""

    async def loop() -> None:
        while True:
            try:
                await replay_once(engine)
            except Exception:  # noqa: BLE001 - the replayer must outlive any one failure
                log.exception("replaying the spool failed")
            await asyncio.sleep(every)

    task = asyncio.create_task(loop(), name="famsbot-spool-replay")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
