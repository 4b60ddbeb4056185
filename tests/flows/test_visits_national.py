"""Visits for any prison in England and Wales, as a family member goes through it on SMS or Telegram.

The three seed prisons keep their own tests (``test_visits.py``); these cover the other ~130 prisons
answered from the national directory: never a list of 120 prisons, one short question where a name
is shared, how to find out which prison, and only sourced facts (with what is missing said plainly).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from famsbot.clock import FixedClock
from famsbot.content import get_content
from famsbot.dialogue.engine import Engine
from famsbot.sms_text import segments
from famsbot.store.database import Database
from tests.support.chat import Chat
from tests.support.rows import conversation_of

CONTENT = get_content()
HELPLINE = CONTENT.phone("families_helpline").number


async def start_visits(chat: Chat, prison: str) -> str:
    await chat.say("hello")
    await chat.say("visits")
    return await chat.say(prison)


async def test_the_prison_question_lists_no_prisons_and_says_every_prison_is_covered(chat: Chat) -> None:
    await chat.say("hello")
    text = await chat.say("visits")
    assert "Type the prison's name or the town" in text
    assert "every prison in England and Wales" in text
    assert chat.options == ["I don't know which prison"]  # never 120 numbered prisons on SMS
    text = await chat.say("Wandsworth")
    assert "Visits to HMP/YOI Wandsworth. What do you want to know?" in text


async def test_telegram_offers_a_button_only_for_the_few_sites_a_shared_name_can_mean(engine: Engine) -> None:
    chat = Chat(engine, channel="telegram", address="7001")
    await chat.say("hello")
    await chat.say("visits")
    assert chat.options == ["I don't know which prison"]
    await chat.say("norwich")
    assert chat.options == ["HMP/YOI Norwich (A, B, C, E and M wings)", "HMP/YOI Norwich (Britannia House)",
                            "HMP/YOI Norwich (F, G, H and L wings)"]
    replies = await chat.send(option="norwich-britannia-house")
    assert "Visits to HMP/YOI Norwich (Britannia House)" in replies[0].text


@pytest.mark.parametrize(
    ("typed", "answer", "name"),
    [
        ("my son is in bullingdon", "remand", "HMP/YOI Bullingdon (remand prisoners)"),
        ("bullingdon", "2", "HMP/YOI Bullingdon (remand prisoners)"),
        ("highpoint", "south", "HMP Highpoint (South)"),
        ("feltham", "Feltham A", "HMYOI Feltham A"),
        ("parc", "yoi", "HMYOI Parc YOI"),
    ],
)
async def test_a_shared_name_asks_one_short_question(chat: Chat, typed: str, answer: str, name: str) -> None:
    text = await start_visits(chat, typed)
    assert "Which one?" in text
    assert 2 <= len(chat.options) <= 3
    text = await chat.say(answer)
    assert f"Visits to {name}. What do you want to know?" in text


async def test_i_dont_know_which_prison_says_how_to_find_out_then_asks_again(chat: Chat) -> None:
    text = await start_visits(chat, "I don't know which prison he's in")
    assert "gov.uk/find-prisoner" in text
    assert "date of birth" in text
    assert HELPLINE in text
    assert text.rstrip().endswith("1 I don't know which prison")  # the question again
    text = await chat.say("the prison in Wrexham")
    assert "Visits to HMP/YOI Berwyn" in text


async def test_how_to_book_gives_only_sourced_facts_and_says_what_is_missing(chat: Chat) -> None:
    await start_visits(chat, "HMP Wandsworth")
    text = await chat.say("how to book")
    assert text.startswith("HMP/YOI Wandsworth - How to book")
    assert "gov.uk/prison-visits" in text
    assert "0300 060 6509" in text  # the booking line in the booking data
    assert "prison number" in text
    assert "Not in my sources: a booking email" in text  # the data says "Unavailable"
    assert "https://www.gov.uk/guidance/wandsworth-prison" in text
    assert HELPLINE in text
    assert segments(text.split("\n\n")[0]) <= 3


async def test_a_misspaced_booking_line_is_given_as_dialled(chat: Chat) -> None:
    await start_visits(chat, "stocken")
    text = await chat.say("how to book")
    assert "01780 795156" in text
    assert "0178 079 5156" not in text


async def test_a_private_prison_without_booking_data_says_the_prison_handles_bookings(chat: Chat) -> None:
    await start_visits(chat, "altcourse")
    text = await chat.say("how to book")
    assert "run by G4S" in text
    assert "handled by the prison" in text
    assert "https://www.gov.uk/guidance/altcourse-prison" in text
    text = await chat.say("topics")
    text = await chat.say("visiting times")
    assert "Not in my sources: visiting times" in text
    assert HELPLINE in text


async def test_a_closed_prison_says_so(chat: Chat) -> None:
    text = await start_visits(chat, "dartmoor")
    assert "HMP Dartmoor is closed: it takes no visits." in text
    text = await chat.say("next visiting sessions")
    assert "closed" in text
    assert "gov.uk/find-prisoner" in text
    assert "Fri" not in text  # no sessions offered for a closed prison


async def test_next_sessions_skip_dates_with_no_visits(chat: Chat, clock: FixedClock) -> None:
    # Tuesday 13 February 2024, 10:00: Cardiff has no visits on Wednesday 14 February.
    clock.set(datetime(2024, 2, 13, 10, 0, tzinfo=UTC))
    await start_visits(chat, "Carchar Caerdydd")
    text = await chat.say("next visiting sessions")
    lines = text.splitlines()
    start = lines.index("The next sessions you can still book:") + 1
    assert lines[start : start + 3] == ["Tue 13 Feb 14:00-15:30", "Tue 13 Feb 18:00-18:45", "Thu 15 Feb 14:00-15:30"]


async def test_next_sessions_respect_the_notice_the_prison_needs(chat: Chat, clock: FixedClock) -> None:
    belmarsh = CONTENT.directory.get("belmarsh")
    assert belmarsh is not None
    assert belmarsh.lead_days is not None
    assert belmarsh.lead_days.value == 3
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # Monday: Tuesday and Wednesday are too soon
    await start_visits(chat, "belmarsh")
    text = await chat.say("next visiting sessions")
    lines = text.splitlines()
    first = lines[lines.index("The next sessions you can still book:") + 1]
    assert first.startswith("Thu 26 Nov")


async def test_visiting_times_give_the_adult_age_and_the_date_of_the_data(chat: Chat) -> None:
    await start_visits(chat, "cardiff")
    text = await chat.say("visiting times")
    assert "Mon 14:00-15:30" in text
    assert "Sat 09:30-11:00" in text
    assert "(July 2026)" in text
    assert "Visitors aged 16 or over count as adults." in text


async def test_travel_costs_carry_the_prisons_country_from_the_directory(chat: Chat, db: Database) -> None:
    await start_visits(chat, "swansea")
    await chat.say("help with travel costs")
    conversation = await conversation_of(db, "sms", chat.address)
    assert conversation is not None
    assert conversation.flow == "apvs"
    assert conversation.answers.get("prison") == "swansea"
    assert conversation.answers.get("prison_country") == "wales"


async def test_the_prison_is_remembered_for_next_time(chat: Chat) -> None:
    await start_visits(chat, "pentonville")
    await chat.say("menu")
    text = await chat.say("visits")
    assert "Visits to HMP/YOI Pentonville" in text


# --- the rest of the bot uses the directory ----------------------------------------------------------


async def test_the_urgent_route_names_a_directory_prisons_sourced_switchboard(chat: Chat) -> None:
    wetherby = CONTENT.directory.get("wetherby")
    assert wetherby is not None
    assert wetherby.switchboard is not None
    await start_visits(chat, "wetherby")
    replies = await chat.send("he says he is going to kill himself tonight")
    first = replies[0]
    assert first.urgent
    assert "999" in first.text
    assert wetherby.switchboard.number in first.text
    assert "HMYOI Wetherby" in first.text


async def test_the_urgent_route_never_guesses_a_switchboard_no_source_gives(chat: Chat) -> None:
    wandsworth = CONTENT.directory.get("wandsworth")
    assert wandsworth is not None
    assert wandsworth.switchboard is None
    await start_visits(chat, "wandsworth")
    replies = await chat.send("he says he is going to kill himself tonight")
    assert replies[0].urgent
    assert "999" in replies[0].text
    assert "ring the prison's main number" in replies[0].text  # no sourced number: the general route


async def test_family_day_notices_can_be_for_any_prison(chat: Chat) -> None:
    await chat.say("hello")
    text = await chat.say("family days")
    assert "Type the prison's name" in text
    text = await chat.say("bullingdon")  # a shared name: asked again with the few it could mean
    assert "HMP/YOI Bullingdon (remand prisoners)" in text
    text = await chat.say("HMP Wandsworth")
    assert "I don't have the date of any upcoming family day there." in text


async def test_a_first_message_naming_any_prison_goes_straight_to_its_visits(chat: Chat) -> None:
    text = await chat.say("what are the visiting times at wandsworth")
    assert "HMP/YOI Wandsworth - Visiting times" in text  # the topic asked for, answered at once


async def test_a_town_in_a_first_message_is_not_taken_for_the_prison(chat: Chat) -> None:
    text = await chat.say("I live in Wrexham, how do I book a visit?")
    assert "Berwyn" not in text  # they may live there; the prison is asked


async def test_a_prison_name_on_its_own_at_the_menu_opens_its_visits(chat: Chat) -> None:
    await chat.say("hello")
    text = await chat.say("Wandsworth")
    assert "Visits to HMP/YOI Wandsworth" in text


async def test_a_seed_prisons_next_sessions_also_skip_the_booking_datas_dates_with_no_visits(
    chat: Chat, clock: FixedClock
) -> None:
    # Monday 25 December 2023: Maidstone lists Tuesday 26 December as a date with no visits.
    clock.set(datetime(2023, 12, 25, 10, 0, tzinfo=UTC))
    await start_visits(chat, "maidstone")
    text = await chat.say("next visiting sessions")
    lines = text.splitlines()
    start = lines.index("The next visiting sessions are:") + 1
    assert lines[start] == "Thu 28 Dec 14:00-16:00"


async def test_naming_another_prison_at_the_topic_question_changes_prison(engine: Engine) -> None:
    """'bronzefield' typed at Wandsworth's topics (or after an answer) was 'Sorry, I didn't understand'."""
    chat = Chat(engine, channel="telegram", address="7002")
    await start_visits(chat, "hmp wandsworth")
    text = await chat.say("bronzefield")
    assert "Sorry" not in text
    assert "Visits to HMP/YOI Bronzefield. What do you want to know?" in text
    await chat.say("2")  # visiting times, then "Anything else about visits to ...?"
    text = await chat.say("hmp durham")
    assert "Visits to HMP/YOI Durham. What do you want to know?" in text
    text = await chat.say("2")
    assert "HMP/YOI Durham - Visiting times" in text


async def test_the_urgent_route_names_a_directory_prison_named_in_the_message_itself(chat: Chat) -> None:
    """A first message "my son in hmp wetherby says he will kill himself" got "ring the prison's main
    number" with no number, though a source gives Wetherby's switchboard."""
    wetherby = CONTENT.directory.get("wetherby")
    assert wetherby is not None
    assert wetherby.switchboard is not None
    replies = await chat.send("my son in hmp wetherby says he will kill himself")
    assert replies[0].urgent
    assert "999" in replies[0].text
    assert wetherby.switchboard.number in replies[0].text
    assert "HMYOI Wetherby" in replies[0].text


async def test_no_to_anything_else_about_visits_goes_to_the_main_menu(chat: Chat) -> None:
    """'no' to "Anything else about visits to ...?" was "Sorry, I didn't understand that"."""
    await start_visits(chat, "wandsworth")
    text = await chat.say("2")
    assert "Anything else about visits to HMP/YOI Wandsworth?" in text
    text = await chat.say("no")
    assert "Sorry" not in text
    assert "What do you need help with?" in text


async def test_a_first_message_naming_the_prison_and_the_topic_gets_the_answer(chat: Chat) -> None:
    """'WANDSWORTH VISITING TIMES' showed the 13-topic list instead of the times asked for."""
    text = await chat.say("WANDSWORTH VISITING TIMES")
    assert "HMP/YOI Wandsworth - Visiting times" in text
    assert "Anything else about visits to HMP/YOI Wandsworth?" in text
    text = await chat.say("1")  # other visit topics: the list, not the times again
    assert "Visits to HMP/YOI Wandsworth. What do you want to know?" in text
