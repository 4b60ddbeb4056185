"""When a broadcast goes: now or at a London time staff chose, moved out of quiet hours.

Staff type a date and time as they read their clocks (Europe/London, GMT or BST); it is stored in
UTC. A time in quiet hours moves to when they end (``policy.quiet_hours``), and the composer says so
before anything is sent. Broadcasts are scheduled at most ``MAX_AHEAD`` ahead because the families
are chosen when the broadcast is created: a notice queued weeks ahead would miss everyone who asks
for notices meanwhile (GOV.UK Notify draws the same line at seven days).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from famsbot.clock import LONDON
from famsbot.config import Settings
from famsbot.errors import ActionRefused
from famsbot.policy.quiet_hours import QuietHours

__all__ = ["MAX_AHEAD", "SendPlan", "london_time", "plan_send", "sending_time"]

MAX_AHEAD = timedelta(days=7)
PAST_GRACE = timedelta(minutes=5)  # "now" typed a little late is still now


@dataclass(frozen=True, slots=True)
class SendPlan:
    """``requested``: when staff asked for (UTC); ``at``: when sending starts, after quiet hours."""

    requested: datetime
    at: datetime

    @property
    def deferred(self) -> bool:
        return self.at != self.requested


def london_time(day: str, clock_time: str) -> datetime:
    """``2026-12-01`` and ``09:30`` as read on a London clock, in UTC; :class:`ActionRefused` if unreadable."""
    try:
        local = datetime.combine(date.fromisoformat(day.strip()), time.fromisoformat(clock_time.strip()),
                                 tzinfo=LONDON)  # fmt: skip
    except ValueError:
        raise ActionRefused("Please give the date and time to send it, like 2026-12-01 and 09:30.") from None
    return local.astimezone(UTC)


def plan_send(requested: datetime | None, now: datetime, quiet: QuietHours) -> SendPlan:
    """When a broadcast asked for at ``requested`` (``None``: now) will start."""
    wanted = now if requested is None or now - PAST_GRACE <= requested <= now else requested
    if wanted < now:
        raise ActionRefused("That time has already passed. Choose a later time, or send it now.")
    if wanted > now + MAX_AHEAD:
        raise ActionRefused(f"A notice can be scheduled up to {MAX_AHEAD.days} days ahead, so that families "
                            "who sign up meanwhile get it too.")
    return SendPlan(requested=wanted, at=quiet.next_allowed(wanted))


def sending_time(recipients: Mapping[str, int], sms_segments: int, settings: Settings) -> timedelta:
    """Roughly how long sending takes at the configured rates (channels go side by side)."""
    seconds = 0.0
    if settings.telegram_per_second:
        seconds = max(seconds, recipients.get("telegram", 0) / settings.telegram_per_second)
    if settings.sms_per_second:
        seconds = max(seconds, recipients.get("sms", 0) * sms_segments / settings.sms_per_second)
    return timedelta(seconds=math.ceil(seconds))
