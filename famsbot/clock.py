"""Time, in one place, so that tests can move it.

Everything that depends on "now" (next visiting sessions, escalation deadlines, quiet hours,
the long-silence check) asks a :class:`Clock` instead of calling ``datetime.now``. Times are
stored in UTC and shown in Europe/London.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = ["LONDON", "Clock", "FixedClock", "SystemClock", "to_london"]

LONDON = ZoneInfo("Europe/London")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests, benchmarks)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


def to_london(at: datetime) -> datetime:
    """Convert a stored UTC time to the time people in England and Wales read on their clocks."""
    return at.astimezone(LONDON)
