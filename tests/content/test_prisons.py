"""The prison and national facts families are told: present, sourced, dated, short and SMS-safe.

Each test loads the real content files. Where a fact is missing the bot says it does not know and
gives the booking line, so these tests pin the facts every reply falls back on (a switchboard for
imminent risk, a booking line, visiting times) and the caveats staff rely on (recorded disagreements).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from famsbot.content.loader import CONTENT_DIR, PRISON_IDS, load_content
from famsbot.content.schema import REQUIRED_FACTS, REQUIRED_PHONES, SEEDS, National, Prison, Session
from famsbot.policy.prisons import PrisonNames, find_prison
from famsbot.sms_text import non_gsm7_chars

LONDON = ZoneInfo("Europe/London")
MAX_TEXT = 320
DATE = re.compile(r"(\d{1,2} )?([A-Z][a-z]+ )?\d{4}")
TWELVE_HOUR = re.compile(r"\b\d{1,2}(:\d{2})? ?[ap]m\b", re.IGNORECASE)
NAMES = {"maidstone": "Maidstone", "stoke-heath": "Stoke Heath", "chelmsford": "Chelmsford"}


def _prison(prison_id: str) -> Prison:
    data = yaml.safe_load((CONTENT_DIR / "prisons" / f"{prison_id}.yaml").read_text(encoding="utf-8"))
    return Prison.model_validate(data)


def _national() -> National:
    data = yaml.safe_load((CONTENT_DIR / "national.yaml").read_text(encoding="utf-8"))
    return National.model_validate(data)


def _said(where: str, value: Any) -> Iterator[tuple[str, str]]:
    """Every string a family may be shown (sources and notes are for staff, not said)."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in {"source", "note"}:
                yield from _said(f"{where}.{key}", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _said(f"{where}[{index}]", item)


def _texts(where: str, value: Any) -> Iterator[tuple[str, str]]:
    """The ``text`` of every fact: what the bot reads out."""
    if isinstance(value, dict):
        if isinstance(value.get("text"), str) and "source" in value:
            yield where, value["text"]
        for key, item in value.items():
            yield from _texts(f"{where}.{key}", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(f"{where}[{index}]", item)


def _sourced(where: str, value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        if "source" in value:
            yield where, value
        for key, item in value.items():
            yield from _sourced(f"{where}.{key}", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _sourced(f"{where}[{index}]", item)


def _next_session(prison: Prison, now: datetime) -> tuple[datetime, Session]:
    """The first session starting after ``now`` (London time), as a reply would compute it."""
    assert prison.visiting_times is not None
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    local = now.astimezone(LONDON)
    for ahead in range(8):
        day = local.date() + timedelta(days=ahead)
        for session in sorted(prison.visiting_times.sessions, key=lambda s: s.start):
            starts = datetime.combine(day, session.start, tzinfo=LONDON)
            if days[day.weekday()] == session.day and starts > local:
                return starts, session
    raise AssertionError(f"{prison.id} has no session in the next week")


def test_the_packaged_content_loads_without_problems(tmp_path: Path) -> None:
    # Only our files: other people's wording files must not make this test fail.
    shutil.copytree(CONTENT_DIR / "prisons", tmp_path / "prisons")
    shutil.copytree(CONTENT_DIR / "directory", tmp_path / "directory")
    shutil.copy(CONTENT_DIR / "national.yaml", tmp_path / "national.yaml")
    (tmp_path / "texts" / "en").mkdir(parents=True)

    content = load_content(tmp_path)

    assert list(content.prisons) == list(PRISON_IDS)
    assert set(content.national.phones) >= REQUIRED_PHONES
    assert set(content.national.facts) >= REQUIRED_FACTS


def test_each_prison_has_a_readable_unique_reference_code() -> None:
    codes = {prison_id: _prison(prison_id).code for prison_id in PRISON_IDS}

    assert codes == {"maidstone": "MAI", "stoke-heath": "STH", "chelmsford": "CHE"}


@pytest.mark.parametrize("prison_id", PRISON_IDS)
def test_each_prison_has_the_lines_a_worried_family_needs(prison_id: str) -> None:
    prison = _prison(prison_id)

    assert prison.switchboard.number.startswith("01")
    assert prison.booking.phone.number
    assert prison.booking.online.text
    assert "prison number" in prison.booking.needs.text
    assert "visitor list" in prison.booking.needs.text
    assert prison.address.text.split()[-1][-2:].isalpha()  # ends with a postcode like ME14 1UZ


@pytest.mark.parametrize("prison_id", PRISON_IDS)
def test_each_prison_has_weekly_visiting_sessions(prison_id: str) -> None:
    prison = _prison(prison_id)

    assert prison.visiting_times is not None
    sessions = prison.visiting_times.sessions
    assert len(sessions) >= 4
    assert all(time(9) <= s.start < s.end <= time(18) for s in sessions)
    assert all(s.label == "Social visit" for s in sessions)


def test_next_maidstone_session_after_a_monday_is_tuesday_afternoon() -> None:
    monday_noon = datetime(2026, 6, 1, 11, 0, tzinfo=ZoneInfo("UTC"))  # 12:00 in London (BST)

    starts, session = _next_session(_prison("maidstone"), monday_noon)

    assert (starts.strftime("%a %H:%M"), session.end) == ("Tue 14:00", time(16, 0))


def test_next_maidstone_weekend_session_uses_the_booking_data_times() -> None:
    friday_evening = datetime(2026, 1, 9, 18, 0, tzinfo=LONDON)

    starts, session = _next_session(_prison("maidstone"), friday_evening)

    assert (starts.strftime("%a %H:%M"), session.end) == ("Sat 13:45", time(15, 45))


def test_maidstone_weekend_times_disagreement_is_recorded() -> None:
    timetable = _prison("maidstone").visiting_times

    assert timetable is not None
    assert timetable.note is not None
    assert "13:30-15:30" in timetable.note
    assert "13:45-15:45" in timetable.note
    assert timetable.as_of == "January 2024"


def test_maidstone_booking_line_disagreement_is_recorded() -> None:
    phone = _prison("maidstone").booking.phone

    assert phone.number == "01622 775621"
    assert phone.note is not None
    assert "01622 775619" in phone.note


def test_stoke_heath_safer_custody_line_says_messages_are_heard_daily() -> None:
    prison = _prison("stoke-heath")

    assert prison.safer_custody is not None
    assert prison.safer_custody.number == "01630 638011"
    assert "every day" in (prison.safer_custody.hours or "")
    assert prison.switchboard.note is not None
    assert "orderly officer" in prison.switchboard.note


def test_stoke_heath_move_to_the_new_booking_service_is_explained() -> None:
    booking = _prison("stoke-heath").booking

    assert "Visit someone in prison" in booking.online.text
    assert booking.online.note is not None
    assert "24 March 2026" in booking.online.note


def test_maidstone_safer_custody_line_is_office_hours_only() -> None:
    prison = _prison("maidstone")

    assert prison.safer_custody is not None
    assert prison.safer_custody.hours == "Office hours only"


def test_chelmsford_has_no_safer_custody_number_because_no_source_gives_one() -> None:
    prison = _prison("chelmsford")

    assert prison.safer_custody is None
    assert prison.family_services is not None
    assert "safer_custody is left out" in (prison.family_services.note or "")


def test_family_day_events_are_dated_and_sourced() -> None:
    family_days = _prison("stoke-heath").family_days

    assert family_days is not None
    assert [e.date for e in family_days.events] == ["2022-12-19", "2022-12-20"]
    assert all(e.source == ["hmpyoi-stoke-heath-family-strategy-2022.txt"] for e in family_days.events)


@pytest.mark.parametrize("prison_id", PRISON_IDS)
def test_every_prison_fact_says_how_old_it_is(prison_id: str) -> None:
    data = _prison(prison_id).model_dump(mode="json")

    undated = [where for where, fact in _sourced(prison_id, data) if not fact.get("as_of")]

    assert undated == []


def test_dates_shown_in_replies_are_short_dates() -> None:
    # A reply shows as_of in brackets after the topic ("Visiting times (January 2024)"), unless "undated".
    as_of = {fact["as_of"] for _, fact in _sourced("content", _all_content()) if fact.get("as_of")}

    assert all(value == "undated" or DATE.fullmatch(value) for value in as_of), sorted(as_of)


@pytest.mark.parametrize("prison_id", PRISON_IDS)
def test_every_prison_fact_cites_a_seed_or_a_public_page(prison_id: str) -> None:
    data = _prison(prison_id).model_dump(mode="json")

    sources = {s for _, fact in _sourced(prison_id, data) for s in fact["source"]}

    assert sources
    assert all(s in SEEDS or s.startswith(("https://", "http://")) for s in sources)


def _all_content() -> dict[str, Any]:
    content: dict[str, Any] = {pid: _prison(pid).model_dump(mode="json") for pid in PRISON_IDS}
    content["national"] = _national().model_dump(mode="json")
    return content


def test_no_fact_is_too_long_for_a_short_message() -> None:
    too_long = [(w, len(t)) for w, t in _texts("content", _all_content()) if len(t) > MAX_TEXT]

    assert too_long == []


def test_everything_said_is_sms_safe() -> None:
    unsafe = [(w, non_gsm7_chars(t)) for w, t in _said("content", _all_content()) if non_gsm7_chars(t)]

    assert unsafe == []


@pytest.mark.parametrize("prison_id", PRISON_IDS)
def test_fact_texts_leave_the_prison_name_to_the_reply_header(prison_id: str) -> None:
    data = _prison(prison_id).model_dump(mode="json")
    data.pop("address")

    naming = [w for w, t in _texts(prison_id, data) if NAMES[prison_id] in t]

    assert naming == []


def test_times_are_written_in_24_hour_form() -> None:
    twelve_hour = [w for w, t in _said("content", _all_content()) if TWELVE_HOUR.search(t)]

    assert twelve_hour == []


def test_national_support_lines_are_dialable() -> None:
    phones = _national().phones

    assert phones["emergency"].number == "999"
    assert phones["samaritans"].number == "116 123"
    assert phones["samaritans"].hours == "Free, 24/7"
    assert phones["nhs_mental_health"].number == "111"
    assert "option 2" in (phones["nhs_mental_health"].hours or "")
    assert phones["unwanted_contact"].number == "0300 060 6699"


def test_families_helpline_disagreement_is_recorded() -> None:
    helpline = _national().phones["families_helpline"]

    assert helpline.number == "0808 808 3444"
    assert helpline.note is not None
    assert "0808 808 2003" in helpline.note


def test_national_facts_signpost_texting_and_travel_costs() -> None:
    facts = _national().facts

    assert "SHOUT" in facts["shout"].text
    assert "85258" in facts["shout"].text
    assert "gov.uk/help-with-prison-visits" in facts["apvs_claim"].text
    assert "28 days" in facts["apvs_claim"].text
    assert "ONE photo ID" in facts["id_rules"].text
    assert "TWO" in facts["id_rules"].text


@pytest.mark.parametrize(
    ("message", "prison_id"),
    [
        ("HMP Maidstone", "maidstone"),
        ("how do I book at maidstone prison", "maidstone"),
        ("stokeheath", "stoke-heath"),
        ("HMP/YOI Stoke Heath", "stoke-heath"),
        ("he's near Market Drayton", "stoke-heath"),
        ("chelmsford prison", "chelmsford"),
    ],
)
def test_prisons_are_recognised_the_way_people_write_them(message: str, prison_id: str) -> None:
    names = [PrisonNames(p.id, [p.name, *p.aliases], p.towns) for p in map(_prison, PRISON_IDS)]

    assert find_prison(message, names) == prison_id
