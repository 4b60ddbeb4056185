"""Times as the console shows them: waits in words, clock times in London."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from famsbot.staff.formatting import humanise, london


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (timedelta(seconds=30), "under 1 min"),
        (timedelta(minutes=14, seconds=59), "14 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(hours=2, minutes=5), "2 h 5 min"),
        (timedelta(days=1, minutes=2), "1 day"),
        (timedelta(days=3, hours=4), "3 days 4 h"),
    ],
)
def test_waits_read_as_words(delta: timedelta, shown: str) -> None:
    assert humanise(delta) == shown


def test_clock_times_follow_british_summer_time() -> None:
    assert london(datetime(2026, 1, 15, 9, 0, tzinfo=UTC)) == "Thu 15 Jan 2026, 09:00"
    assert london(datetime(2026, 7, 15, 9, 0, tzinfo=UTC)) == "Wed 15 Jul 2026, 10:00"
    assert london(None) == ""
