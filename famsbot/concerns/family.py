"""Reaching the family who raised a concern: whether we may, and the words they will read.

Messages go back through the bot on the channel the family used (their ``Contact``). We do not
send when they asked not to be contacted about this concern (the concern flow's ``contact:
none``), asked to be forgotten (the concern is then unlinked), sent STOP, or the provider told us
they cannot be reached; staff are told why instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.content.loader import Content
from famsbot.store.models import Concern, Contact

__all__ = ["FamilyRoute", "acknowledgement_text", "draft_text", "family_route", "prison_name", "wrap_staff_message"]

CHANNEL_NAMES = {"sms": "SMS", "telegram": "Telegram", "console": "the test console"}


@dataclass(frozen=True)
class FamilyRoute:
    """The family's contact when a message can go to them; otherwise ``problem`` says why not (for staff)."""

    contact: Contact | None
    problem: str | None

    @property
    def reachable(self) -> bool:
        return self.contact is not None and self.problem is None

    @property
    def language(self) -> str:
        """The language the family reads famsbot in (``en``, ``cy``): feedback to them is worded in it."""
        return self.contact.language if self.contact is not None else "en"

    @property
    def description(self) -> str:
        if self.contact is None or self.problem:
            return self.problem or "The family cannot be messaged."
        return f"by {CHANNEL_NAMES.get(self.contact.channel, self.contact.channel)}, through the bot"


async def family_route(session: AsyncSession, concern: Concern) -> FamilyRoute:
    if concern.details.get("contact") == "none":
        return FamilyRoute(None, "The family asked not to be contacted about this concern.")
    if concern.contact_id is None:
        return FamilyRoute(None, "The family asked famsbot to forget their details, so they cannot be messaged.")
    contact = (await session.exec(select(Contact).where(Contact.id == concern.contact_id))).first()
    if contact is None:
        return FamilyRoute(None, "The family's contact details are no longer held, so they cannot be messaged.")
    if contact.opted_out_at is not None:
        return FamilyRoute(contact, "The family sent STOP: famsbot may not message them.")
    if contact.unreachable_at is not None:
        return FamilyRoute(contact, "Messages to the family can no longer be delivered (blocked or invalid).")
    return FamilyRoute(contact, None)


def prison_name(content: Content, prison_id: str | None) -> str | None:
    return content.prison_name(prison_id) if prison_id else None  # any prison in the directory


def acknowledgement_text(content: Content, concern: Concern) -> str:
    """What the family reads when staff acknowledge their concern."""
    emergency = content.phone("emergency").number
    name = prison_name(content, concern.prison_id)
    if name is None:
        return content.text("feedback.acknowledged_no_prison", reference=concern.reference, emergency=emergency)
    return content.text("feedback.acknowledged", reference=concern.reference, prison=name, emergency=emergency)


def wrap_staff_message(content: Content, concern: Concern, body: str) -> str:
    """A staff message as the family reads it: who it is from, which concern, and the text."""
    name = prison_name(content, concern.prison_id)
    if name is None:
        return content.text("feedback.staff_message_no_prison", reference=concern.reference, body=body)
    return content.text("feedback.staff_message", reference=concern.reference, prison=name, body=body)


def draft_text(content: Content, concern: Concern) -> str:
    """A starting point for the message after an outcome is recorded; staff edit it before sending."""
    if not concern.outcome:
        return ""
    reasons = (concern.outcome_note or "").strip()
    if reasons and not reasons.endswith((".", "!", "?")):
        reasons += "."
    return content.text(f"feedback.draft_{concern.outcome}", reasons=reasons)
