"""The outbox: every message that is not the direct reply is a row, written in the business transaction.

A concern and its alert to safer custody, a staff message and the event recording it, a broadcast
and its recipients: each commits together or not at all. Delivery (``famsbot.delivery``) sends the
rows later, retrying transient failures; ``dedupe_key`` makes enqueueing the same message twice
harmless (``broadcast:<id>:<contact>``, ``alert:<concern>:<target>``…).

The row is the whole contract: the dispatcher (``famsbot.delivery.dispatcher``, in ``famsbot worker``
on both databases) finds due rows by itself, so nothing else needs to be written with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.dialogue.messages import Option
from famsbot.store.database import insert_for
from famsbot.store.models import Outbox, utcnow

__all__ = ["Entry", "enqueue", "enqueue_many"]


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    channel: str,
    address: str,
    body: str,
    dedupe_key: str,
    contact_id: int | None = None,
    options: Sequence[Option] = (),
    concern_id: int | None = None,
    broadcast_id: int | None = None,
    send_at: datetime | None = None,
    now: datetime | None = None,
) -> Outbox | None:
    """Add one message to send; returns the new row, or ``None`` if ``dedupe_key`` was already queued.

    ``now`` is the business time the message is created at (the engine's clock); ``send_at`` is
    when it may first be sent (default: at once).
    """
    now = now or utcnow()
    values = {
        "kind": kind, "channel": channel, "address": address, "body": body, "dedupe_key": dedupe_key,
        "contact_id": contact_id, "options": [{"key": o.key, "label": o.label} for o in options],
        "concern_id": concern_id, "broadcast_id": broadcast_id, "status": "queued", "attempts": 0,
        "next_attempt_at": send_at or now, "created_at": now,
    }
    result = await session.exec(
        insert_for(session, Outbox)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Outbox.id)
    )
    new_id = result.scalar_one_or_none()
    if new_id is None:
        return None
    return (await session.exec(select(Outbox).where(Outbox.id == new_id))).one()


@dataclass(frozen=True, slots=True)
class Entry:
    """One recipient's message in :func:`enqueue_many`."""

    channel: str
    address: str
    body: str
    dedupe_key: str
    contact_id: int | None = None


async def enqueue_many(
    session: AsyncSession,
    entries: Sequence[Entry],
    *,
    kind: str,
    broadcast_id: int | None = None,
    send_at: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """Add many messages of one kind at once (a broadcast's, one per family); how many were new.

    The same contract as :func:`enqueue` (same transaction, ``dedupe_key`` makes repeats harmless,
    one row per message), in batched statements rather than one round trip per message.
    """
    now = now or utcnow()
    statement = (
        insert_for(session, Outbox).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(Outbox.id)
    )
    values: list[dict[str, Any]] = [
        {"kind": kind, "channel": e.channel, "address": e.address, "body": e.body, "dedupe_key": e.dedupe_key,
         "contact_id": e.contact_id, "options": [], "concern_id": None, "broadcast_id": broadcast_id,
         "status": "queued", "attempts": 0, "next_attempt_at": send_at or now, "created_at": now}
        for e in entries
    ]  # fmt: skip
    # One statement, many parameter sets: SQLAlchemy sends them in batches ("insertmanyvalues").
    created = list((await session.exec(statement, params=values)).scalars().all()) if values else []
    return len(created)
