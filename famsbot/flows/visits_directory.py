"""Answering a visits topic for any prison from the national directory (``content/directory``).

Only sourced facts are said. Each answer says how old its facts are, and what is missing; a gap
is answered with the prison's gov.uk page and the Prisoners' Families Helpline, never a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from famsbot.content.directory import DirectoryPrison
from famsbot.dialogue.flow import FlowModel
from famsbot.policy.sessions import WeeklySession, bookable_slots, format_slot

__all__ = ["DIRECTORY_READERS", "closed_answer", "dated", "when"]

_DAY_ORDER = "mon tue wed thu fri sat sun"


def when(as_of: str | None) -> str:
    """``"2026-07-31"`` → ``"July 2026"``; other dates as written."""
    if not as_of:
        return "undated"
    try:
        return f"{date.fromisoformat(as_of):%B %Y}"
    except ValueError:
        return as_of


def dated(topic: str, place: DirectoryPrison) -> str:
    """How old the answer's main fact is, for the reply's heading: " (July 2026)"."""
    facts = {
        "book": place.booking.phone or place.booking.online,
        "times": place.sessions or place.visiting_times_text,
        "next": place.sessions,
        "centre": place.visitors_centre,
    }
    fact = facts.get(topic)
    return f" ({when(fact.as_of)})" if fact is not None and fact.as_of else ""


def _missing(model: FlowModel, place: DirectoryPrison, what: Sequence[str]) -> str:
    words = [model.text(f"visits.w_{w.replace('.', '_')}") for w in what]
    helpline = model.content.phone("families_helpline").number
    what_text = ", ".join(words)
    if place.gov_uk_page:
        return model.text("visits.d_missing", what=what_text, page=place.gov_uk_page, helpline=helpline)
    return model.text("visits.d_missing_no_page", what=what_text, helpline=helpline)


def closed_answer(model: FlowModel, place: DirectoryPrison) -> str:
    note = place.closed_note
    return model.text("visits.closed", when=f"booking data, {when(note.as_of if note else None)}",
                      helpline=model.content.phone("families_helpline").number)


def _book(model: FlowModel, place: DirectoryPrison) -> str:
    booking = place.booking
    lines: list[str] = []
    online = booking.online.value if booking.online else None
    if online:
        lines.append(model.text("visits.d_online"))
    elif place.contracted and booking.phone is None:
        lines.append(model.text("visits.d_private", operator=place.operator or "a private company"))
    elif online is False:
        lines.append(model.text("visits.d_not_online"))
    else:
        lines.append(model.text("visits.d_online_unknown"))
    if booking.phone:
        hours = f" ({booking.phone.hours})" if booking.phone.hours else ""
        lines.append(model.text("visits.d_phone", number=booking.phone.number, hours=hours))
    if booking.email:
        lines.append(model.text("visits.d_email", email=booking.email.text))
    if place.lead_days:
        lines.append(model.text("visits.d_lead", days=place.lead_days.value))
    if place.booking_window:
        lines.append(model.text("visits.d_window", days=place.booking_window.value))
    lines.append(model.content.fact("booking_needs").text)
    if place.switchboard:
        lines.append(model.text("visits.d_switchboard", number=place.switchboard.number))
    gaps = [m for m in ("booking.phone", "booking.email") if m in place.missing]
    if place.contracted and booking.phone is None and place.gov_uk_page:
        lines.append(model.text("visits.d_where", page=place.gov_uk_page))
    elif gaps:
        lines.append(_missing(model, place, gaps))
    return "\n".join(lines)


def _sessions(place: DirectoryPrison) -> list[WeeklySession]:
    return [WeeklySession(s.day, s.start, s.end) for s in place.sessions.sessions] if place.sessions else []


def _times(model: FlowModel, place: DirectoryPrison) -> str:
    if place.sessions:
        lines = _grouped_times(model, place)
        lines.append(model.text("visits.d_times_source"))
    elif place.visiting_times_text:
        fact = place.visiting_times_text
        lines = [model.text("visits.d_times_old", times=fact.text)]
    else:
        return _missing(model, place, ["sessions"])
    if place.adult_age:
        lines.append(model.text("visits.d_adult_age", age=place.adult_age.value))
    return "\n".join(lines)


def _grouped_times(model: FlowModel, place: DirectoryPrison) -> list[str]:
    """One line per run of days with the same sessions: "Mon-Fri 14:00-15:30", short enough for SMS."""
    assert place.sessions is not None  # noqa: S101
    by_day: dict[str, list[str]] = {}
    for s in sorted(place.sessions.sessions, key=lambda s: s.start):
        by_day.setdefault(s.day, []).append(f"{s.start:%H:%M}-{s.end:%H:%M}")
    days = [d for d in _DAY_ORDER.split() if d in by_day]
    runs: list[list[str]] = []
    for day in days:
        previous = runs[-1][-1] if runs else None
        adjacent = previous is not None and _DAY_ORDER.split().index(day) == _DAY_ORDER.split().index(previous) + 1
        if adjacent and previous is not None and by_day[previous] == by_day[day]:
            runs[-1].append(day)
        else:
            runs.append([day])
    lines = []
    for run in runs:
        first, last = model.text(f"common.day_{run[0]}"), model.text(f"common.day_{run[-1]}")
        label = first if len(run) == 1 else f"{first}-{last}"
        lines.append(f"{label} {', '.join(by_day[run[0]])}")
    return lines


def _next(model: FlowModel, place: DirectoryPrison) -> str:
    if not place.sessions:
        return _missing(model, place, ["sessions"])
    slots = bookable_slots(
        _sessions(place), model.ctx.now, count=3,
        closed_dates=place.unbookable.dates if place.unbookable else (),
        lead_days=place.lead_days.value if place.lead_days else None,
        window_days=place.booking_window.value if place.booking_window else None,
    )
    if not slots:
        return model.text("visits.d_next_none")
    lines = [model.text("visits.d_next_intro"), *(format_slot(s) for s in slots)]
    lines.append(model.text("visits.d_times_source"))
    return "\n".join(lines)


def _centre(model: FlowModel, place: DirectoryPrison) -> str:
    centre = place.visitors_centre
    if centre is None:
        return _missing(model, place, ["visitors_centre"])
    if centre.as_of and "gov.uk copy" in centre.as_of:
        return model.text("visits.d_centre_old", text=centre.text, when=centre.as_of)
    return centre.text


def _national(name: str) -> Callable[[FlowModel, DirectoryPrison], str]:
    return lambda model, place: model.content.fact(name).text


def _not_sourced(key: str) -> Callable[[FlowModel, DirectoryPrison], str]:
    def read(model: FlowModel, place: DirectoryPrison) -> str:
        words = model.text(key).lower()
        helpline = model.content.phone("families_helpline").number
        if place.gov_uk_page:
            return model.text("visits.d_missing", what=words, page=place.gov_uk_page, helpline=helpline)
        return model.text("visits.d_missing_no_page", what=words, helpline=helpline)

    return read


DIRECTORY_READERS: dict[str, Callable[[FlowModel, DirectoryPrison], str]] = {
    "book": _book,
    "times": _times,
    "next": _next,
    "centre": _centre,
    "id": _national("id_rules"),
    "early": _not_sourced("visits.opt_early"),
    "allowance": _not_sourced("visits.opt_allowance"),
    "video": _not_sourced("visits.opt_video"),
    "legal": _not_sourced("visits.opt_legal"),
    "family_days": _not_sourced("visits.opt_family_days"),
    "first": _not_sourced("visits.opt_first"),
}
