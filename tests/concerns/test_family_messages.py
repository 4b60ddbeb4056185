"""Every family message stays on the concern it belongs to, and staff see what really happened.

* after staff close a concern, a new urgent message starts a new concern holding the *new* words,
  linked both ways to the closed one;
* a further urgent message with a new risk signal on an open concern alerts staff again;
* the timeline's "what the family received" is the text exactly as their channel carried it.
"""

from __future__ import annotations

from famsbot.channels.render import sms_text
from famsbot.clock import FixedClock
from famsbot.concerns import actions
from famsbot.config import Settings
from famsbot.content import get_content
from famsbot.dialogue.messages import Reply
from famsbot.staff.concern_view import ConcernView, concern_view
from famsbot.store.database import Database
from famsbot.store.models import Concern, Outbox, StaffUser
from tests.support.chat import Chat
from tests.support.concerns import add_staff
from tests.support.console import console
from tests.support.rows import all_rows

FIRST = "he has been cutting himself again"
SECOND = "my son says he will kill himself tonight"
CONTENT = get_content()


async def _urgent(chat: Chat, text: str = FIRST) -> Concern:
    await chat.say("/start maidstone")
    await chat.say(text)
    [concern] = await all_rows(chat.engine.db, Concern)
    return concern


async def _view(db: Database, staff: StaffUser, concern_id: int | None, clock: FixedClock) -> ConcernView:
    async with db.transaction() as session:
        return await concern_view(session, staff, concern_id or 0, now=clock.now(), content=CONTENT,
                                  settings=Settings(environment="test", database_url=db.url))  # fmt: skip


async def test_a_new_urgent_message_after_closing_is_a_new_concern_with_the_new_words(
    chat: Chat, db: Database, clock: FixedClock
) -> None:
    first = await _urgent(chat)
    admin = await add_staff(db, "admin@example.org", role="admin")
    async with db.transaction() as session:
        await actions.acknowledge(session, admin, first.id or 0, now=clock.now(), content=CONTENT)
        await actions.record_outcome(session, admin, first.id or 0, "seen_safe", now=clock.now())
        await actions.close(session, admin, first.id or 0, now=clock.now())

    text = await chat.say(SECOND)

    assert "call 999" in text
    concerns = {c.id: c for c in await all_rows(db, Concern)}
    [second] = [c for c in concerns.values() if c.id != first.id]
    assert second.verbatim == SECOND  # not the closed concern's words
    assert concerns[first.id].verbatim == FIRST
    assert second.reference in text
    assert len([a for a in await all_rows(db, Outbox, kind="alert") if a.concern_id == second.id]) == 1
    assert (await _view(db, admin, second.id, clock)).linked == [
        (first.id, first.reference, "the family's earlier concern, closed")]
    assert (await _view(db, admin, first.id, clock)).linked == [
        (second.id, second.reference, "raised after this one was closed")]


async def test_a_more_serious_message_on_an_open_concern_alerts_again_and_is_kept(
    chat: Chat, db: Database, clock: FixedClock
) -> None:
    concern = await _urgent(chat)
    await chat.say(SECOND)  # now he says he will kill himself: a new signal
    await chat.say("he is cutting himself again today")  # nothing new: recorded, no third alert

    alerts = [a for a in await all_rows(db, Outbox, kind="alert") if a.concern_id == concern.id]
    assert len(alerts) == 2
    assert alerts[1].body.startswith("URGENT: a further urgent message on famsbot concern")
    admin = await add_staff(db, "admin@example.org", role="admin")
    view = await _view(db, admin, concern.id, clock)
    assert [text for _, text in view.messages] == [FIRST, SECOND, "he is cutting himself again today"]


async def test_the_timeline_shows_what_the_sms_carried(chat: Chat, db: Database, clock: FixedClock) -> None:
    concern = await _urgent(chat)
    admin = await add_staff(db, "admin@example.org", role="admin")
    async with db.transaction() as session:
        await actions.send_message(session, admin, concern.id or 0, "We\u2019ve checked \u2014 he\u2019s OK \U0001f642",
                                   now=clock.now(), content=CONTENT)  # fmt: skip

    view = await _view(db, admin, concern.id, clock)
    [sent] = [entry for entry in view.entries if entry.kind == "message"]
    [row] = await all_rows(db, Outbox, kind="feedback")
    assert sent.body == sms_text(Reply(row.body))
    assert "We've checked - he's OK" in (sent.body or "")
    assert not any(ch in (sent.body or "") for ch in "\u2019\u2014")  # typographic marks replaced, as the SMS was


async def test_the_concern_page_shows_every_message_and_the_linked_concern(
    chat: Chat, db: Database, clock: FixedClock, settings: Settings
) -> None:
    first = await _urgent(chat)
    admin = await add_staff(db, "admin@example.org", role="admin")
    async with db.transaction() as session:
        await actions.acknowledge(session, admin, first.id or 0, now=clock.now(), content=CONTENT)
        await actions.record_outcome(session, admin, first.id or 0, "seen_safe", now=clock.now())
        await actions.close(session, admin, first.id or 0, now=clock.now())
    await chat.say(SECOND)
    await chat.say("he is cutting himself again today")
    [second] = [c for c in await all_rows(db, Concern) if c.id != first.id]

    async with console(settings, clock) as staff:
        await staff.login("admin@example.org")
        new_page = await staff.get(f"/staff/concerns/{second.id}")
        closed_page = await staff.get(f"/staff/concerns/{first.id}")
        triage = await staff.get("/staff/concerns?prison=triage")

    assert f'<a href="/staff/concerns/{first.id}">{first.reference}</a>' in new_page.text
    assert f'<a href="/staff/concerns/{second.id}">{second.reference}</a>' in closed_page.text
    assert "Every message from the family on this concern" in new_page.text
    assert "he is cutting himself again today" in new_page.text
    assert "Triage: no prison team alerted" in triage.text  # no target is configured here
