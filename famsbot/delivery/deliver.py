"""Sending one claimed outbox row and recording what happened: shared by every executor.

The dispatcher claims rows (``claims``); from there it is this code::

    quiet hours? ─► earlier send unresolved? ─► sending slot ─► still wanted? + mark started ─► provider ─► record
    (eligibility)   (ambiguous: ask, or not)    (ratelimit)    (eligibility, one transaction)

Each row ends its turn in one of these ways:

* sent: the provider accepted it; its id, the segments it cost and the time are kept;
* queued again: a transient failure (retried later with backoff and jitter, the attempt counted);
  a rate limit, no sending slot free for a bulk message yet, or quiet hours (retried later, the
  attempt not counted);
* failed: a permanent failure (once, never retried); if the provider says the recipient cannot be
  reached, the contact is marked ``unreachable_at``;
* skipped or cancelled: the person opted out or stopped the notices, or staff cancelled the
  broadcast (``eligibility``);
* unconfirmed: a broadcast whose earlier send may have gone and cannot be checked (``ambiguous``).

The send happens outside any transaction; the outcome is written in a short one afterwards (shared
with other sends' writes: ``batching``). Just before the provider is called, ``send_started_at`` is
committed: if the process dies between the
send and the record, the row is recognised as ambiguous when its lease runs out, and settled by
``ambiguous.settle`` instead of being sent blind. So a crash costs no message and, on SMS, no
duplicate; see that module for Telegram.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.clock import Clock, SystemClock
from famsbot.delivery.ambiguous import SETTLE, settle
from famsbot.delivery.backoff import MAX_ATTEMPTS, retry_delay
from famsbot.delivery.batching import Batch
from famsbot.delivery.claims import lease_for
from famsbot.delivery.eligibility import Drop, held, verdicts
from famsbot.delivery.message import OutgoingMessage, Sender, Senders, Sent
from famsbot.delivery.ratelimit import Busy, Pacer
from famsbot.delivery.recipients import mark_unreachable
from famsbot.delivery.status import BULK_KINDS, FAILED, QUEUED, SENT, SKIPPED, URGENT_KINDS, is_forward
from famsbot.dialogue.messages import Option
from famsbot.errors import ChannelError, MaybeSent, PermanentChannelError, RateLimited, Unreachable
from famsbot.policy.quiet_hours import QuietHours
from famsbot.store.availability import Patience, unavailable
from famsbot.store.database import Database
from famsbot.store.models import Outbox

__all__ = ["BULK_WITHIN", "NO_SENDER_WAIT", "Delivery", "Outcome", "outgoing"]

log = logging.getLogger(__name__)
NO_SENDER_WAIT = timedelta(minutes=5)  # a channel without credentials: look again later, count nothing
BULK_WITHIN = 2.0  # seconds: a broadcast never books a sending slot further ahead, so alerts and
# replies, which may book any slot, never wait behind more than this much of a broadcast
RECORD_PATIENCE = 60.0  # seconds a send that went keeps trying to record itself while the database is away


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one row's turn ended: its new status, and when to try again if it is queued."""

    outbox_id: int
    status: str
    retry_at: datetime | None = None


def outgoing(row: Outbox) -> OutgoingMessage:
    options = tuple(Option(o["key"], o["label"]) for o in row.options)
    return OutgoingMessage(row.channel, row.address, row.body, options, row.id, row.kind)


class Delivery:
    """Sends claimed rows through the channel's sender, paced by the channel's rate limit.

    Args:
        limits: one pacer per channel (in memory on SQLite, shared in the database on PostgreSQL).
        quiet: when broadcasts may not be sent (default: never quiet).
        owner: this sender's name on the leases it takes.
    """

    def __init__(
        self,
        db: Database,
        senders: Senders,
        *,
        limits: Mapping[str, Pacer] | None = None,
        clock: Clock | None = None,
        owner: str | None = None,
        quiet: QuietHours | None = None,
    ) -> None:
        self.db = db
        self.senders = senders
        self.limits = dict(limits or {})
        self.clock = clock or SystemClock()
        self.owner = owner or f"famsbot-{uuid.uuid4().hex[:12]}"
        self.quiet = quiet or QuietHours.off()
        self._looks: Batch[Outbox, Drop | bool] = Batch(db, self._apply_looks)
        self._records: Batch[tuple[Outbox, Sent, datetime], str] = Batch(db, _apply_records)
        self._recording = Patience("recording sends", log, first=0.2, cap=2.0)

    async def deliver(self, row: Outbox) -> Outcome:
        """Send one row this process has claimed, and record the outcome."""
        assert row.id is not None  # noqa: S101 - claimed rows come from the database
        if (hold := held(row, self.clock.now(), self.quiet)) is not None:
            return await self._requeue(row, hold.until, hold.reason, counted=False, keep_mark=True)
        sender = self.senders.get(row.channel)
        if sender is None:
            log.warning("no sender for channel %r (not configured); outbox row %s waits", row.channel, row.id)
            return await self._requeue(
                row, self.clock.now() + NO_SENDER_WAIT, f"no {row.channel} sender configured", counted=False,
                keep_mark=True,
            )
        message = outgoing(row)
        sending = False  # has this turn called the provider's send? (until then, an old mark stays)
        try:
            if row.send_started_at is not None:
                settled = await settle(row, sender, message, self._recorded)
                if settled is not None and settled.sent is not None:
                    return await self._sent(row, settled.sent)
                if settled is not None and settled.status is not None:
                    return await self._finish(row, settled.status, error=settled.reason or "", counted=False)
            await self._pace(row, sender, message)
            look = await self._last_look(row)
            if isinstance(look, Drop):
                return await self._finish(row, look.status, error=look.reason, counted=False)
            if not look:
                return Outcome(row.id, QUEUED)  # the lease was lost: its new holder sends it
            sending = True
            sent = await sender.send(message)
        except Busy as exc:
            return await self._requeue(row, self.clock.now() + timedelta(seconds=exc.wait), row.error,
                                       counted=False, keep_mark=True)
        except RateLimited as exc:
            return await self._requeue(
                row, self.clock.now() + timedelta(seconds=exc.retry_after), str(exc), counted=False,
                keep_mark=not sending,
            )
        except PermanentChannelError as exc:
            log.warning("outbox row %s failed for good: %s", row.id, exc)
            return await self._finish(row, FAILED, error=str(exc), unreachable=isinstance(exc, Unreachable))
        except Exception as exc:  # noqa: BLE001 - anything else may work next time (or is a bug: logged)
            return await self._retry(row, exc, sending=sending)
        return await self._sent(row, sent)

    async def _recorded(self, provider_ids: Collection[str]) -> set[str]:
        """Which of these provider ids other outbox rows have recorded as theirs."""
        query = select(Outbox.provider_id).where(col(Outbox.provider_id).in_(list(provider_ids)))
        async with self.db.transaction() as session:
            return {found for found in (await session.exec(query)).all() if found is not None}

    async def release(self, row: Outbox, until: datetime) -> Outcome:
        """Give a claimed row back unsent (an earlier message to the same person must go first)."""
        return await self._requeue(row, until, row.error, counted=False, keep_mark=True)

    # --- before sending ------------------------------------------------------------------------

    async def _pace(self, row: Outbox, sender: Sender, message: OutgoingMessage) -> None:
        limiter = self.limits.get(row.channel)
        if limiter is not None:
            within = BULK_WITHIN if row.kind in BULK_KINDS else None
            await limiter.acquire(row.address, sender.cost(message), within=within)

    async def _last_look(self, row: Outbox) -> Drop | bool:
        """The moment before the provider is called: is it still wanted (``eligibility``)? If so,
        commit "the provider is being called now", provided the row is still ours to send.
        ``True``: send it; ``False``: its lease was lost. (Batched with other sends' looks.)"""
        look = await self._looks.submit(row)
        if look is False:
            log.warning("outbox row %s is no longer leased to %s: not sending it", row.id, self.owner)
        return look

    async def _apply_looks(self, session: AsyncSession, rows: list[Outbox]) -> list[Drop | bool]:
        now = self.clock.now()
        drops = await verdicts(session, rows)
        going = [row.id for row in rows if row.id not in drops]
        marked: set[int] = set()
        if going:
            params = {"outbox_ids": going, "owner": self.owner, "at": now,
                      "urgent_until": now + lease_for("alert"), "until": now + lease_for("reply")}  # fmt: skip
            found = await session.exec(_MARK_STARTED, params=params)
            marked = set(found.scalars().all())
        for row in rows:
            if row.id in marked:
                row.send_started_at = now
        return [drops.get(row.id or 0) or (row.id in marked) for row in rows]

    # --- recording -----------------------------------------------------------------------------

    async def _retry(self, row: Outbox, exc: Exception, *, sending: bool) -> Outcome:
        """A failure that may pass: back off and try again, up to ``MAX_ATTEMPTS``. The mark stays
        when the send may have gone (``MaybeSent``) or when this turn never sent (the provider could
        not be asked about an earlier attempt), so the next attempt asks before sending."""
        if not isinstance(exc, ChannelError):
            log.exception("sending outbox row %s raised unexpectedly", row.id)
        if row.attempts >= MAX_ATTEMPTS:
            return await self._finish(row, FAILED, error=f"gave up after {row.attempts} attempts: {exc}")
        wait = retry_delay(row.attempts)
        maybe_sent = isinstance(exc, MaybeSent)
        if maybe_sent:
            wait = max(wait, SETTLE)
        return await self._requeue(row, self.clock.now() + wait, str(exc), counted=True,
                                   keep_mark=maybe_sent or not sending)

    async def _sent(self, row: Outbox, sent: Sent) -> Outcome:
        """Record the provider's acceptance (batched with other sends' records). The message has gone:
        if the database is away, keep trying for up to ``RECORD_PATIENCE`` rather than leave the row
        in doubt (on Telegram an alert in doubt is sent again)."""
        deadline = time.monotonic() + RECORD_PATIENCE
        while True:
            try:
                status = await self._records.submit((row, sent, self.clock.now()))
            except Exception as exc:
                if not unavailable(exc) or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(self._recording.failed(exc))
                continue
            self._recording.succeeded()
            return Outcome(row.id or 0, status)

    async def _requeue(
        self, row: Outbox, at: datetime, error: str | None, *, counted: bool, keep_mark: bool = False
    ) -> Outcome:
        """Back to the queue for ``at``. ``keep_mark``: nothing was sent this turn, so an earlier
        attempt's unresolved mark (if any) must stay."""
        async with self.db.transaction() as session:
            current = await _locked(session, row)
            if current is None or current.status != QUEUED:
                return Outcome(row.id or 0, current.status if current else SKIPPED)
            if not counted:
                current.attempts = max(current.attempts - 1, 0)
            if not keep_mark:
                current.send_started_at = None
            current.next_attempt_at = at
            current.error = error
            current.lease_owner = current.lease_until = None
            session.add(current)
        return Outcome(row.id or 0, QUEUED, retry_at=at)

    async def _finish(
        self, row: Outbox, status: str, *, error: str, unreachable: bool = False, counted: bool = True
    ) -> Outcome:
        now = self.clock.now()
        async with self.db.transaction() as session:
            current = await _locked(session, row)
            if current is None:
                return Outcome(row.id or 0, status)
            if not counted:
                current.attempts = max(current.attempts - 1, 0)
            if is_forward(current.status, status):
                current.status = status
            current.error = error
            current.lease_owner = current.lease_until = current.send_started_at = None
            session.add(current)
            if unreachable:
                await mark_unreachable(session, current.channel, current.address, now)
            return Outcome(row.id or 0, current.status)



# The two statements every send runs, built once. A row goes from queued to sent only ("sent" never
# replaces a receipt's "delivered": ``status.is_forward``).
_MARK_STARTED = (
    update(Outbox)
    .where(col(Outbox.id).in_(bindparam("outbox_ids", expanding=True)), col(Outbox.status) == QUEUED,
           col(Outbox.lease_owner) == bindparam("owner"))
    .values(send_started_at=bindparam("at"),  # and a whole lease from now for the provider call
            lease_until=case((col(Outbox.kind).in_(URGENT_KINDS), bindparam("urgent_until")),
                             else_=bindparam("until")))
    .returning(col(Outbox.id))
)  # fmt: skip
_RECORD_SENT = (
    update(Outbox)
    .where(col(Outbox.id) == bindparam("outbox_id"))
    .values(
        status=case((col(Outbox.status) == QUEUED, SENT), else_=col(Outbox.status)),
        provider_id=func.coalesce(col(Outbox.provider_id), bindparam("provider_id")),
        segments=bindparam("cost"), sent_at=bindparam("at"), error=None,
        lease_owner=None, lease_until=None, send_started_at=None,
    )
    .returning(col(Outbox.status))
)  # fmt: skip


async def _apply_records(session: AsyncSession, sends: list[tuple[Outbox, Sent, datetime]]) -> list[str]:
    """Record each acceptance; a receipt that overtook it ("delivered") is kept, and so is the provider
    id it brought. No row: deleted meanwhile (the person asked to be forgotten)."""
    statuses = []
    for row, sent, at in sends:
        params = {"outbox_id": row.id, "provider_id": sent.provider_id, "cost": sent.segments, "at": at}
        statuses.append((await session.exec(_RECORD_SENT, params=params)).scalar() or SENT)
    return statuses


async def _locked(session: AsyncSession, row: Outbox) -> Outbox | None:
    query = select(Outbox).where(col(Outbox.id) == row.id).with_for_update()
    return (await session.exec(query)).first()
