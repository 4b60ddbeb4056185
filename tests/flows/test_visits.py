"""The visits flow for each prison, as a family member on SMS would go through it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from famsbot.clock import FixedClock
from famsbot.content import get_content
from famsbot.flows.visits import TOPICS
from famsbot.sms_text import segments
from famsbot.store.database import Database
from tests.support.chat import Chat
from tests.support.rows import conversation_of

PRISONS = get_content().prisons


async def start_visits(chat: Chat, prison: str) -> str:
    await chat.say("hello")
    await chat.say("1")
    return await chat.say(prison)


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("maidstone", "HMP Maidstone"),
        ("HMP Maidstone", "HMP Maidstone"),
        ("maidston", "HMP Maidstone"),
        ("MSI", "HMP Maidstone"),  # the NOMIS code: no numbered list of prisons any more
        ("stoke heath", "HMP/YOI Stoke Heath"),
        ("Stoke Heath prison", "HMP/YOI Stoke Heath"),
        ("stokeheath", "HMP/YOI Stoke Heath"),
        ("market drayton", "HMP/YOI Stoke Heath"),
        ("SHI", "HMP/YOI Stoke Heath"),
        ("chelmsford prison", "HMP/YOI Chelmsford"),
        ("HMP/YOI Chelmsford", "HMP/YOI Chelmsford"),
        ("chelmsferd", "HMP/YOI Chelmsford"),
        ("cdi", "HMP/YOI Chelmsford"),
    ],
)
async def test_the_prison_is_understood_however_it_is_typed(chat: Chat, typed: str, name: str) -> None:
    text = await start_visits(chat, typed)
    assert f"Visits to {name}. What do you want to know?" in text
    assert len(chat.options) == len(TOPICS)


@pytest.mark.parametrize("prison_id", sorted(PRISONS))
async def test_every_topic_names_the_prison_and_fits_the_sms_budget(chat: Chat, prison_id: str) -> None:
    prison = PRISONS[prison_id]
    await start_visits(chat, prison.name)
    for number, topic in enumerate(TOPICS, start=1):
        if topic.key in ("costs", "change_prison"):
            continue
        await chat.say("topics")
        await chat.say(str(number))
        answer = chat.last[0].text
        assert answer.startswith(prison.name), (topic.key, answer)
        assert segments(answer) <= 3, (topic.key, answer)
        assert chat.options == ["Other visit topics", "Main menu"]


@pytest.mark.parametrize("prison_id", sorted(PRISONS))
async def test_how_to_book_gives_online_phone_and_what_you_need(chat: Chat, prison_id: str) -> None:
    prison = PRISONS[prison_id]
    await start_visits(chat, prison.name)
    text = await chat.say("how to book")
    assert prison.booking.phone.number in text
    assert "date of birth" in text
    assert "prison number" in text
    assert prison.booking.online.text in text


async def test_visiting_times_say_when_the_timetable_was_published(chat: Chat) -> None:
    await start_visits(chat, "maidstone")
    text = await chat.say("visiting times")
    assert text.startswith("HMP Maidstone - Visiting times (January 2024):")
    assert "Tue 14:00-16:00" in text
    assert "Sat 13:45-15:45" in text
    assert "01622 775621" in text  # check before travelling: the booking line


@pytest.mark.parametrize(
    ("now", "prison", "expected"),
    [
        # Monday 23 Nov 2026, 10:00: Maidstone's next sessions are Tue, Thu, Sat.
        (datetime(2026, 11, 23, 10, 0, tzinfo=UTC), "maidstone",
         ["Tue 24 Nov 14:00-16:00", "Thu 26 Nov 14:00-16:00", "Sat 28 Nov 13:45-15:45"]),
        # Tuesday 14:30 in London: today's session has started, so it is not offered.
        (datetime(2026, 11, 24, 14, 30, tzinfo=UTC), "maidstone",
         ["Thu 26 Nov 14:00-16:00", "Sat 28 Nov 13:45-15:45", "Sun 29 Nov 13:45-15:45"]),
        # British Summer Time: 13:00 UTC is 14:00 in London, after Stoke Heath's 14:15 start? No: before.
        (datetime(2026, 6, 2, 13, 0, tzinfo=UTC), "stoke heath",
         ["Tue 2 Jun 14:15-15:45", "Wed 3 Jun 14:15-15:45", "Thu 4 Jun 14:15-15:45"]),
        # 13:20 UTC in June is 14:20 in London: Tuesday's session has begun.
        (datetime(2026, 6, 2, 13, 20, tzinfo=UTC), "stoke heath",
         ["Wed 3 Jun 14:15-15:45", "Thu 4 Jun 14:15-15:45", "Sat 6 Jun 14:15-15:45"]),
        # Friday night: Chelmsford has no Friday session, so Saturday comes next.
        (datetime(2026, 11, 27, 21, 0, tzinfo=UTC), "chelmsford",
         ["Sat 28 Nov 14:15-15:45", "Sun 29 Nov 14:15-15:45", "Mon 30 Nov 14:15-15:45"]),
    ],
)
async def test_next_sessions_are_computed_from_today_in_london_time(
    chat: Chat, clock: FixedClock, now: datetime, prison: str, expected: list[str]
) -> None:
    clock.set(now)
    await start_visits(chat, prison)
    text = await chat.say("next visiting sessions")
    lines = text.splitlines()
    start = lines.index("The next visiting sessions are:") + 1
    assert lines[start : start + 3] == expected


async def test_a_fact_the_prison_has_not_published_is_never_made_up(chat: Chat) -> None:
    assert PRISONS["chelmsford"].video_calls is None
    await start_visits(chat, "chelmsford")
    text = await chat.say("video calls")
    assert "has not published" in text
    assert PRISONS["chelmsford"].booking.phone.number in text


async def test_visits_a_month_by_incentive_level(chat: Chat) -> None:
    allowance = PRISONS["maidstone"].visits_per_month
    assert allowance is not None
    await start_visits(chat, "maidstone")
    text = await chat.say("visits a month")
    assert f"Basic {allowance.basic}" in text
    assert f"Enhanced {allowance.enhanced}" in text


async def test_a_topic_can_be_named_straight_after_another(chat: Chat) -> None:
    await start_visits(chat, "maidstone")
    await chat.say("1")
    text = await chat.say("video calls")
    assert text.startswith("HMP Maidstone - Video calls")
    text = await chat.say("12")  # a number from the full list just seen
    assert text.startswith("HMP Maidstone - First visit guide")


async def test_change_prison_asks_again_and_remembers_the_new_one(chat: Chat, db: Database) -> None:
    await start_visits(chat, "maidstone")
    text = await chat.say("13")
    assert "Which prison?" in text
    await chat.say("stoke heath")
    await chat.say("menu")
    text = await chat.say("visits")
    assert "Visits to HMP/YOI Stoke Heath" in text


async def test_travel_costs_from_visits_leads_to_the_travel_costs_help_with_the_prison_known(
    chat: Chat, db: Database
) -> None:
    await start_visits(chat, "maidstone")
    await chat.say("help with travel costs")
    conversation = await conversation_of(db, "sms", chat.address)
    assert conversation is not None
    assert conversation.flow == "apvs"
    assert conversation.answers.get("prison") == "maidstone"
    assert "Which prison?" not in chat.last[-1].text
