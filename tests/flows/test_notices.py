"""Family days and events, and notices by message, as a family member goes through them.

What a family sees (upcoming dates by the clock, the rules from the prison's content, the latest
notice sent), and what is stored when they say yes or no to notices: the exact wording, the
channel and the time. Every reply in every test here is checked against the SMS budget.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest

from famsbot.channels.render import sms_text
from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.content import get_content
from famsbot.content.loader import Content
from famsbot.content.schema import Event
from famsbot.dialogue.engine import Engine
from famsbot.sms_text import segments
from famsbot.store.database import Database
from famsbot.store.models import Broadcast, ConsentRecord, Subscription
from tests.conftest import DEFAULT_NOW
from tests.support.chat import Chat
from tests.support.rows import all_rows, contact_of

CONTENT = get_content()
MAIDSTONE = CONTENT.prisons["maidstone"]
SOURCE = "hmpyoi-stoke-heath-family-strategy-2022.txt"
PAGE_OPTIONS = ["How family days work", "Get family day notices", "Stop family day notices", "Change prison",
                "Main menu"]


# --- helpers ------------------------------------------------------------------------------------


async def say(chat: Chat, text: str = "", *, option: str | None = None) -> str:
    """Send a message; check every reply fits 3 SMS segments; return what the person reads."""
    shown = await chat.say(text, option=option) if option else await chat.say(text)
    for reply in chat.last:
        assert segments(sms_text(reply)) <= 3, sms_text(reply)
    return shown


async def open_family_days(chat: Chat, prison: str) -> str:
    """From a first hello: main menu -> Family days and events -> the prison."""
    await say(chat, "hello")
    await say(chat, "family days")
    return await say(chat, prison)


def with_events(prison_id: str, *dates: str) -> Content:
    """The packaged content, with these dated family days at one prison."""
    prison = CONTENT.prisons[prison_id]
    assert prison.family_days is not None
    events = [Event(date=day, title=f"Family day {number}", source=[SOURCE]) for number, day in enumerate(dates, 1)]
    days = prison.family_days.model_copy(update={"events": events})
    prisons = {**CONTENT.prisons, prison_id: prison.model_copy(update={"family_days": days})}
    return dataclasses.replace(CONTENT, prisons=prisons)


def chat_with(db: Database, settings: Settings, clock: FixedClock, content: Content) -> Chat:
    return Chat(Engine(db, settings, clock=clock, content=content))


async def notice_sent(db: Database, prison_id: str, body: str, at: datetime, status: str = "done") -> None:
    async with db.transaction() as session:
        session.add(Broadcast(prison_id=prison_id, body=body, created_at=at, send_at=at, status=status))


async def consent_records(db: Database, **where: object) -> list[ConsentRecord]:
    return sorted(await all_rows(db, ConsentRecord, **where), key=lambda r: r.id or 0)


@pytest.fixture(params=["sms", "telegram"])
def person(request: pytest.FixtureRequest, engine: Engine) -> Chat:
    """A family member on SMS (typing) or Telegram (buttons)."""
    channel = request.param
    return Chat(engine, channel=channel, address="+447700900123" if channel == "sms" else "4242")


# --- the family-days page -----------------------------------------------------------------------


async def test_upcoming_dates_are_from_today_on_by_the_clock(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    # Monday 23 November 2026: yesterday's family day is over, today's is still to come.
    chat = chat_with(db, settings, clock, with_events("stoke-heath", "2026-11-22", "2026-11-23", "2026-12-19"))

    text = await open_family_days(chat, "stoke heath")

    assert text.startswith("Family days at HMP/YOI Stoke Heath.\nComing up:\n")
    assert "Mon 23 Nov 2026: Family day 2" in text
    assert "Sat 19 Dec 2026: Family day 3" in text
    assert "22 Nov" not in text
    assert "All upcoming dates" not in chat.options


async def test_today_is_the_date_in_london_not_utc(db: Database, settings: Settings, clock: FixedClock) -> None:
    # 23:30 UTC on 30 June is already 1 July in London (BST): 30 June's family day is over.
    clock.set(datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    chat = chat_with(db, settings, clock, with_events("stoke-heath", "2026-06-30", "2026-07-01"))

    text = await open_family_days(chat, "stoke heath")

    assert "Wed 1 Jul 2026: Family day 2" in text
    assert "30 Jun" not in text


async def test_with_no_upcoming_dates_it_says_so_and_points_to_how_family_days_work(chat: Chat) -> None:
    # Stoke Heath's published family days were in December 2022.
    text = await open_family_days(chat, "stoke heath")

    assert "I don't have the date of any upcoming family day there." in text
    assert "2022" not in text
    assert chat.options == PAGE_OPTIONS
    about = await say(chat, "how family days work")
    stoke_heath = CONTENT.prisons["stoke-heath"].family_days
    assert stoke_heath is not None
    assert "Family days at HMP/YOI Stoke Heath (December 2022): There are 12 family days a year" in about
    assert stoke_heath.about.text.split(". ")[1] in about


async def test_many_dates_list_three_and_offer_all_of_them_a_page_at_a_time(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    dates = [(DEFAULT_NOW + timedelta(days=7 * week)).date().isoformat() for week in range(1, 41)]
    chat = chat_with(db, settings, clock, with_events("stoke-heath", *dates))

    text = await open_family_days(chat, "stoke heath")

    assert "Family day 3" in text
    assert "Family day 4" not in text
    assert "And 37 more, see All upcoming dates." in text
    seen = await say(chat, "all upcoming dates")
    assert seen.startswith("Upcoming family days at HMP/YOI Stoke Heath:\nMon 30 Nov 2026: Family day 1")
    while "More" in chat.options:
        seen += "\n" + await say(chat, "more")
    listed = re.findall(r"^\w{3} \d{1,2} \w{3} \d{4}: Family day (\d+)$", seen, re.MULTILINE)
    assert sorted(int(n) for n in listed) == list(range(1, 41))
    await say(chat, "family days menu")
    assert chat.last[0].text == "Anything else about family days at HMP/YOI Stoke Heath?"


async def test_who_can_go_and_how_to_apply_come_from_the_prisons_content(chat: Chat) -> None:
    assert MAIDSTONE.family_days is not None
    assert MAIDSTONE.family_days.eligibility is not None
    assert MAIDSTONE.family_days.how_to_apply is not None
    await open_family_days(chat, "maidstone")

    pages = [await say(chat, "how family days work")]
    while "More" in chat.options:
        pages.append(await say(chat, "more"))

    assert len(pages) > 1
    read = " ".join(page.split("\n1 ")[0] for page in pages).replace("\n", " ")
    assert "Who can go: He needs no proven rule-breaking or failed drug test for 3 months" in read
    assert "Visitors must bring his children, grandchildren, nieces or nephews." in read
    assert "Up to 3 adults can come (over-16s count as adults)." in read
    assert "How to apply: He applies using the normal prison application" in read
    assert " ".join(MAIDSTONE.family_days.how_to_apply.text.split()) in read
    assert chat.options == ["Family days menu", "Main menu"]


async def test_a_prison_that_has_not_published_the_rules_says_so_and_gives_the_helpline(chat: Chat) -> None:
    await open_family_days(chat, "chelmsford")

    text = await say(chat, "1")
    while "More" in chat.options:
        text += "\n" + await say(chat, "more")

    assert "Ormiston runs 2 family days a year" in text
    assert "HMP/YOI Chelmsford has not published who can go or how to apply." in text
    assert CONTENT.phone("families_helpline").number in text


async def test_the_latest_notice_sent_for_the_prison_is_shown_first(chat: Chat, db: Database) -> None:
    days_ago = [DEFAULT_NOW - timedelta(days=days) for days in (9, 2)]
    await notice_sent(db, "maidstone", "Family day on Sat 12 Dec. Ask PACT for a form.", days_ago[0])
    await notice_sent(db, "maidstone", "Christmas family day on 20 Dec, book by 10 Dec.", days_ago[1])
    await notice_sent(db, "maidstone", "Not sent yet", DEFAULT_NOW + timedelta(days=1), status="scheduled")
    await notice_sent(db, "maidstone", "Called off", DEFAULT_NOW - timedelta(days=1), status="cancelled")
    await notice_sent(db, "chelmsford", "A Chelmsford notice", DEFAULT_NOW - timedelta(hours=1))

    await open_family_days(chat, "maidstone")

    notice, page = chat.last
    assert notice.text == (
        "Latest notice for families at HMP Maidstone, sent 21 Nov 2026:\n"
        "Christmas family day on 20 Dec, book by 10 Dec."
    )
    assert page.text.startswith("Family days at HMP Maidstone.")
    await say(chat, "how family days work")
    await say(chat, "family days menu")
    assert "Latest notice" not in chat.last[0].text  # shown on arrival, not after every answer


async def test_without_a_notice_sent_only_the_page_is_shown(chat: Chat, db: Database) -> None:
    await notice_sent(db, "chelmsford", "A Chelmsford notice", DEFAULT_NOW - timedelta(hours=1))

    await open_family_days(chat, "maidstone")

    assert len(chat.last) == 1
    assert chat.last[0].text.startswith("Family days at HMP Maidstone.")


async def test_a_long_notice_is_shortened_to_the_sms_budget(chat: Chat, db: Database) -> None:
    await notice_sent(db, "maidstone", "Family day news. " * 60, DEFAULT_NOW - timedelta(days=1))

    await open_family_days(chat, "maidstone")  # say() checks the budget

    assert chat.last[0].text.endswith("news...")


async def test_change_prison_asks_again_and_shows_the_other_prison(chat: Chat) -> None:
    await open_family_days(chat, "maidstone")

    await say(chat, "change prison")
    text = await say(chat, "chelmsford")

    assert text.startswith("Family days at HMP/YOI Chelmsford.")
    await say(chat, "main menu")
    assert chat.last[0].text == "What do you need help with?"


# --- opting in ----------------------------------------------------------------------------------


async def test_opt_in_records_the_exact_wording_the_channel_and_the_time(person: Chat, db: Database) -> None:
    await open_family_days(person, "maidstone")

    await say(person, "get family day notices", option="get" if person.channel == "telegram" else None)
    question = person.last[0]
    answer = await say(person, "yes", option="yes" if person.channel == "telegram" else None)

    send, how = ("text", "text STOP") if person.channel == "sms" else ("message", "send /stop")
    assert question.text.startswith(f"Family day notices for HMP Maidstone: if you say yes, famsbot will {send} you "
                                    "news of family days and other family events from PACT (Prison Advice and Care "
                                    "Trust), only when there is news.")
    assert f"To stop, choose Stop family day notices in the Family days menu, or {how} to stop all" in question.text
    assert "We keep a record of your answer" in question.text
    assert [o.label for o in question.options] == ["Yes", "No"]
    assert answer.startswith("Thank you. You will get family day notices for HMP Maidstone.")
    contact = await contact_of(db, person.channel, person.address)
    assert contact is not None
    [subscription] = await all_rows(db, Subscription)
    assert (subscription.contact_id, subscription.prison_id, subscription.topic) == (contact.id, "maidstone",
                                                                                      "family_days")
    assert (subscription.active, subscription.opted_in_at) == (True, DEFAULT_NOW)
    [record] = await consent_records(db)
    assert (record.subject, record.action, record.channel, record.at) == ("notices:maidstone", "opt_in",
                                                                         person.channel, DEFAULT_NOW)
    assert record.wording == question.text


async def test_notices_keyword_asks_the_prison_when_unknown_then_for_consent(chat: Chat, db: Database) -> None:
    text = await say(chat, "NOTICES")

    assert "Which prison?" in text
    question = await say(chat, "stoke heath")
    assert question.startswith("Family day notices for HMP/YOI Stoke Heath:")
    await say(chat, "1")
    [subscription] = await all_rows(db, Subscription)
    assert subscription.prison_id == "stoke-heath"


async def test_slash_notices_on_telegram_goes_straight_to_consent_for_the_known_prison(
    engine: Engine, db: Database
) -> None:
    chat = Chat(engine, channel="telegram", address="4242")
    await open_family_days(chat, "chelmsford")
    await say(chat, "main menu")

    question = await say(chat, "/notices")

    assert question.startswith("Family day notices for HMP/YOI Chelmsford:")
    assert "send /stop to stop all messages" in question
    await say(chat, option="yes")
    [record] = await consent_records(db)
    assert (record.subject, record.channel) == ("notices:chelmsford", "telegram")


async def test_opting_in_twice_says_so_and_keeps_one_subscription(chat: Chat, db: Database) -> None:
    await open_family_days(chat, "maidstone")
    await say(chat, "get family day notices")
    await say(chat, "yes")

    await say(chat, "get family day notices")
    text = await say(chat, "yes")

    assert text.startswith("You already get family day notices for HMP Maidstone. Nothing has changed.")
    assert len(await all_rows(db, Subscription)) == 1
    assert [r.action for r in await consent_records(db)] == ["opt_in", "opt_in"]


async def test_no_to_the_question_changes_nothing_and_is_recorded(chat: Chat, db: Database) -> None:
    await open_family_days(chat, "maidstone")
    await say(chat, "get family day notices")

    text = await say(chat, "no")

    assert text.startswith("You weren't getting family day notices for HMP Maidstone, so none will be sent.")
    assert await all_rows(db, Subscription) == []
    [record] = await consent_records(db)
    assert (record.subject, record.action) == ("notices:maidstone", "opt_out")


# --- opting out ---------------------------------------------------------------------------------


async def test_the_stop_option_stops_this_prison_at_once_and_says_what_carries_on(
    person: Chat, db: Database, clock: FixedClock
) -> None:
    await subscribe_through_flow(person, "maidstone")
    await subscribe_through_flow(person, "chelmsford")
    clock.advance(timedelta(days=5))
    await say(person, "menu")
    await say(person, "family days", option="notices" if person.channel == "telegram" else None)

    text = await say(person, "stop family day notices", option="stop" if person.channel == "telegram" else None)

    assert text.startswith("Done. You won't get any more family day notices for HMP/YOI Chelmsford. "
                           "You still get them for HMP Maidstone.\n\n")
    assert "Anything else about family days at HMP/YOI Chelmsford?" in text
    active = {s.prison_id: s.active for s in await all_rows(db, Subscription)}
    assert active == {"maidstone": True, "chelmsford": False}
    [stopped] = await all_rows(db, Subscription, prison_id="chelmsford")
    assert stopped.opted_out_at == DEFAULT_NOW + timedelta(days=5)
    [record] = await consent_records(db, action="opt_out")
    assert (record.subject, record.channel, record.at) == ("notices:chelmsford", person.channel, stopped.opted_out_at)
    assert record.wording == person.last[0].text


async def test_asking_to_stop_the_family_day_messages_stops_every_prison_and_says_which(
    engine: Engine, db: Database
) -> None:
    chat = Chat(engine)
    await subscribe_through_flow(chat, "maidstone")
    await subscribe_through_flow(chat, "stoke heath")
    stranger_chat = Chat(engine, address="+447700900999")  # someone else's notices are not touched
    await subscribe_through_flow(stranger_chat, "maidstone")
    await say(chat, "menu")

    text = await say(chat, "stop sending me the family day messages")

    assert text.startswith(
        "Done. You won't get any more family day notices for HMP Maidstone and HMP/YOI Stoke Heath. "
        "To stop all messages from famsbot, text STOP.\n\n"
    )
    assert "What do you need help with?" in text
    contact = await contact_of(db, "sms", chat.address)
    assert contact is not None
    mine = await all_rows(db, Subscription, contact_id=contact.id)
    assert [s.active for s in mine] == [False, False]
    records = await consent_records(db, action="opt_out")
    assert sorted(r.subject for r in records) == ["notices:maidstone", "notices:stoke-heath"]
    assert {r.wording for r in records} == {chat.last[0].text}
    assert [s.active for s in await all_rows(db, Subscription) if s.contact_id != contact.id] == [True]


async def test_asking_to_stop_as_a_first_message_is_handled_at_once(engine: Engine, db: Database) -> None:
    chat = Chat(engine)

    text = await say(chat, "please stop sending me the family day texts")

    assert "You weren't getting any family day notices, so none will be sent." in text
    assert "What do you need help with?" in text
    [record] = await consent_records(db)
    assert (record.subject, record.action) == ("notices:all", "opt_out")


async def test_asking_to_stop_at_the_consent_question_stops_rather_than_asks_again(chat: Chat, db: Database) -> None:
    await subscribe_through_flow(chat, "maidstone")
    await say(chat, "notices")

    text = await say(chat, "stop sending me these messages")

    assert text.startswith("Done. You won't get any more family day notices for HMP Maidstone.")
    assert [s.active for s in await all_rows(db, Subscription)] == [False]


async def test_stop_stops_everything_notices_included_and_start_does_not_resubscribe(
    chat: Chat, db: Database
) -> None:
    await subscribe_through_flow(chat, "maidstone")

    text = await say(chat, "STOP")

    assert text == CONTENT.text("common.stopped")
    [subscription] = await all_rows(db, Subscription)
    assert (subscription.active, subscription.opted_out_at) == (False, DEFAULT_NOW)
    everything = await consent_records(db, subject="all_messages")
    assert [(r.action, r.channel) for r in everything] == [("opt_out", "sms")]
    assert await say(chat, "notices") == ""  # nothing more is sent after STOP, but START
    await say(chat, "START")
    assert [s.active for s in await all_rows(db, Subscription)] == [False]
    await say(chat, "notices")
    await say(chat, "yes")
    assert [s.active for s in await all_rows(db, Subscription)] == [True]
    actions = [(r.subject, r.action) for r in await consent_records(db)]
    assert actions == [("notices:maidstone", "opt_in"), ("all_messages", "opt_out"), ("all_messages", "opt_in"),
                       ("notices:maidstone", "opt_in")]


async def test_opting_back_in_after_opting_out_works(chat: Chat, db: Database) -> None:
    await subscribe_through_flow(chat, "maidstone")
    await say(chat, "stop family day notices")

    await say(chat, "get family day notices")
    text = await say(chat, "yes")

    assert text.startswith("Thank you. You will get family day notices for HMP Maidstone.")
    [subscription] = await all_rows(db, Subscription)
    assert (subscription.active, subscription.opted_out_at) == (True, None)
    assert [r.action for r in await consent_records(db)] == ["opt_in", "opt_out", "opt_in"]


async def subscribe_through_flow(chat: Chat, prison: str) -> None:
    """Family days -> the prison -> Get family day notices -> yes, from wherever the chat is."""
    await say(chat, "menu")
    await say(chat, "family days")
    if "Which prison?" not in chat.last[-1].text:
        await say(chat, "change prison")
    await say(chat, prison)
    await say(chat, "get family day notices")
    await say(chat, "yes")


# --- every reply within the SMS budget ---------------------------------------------------------------


@pytest.mark.parametrize("prison_id", sorted(CONTENT.prisons))
async def test_every_reply_fits_three_sms_segments(
    db: Database, settings: Settings, clock: FixedClock, prison_id: str
) -> None:
    content = with_events(prison_id, *[(DEFAULT_NOW + timedelta(days=day)).date().isoformat() for day in range(8)])
    chat = chat_with(db, settings, clock, content)
    await notice_sent(db, prison_id, "A family day is coming. " * 5, DEFAULT_NOW - timedelta(days=1))
    name = CONTENT.prisons[prison_id].name

    await open_family_days(chat, name)  # say() checks every reply, and so every re-ask here
    for not_understood in ("zzz qqq xyz", "99"):
        await say(chat, not_understood)
    for choice in ("how family days work", "all upcoming dates"):
        await say(chat, choice)
        while "More" in chat.options:
            await say(chat, "zzz qqq xyz")
            await say(chat, "99")
            await say(chat, "more")
        await say(chat, "family days menu")
    await say(chat, "get family day notices")
    for not_understood in ("zzz qqq xyz", "99"):
        await say(chat, not_understood)
    await say(chat, "no")
    for step in ("get family day notices", "yes", "get family day notices", "yes", "stop family day notices",
                 "get family day notices", "no", "stop sending me the family day messages", "notices", "no"):
        await say(chat, step)
    assert chat.last[-1].text == f"Anything else about family days at {name}?"
