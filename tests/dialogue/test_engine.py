"""The engine as a family member meets it: the menu, global words, bad input, restarts, silence."""

from __future__ import annotations

from datetime import timedelta

import pytest

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.dialogue.engine import Engine
from famsbot.flows import visits
from famsbot.store.database import Database
from famsbot.store.models import Answer, ConsentRecord, Contact, InboundMessage
from tests.support.chat import Chat
from tests.support.rows import all_rows, contact_of, conversation_of

MENU = ["Visits", "Help with travel costs", "Worried about someone", "Care leavers", "Family days and events",
        "Something else", "Cymraeg"]  # the last option: the other language, named in itself


async def test_hello_gets_a_welcome_and_the_main_menu(chat: Chat) -> None:
    text = await chat.say("hello")
    assert "famsbot" in text
    assert "MENU" in text
    assert chat.options == MENU
    assert "1 Visits" in text
    assert "6 Something else" in text


@pytest.mark.parametrize("answer", ["1", "1.", "visits", "Visits", "VISITS!!", "vists", "one"])
async def test_menu_accepts_a_number_a_word_or_a_near_spelling(chat: Chat, answer: str) -> None:
    await chat.say("hi")
    text = await chat.say(answer)
    assert "Which prison?" in text
    assert chat.options == ["I don't know which prison"]  # every prison: typed, never listed


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "x" * 5000,
        "😀😀😀",
        "\x00\x07\x1b[31m",
        "Привет, как дела",
        "'; DROP TABLE contact; --",
        "99",
        "0",
        "-1",
    ],
    ids=["empty", "5000-chars", "emoji", "control", "cyrillic", "sql", "too-big", "zero", "negative"],
)
async def test_bad_input_gets_a_kind_reprompt_and_keeps_the_place(chat: Chat, db: Database, bad: str) -> None:
    await chat.say("hi")
    await chat.say("1")  # Which prison?
    text = await chat.say(bad)
    assert "Sorry" in text
    assert "Which prison?" in text or "Type just the name" in text  # asked again, or told how to answer it
    assert len(chat.last) == 1
    text = await chat.say("maidstone")
    assert "Visits to HMP Maidstone" in text
    assert len(await all_rows(db, Contact)) == 1


async def test_a_number_out_of_range_says_which_numbers_work(chat: Chat) -> None:
    await chat.say("hi")
    text = await chat.say("9")
    assert "number from 1 to 7" in text


async def test_back_returns_to_the_previous_question_and_forgets_its_answer(chat: Chat, db: Database) -> None:
    await chat.say("hi")
    await chat.say("1")
    await chat.say("chelmsford")
    text = await chat.say("back")
    assert "Which prison?" in text
    conversation = await conversation_of(db, "sms", chat.address)
    assert conversation is not None
    assert "prison" not in conversation.answers
    text = await chat.say("stoke heath")
    assert "Visits to HMP/YOI Stoke Heath" in text


async def test_back_at_the_first_question_goes_to_the_menu(chat: Chat) -> None:
    await chat.say("hi")
    await chat.say("1")
    await chat.say("back")
    assert chat.options == MENU


async def test_menu_works_from_anywhere(chat: Chat) -> None:
    await chat.say("hi")
    await chat.say("1")
    await chat.say("maidstone")
    await chat.say("MENU")
    assert chat.options == MENU


async def test_help_explains_then_asks_the_same_question_again(chat: Chat) -> None:
    await chat.say("hi")
    await chat.say("1")
    text = await chat.say("help")
    assert "BACK" in text
    assert "STOP" in text
    assert "Which prison?" in text


async def test_restart_starts_the_topic_again_keeping_the_prison(chat: Chat) -> None:
    await chat.say("hi")
    await chat.say("1")
    await chat.say("maidstone")
    await chat.say("2")
    text = await chat.say("restart")
    assert "Visits to HMP Maidstone. What do you want to know?" in text


async def test_every_answer_is_stored_with_its_question(chat: Chat, db: Database) -> None:
    await chat.say("hi")
    await chat.say("1")
    await chat.say("HMP Maidstone")
    answers = await all_rows(db, Answer)
    assert [(a.flow, a.state, a.reply, a.value) for a in answers] == [
        ("menu", "main", "1", "visits"),
        ("visits", "prison", "HMP Maidstone", "maidstone"),
    ]
    assert answers[1].question.startswith("Which prison?")
    assert all(a.at.tzinfo is not None for a in answers)


async def test_a_restart_of_the_service_loses_nothing(db: Database, settings: Settings, clock: FixedClock) -> None:
    first = Chat(Engine(db, settings, clock=clock))
    await first.say("hi")
    await first.say("1")
    second = Chat(Engine(db, settings, clock=clock))  # a new process, the same database
    text = await second.say("stoke heath")
    assert "Visits to HMP/YOI Stoke Heath" in text


async def test_the_prison_is_remembered_next_time(chat: Chat) -> None:
    await chat.say("hi")
    await chat.say("1")
    await chat.say("maidstone")
    await chat.say("menu")
    text = await chat.say("1")
    assert "Visits to HMP Maidstone" in text
    assert "Change prison" in chat.options


async def test_after_a_long_silence_the_person_can_carry_on_or_start_again(chat: Chat, clock: FixedClock) -> None:
    await chat.say("hi")
    await chat.say("1")
    await chat.say("maidstone")
    await chat.say("times")
    clock.advance(timedelta(hours=25))
    text = await chat.say("2")
    assert "Welcome back" in text
    assert "visits" in text
    assert chat.options == ["Carry on", "Start again"]
    text = await chat.say("1")
    assert "Anything else about visits to HMP Maidstone?" in text
    clock.advance(timedelta(hours=30))
    await chat.say("2")
    text = await chat.say("start again")
    assert "Visits to HMP Maidstone. What do you want to know?" in text


async def test_a_short_pause_does_not_interrupt(chat: Chat, clock: FixedClock) -> None:
    await chat.say("hi")
    await chat.say("1")
    clock.advance(timedelta(hours=23))
    assert "Visits to HMP Maidstone" in await chat.say("maidstone")


async def test_a_message_delivered_twice_is_handled_once_and_answered_the_same(chat: Chat, db: Database) -> None:
    first = await chat.send("hi", provider_id="SM1")
    again = await chat.send("hi", provider_id="SM1")
    assert again == first  # a retry after a crash between commit and reply still gets its answer
    assert len(await all_rows(db, InboundMessage)) == 1
    conversation = await conversation_of(db, "sms", chat.address)
    assert conversation is not None
    assert conversation.version == 1


async def test_stop_opts_out_silences_and_start_opts_back_in(chat: Chat, db: Database) -> None:
    await chat.say("hi")
    text = await chat.say("STOP")
    assert "won't get any more messages" in text
    assert await chat.send("hello") == []
    text = await chat.say("START")
    assert "famsbot" in text
    assert chat.options == MENU
    records = await all_rows(db, ConsentRecord)
    assert [(r.subject, r.action, r.channel) for r in records] == [
        ("all_messages", "opt_out", "sms"),
        ("all_messages", "opt_in", "sms"),
    ]
    assert "won't get any more messages" in records[0].wording


async def test_start_with_a_prison_preselects_it(engine: Engine) -> None:
    chat = Chat(engine, channel="telegram", address="777")
    await chat.say("/start maidstone")
    await chat.say("1")
    assert "Visits to HMP Maidstone" in chat.last[0].text


async def test_forget_me_deletes_the_person_after_confirming(chat: Chat, db: Database) -> None:
    await chat.say("hi")
    await chat.say("1")
    await chat.say("maidstone")
    text = await chat.say("forget me")
    assert "Delete everything I hold about you?" in text
    assert "safer custody team" not in text  # no team may have been sent their worries: never claim one was
    text = await chat.say("yes")
    assert "deleted your details" in text
    assert await contact_of(db, "sms", chat.address) is None
    assert await all_rows(db, Answer) == []
    kept = await all_rows(db, InboundMessage)  # only what recognises a replayed message: no person, no words
    assert [(m.contact_id, m.text) for m in kept] == [(None, "")] * 5
    assert [m.replies for m in kept[:4]] == [None] * 4  # the last keeps only "I have deleted your details"
    text = await chat.say("hi")
    assert "Hello, I'm famsbot" in text


async def test_forget_me_can_be_cancelled(chat: Chat, db: Database) -> None:
    await chat.say("hi")
    await chat.say("forget me")
    text = await chat.say("no")
    assert "nothing has been deleted" in text
    assert await contact_of(db, "sms", chat.address) is not None


async def test_the_remembered_prison_can_be_changed_in_visits(chat: Chat, db: Database) -> None:
    await chat.say("hi")
    await chat.say("1")
    await chat.say("maidstone")
    await chat.say("change prison")
    text = await chat.say("chelmsford")
    assert "Visits to HMP/YOI Chelmsford" in text
    contact = await contact_of(db, "sms", chat.address)
    assert contact is not None
    assert contact.prison_id == "chelmsford"


async def test_a_failure_keeps_the_message_apologises_and_keeps_the_place(
    chat: Chat, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await chat.say("hi")
    await chat.say("1")
    await chat.say("maidstone")

    def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(visits.READERS, "times", broken)
    text = await chat.say("times")
    assert "Sorry, something went wrong" in text
    assert "saved" in text
    failed = await all_rows(db, InboundMessage, status="failed")
    assert [m.text for m in failed] == ["times"]
    assert failed[0].error is not None
    assert "disk on fire" in failed[0].error
    monkeypatch.undo()
    text = await chat.say("times")
    assert "Visiting times" in text


async def test_an_urgent_message_still_gets_the_emergency_route_when_handling_fails(
    chat: Chat, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await chat.say("hi")

    async def broken(*args: object) -> None:
        raise RuntimeError("database trouble")

    monkeypatch.setattr(Engine, "_respond", broken)
    replies = await chat.send("he says he is going to kill himself tonight")
    assert replies[0].urgent
    assert "999" in replies[0].text
    assert "Sorry, something went wrong" in replies[-1].text
    failed = await all_rows(db, InboundMessage, status="failed")
    assert [m.text for m in failed] == ["he says he is going to kill himself tonight"]


async def test_a_person_marked_unreachable_who_writes_again_can_be_reached(chat: Chat, db: Database) -> None:
    await chat.say("hi")
    known = await contact_of(db, "sms", chat.address)
    assert known is not None
    async with db.transaction() as session:
        contact = await session.get(Contact, known.id)
        assert contact is not None
        contact.unreachable_at = contact.created_at
    await chat.say("menu")
    contact_after = await contact_of(db, "sms", chat.address)
    assert contact_after is not None
    assert contact_after.unreachable_at is None
