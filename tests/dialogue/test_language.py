"""The person's language: chosen in words, by /language or on the menu, remembered, offered when wanted."""

from __future__ import annotations

import pytest

from famsbot.dialogue.engine import Engine
from famsbot.store.database import Database
from tests.support.chat import Chat
from tests.support.rows import contact_of

WELSH_MENU = "Gyda beth mae angen help arnoch chi?"
ENGLISH_MENU = "What do you need help with?"


@pytest.mark.parametrize("words", ["Cymraeg", "Cymraeg plis", "welsh", "yn Gymraeg"])
async def test_asking_for_welsh_switches_every_reply_and_is_remembered(
    engine: Engine, db: Database, chat: Chat, words: str
) -> None:
    said = await chat.say(words)
    assert "byddaf yn ateb yn Gymraeg" in said
    assert WELSH_MENU in said
    assert "7 English" in said  # the way back, named in itself

    again = await chat.say("dewislen")  # next message: still Welsh, and the Welsh keyword works
    assert WELSH_MENU in again
    contact = await contact_of(db, "sms", chat.address)
    assert contact is not None
    assert contact.language == "cy"


async def test_the_first_menu_offers_cymraeg_and_english_switches_back(chat: Chat) -> None:
    first = await chat.say("hello")
    assert "7 Cymraeg" in first

    welsh = await chat.say("7")
    assert "byddaf yn ateb yn Gymraeg" in welsh
    assert WELSH_MENU in welsh

    english = await chat.say("English")
    assert "OK, I'll reply in English." in english
    assert ENGLISH_MENU in english


async def test_language_on_telegram_swaps_and_keeps_the_question(engine: Engine) -> None:
    chat = Chat(engine, channel="telegram", address="9876")
    await chat.say("hello")
    await chat.say("1")  # visits: which prison?
    welsh = await chat.say("/language")
    assert "byddaf yn ateb yn Gymraeg" in welsh
    assert "Pa garchar?" in welsh  # the same question, now in Welsh
    english = await chat.say("/language")
    assert "Which prison?" in english


async def test_welsh_is_offered_first_to_someone_writing_in_welsh(engine: Engine) -> None:
    welsh_writer = Chat(engine, address="+447700900901")
    english_writer = Chat(engine, address="+447700900902")

    offered = await welsh_writer.send("Helo, dw i'n poeni am fy mab yn y carchar")
    not_offered = await english_writer.send("Hello, I'm worried about my son in prison")

    assert offered[0].text == "Hoffech chi gael atebion yn Gymraeg? Teipiwch CYMRAEG."
    assert all("Gymraeg" not in reply.text for reply in not_offered)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("stopio", "Fyddwch chi ddim yn cael mwy o negeseuon gan famsbot"),
        ("STOP", "Fyddwch chi ddim yn cael mwy o negeseuon gan famsbot"),
        ("cymorth", "Atebwch gyda rhif neu air o'r rhestr"),
        ("nôl", "dyma'r brif ddewislen"),
    ],
)
async def test_global_words_work_in_welsh(chat: Chat, words: str, expected: str) -> None:
    await chat.say("Cymraeg")
    await chat.say("1")  # visits: which prison? (its first question, so "back" goes to the menu)
    assert expected in await chat.say(words)


async def test_yes_and_no_in_welsh_answer_questions(chat: Chat) -> None:
    await chat.say("Cymraeg")
    await chat.say("4")  # care leavers
    await chat.say("19")
    said = await chat.say("ie")  # looked after after 16? yes
    assert "Ers iddo droi'n 14" in said


async def test_welsh_is_offered_first_when_the_prison_is_in_wales(engine: Engine) -> None:
    wales = await Chat(engine, address="+447700900903").send("My son has just gone to HMP Parc")
    england = await Chat(engine, address="+447700900904").send("My son has just gone to HMP Maidstone")

    assert wales[0].text == "Hoffech chi gael atebion yn Gymraeg? Teipiwch CYMRAEG."
    assert all("Gymraeg" not in reply.text for reply in england)
