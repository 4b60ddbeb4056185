"""Status on request: the family who raised a concern can ask for news, and nobody else can."""

from __future__ import annotations

import pytest

from famsbot.clock import FixedClock
from famsbot.concerns.actions import acknowledge
from famsbot.config import AlertTarget, Settings
from famsbot.content import get_content
from famsbot.dialogue.engine import Engine
from famsbot.store.database import Database
from famsbot.store.models import Concern
from tests.support.chat import Chat
from tests.support.concerns import add_staff
from tests.support.rows import all_rows

CONTENT = get_content()
MAIDSTONE_TEAM = {"maidstone": AlertTarget(telegram_chat_id="-1001")}


@pytest.fixture
def connected(db: Database, settings: Settings, clock: FixedClock) -> Chat:
    """A family whose prison's safer custody team is connected: their concern really goes to that team."""
    return Chat(Engine(db, settings.model_copy(update={"alert_targets": MAIDSTONE_TEAM}), clock=clock))


async def raise_concern(chat: Chat) -> Concern:
    await chat.say("/start maidstone")
    await chat.say("hes not called in 4 days im worried")
    for answer in ("John", "dont know", "no", "no", "yes", "1", "send"):
        await chat.say(answer)
    (concern,) = await all_rows(chat.engine.db, Concern)
    return concern


async def test_any_news_gives_where_it_is_and_when_it_is_passed_on_again(connected: Chat) -> None:
    chat = connected
    concern = await raise_concern(chat)
    text = await chat.say(f"any news about my concern {concern.reference}?")
    assert "went to HMP Maidstone's safer custody team" in text
    assert concern.reference in text
    assert "has not been picked up yet" in text
    assert "10:00 on Tue 24 Nov" in text  # 24 hours after 10:00 on Mon 23 Nov, London time
    assert "John" not in text  # nothing about the prisoner


async def test_plain_any_news_finds_their_latest_concern_and_keeps_the_place(connected: Chat) -> None:
    chat = connected
    concern = await raise_concern(chat)
    await chat.say("menu")
    await chat.say("1")  # visits (the prison is remembered): which topic?
    text = await chat.say("any news?")
    assert concern.reference in text
    assert "has not been picked up yet" in text
    assert "What do you want to know?" in text  # the visits question, asked again: the place is kept


async def test_picked_up_says_so_without_details(connected: Chat, db: Database, clock: FixedClock) -> None:
    chat = connected
    concern = await raise_concern(chat)
    staff = await add_staff(db, "sc@maidstone.example")
    async with db.transaction() as session:
        await acknowledge(session, staff, concern.id or 0, now=clock.now(), content=CONTENT)
    text = await chat.say(f"any update on {concern.reference.lower()}")
    assert "was picked up by HMP Maidstone's safer custody team" in text
    assert "unless he agrees" in text


async def test_news_of_a_concern_no_prison_team_was_alerted_to_never_says_it_went_to_that_team(
    chat: Chat, db: Database, settings: Settings, clock: FixedClock
) -> None:
    concern = await raise_concern(chat)  # no alert targets at all: only the console's triage inbox has it
    assert concern.routed_to == "console"
    text = " ".join((await chat.say(f"any news about my concern {concern.reference}?")).split())
    assert "nobody was alerted automatically: please ring the prison too" in text
    assert "safer custody team at" not in text
    assert "went to HMP Maidstone" not in text

    staff = await add_staff(db, "sc@maidstone.example")
    async with db.transaction() as session:
        await acknowledge(session, staff, concern.id or 0, now=clock.now(), content=CONTENT)
    text = await chat.say(f"any update on {concern.reference}")
    assert "was picked up by staff at 10:00" in text
    assert "Maidstone's safer custody team" not in text


async def test_news_of_a_concern_at_national_triage_names_who_has_it(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    national = {"*": AlertTarget(sms="+447700900999")}
    chat = Chat(Engine(db, settings.model_copy(update={"alert_targets": national, "triage_team": "the duty team"}),
                       clock=clock))  # fmt: skip
    concern = await raise_concern(chat)
    assert concern.routed_to == "national"
    text = " ".join((await chat.say(f"any news about my concern {concern.reference}?")).split())
    assert f"Your concern {concern.reference} went to the duty team at 10:00 on Mon 23 Nov" in text
    assert "has not been picked up yet" in text
    assert "Maidstone's safer custody team" not in text


async def test_another_phone_cannot_ask_about_someone_elses_concern(chat: Chat, engine: Engine) -> None:
    concern = await raise_concern(chat)
    stranger = Chat(engine, address="+447700900999")
    await stranger.say("hi")
    text = await stranger.say(f"any news about concern {concern.reference}")
    assert f"I can't find a concern {concern.reference} raised from this number" in text
    assert "safer custody team at" not in text


async def test_news_of_a_concern_no_prison_team_was_sent_never_says_it_went_to_them(chat: Chat) -> None:
    """No alert target for Maidstone (the family was told "nobody is alerted automatically"): the status
    once said "went to HMP Maidstone's safer custody team", which was false."""
    concern = await raise_concern(chat)
    assert concern.routed_to == "console"
    text = await chat.say(f"any news about my concern {concern.reference}?")
    assert "went to HMP Maidstone's safer custody team" not in text
    assert "not connected to famsbot" in text
    assert "please ring the prison too" in text


async def test_news_of_a_concern_sent_to_national_triage_names_who_has_it(db: Database, clock: FixedClock) -> None:
    settings = Settings(environment="test", database_url=db.url, alert_targets={"*": {"sms": "+447700900500"}})
    chat = Chat(Engine(db, settings, clock=clock))
    concern = await raise_concern(chat)
    assert concern.routed_to == "national"
    text = await chat.say("any news?")
    assert "went to HMP Maidstone's safer custody team" not in text
    assert f"went to {settings.triage_team}" in text


async def test_the_status_of_a_reference_asked_in_other_words(chat: Chat) -> None:
    concern = await raise_concern(chat)
    await chat.say("menu")
    text = await chat.say(f"what is the status of {concern.reference.lower()}")
    assert f"Your concern {concern.reference} was recorded" in text
    text = await chat.say(f"{concern.reference} update please")
    assert f"Your concern {concern.reference} was recorded" in text
