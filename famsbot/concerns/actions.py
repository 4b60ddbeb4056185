"""What safer custody staff do with a concern, each step an append-only event with who and when.

Farmer recommendation 14 asks for a gateway where families' concerns are *recorded and acted
on*, families are *told*, and *reasons are given in writing when no ACCT is opened*. These
functions are that record:

* :func:`acknowledge` takes ownership, and the family automatically hears that their concern
  reached the team (an outbox ``feedback`` row in the same transaction);
* :func:`add_note` is internal and never sent;
* :func:`record_outcome` records what happened (``acct_not_opened`` needs the reasons, 14.4);
* :func:`send_message` sends staff's own words to the family through the bot;
* :func:`close` ends it, and needs an outcome first; when no ACCT was opened, also the reasons
  sent to the family in writing (14.4), or, when famsbot cannot reach them, a closing note saying
  how they were given.

Each takes the caller's transaction and the signed-in ``StaffUser``, and checks scope itself
(:func:`famsbot.concerns.access.concern_for`), so no route can forget to. Refusals raise
:class:`ActionRefused` with a sentence for the member of staff.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.concerns.access import concern_for
from famsbot.concerns.family import acknowledgement_text, family_route, wrap_staff_message
from famsbot.content.language import speaking
from famsbot.content.loader import Content
from famsbot.errors import ActionRefused
from famsbot.store.models import Concern, ConcernEvent, StaffUser
from famsbot.store.outbox import enqueue

__all__ = [
    "MAX_MESSAGE",
    "MAX_NOTE",
    "OUTCOMES",
    "ActionRefused",
    "acknowledge",
    "add_note",
    "close",
    "record_outcome",
    "record_view",
    "send_message",
]

OUTCOMES: Final = {
    "seen_safe": "Prisoner seen and safe",
    "acct_opened": "ACCT opened",
    "acct_not_opened": "ACCT not opened",
    "other": "Other",
}
MAX_NOTE = 5000
MAX_MESSAGE = 1000  # wrapped, it stays well inside one Twilio message (1600) and one Telegram one
VIEW_EVERY = timedelta(hours=1)  # one "viewed" audit entry per person per hour is enough
_NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")




def _event(concern: Concern, staff: StaffUser, kind: str, now: datetime, *, note: str | None = None,
           data: dict[str, Any] | None = None) -> ConcernEvent:
    if concern.id is None:
        raise ValueError("the concern must be saved before events are added")
    return ConcernEvent(concern_id=concern.id, at=now, actor_id=staff.id, actor=staff.email, kind=kind, note=note,
                        data=data or {})


def _text(value: str | None, what: str, limit: int, *, required: bool, field: str | None = None) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise ActionRefused(f"Please write the {what}.", field=field)
        return None
    if len(value) > limit:
        raise ActionRefused(f"The {what} is {len(value)} characters long; the limit is {limit}.", field=field)
    return value


def _in_language(language: str, word: Callable[..., str], *args: Any) -> str:
    """famsbot's own lines to the family (heading, acknowledgement) in the family's language."""
    with speaking(language):
        return word(*args)


def _not_closed(concern: Concern) -> None:
    if concern.status == "closed":
        raise ActionRefused(f"{concern.reference} is closed.")


async def acknowledge(session: AsyncSession, staff: StaffUser, concern_id: int, *, now: datetime,
                      content: Content) -> ConcernEvent:
    """Take ownership of a new concern and tell the family it has reached the team."""
    concern = await concern_for(session, staff, concern_id, lock=True)
    if concern.status != "new":
        raise ActionRefused(f"{concern.reference} has already been acknowledged.")
    concern.status, concern.owner_id, concern.acknowledged_at = "acknowledged", staff.id, now
    session.add(concern)
    route = await family_route(session, concern)
    data: dict[str, Any] = {"family_told": False}
    if route.reachable and route.contact is not None:
        row = await enqueue(
            session, kind="feedback", channel=route.contact.channel, address=route.contact.address,
            body=_in_language(route.language, acknowledgement_text, content, concern),
            dedupe_key=f"feedback:{concern.id}:acknowledged",
            contact_id=route.contact.id, concern_id=concern.id,
        )
        data = {"family_told": True, "outbox_id": row.id if row else None}
    else:
        data["why_not"] = route.problem
    event = _event(concern, staff, "acknowledged", now, data=data)
    session.add(event)
    return event


async def add_note(session: AsyncSession, staff: StaffUser, concern_id: int, text: str, *,
                   now: datetime) -> ConcernEvent:
    """An internal note for the team; never sent to the family. Allowed at any time, even after closing."""
    concern = await concern_for(session, staff, concern_id)
    note = _text(text, "note", MAX_NOTE, required=True, field="note")
    event = _event(concern, staff, "note", now, note=note)
    session.add(event)
    return event


async def record_outcome(session: AsyncSession, staff: StaffUser, concern_id: int, outcome: str, *,
                         reasons: str | None = None, note: str | None = None, now: datetime) -> ConcernEvent:
    """Record what happened. ``acct_not_opened`` needs reasons (Farmer 14.4); ``other`` needs a note.

    It may be recorded again (the latest stands; every version stays in the timeline) until closed.
    """
    concern = await concern_for(session, staff, concern_id, lock=True)
    _not_closed(concern)
    if concern.status == "new":
        raise ActionRefused(f"Acknowledge {concern.reference} first, so the family hears it has reached you.")
    if outcome not in OUTCOMES:
        raise ActionRefused("Please choose an outcome.", field="outcome")
    why = _text(reasons, "reasons an ACCT was not opened", MAX_NOTE, required=outcome == "acct_not_opened",
                field="reasons")
    detail = _text(note, "note about the outcome", MAX_NOTE, required=outcome == "other",
                   field="outcome_note")
    concern.outcome = outcome
    concern.outcome_note = why if outcome == "acct_not_opened" else detail
    session.add(concern)
    event = _event(concern, staff, "outcome", now, note=detail,
                   data={"outcome": outcome, "label": OUTCOMES[outcome], "reasons": why})
    session.add(event)
    return event


async def send_message(session: AsyncSession, staff: StaffUser, concern_id: int, body: str, *, now: datetime,
                       content: Content, nonce: str | None = None) -> ConcernEvent | None:
    """Send staff's words to the family through the bot.

    ``nonce`` comes from the form that was shown: submitting the same form twice (a double click, a
    retried request) sends once, and the second call returns ``None``.
    """
    concern = await concern_for(session, staff, concern_id)
    text = _text(body, "message", MAX_MESSAGE, required=True, field="body")
    route = await family_route(session, concern)
    if not route.reachable or route.contact is None:
        raise ActionRefused(route.problem or "The family cannot be messaged.")
    key = nonce if nonce and _NONCE.fullmatch(nonce) else secrets.token_urlsafe(16)
    wrapped = _in_language(route.language, wrap_staff_message, content, concern, text or "")
    row = await enqueue(
        session, kind="feedback", channel=route.contact.channel, address=route.contact.address, body=wrapped,
        dedupe_key=f"feedback:{concern.id}:message:{key}", contact_id=route.contact.id, concern_id=concern.id,
    )
    if row is None:
        return None
    event = _event(concern, staff, "message", now, note=text,
                   data={"body": wrapped, "outbox_id": row.id, "channel": route.contact.channel})
    session.add(event)
    return event


async def close(session: AsyncSession, staff: StaffUser, concern_id: int, *, note: str | None = None,
                now: datetime) -> ConcernEvent:
    """Close a concern; an outcome must be recorded first, so nothing is closed without a record of why."""
    concern = await concern_for(session, staff, concern_id, lock=True)
    _not_closed(concern)
    if not concern.outcome:
        raise ActionRefused(f"Record an outcome before closing {concern.reference}.")
    closing = _text(note, "closing note", MAX_NOTE, required=False, field="close_note")
    if concern.outcome == "acct_not_opened" and not await _reasons_sent(session, concern):
        if (await family_route(session, concern)).reachable:
            raise ActionRefused("No ACCT was opened, so the family must be given the reasons in writing before "
                                "this is closed (Farmer recommendation 14.4). Send them with the message box: "
                                "it has a draft using the recorded reasons.")
        if not closing:
            raise ActionRefused("No ACCT was opened and famsbot cannot message this family. In the closing note, "
                                "say how and when the reasons were given to them in writing.", field="close_note")
    concern.status, concern.closed_at = "closed", now
    session.add(concern)
    event = _event(concern, staff, "closed", now, note=closing)
    session.add(event)
    return event


async def _reasons_sent(session: AsyncSession, concern: Concern) -> bool:
    """Has a message gone to the family since the latest outcome was recorded?"""
    query = select(ConcernEvent.id, ConcernEvent.kind).where(
        ConcernEvent.concern_id == concern.id, col(ConcernEvent.kind).in_(("outcome", "message"))
    )
    rows = (await session.exec(query)).all()
    last_outcome = max((i or 0 for i, kind in rows if kind == "outcome"), default=0)
    return any(kind == "message" and (i or 0) > last_outcome for i, kind in rows)


async def record_view(session: AsyncSession, staff: StaffUser, concern: Concern, *, now: datetime) -> None:
    """Audit who opened a concern (special-category data): at most one entry per person per hour."""
    recent = await session.exec(
        select(ConcernEvent.id).where(
            ConcernEvent.concern_id == concern.id, ConcernEvent.kind == "viewed",
            ConcernEvent.actor_id == staff.id, col(ConcernEvent.at) > now - VIEW_EVERY,
        )
    )
    if recent.first() is None:
        session.add(_event(concern, staff, "viewed", now))
