"""The urgent loop closes: the family's answer to "Did you manage to speak to the prison?" is understood.

The worker asks it 45 minutes after an urgent concern (``concerns.escalation``); the reply lands in
whatever state the chat is in. "No / couldn't get through" goes to the duty contact now and says so;
"yes, he's ok" is recorded and thanked, not the emergency route again.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from famsbot.clock import FixedClock
from famsbot.concerns import run_escalations
from famsbot.config import AlertTarget, Settings
from famsbot.content import get_content
from famsbot.dialogue.engine import Engine
from famsbot.store.database import Database
from famsbot.store.models import ConcernEvent, Outbox
from tests.support.chat import Chat
from tests.support.rows import all_rows

CONTENT = get_content()
MINUTE = timedelta(minutes=1)
SWITCHBOARD = CONTENT.prisons["maidstone"].switchboard.number


async def checked_back(db: Database, settings: Settings, clock: FixedClock) -> Chat:
    chat = Chat(Engine(db, settings, clock=clock))
    await chat.say("/start maidstone")
    await chat.say("he said hes going to hang himself")
    clock.advance(46 * MINUTE)
    await run_escalations(db, settings, CONTENT, clock.now())
    assert await all_rows(db, Outbox, kind="followup")
    return chat


@pytest.mark.parametrize("reply", ["no", "couldn't get through", "no answer, it just rings", "nah nobody picked up"])
async def test_could_not_get_through_goes_to_the_duty_contact_now_and_says_so(
    db: Database, clock: FixedClock, reply: str
) -> None:
    settings = Settings(environment="test", database_url=db.url,
                        duty_targets={"maidstone": AlertTarget(sms="+447700900555")})  # fmt: skip
    chat = await checked_back(db, settings, clock)
    before = len(await all_rows(db, Outbox, kind="escalation"))
    text = await chat.say(reply)
    assert "passed your concern" in text
    assert "duty contact" in text
    assert SWITCHBOARD in text
    assert "999" in text
    duty = [row for row in await all_rows(db, Outbox, kind="escalation") if row.address == "+447700900555"]
    assert len(duty) > before
    assert "could not get through" in duty[-1].body
    events = await all_rows(db, ConcernEvent)
    assert any(e.kind == "family_reply" and e.data.get("reached_prison") is False for e in events)
    assert any(e.kind == "escalated" and e.data.get("level") == "family_not_reached" for e in events)


async def test_without_a_duty_contact_the_family_is_not_told_one_was_reached(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    chat = await checked_back(db, settings, clock)
    text = await chat.say("couldnt get thru")
    assert "duty contact" not in text
    assert "flagged your concern" in text


async def test_yes_hes_ok_is_recorded_and_thanked_not_the_emergency_route_again(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    chat = await checked_back(db, settings, clock)
    text = await chat.say("yes, he's ok")
    assert "Thank you for letting me know" in text
    assert not any(reply.urgent for reply in chat.last)
    events = await all_rows(db, ConcernEvent, kind="family_reply")
    assert [(e.note, e.data["reached_prison"]) for e in events] == [("yes, he's ok", True)]
    text = await chat.say("no")  # answered already: a later "no" is an ordinary message
    assert "duty contact" not in text
    assert "flagged" not in text


async def test_urgent_families_are_told_the_real_timescale(chat: Chat) -> None:
    await chat.say("/start maidstone")
    await chat.say("he said hes going to hang himself")
    for answer in ("John", "dont know", "no", "no", "1", "send"):
        text = await chat.say(answer)
    assert "within 15 minutes" in text, text
    assert "24 hours" not in text


async def test_after_writing_about_something_else_a_no_answers_that_instead(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    chat = await checked_back(db, settings, clock)
    for message in ("menu", "2", "1"):  # help with travel costs; the prison is in England
        clock.advance(MINUTE)
        await chat.say(message)
    text = await chat.say("no")  # not an answer to the check-back any more
    assert "flagged" not in text
    assert "duty contact" not in text
    assert not await all_rows(db, ConcernEvent, kind="family_reply")
