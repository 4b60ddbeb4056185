"""Free text: families type what they need, and the bot meets them there."""

from __future__ import annotations

import pytest

from famsbot.content import get_content
from famsbot.store.database import Database
from tests.support.chat import Chat
from tests.support.rows import conversation_of

HELPLINE = get_content().phone("families_helpline").number


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("how do i book to see my son at maidstone", "Visits to HMP Maidstone. What do you want to know?"),
        # A topic named outright is answered at once, not listed among 13 others.
        ("HOW DO I BOOK A VISIT AT STOKE HEATH", "HMP/YOI Stoke Heath - How to book"),
        ("wat time r visits at chelmsford", "Visits to HMP/YOI Chelmsford. What do you want to know?"),
        ("visiting times hmp maidstone pls", "HMP Maidstone - Visiting times"),
    ],
)
async def test_a_first_message_about_visits_starts_there_with_the_prison_taken(
    chat: Chat, message: str, shown: str
) -> None:
    text = await chat.say(message)
    assert shown in text
    assert "Which prison?" not in text


async def test_a_booking_question_without_a_prison_asks_which(chat: Chat) -> None:
    text = await chat.say("how do I book a visit")
    assert "Which prison?" in text


async def test_a_travel_cost_question_goes_to_travel_costs(chat: Chat, db: Database) -> None:
    await chat.say("can i get money for the train to see him")
    conversation = await conversation_of(db, "sms", chat.address)
    assert conversation is not None
    assert conversation.flow == "apvs"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("can you tell me his release date", "release dates"),
        ("i need a solicitor for his appeal", "legal advice"),
        ("how do i send him money", "sending money"),
    ],
)
async def test_out_of_scope_says_what_it_cannot_do_and_where_to_go(chat: Chat, message: str, expected: str) -> None:
    text = await chat.say(message)
    assert expected in text
    assert HELPLINE in text
    assert chat.options[0] == "Visits"  # never a dead end: the menu follows


async def test_a_distressed_family_member_is_answered_kindly(chat: Chat) -> None:
    await chat.say("hi")
    text = await chat.say("i cant cope with all this on my own, everything is falling apart")
    assert "Samaritans" in text
    assert HELPLINE in text


async def test_mid_flow_a_new_request_is_offered_not_forced(chat: Chat, db: Database) -> None:
    await chat.say("hi")
    await chat.say("1")
    await chat.say("maidstone")
    text = await chat.say("can i get help paying for the train")
    assert "Go there now?" in text
    assert chat.options == ["Yes, go there", "No, carry on here"]
    text = await chat.say("no")
    assert "Visits to HMP Maidstone. What do you want to know?" in text
    await chat.say("can i get help paying for the train")
    await chat.say("yes")
    conversation = await conversation_of(db, "sms", chat.address)
    assert conversation is not None
    assert conversation.flow == "apvs"


async def test_ignoring_the_offer_reads_the_message_as_usual(chat: Chat) -> None:
    await chat.say("hi")
    await chat.say("1")
    await chat.say("maidstone")
    await chat.say("can i get help paying for the train")
    text = await chat.say("visiting times")
    assert text.startswith("HMP Maidstone - Visiting times")


@pytest.mark.parametrize(
    "message",
    [
        "chce umowic wizyte w maidstone",  # Polish: I want to book a visit at Maidstone
        "sut i fwcio ymweliad maidstone",  # Welsh: how to book a visit, Maidstone
        "maidstone mulaqat book karni hai",  # Roman Urdu: want to book a visit at Maidstone
    ],
)
async def test_booking_in_other_languages_is_understood(chat: Chat, message: str) -> None:
    text = await chat.say(message)
    assert "Visits to HMP Maidstone" in text


async def test_a_message_mixing_booking_and_imminent_risk_gets_the_emergency_route_first(chat: Chat) -> None:
    replies = await chat.send("how do i book a visit, he said hes going to kill himself tonight")
    assert replies[0].urgent
    assert "999" in replies[0].text
    assert "Samaritans" in replies[0].text


@pytest.mark.parametrize("message", ["this booking line is killing me", "dying to see him at the weekend"])
async def test_hyperbole_is_not_treated_as_an_emergency(chat: Chat, message: str) -> None:
    replies = await chat.send(message)
    assert not any(r.urgent for r in replies)
    assert not any("999" in r.text for r in replies)


async def test_asking_to_stop_notices_mid_flow_is_acted_on_at_once(chat: Chat, db: Database) -> None:
    await chat.say("hi")
    await chat.say("1")
    await chat.say("maidstone")
    text = await chat.say("stop sending me the family day messages")
    assert "Go there now?" not in text
    assert "family day notices" in text
    assert "HMP Maidstone - Family days" not in text


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("visits at wandsworth", "Visits to HMP/YOI Wandsworth. What do you want to know?"),
        ("family days at hmp wandsworth", "Family days at HMP/YOI Wandsworth."),
    ],
)
async def test_at_the_menu_a_choice_in_longer_words_keeps_the_prison_named(
    chat: Chat, message: str, shown: str
) -> None:
    """After "hi", "visits at wandsworth" chose Visits but then asked "Which prison?"."""
    await chat.say("hi")
    text = await chat.say(message)
    assert shown in text
    assert "Which prison?" not in text
