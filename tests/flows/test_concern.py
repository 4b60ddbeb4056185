"""Raising a worry, as a family member on SMS meets it: the questions, the urgent route from anywhere,
what is recorded and alerted, and what is never said back."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from sqlmodel import select

from famsbot.content import get_content
from famsbot.dialogue.engine import Engine
from famsbot.dialogue.messages import Reply
from famsbot.flows import FLOWS
from famsbot.policy import risk
from famsbot.store.database import Database
from famsbot.store.models import Answer, Concern, ConcernEvent, Contact, Conversation, Outbox
from tests.support.chat import Chat
from tests.support.rows import all_rows, conversation_of

CONTENT = get_content()
MAIDSTONE = CONTENT.prisons["maidstone"]
URGENT = "he said he cant do this anymore, hes going to hang himself"
REFERENCE = re.compile(r"\b(MAI|STH|CHE|FAM)-[ACEFHJKMNPQRTWXY346789]{4}\b")


async def put_in(db: Database, chat: Chat, flow: str, state: str, answers: dict[str, object]) -> None:
    """Start a conversation, then move it straight to ``flow``/``state`` (any state of any flow)."""
    await chat.say("hi")
    async with db.transaction() as session:
        contact = (await session.exec(select(Contact).where(Contact.address == chat.address))).one()
        conversation = (await session.exec(select(Conversation).where(Conversation.contact_id == contact.id))).one()
        conversation.flow, conversation.state, conversation.answers, conversation.history = flow, state, answers, []
        contact.prison_id = "maidstone"
        session.add_all([conversation, contact])


async def raise_concern(chat: Chat, *, first: str = "hes not called in 4 days im worried") -> str:
    """The whole non-urgent path, typed the way people type."""
    await chat.say(first)
    await chat.say("maidstone")
    await chat.say("John Smith")
    await chat.say("a1234 bc")
    await chat.say("no")  # danger right now
    await chat.say("no")  # ACCT
    await chat.say("yes")  # consent to tell him
    await chat.say("1")  # reply in this chat
    return await chat.say("1")  # yes, send it


def assert_route_first(replies: Sequence[Reply], *, switchboard: str | None) -> None:
    first = replies[0]
    assert first.urgent
    assert not first.options
    assert "999" in first.text
    assert "116 123" in first.text
    assert first.text.index("999") < first.text.index("116 123")
    if switchboard:
        assert switchboard in first.text
        assert "Orderly Officer" in first.text
    assert "?" not in first.text  # no question before the numbers


# --- the urgent route, from everywhere ------------------------------------------------------------


EVERY_STATE = [(flow.name, state) for flow in FLOWS.values() for state in ("start", *flow.steps)]


@pytest.mark.parametrize(("flow", "state"), EVERY_STATE, ids=[f"{f}.{s}" for f, s in EVERY_STATE])
async def test_an_urgent_message_in_any_state_of_any_flow_gets_the_route_first_and_alerts_safer_custody(
    chat: Chat, db: Database, flow: str, state: str
) -> None:
    await put_in(db, chat, flow, state, {"prison": "maidstone"})
    replies = await chat.send(URGENT)
    assert_route_first(replies, switchboard=MAIDSTONE.switchboard.number)
    [concern] = await all_rows(db, Concern)
    assert concern.urgent
    assert concern.prison_id == "maidstone"
    assert concern.source == "risk_gate"
    assert concern.verbatim == URGENT
    alerts = await all_rows(db, Outbox, concern_id=concern.id)
    assert [(a.kind, a.channel, a.address) for a in alerts] == [("alert", "console", "safer-custody:maidstone")]
    assert any(concern.reference in r.text for r in replies[1:])
    assert replies[-1].options or "?" in replies[-1].text  # then it offers to take the details


@pytest.mark.parametrize(
    "message",
    [
        "he said he cant do this anymore",
        "my son just told me hes going to kill himself tonight",
        "hes being beaten up by his cellmate right now",
        "HE TOOK AN OVERDOSE",
        "he texted me goodbye and said hes giving his stuff away",
    ],
)
async def test_the_route_comes_before_any_question_from_the_menu(chat: Chat, db: Database, message: str) -> None:
    await chat.say("/start maidstone")
    replies = await chat.send(message)
    assert_route_first(replies, switchboard=MAIDSTONE.switchboard.number)
    assert len(await all_rows(db, Concern, urgent=True)) == 1


async def test_from_visits_mid_topic(chat: Chat, db: Database) -> None:
    await chat.say("hi")
    await chat.say("1")
    await chat.say("maidstone")
    await chat.say("2")  # visiting times
    replies = await chat.send(URGENT)
    assert_route_first(replies, switchboard=MAIDSTONE.switchboard.number)
    conversation = await conversation_of(db, "sms", chat.address)
    assert conversation is not None
    assert conversation.flow == "concern"
    assert "What is his name?" in replies[-1].text


async def test_from_settings(chat: Chat, db: Database) -> None:
    await chat.say("/start chelmsford")
    await chat.say("forget me")  # "Delete everything?" is waiting
    replies = await chat.send(URGENT)
    assert_route_first(replies, switchboard=CONTENT.prisons["chelmsford"].switchboard.number)
    [concern] = await all_rows(db, Concern)
    assert concern.prison_id == "chelmsford"
    assert len(await all_rows(db, Contact)) == 1  # nothing was forgotten


async def test_a_first_message_with_no_prison_known_gives_the_general_route_then_asks_which_prison(
    chat: Chat, db: Database
) -> None:
    replies = await chat.send("hes going to kill himself")
    assert_route_first(replies, switchboard=None)
    assert "main number" in replies[0].text
    assert replies[-1].options
    assert "Which prison" in replies[-1].text
    [concern] = await all_rows(db, Concern)
    assert concern.prison_id is None
    assert concern.reference.startswith("FAM-")
    [alert] = await all_rows(db, Outbox)
    assert alert.address == "safer-custody:unknown"  # recorded and alerted at once, to the fallback

    text = await chat.say("stoke heath")
    stoke = CONTENT.prisons["stoke-heath"]
    assert stoke.switchboard.number in text  # now the prison is known, its switchboard
    [concern] = await all_rows(db, Concern)
    assert concern.prison_id == "stoke-heath"
    alerts = await all_rows(db, Outbox)
    assert sorted(a.address for a in alerts) == ["safer-custody:stoke-heath", "safer-custody:unknown"]
    kinds = [e.kind for e in await all_rows(db, ConcernEvent, concern_id=concern.id)]
    assert kinds == ["created", "alerted", "rerouted", "alerted"]


async def test_hyperbole_creates_no_concern_and_no_alert(chat: Chat, db: Database) -> None:
    for text in ("this booking line is killing me", "dying to see him", "the queue was murder lol"):
        assert not risk.assess(text).urgent, text
    await chat.say("/start maidstone")
    for text in ("this booking line is killing me", "dying to see him"):
        replies = await chat.send(text)
        assert not any(r.urgent for r in replies)
    assert await all_rows(db, Concern) == []
    assert await all_rows(db, Outbox) == []


# --- one urgent concern per episode ---------------------------------------------------------------


async def test_repeated_urgent_messages_add_to_one_concern_and_alert_once(chat: Chat, db: Database) -> None:
    await chat.say("/start maidstone")
    await chat.send(URGENT)
    await chat.say("John Smith")  # his name
    replies = await chat.send("please hes going to kill himself")  # at "prison number?"
    assert_route_first(replies, switchboard=MAIDSTONE.switchboard.number)
    assert "added this to your urgent concern" in replies[1].text
    assert "prison number" in replies[-1].text  # back to the question they were on
    await chat.say("menu")
    await chat.send("he is hanging himself")  # a new flow, same episode
    [concern] = await all_rows(db, Concern)
    assert len(await all_rows(db, Outbox)) == 1
    events = await all_rows(db, ConcernEvent, concern_id=concern.id, kind="urgent_message")
    assert [e.note for e in events] == ["please hes going to kill himself", "he is hanging himself"]
    assert concern.prisoner_name == "John Smith"  # details reach staff as they are typed


async def test_an_urgent_message_after_a_confirmed_concern_makes_it_urgent_and_alerts_again(
    chat: Chat, db: Database
) -> None:
    await raise_concern(chat)
    [concern] = await all_rows(db, Concern)
    assert not concern.urgent
    replies = await chat.send("he just rang me and said hes going to end it")
    assert_route_first(replies, switchboard=MAIDSTONE.switchboard.number)
    assert any("marked your concern urgent" in r.text for r in replies)
    [concern] = await all_rows(db, Concern)
    assert concern.urgent
    alerts = await all_rows(db, Outbox, concern_id=concern.id)
    assert len(alerts) == 2
    assert alerts[1].body.startswith("URGENT")
    raised = await all_rows(db, ConcernEvent, concern_id=concern.id, kind="urgent_raised")
    assert [e.note for e in raised] == ["he just rang me and said hes going to end it"]


async def test_is_anyone_in_danger_yes_gives_the_route_again_and_records_at_once(chat: Chat, db: Database) -> None:
    await chat.say("im worried about my son")
    await chat.say("maidstone")
    await chat.say("Sam")
    await chat.say("dont know")
    await chat.say("he sounded really low")
    replies = await chat.send("yes")  # danger right now
    assert replies[0].urgent
    assert "999" in replies[0].text
    assert MAIDSTONE.switchboard.number in replies[0].text
    [concern] = await all_rows(db, Concern)
    assert concern.urgent
    assert concern.danger_now is True
    assert concern.source == "flow"
    assert concern.verbatim == "he sounded really low"
    assert len(await all_rows(db, Outbox)) == 1


# --- the family member's own safety --------------------------------------------------------------


async def test_a_family_member_in_crisis_gets_their_own_support_and_nothing_is_filed_with_the_prison(
    chat: Chat, db: Database
) -> None:
    await chat.say("/start maidstone")
    replies = await chat.send("i want to kill myself")
    assert replies[0].urgent
    assert "Samaritans" in replies[0].text
    assert "999" in replies[0].text
    assert MAIDSTONE.switchboard.number not in replies[0].text
    assert "still here" in replies[-1].text  # the conversation stays open
    assert await all_rows(db, Concern) == []
    assert await all_rows(db, Outbox) == []
    await chat.say("not now")
    assert await all_rows(db, Concern) == []


async def test_a_family_member_in_crisis_can_still_say_someone_in_prison_is_in_danger(
    chat: Chat, db: Database
) -> None:
    await chat.say("/start maidstone")
    await chat.send("i cant do this anymore")
    replies = await chat.send("1")  # someone in prison is in danger
    assert replies[0].urgent
    assert MAIDSTONE.switchboard.number in replies[0].text
    [concern] = await all_rows(db, Concern)
    assert concern.urgent
    assert concern.verbatim == ""
    assert "What is his name?" in replies[-1].text


async def test_both_at_risk_gets_the_prison_route_and_support_for_the_writer(chat: Chat, db: Database) -> None:
    await chat.say("/start maidstone")
    replies = await chat.send("he is going to kill himself and i cant go on")
    assert_route_first(replies, switchboard=MAIDSTONE.switchboard.number)
    assert replies[1].urgent
    assert "you matter too" in replies[1].text.lower()
    assert len(await all_rows(db, Concern, urgent=True)) == 1


async def test_a_threat_from_the_prisoner_gets_the_unwanted_contact_route_not_a_welfare_concern(
    chat: Chat, db: Database
) -> None:
    await chat.say("/start maidstone")
    replies = await chat.send("he said he will kill me when he gets out")
    assert CONTENT.phone("unwanted_contact").number in replies[0].text
    assert await all_rows(db, Concern) == []


# --- the non-urgent path ---------------------------------------------------------------------------


async def test_a_worry_end_to_end_gets_a_reference_and_what_happens_next(chat: Chat, db: Database) -> None:
    await chat.say("hes not called in 4 days im worried")
    text = await chat.say("maidstone")
    assert "What is his name?" in text
    assert "prison number" in await chat.say("John Smith")
    text = await chat.say("a1234 bc")
    assert "What has worried you" not in text  # carried over from the first message
    assert "danger right now" in text
    assert "ACCT" in await chat.say("no")
    assert "tell him" in await chat.say("no")
    assert "get back to you" in await chat.say("yes")
    summary = await chat.say("1")
    for line in ("Prison: HMP Maidstone", "Name: John Smith", "Prison number: A1234BC",
                 "Your words: hes not called in 4 days im worried", "Reply to you: in this chat"):
        assert line in summary
    assert chat.options == ["Yes, send it", "Change something", "Don't send it"]
    assert await all_rows(db, Concern) == []  # nothing is passed on before they confirm

    text = await chat.say("1")
    [concern] = await all_rows(db, Concern)
    assert re.search(rf"reference is {concern.reference}\b", text)
    assert REFERENCE.fullmatch(concern.reference)
    assert concern.reference.startswith("MAI-")
    assert "not the prison or an emergency service" in text
    assert "no one watches this chat all the time" in text
    assert "check he is safe" in text
    assert "unless he agrees" in text
    assert "reply to you here" in text
    assert MAIDSTONE.safer_custody is not None
    assert MAIDSTONE.safer_custody.number in text
    assert (concern.prisoner_name, concern.prisoner_number, concern.verbatim) == (
        "John Smith", "A1234BC", "hes not called in 4 days im worried")
    assert (concern.urgent, concern.danger_now, concern.consent_to_share) == (False, False, True)
    assert concern.details["acct_requested"] is False
    assert concern.details["contact"] == "chat"
    assert [e.kind for e in await all_rows(db, ConcernEvent, concern_id=concern.id)] == [
        "created", "alerted", "confirmed"]
    [alert] = await all_rows(db, Outbox)
    assert alert.address == "safer-custody:maidstone"
    assert concern.reference in alert.body
    assert f"/staff/concerns/{concern.id}" in alert.body


async def test_a_worry_that_only_says_worried_is_asked_for(chat: Chat) -> None:
    await chat.say("i'm worried about my son")
    await chat.say("maidstone")
    await chat.say("Sam")
    text = await chat.say("dont know")
    assert "What has worried you" in text


async def test_the_prison_number_is_checked_and_dont_know_is_allowed(chat: Chat, db: Database) -> None:
    await chat.say("/start maidstone")
    await chat.say("menu")
    await chat.say("3")  # worried about someone
    await chat.say("Sam")
    text = await chat.say("12345")
    assert "1 letter, 4 numbers, then 2 letters" in text
    text = await chat.say("1")  # "I don't know" by its number
    assert "What has worried you" in text


async def test_change_something_goes_back_to_one_question_then_the_summary(chat: Chat, db: Database) -> None:
    await chat.say("hes not called in 4 days im worried")
    for answer in ("maidstone", "John Smyth", "dont know", "no", "no", "no", "1"):
        await chat.say(answer)
    text = await chat.say("back")  # "back" from the summary: the question before it
    assert "get back to you" in text
    assert "Is this right?" in await chat.say("here")
    await chat.say("change")
    assert "His name" in chat.options
    text = await chat.say("his name")
    assert "What is his name?" in text
    text = await chat.say("John Smith")
    assert "Name: John Smith" in text
    assert "Smyth" not in text
    assert "Is this right?" in text
    await chat.say("yes send it")
    [concern] = await all_rows(db, Concern)
    assert concern.prisoner_name == "John Smith"


async def test_dont_send_passes_nothing_on(chat: Chat, db: Database) -> None:
    await chat.say("hes not called in 4 days im worried")
    for answer in ("maidstone", "Sam", "dont know", "no", "no", "no", "1"):
        await chat.say(answer)
    text = await chat.say("dont send")
    assert "not sent anything" in text
    assert await all_rows(db, Concern) == []
    assert await all_rows(db, Outbox) == []


async def test_another_number_and_do_not_contact(chat: Chat, db: Database) -> None:
    await chat.say("hes not called in 4 days im worried")
    for answer in ("maidstone", "Sam", "dont know", "no", "yes", "no", "2"):
        await chat.say(answer)
    assert "UK phone number" in await chat.say("call me maybe")
    text = await chat.say("07700 900 456")
    assert "Reply to you: ring 07700900456" in text
    assert "Ask for an ACCT: Yes" in text
    text = await chat.say("1")
    assert "ring you on the number you gave" in text
    [concern] = await all_rows(db, Concern)
    assert concern.callback == "07700900456"
    assert concern.details["acct_requested"] is True


async def test_something_can_be_added_after_confirming(chat: Chat, db: Database) -> None:
    await raise_concern(chat)
    await chat.say("1")  # add something
    text = await chat.say("He rang tonight and sounded a bit better")
    [concern] = await all_rows(db, Concern)
    assert f"added that to your concern {concern.reference}" in text
    [event] = await all_rows(db, ConcernEvent, concern_id=concern.id, kind="family_message")
    assert event.note == "He rang tonight and sounded a bit better"
    assert event.actor == "family"


# --- what is never said back -------------------------------------------------------------------------


async def test_nothing_about_the_prisoner_is_said_beyond_what_this_family_typed(engine: Engine, db: Database) -> None:
    first = Chat(engine, address="+447700900001")
    await raise_concern(first)
    second = Chat(engine, address="+447700900002")
    seen: list[str] = []
    for text in ("im worried about my son", "maidstone", "John Smith", "A1234BC", "he seems low", "no", "no",
                 "no", "1", "1"):
        seen.append(await second.say(text))
    everything = "\n".join(seen)
    assert "hes not called in 4 days" not in everything  # the first family's words
    assert everything.count("John Smith") == 1  # only in the summary of what they typed
    assert "A1234BC" in everything.split("Please check")[1]


async def test_alerts_carry_no_personal_data(chat: Chat, db: Database) -> None:
    await raise_concern(chat)
    await chat.send(URGENT)
    for alert in await all_rows(db, Outbox):
        for private in ("John", "Smith", "A1234BC", "hes not", "hang", chat.address):
            assert private not in alert.body


async def test_every_answer_is_logged_with_its_question(chat: Chat, db: Database) -> None:
    await raise_concern(chat)
    answers = await all_rows(db, Answer, flow="concern")
    assert [a.state for a in answers] == ["prison", "name", "number", "danger", "acct", "consent", "contact",
                                          "confirm"]


async def test_what_happens_next_speaks_of_her_when_the_worry_is_about_a_woman(chat: Chat) -> None:
    """The questions said "her"; the last reply said "Staff should check he is safe" about a daughter."""
    await chat.say("hi")
    await chat.say("3")
    await chat.say("stoke heath")
    await chat.say("Jo")
    await chat.say("1")  # prison number: don't know
    await chat.say("she is being bullied and wont eat")
    text = ""
    for answer in ("2", "1", "1", "1", "1"):  # no danger, ACCT yes, may be told, reply here, send
        text = await chat.say(answer)
    assert "Staff should check she is safe" in text
    assert "unless she agrees" in text
    assert "check he is safe" not in text
