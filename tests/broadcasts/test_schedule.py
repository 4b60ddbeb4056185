"""Quiet hours and scheduling, on London clocks through GMT and BST (pure rules, a controllable clock)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from famsbot.broadcasts.schedule import MAX_AHEAD, london_time, plan_send
from famsbot.clock import FixedClock
from famsbot.errors import ActionRefused
from famsbot.policy.quiet_hours import QuietHours

QUIET = QuietHours(time(21, 0), time(8, 0))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "quiet", "starts"),
    [
        ("2026-11-23 20:59", False, "2026-11-23 20:59"),  # GMT: London = UTC
        ("2026-11-23 21:00", True, "2026-11-24 08:00"),
        ("2026-11-24 03:00", True, "2026-11-24 08:00"),
        ("2026-11-24 08:00", False, "2026-11-24 08:00"),
        ("2026-07-01 19:59", False, "2026-07-01 19:59"),  # BST: 20:59 in London
        ("2026-07-01 20:00", True, "2026-07-02 07:00"),  # 21:00 BST; morning is 08:00 BST = 07:00 UTC
        ("2026-03-28 23:30", True, "2026-03-29 07:00"),  # the clocks go forward overnight
        ("2026-10-24 22:00", True, "2026-10-25 08:00"),  # ... and back: 08:00 GMT
    ],
)
def test_quiet_hours_follow_the_london_clock(at: str, quiet: bool, starts: str) -> None:
    assert QUIET.covers(utc(at)) is quiet
    assert QUIET.next_allowed(utc(at)) == utc(starts)


def test_equal_start_and_end_mean_no_quiet_hours() -> None:
    off = QuietHours(time(9), time(9))
    assert not off.covers(utc("2026-11-23 09:30"))
    assert off.next_start(utc("2026-11-23 09:30")) is None


def test_sending_now_in_quiet_hours_starts_in_the_morning(clock: FixedClock) -> None:
    clock.set(utc("2026-11-23 22:15"))

    plan = plan_send(None, clock.now(), QUIET)

    assert (plan.requested, plan.at, plan.deferred) == (clock.now(), utc("2026-11-24 08:00"), True)
    clock.set(utc("2026-11-24 10:00"))
    assert not plan_send(None, clock.now(), QUIET).deferred


def test_a_time_typed_on_a_london_clock_is_stored_in_utc() -> None:
    assert london_time("2026-11-25", "09:30") == utc("2026-11-25 09:30")
    assert london_time("2026-07-01", "09:30") == utc("2026-07-01 08:30")
    with pytest.raises(ActionRefused, match="date and time"):
        london_time("25/11/2026", "half nine")


def test_a_scheduled_time_in_quiet_hours_moves_to_the_morning(clock: FixedClock) -> None:
    plan = plan_send(london_time("2026-11-25", "23:00"), clock.now(), QUIET)

    assert plan.at == utc("2026-11-26 08:00")
    assert plan.deferred


def test_past_and_far_future_times_are_refused(clock: FixedClock) -> None:
    with pytest.raises(ActionRefused, match="already passed"):
        plan_send(clock.now() - timedelta(hours=1), clock.now(), QUIET)
    assert plan_send(clock.now() - timedelta(minutes=2), clock.now(), QUIET).at == clock.now()  # typed slowly
    with pytest.raises(ActionRefused, match="7 days ahead"):
        plan_send(clock.now() + MAX_AHEAD + timedelta(minutes=1), clock.now(), QUIET)
