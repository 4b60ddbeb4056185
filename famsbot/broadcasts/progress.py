"""Where a broadcast has got to, counted from its outbox rows: what the broadcast page shows live.

Every family's row is in exactly one bucket, so the buckets add up to the families queued, in the
spirit of GOV.UK Notify's statuses:

* waiting: queued, not yet picked up (or waiting for quiet hours to end, or for a retry);
* sending: picked up by a worker right now;
* sent: accepted by Telegram or Twilio (Telegram never says more; SMS waits for its receipt);
* delivered: Twilio's receipt says the phone has it;
* failed: refused for good, or undeliverable by the carrier;
* skipped: opted out, stopped the notices or became unreachable since it was queued;
* cancelled: staff cancelled the broadcast before it was sent;
* unconfirmed: being sent when a worker stopped, and Telegram cannot say whether it arrived.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.broadcasts.access import visible_to
from famsbot.broadcasts.lifecycle import CANCELLED
from famsbot.delivery.status import CANCELLED as ROW_CANCELLED
from famsbot.delivery.status import DELIVERED, FAILED, QUEUED, SENT, SKIPPED, UNCONFIRMED, UNDELIVERED
from famsbot.policy.quiet_hours import QuietHours
from famsbot.store.models import Broadcast, Outbox, StaffUser

__all__ = ["BUCKETS", "Progress", "Summary", "history", "progress"]

BUCKETS = ("waiting", "sending", "sent", "delivered", "failed", "skipped", "cancelled", "unconfirmed")
_BUCKET_OF = {SENT: "sent", DELIVERED: "delivered", FAILED: "failed", UNDELIVERED: "failed", SKIPPED: "skipped",
              ROW_CANCELLED: "cancelled", UNCONFIRMED: "unconfirmed"}  # fmt: skip


@dataclass(frozen=True)
class Progress:
    """Counts per bucket (all of ``BUCKETS``), per channel, and the phase in words' key."""

    counts: dict[str, int]
    channels: dict[str, int] = field(default_factory=dict)
    phase: str = "sending"  # scheduled | quiet | sending | finished | cancelled

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def remaining(self) -> int:
        return self.counts["waiting"] + self.counts["sending"]

    @property
    def handled(self) -> int:
        return self.total - self.remaining


def _in_flight(now: datetime) -> Any:
    return case((and_(col(Outbox.status) == QUEUED, col(Outbox.lease_until) > now), 1), else_=0)


def _bucket(status: str, in_flight: int) -> str:
    if status == QUEUED:
        return "sending" if in_flight else "waiting"
    return _BUCKET_OF.get(status, "failed")


def _phase(broadcast: Broadcast, counts: Counter[str], now: datetime, quiet: QuietHours) -> str:
    if broadcast.status == CANCELLED:
        return "cancelled"
    if counts["waiting"] + counts["sending"] == 0:
        return "finished"
    if broadcast.send_at > now:
        return "scheduled"
    return "quiet" if quiet.covers(now) else "sending"


async def progress(session: AsyncSession, broadcast: Broadcast, now: datetime, quiet: QuietHours) -> Progress:
    """The broadcast's progress at ``now`` (one grouped count over its rows)."""
    flight = _in_flight(now)
    query = (
        select(Outbox.channel, Outbox.status, flight, func.count())
        .where(col(Outbox.broadcast_id) == broadcast.id)
        .group_by(col(Outbox.channel), col(Outbox.status), flight)
    )
    counts: Counter[str] = Counter(dict.fromkeys(BUCKETS, 0))
    channels: Counter[str] = Counter()
    for channel, status, in_flight, n in (await session.exec(query)).all():
        counts[_bucket(status, in_flight)] += n
        channels[channel] += n
    return Progress(dict(counts), dict(channels), _phase(broadcast, counts, now, quiet))


@dataclass(frozen=True)
class Summary:
    """A line of the broadcasts list: the record, who sent it, and its progress."""

    broadcast: Broadcast
    sender: str
    progress: Progress


async def history(
    session: AsyncSession, staff: StaffUser, now: datetime, quiet: QuietHours, *, limit: int = 50
) -> list[Summary]:
    """The broadcasts ``staff`` may see, newest first, with their progress."""
    query = (
        select(Broadcast, StaffUser.email)
        .outerjoin(StaffUser, col(StaffUser.id) == col(Broadcast.created_by))
        .where(visible_to(staff))
        .order_by(col(Broadcast.created_at).desc(), col(Broadcast.id).desc())
        .limit(limit)
    )
    found: Sequence[tuple[Broadcast, str | None]] = (await session.exec(query)).all()
    return [Summary(broadcast, email or "a deleted account", await progress(session, broadcast, now, quiet))
            for broadcast, email in found]  # fmt: skip
