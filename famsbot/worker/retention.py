"""Forgetting what is no longer needed: the text of inbound messages after a week.

Every message a family sends is kept in ``inboundmessage`` for two reasons: its provider id stops a
redelivered message being handled twice, and its text means nothing is lost if handling fails. Both
are short-lived needs. Telegram redelivers an update for at most 24 hours and Twilio retries a
webhook within seconds; what the person answered is kept in ``answer`` and a concern keeps their
words verbatim. So after ``INBOUND_TEXT_DAYS`` the text of a *handled* message, and the replies
stored with it (which may repeat the family's words), are cleared; the row (hashed provider id,
time) stays for de-duplication and counts.

Seven days follows GOV.UK Notify's default retention of message content and RapidPro's channel
logs (messaging-platforms §3, §4.4). Messages whose handling *failed* are not touched: they are the
record staff need to follow up, and their text is all there is.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col

from famsbot.store.database import Database
from famsbot.store.models import InboundMessage

__all__ = ["INBOUND_TEXT_DAYS", "purge_inbound_texts"]

INBOUND_TEXT_DAYS = 7


async def purge_inbound_texts(db: Database, now: datetime) -> int:
    """Clear the text of handled inbound messages older than ``INBOUND_TEXT_DAYS``; how many."""
    cutoff = now - timedelta(days=INBOUND_TEXT_DAYS)
    statement = (
        update(InboundMessage)
        .where(col(InboundMessage.status) == "handled", col(InboundMessage.received_at) < cutoff,
               col(InboundMessage.text) != "")
        .values(text="", replies=None)
    )  # fmt: skip
    async with db.transaction() as session:
        result = await session.exec(statement)
    return int(result.rowcount or 0)
