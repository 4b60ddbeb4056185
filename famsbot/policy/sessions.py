"""The next visiting sessions from now, computed from a prison's weekly timetable.

Timetables are published as weekday and clock times in England; "now" is UTC. Sessions are laid
out on the Europe/London calendar (so a 14:00 session is 14:00 in both GMT and BST) and a session
that has already started is not offered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from famsbot.clock import LONDON

__all__ = ["DAYS", "Slot", "WeeklySession", "bookable_slots", "format_slot", "next_slots"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class WeeklySession:
    day: str  # mon … sun
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime  # Europe/London
    end: datetime


def next_slots(sessions: Iterable[WeeklySession], now: datetime, count: int = 3) -> list[Slot]:
    """The next ``count`` sessions that start after ``now`` (timezone-aware), soonest first."""
    weekly: Sequence[WeeklySession] = list(sessions)
    if not weekly:
        return []
    today = now.astimezone(LONDON).date()
    found: list[Slot] = []
    for offset in range(15):
        day = today + timedelta(days=offset)
        for session in sorted(weekly, key=lambda s: s.start):
            if DAYS.index(session.day) != day.weekday():
                continue
            slot = Slot(_at(day, session.start), _at(day, session.end))
            if slot.start > now:
                found.append(slot)
    return sorted(found, key=lambda s: s.start)[:count]


def bookable_slots(
    sessions: Iterable[WeeklySession],
    now: datetime,
    *,
    count: int = 3,
    closed_dates: Iterable[str] = (),
    lead_days: int | None = None,
    window_days: int | None = None,
) -> list[Slot]:
    """The next ``count`` sessions that can still be booked from ``now``.

    Skips dates with no visits (``closed_dates``, ISO), sessions fewer than ``lead_days`` days away
    (the notice the prison needs) and, where the prison sets one, sessions past its booking window.
    Without those rules it is :func:`next_slots`.
    """
    weekly = sorted(sessions, key=lambda s: s.start)
    if not weekly:
        return []
    skip = set(closed_dates)
    today = now.astimezone(LONDON).date()
    first = today + timedelta(days=lead_days or 0)
    last = today + timedelta(days=window_days) if window_days else today + timedelta(days=60)
    found: list[Slot] = []
    day = first
    while day <= last and len(found) < count:
        if day.isoformat() not in skip:
            for session in weekly:
                if DAYS.index(session.day) == day.weekday():
                    slot = Slot(_at(day, session.start), _at(day, session.end))
                    if slot.start > now:
                        found.append(slot)
        day += timedelta(days=1)
    return found[:count]


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=LONDON)


def format_slot(slot: Slot) -> str:
    """``Thu 27 Nov 14:00-16:00``: short, unambiguous, GSM-7."""
    return f"{slot.start:%a} {slot.start.day} {slot.start:%b} {slot.start:%H:%M}-{slot.end:%H:%M}"
