"""How times read in the console: London clock times, and waits in words a tired person can scan."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from famsbot.clock import to_london

__all__ = ["humanise", "london", "london_time", "london_time_short", "uk_numbers"]


def humanise(delta: timedelta) -> str:
    """``"under 1 min"``, ``"14 min"``, ``"2 h 5 min"``, ``"3 days 4 h"``: precise when it is short, when it matters."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "under 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    unit = "day" if days == 1 else "days"
    return f"{days} {unit} {hours} h" if hours else f"{days} {unit}"


def london(at: datetime | None) -> str:
    """``"Mon 23 Nov 2026, 10:00"`` in Europe/London (GMT or BST, as people read their clocks)."""
    if at is None:
        return ""
    local = to_london(at)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def london_time(at: datetime) -> str:
    return f"{to_london(at):%H:%M:%S}"


def london_time_short(at: datetime) -> str:
    """``"Tue 24 Nov, 14:05"``: a deadline at a glance (the year is the current one)."""
    local = to_london(at)
    return f"{local:%a} {local.day} {local:%b, %H:%M}"


_UK_NUMBER = re.compile(r"(?:\+44\s?\(?0?\)?|\b0)(?:\d[\s-]?){9,10}\b")


def uk_numbers(text: str) -> list[tuple[str, str]]:
    """UK phone numbers in free text, as ``(tel: address, how it reads)``: one tap to call from a desk phone app."""
    found = []
    for match in _UK_NUMBER.finditer(text):
        digits = "".join(ch for ch in match.group(0) if ch.isdigit())
        national = digits[2:] if match.group(0).startswith("+44") else digits[1:]
        national = national.removeprefix("0")
        if len(national) in (9, 10):
            shown = match.group(0).strip()
            found.append((f"tel:+44{national}", shown))
    return found
