"""The life of an outbox row, and the rule that it only ever moves forward.

::

    queued ──send──► sent ──receipt──► delivered | undelivered | failed
      │  ▲                              (terminal)
      │  └── transient failure: queued again, later (attempt counted)
      │  └── rate limited, or no sending slot free yet: queued again (attempt not counted)
      ├── permanent failure ──► failed
      ├── recipient opted out (or stopped a broadcast's notices) ──► skipped
      ├── its broadcast was cancelled ──► cancelled
      └── its worker stopped mid-send, and the provider cannot be asked ──► unconfirmed
          (broadcasts only: see ``delivery.ambiguous``)

Receipts arrive out of order and more than once (Twilio retries callbacks, and "sent" may follow
"delivered"), so a status is only replaced by one of higher rank.

Kinds come in three tiers, claimed in this order and never starved by the one below: urgent
(safety: sent first, even to someone who opted out), ordinary (replies, feedback, follow-ups),
and bulk (broadcasts, which also may not book sending slots far ahead: ``delivery.ratelimit``).
"""

from __future__ import annotations

__all__ = [
    "AT_MOST_ONCE_KINDS",
    "BULK_KINDS",
    "CANCELLED",
    "DELIVERED",
    "FAILED",
    "QUEUED",
    "SENT",
    "SKIPPED",
    "UNCONFIRMED",
    "UNDELIVERED",
    "URGENT_KINDS",
    "is_forward",
    "tier",
]

QUEUED = "queued"
SENT = "sent"
DELIVERED = "delivered"
UNDELIVERED = "undelivered"
FAILED = "failed"
SKIPPED = "skipped"
CANCELLED = "cancelled"
UNCONFIRMED = "unconfirmed"

_TERMINAL = (DELIVERED, UNDELIVERED, FAILED, SKIPPED, CANCELLED, UNCONFIRMED)
_RANK = {QUEUED: 0, SENT: 1, **dict.fromkeys(_TERMINAL, 2)}

# Kinds that are sent first and even to someone who opted out: the emergency route given in reply to
# their own message, and alerts and escalations to staff about someone's safety.
URGENT_KINDS = frozenset({"urgent", "alert", "escalation"})
# Kinds sent to many people at once, after everything else.
BULK_KINDS = frozenset({"broadcast"})
# Kinds for which a possible duplicate is worse than a possible gap, when a send's outcome is unknown
# and the provider cannot be asked (a family-day notice twice is a nuisance; an alert twice is not).
AT_MOST_ONCE_KINDS = BULK_KINDS


def tier(kind: str) -> int:
    """0 urgent, 1 ordinary, 2 bulk: lower goes first."""
    return 0 if kind in URGENT_KINDS else 2 if kind in BULK_KINDS else 1


def is_forward(current: str, new: str) -> bool:
    """May a row in status ``current`` move to ``new``? Only to a higher rank; terminal stays put."""
    return _RANK.get(new, -1) > _RANK.get(current, 0)
