"""Quiet hours: when family-day notices are not sent (default 21:00 to 08:00, London time).

A notice is news, never urgent, and many families read messages on a shared phone or one a child
holds; nobody should be woken by a charity's event reminder. So a broadcast that would start in
quiet hours starts when they end, and one still sending when they begin pauses until the morning
(RapidPro users ask for exactly this: rapidpro#1570). Times are London wall-clock times, so the
rule follows the clocks through GMT and BST. Equal start and end mean no quiet hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from famsbot.clock import LONDON, to_london

__all__ = ["QuietHours"]


@dataclass(frozen=True, slots=True)
class QuietHours:
    """From ``start`` until ``end`` (London time), crossing midnight when ``start`` is later."""

    start: time
    end: time

    @classmethod
    def off(cls) -> QuietHours:
        return cls(time(0, 0), time(0, 0))

    @property
    def active(self) -> bool:
        return self.start != self.end

    def covers(self, at: datetime) -> bool:
        """Is ``at`` (any timezone) inside quiet hours?"""
        if not self.active:
            return False
        local = to_london(at).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, at: datetime) -> datetime:
        """``at`` itself outside quiet hours, else when they end (UTC)."""
        if not self.covers(at):
            return at
        local = to_london(at)
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)  # evening: quiet until the next morning
        return datetime.combine(day, self.end, tzinfo=LONDON).astimezone(at.tzinfo)

    def next_start(self, at: datetime) -> datetime | None:
        """When quiet hours next begin after ``at`` (``None`` when there are none)."""
        if not self.active:
            return None
        local = to_london(at)
        start = datetime.combine(local.date(), self.start, tzinfo=LONDON)
        if start <= local:
            start = datetime.combine(local.date() + timedelta(days=1), self.start, tzinfo=LONDON)
        return start.astimezone(at.tzinfo)
