"""Rows whose last send has no recorded outcome: did it go out or not?

Delivery writes ``send_started_at`` just before calling the provider and clears it when it records
what happened. A row claimed again with the mark still set is *ambiguous*: its worker died (or the
provider stopped answering: ``MaybeSent``) after the request may have left and before the outcome
was written. Sending again would be at least once (a possible duplicate); not sending, at most once
(a possible gap). Neither is forced on us when the provider can be asked:

* **SMS (Twilio)**: Twilio lists the messages sent to a number, newest first, so the row is
  *reconciled*: every message to the number since the attempt began is read (page after page, so a
  safer-custody phone that was sent fifty alerts meanwhile is no different from a family's), and if
  one has this exact body and a sid no other outbox row has recorded, the row is recorded as sent
  with that sid and nothing is sent; if not, it was never accepted and is sent now. Exactly once.
  The check runs after the lease has run out (30 seconds after a crash for an alert, two minutes
  for other kinds) or at least ``SETTLE`` after a time-out, when any request in flight has long
  been answered.
* **Telegram**: the Bot API cannot say what a bot has sent. Here the choice is made by kind:
  - broadcasts are **at most once**: the row ends ``unconfirmed`` and is not sent again. A request
    in flight when a worker dies has almost always reached Telegram already (the body leaves at
    the start of a ~100 ms round trip and the outcome is written ~1 ms after it returns), so a
    resend would almost always be a duplicate; and a family-day notice twice is a nuisance that
    erodes trust in the notices, while the rare gap is visible to staff on the broadcast page;
  - everything else (alerts about someone's safety, replies, feedback) stays **at least once**:
    a second copy is far better than a lost alert.

Only the rows actually in flight at the crash are ambiguous: at most one per concurrent send.
Rows claimed but still waiting for a sending slot are not marked, so they are simply sent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import timedelta

from famsbot.delivery.message import Finder, OutgoingMessage, Sender, Sent
from famsbot.delivery.status import AT_MOST_ONCE_KINDS, UNCONFIRMED
from famsbot.store.models import Outbox

__all__ = ["LOOKBACK", "SETTLE", "Settled", "settle"]

log = logging.getLogger(__name__)
LOOKBACK = timedelta(minutes=1)  # provider timestamps are to the second, and clocks differ a little
SETTLE = timedelta(seconds=30)  # after a time-out, wait this long before asking the provider


@dataclass(frozen=True, slots=True)
class Settled:
    """What the previous attempt came to: it was ``sent`` (found at the provider), or the row ends in
    ``status`` because the provider cannot be asked. ``None`` from :func:`settle`: send it now."""

    sent: Sent | None = None
    status: str | None = None
    reason: str | None = None


Taken = Callable[[Collection[str]], Awaitable[set[str]]]  # which of these provider ids other rows recorded


async def settle(row: Outbox, sender: Sender, message: OutgoingMessage, taken: Taken) -> Settled | None:
    """Decide an ambiguous row (``row.send_started_at`` is set); may raise the provider's errors."""
    started = row.send_started_at
    assert started is not None  # noqa: S101 - only ambiguous rows come here
    if isinstance(sender, Finder):
        candidates = await sender.find(message, started - LOOKBACK)
        recorded = await taken([sent.provider_id for sent in candidates]) if candidates else set()
        found = next((sent for sent in candidates if sent.provider_id not in recorded), None)
        if found is not None:
            log.info("outbox row %s: its earlier send did reach the provider (%s); not sent again",
                     row.id, found.provider_id)
            return Settled(sent=found)
        log.info("outbox row %s: its earlier send never reached the provider; sending it now", row.id)
        return None
    if row.kind in AT_MOST_ONCE_KINDS:
        log.warning("outbox row %s: a send was under way when its worker stopped and %s cannot be asked; "
                    "not sent again, to avoid a duplicate", row.id, row.channel)
        return Settled(status=UNCONFIRMED,
                       reason="sending was interrupted and the provider cannot confirm it; not sent again")
    log.warning("outbox row %s: a send was under way when its worker stopped; sending again (it may "
                "arrive twice)", row.id)
    return None
