"""Delivery receipts: Twilio's status callbacks recorded on the outbox row, forward only.

The callback URL names the row (``?outbox=<id>``), so a receipt that overtakes our own record of
the send still finds it; without that parameter the row is found by the message's sid. Receipts
come out of order and twice: "sent" after "delivered" changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from famsbot.delivery.recipients import mark_unreachable
from famsbot.delivery.status import DELIVERED, FAILED, SENT, UNDELIVERED, is_forward
from famsbot.store.database import Database
from famsbot.store.models import Outbox

__all__ = ["TWILIO_STATUSES", "UNREACHABLE_RECEIPT_CODES", "record_receipt"]

# Twilio's MessageStatus values → ours. Anything before "sent" is still "accepted by Twilio".
TWILIO_STATUSES = {
    "accepted": SENT, "scheduled": SENT, "queued": SENT, "sending": SENT, "sent": SENT,
    "delivered": DELIVERED, "read": DELIVERED, "partially_delivered": DELIVERED,
    "undelivered": UNDELIVERED, "failed": FAILED, "canceled": FAILED,
}  # fmt: skip
# Carrier errors that mean the number will never receive our messages: unsubscribed, unknown handset,
# landline (twilio.com/docs/api/errors). A phone switched off (30003) is not among them.
UNREACHABLE_RECEIPT_CODES = frozenset({"21610", "21211", "21614", "30005", "30006"})


async def record_receipt(
    db: Database,
    *,
    sid: str,
    status: str,
    now: datetime,
    outbox_id: int | None = None,
    error_code: str | None = None,
) -> bool:
    """Apply one receipt; ``True`` when it moved the row forward."""
    new = TWILIO_STATUSES.get(status)
    if new is None:
        return False
    async with db.transaction() as session:
        which = col(Outbox.id) == outbox_id if outbox_id is not None else col(Outbox.provider_id) == sid
        query = select(Outbox).where(which, col(Outbox.channel) == "sms").with_for_update()
        row = (await session.exec(query)).first()
        if row is None:
            return False
        row.provider_id = row.provider_id or sid
        moved = is_forward(row.status, new)
        if moved:
            row.status = new
            if new == DELIVERED:
                row.delivered_at = now
            if new in (UNDELIVERED, FAILED):
                row.error = f"twilio {status}" + (f", error {error_code}" if error_code else "")
        session.add(row)
        if moved and error_code in UNREACHABLE_RECEIPT_CODES:
            await mark_unreachable(session, row.channel, row.address, now)
        return moved
