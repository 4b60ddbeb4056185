"""Status on request: "any news about my concern MAI-W9K9?" / "any news?".

Only the contact who raised a concern hears about it, and only about the concern itself: where it
is (passed on, picked up, closed), what happens next and when. Never anything about the prisoner:
staff may not share that unless he agrees, and the reply says so. A reference that is not theirs
gets the same answer as one that does not exist, so a reference cannot be probed from another phone.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.clock import to_london
from famsbot.concerns.record import urgent_since
from famsbot.concerns.reference import NO_PRISON_CODE
from famsbot.config import Settings
from famsbot.content.loader import Content
from famsbot.content.prison_contact import prison_contact
from famsbot.dialogue.messages import Reply
from famsbot.policy.text import plain_words
from famsbot.store.models import Concern

__all__ = ["asks_for_news", "status_reply"]

_REFERENCE = re.compile(r"\b([A-Z][A-Z0-9]{2,4})[\s-]?([0-9A-Z]{4})\b")  # MAI-7K3Q, WWI-7K3Q
_NEWS = ("any news", "any update", "any updates", "anything new", "whats happening with my concern",
         "what is happening with my concern", "update on my concern", "news on my concern", "status of my concern",
         "my concern", "did they get my message", "has anyone picked it up", "has anyone looked",
         "did the prison get it", "any word", "heard anything", "any news on")  # fmt: skip


def _reference(text: str, codes: Collection[str]) -> str | None:
    for found in _REFERENCE.finditer(text.upper()):
        if found.group(1) in codes:  # a prison's code: "ANY NEWS" is two words, not a reference
            return f"{found.group(1)}-{found.group(2)}"
    return None


def asks_for_news(text: str, content: Content) -> tuple[bool, str | None]:
    """Is this a request for news of a concern, and with which reference (if one is given)?"""
    words = f" {' '.join(plain_words(text))} "
    codes = {NO_PRISON_CODE, *(prison.code for prison in content.prisons.values()),
             *(place.nomis_id for place in content.directory)}  # any prison's concern (WWI-7K3Q)
    reference = _reference(text, codes)
    short = len(words.split()) <= 14
    asked = short and any(f" {phrase} " in words for phrase in _NEWS)
    about = any(f" {word} " in words for word in ("concern", "news", "status", "update", "progress", "happening"))
    return asked or (reference is not None and short and about), reference


async def status_reply(
    session: AsyncSession, settings: Settings, content: Content, contact_id: int, reference: str | None,
    now: datetime,
) -> Reply | None:
    """Where the contact's concern is and what happens next; ``None`` when they have raised none."""
    query = select(Concern).where(col(Concern.contact_id) == contact_id).order_by(col(Concern.created_at).desc())
    concerns = list((await session.exec(query)).all())
    if not concerns:
        return None if reference is None else Reply(content.text("concern.status_unknown", reference=reference))
    concern = next((c for c in concerns if c.reference == reference), None) if reference else concerns[0]
    if concern is None:
        return Reply(content.text("concern.status_unknown", reference=reference))
    prison = prison_contact(content, concern.prison_id)
    values = {
        "reference": concern.reference,
        "prison": prison.name if prison else content.text("concern.alert_no_prison"),
        "raised": _when(concern.created_at),
        "emergency": content.phone("emergency").number,
        "team": settings.triage_team,
    }
    # "went to {prison}'s safer custody team" only when that team was alerted (Concern.routed_to).
    to_prison = concern.routed_to == "prison" and prison is not None
    staff = "" if to_prison else "_staff"
    if concern.closed_at is not None:
        return Reply(content.text(f"concern.status_closed{staff}", closed=_when(concern.closed_at), **values))
    if concern.acknowledged_at is not None:
        return Reply(content.text(f"concern.status_picked_up{staff}", picked_up=_when(concern.acknowledged_at),
                                  **values))
    if not to_prison and concern.routed_to != "national":  # alerted nobody's phone: nothing to pass on again
        return Reply(content.text("concern.status_unconnected", **values))
    if concern.urgent:
        due = urgent_since(concern) + timedelta(minutes=settings.urgent_ack_minutes)
    else:
        due = concern.created_at + timedelta(hours=settings.concern_ack_hours)
    national = "" if to_prison else "_national"
    if concern.escalated_at is not None or now >= due:
        return Reply(content.text(f"concern.status_passed_again{national}", **values))
    return Reply(content.text(f"concern.status_waiting{national}", due=_when(due), **values))


def _when(at: datetime) -> str:
    return f"{to_london(at):%H:%M on %a %d %b}"
