"""Creating a broadcast: the record and one outbox row per family, in one transaction.

The families are the prison's subscribers at this moment (``store.subscriptions.subscribers``:
notices on, not opted out, reachable). Each gets a row with the notice worded for their channel,
due when sending starts, with the dedupe key ``broadcast:<id>:<contact>``: written together with
the broadcast or not at all, so there is never a broadcast with half its families missing, and
never a family queued twice. Whether each family still wants it is checked again when their row
is sent (``delivery.eligibility``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.broadcasts.access import require_sender_for
from famsbot.broadcasts.lifecycle import SCHEDULED
from famsbot.broadcasts.schedule import SendPlan
from famsbot.broadcasts.wording import notice_text
from famsbot.content.loader import Content
from famsbot.errors import ActionRefused
from famsbot.store.database import Database
from famsbot.store.models import Broadcast, StaffUser
from famsbot.store.outbox import Entry, enqueue_many
from famsbot.store.subscriptions import subscribers

__all__ = ["KIND", "MAX_BODY", "Draft", "create_broadcast", "dedupe_key", "send_broadcast"]

KIND = "broadcast"
MAX_BODY = 600  # characters staff write: four SMS segments at most with the heading and stop line
_REQUEST_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True, slots=True)
class Draft:
    """A notice checked and ready to send: the prison, staff's words, and when."""

    prison_id: str
    body: str
    plan: SendPlan


def checked_body(body: str) -> str:
    """Staff's words, trimmed; :class:`ActionRefused` when empty or too long."""
    text = body.strip()
    if not text:
        raise ActionRefused("Write the notice first.")
    if len(text) > MAX_BODY:
        raise ActionRefused(f"The notice is {len(text)} characters; the most is {MAX_BODY}. Please shorten it.")
    return text


def dedupe_key(broadcast_id: int, contact_id: int) -> str:
    return f"broadcast:{broadcast_id}:{contact_id}"


async def create_broadcast(
    session: AsyncSession, staff: StaffUser, draft: Draft, *, content: Content, now: datetime, request_key: str
) -> Broadcast:
    """Record the broadcast and queue it for every family subscribed now.

    ``request_key`` comes from the form staff confirmed: the same key again (a double click, a
    retried request) returns the broadcast already created instead of sending a second one.

    Raises:
        AccessDenied: ``staff`` may not send to this prison's families.
        ActionRefused: nothing to send, or nobody to send it to.
    """
    require_sender_for(staff, draft.prison_id)
    key = request_key if _REQUEST_KEY.fullmatch(request_key) else None
    if key is not None and (existing := await _by_key(session, key)) is not None:
        if _same_form(existing, staff, draft):
            return existing
        key = None  # someone else's key (copied, or guessed): a new broadcast, never theirs
    families = await subscribers(session, draft.prison_id)
    if not families:
        name = content.prison_name(draft.prison_id)
        raise ActionRefused(f"No families have asked for {name}'s notices yet, so there is nobody to send to.")
    broadcast = Broadcast(
        prison_id=draft.prison_id, body=checked_body(draft.body), created_by=staff.id, created_at=now,
        send_at=draft.plan.at, status=SCHEDULED, recipients=len(families), request_key=key,
    )  # fmt: skip
    session.add(broadcast)
    await session.flush()
    assert broadcast.id is not None  # noqa: S101 - flushed
    texts = {channel: notice_text(content, draft.prison_id, broadcast.body, channel)
             for channel in {family.channel for family in families}}  # fmt: skip
    entries = [Entry(family.channel, family.address, texts[family.channel], dedupe_key(broadcast.id, family.id or 0),
                     family.id) for family in families]  # fmt: skip
    await enqueue_many(session, entries, kind=KIND, broadcast_id=broadcast.id, send_at=draft.plan.at, now=now)
    return broadcast


async def send_broadcast(
    db: Database, staff: StaffUser, draft: Draft, *, content: Content, now: datetime, request_key: str
) -> Broadcast:
    """:func:`create_broadcast` in its own transaction. Two submissions of one form racing each other
    (PostgreSQL) meet on the unique ``request_key``: the loser returns the winner's broadcast."""
    try:
        async with db.transaction() as session:
            return await create_broadcast(session, staff, draft, content=content, now=now, request_key=request_key)
    except IntegrityError:
        async with db.transaction() as session:
            existing = await _by_key(session, request_key)
        if existing is None or not _same_form(existing, staff, draft):
            raise
        return existing


def _same_form(broadcast: Broadcast, staff: StaffUser, draft: Draft) -> bool:
    """A request key only ever finds the broadcast its own sender made for the same prison."""
    return broadcast.created_by == staff.id and broadcast.prison_id == draft.prison_id


async def _by_key(session: AsyncSession, key: str) -> Broadcast | None:
    return (await session.exec(select(Broadcast).where(col(Broadcast.request_key) == key))).first()
