"""A worry about someone in any prison in England and Wales, not only the three seed prisons.

Through the real engine on SMS: the family types the prison's name (Wandsworth, Parc, Berwyn), the
concern is recorded at that prison with its NOMIS reference, routed honestly (its own team when
configured, else national triage) and the family is told exactly that; the numbers given are the
ones a source gives, else the prison's gov.uk page, never a guessed number. The console shows the
concern to that prison's safer custody officers and to no other prison's.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from famsbot.clock import FixedClock
from famsbot.concerns import run_escalations
from famsbot.config import AlertTarget, Settings
from famsbot.content import get_content
from famsbot.dialogue.engine import Engine
from famsbot.store.database import Database
from famsbot.store.models import Concern, Contact, Outbox
from tests.support.chat import Chat
from tests.support.concerns import add_staff
from tests.support.console import console
from tests.support.rows import all_rows
from tests.support.self_check import script, send

CONTENT = get_content()
WANDSWORTH_PAGE = "https://www.gov.uk/guidance/wandsworth-prison"
NATIONAL = {"*": AlertTarget(sms="+447700900999")}
TEAM = "the Example Trust's triage team"
UNTRUE = ("on its way to", "passing this to HMP", "went to HMP/YOI Wandsworth's safer custody team")


async def raise_concern(chat: Chat, prison: str) -> str:
    """The whole non-urgent path, typed the way people type, about someone in ``prison``."""
    await chat.say("hes not called in 4 days im worried")
    asked = await chat.say(prison)
    assert "What is his name?" in asked
    await chat.say("John Smith")
    await chat.say("a1234 bc")
    await chat.say("no")  # danger right now
    await chat.say("no")  # ACCT
    await chat.say("yes")  # consent to tell him
    summary = await chat.say("1")  # reply in this chat; then the summary to check
    assert "Prison: HMP/YOI Wandsworth" in summary
    return await chat.say("1")  # yes, send it


async def test_a_concern_about_wandsworth_goes_to_national_triage_and_the_family_is_told_so(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    configured = settings.model_copy(update={"alert_targets": {"maidstone": AlertTarget(telegram_chat_id="-1001"),
                                                                **NATIONAL}, "triage_team": TEAM})  # fmt: skip
    chat = Chat(Engine(db, configured, clock=clock))
    text = await raise_concern(chat, "wandsworth")

    [concern] = await all_rows(db, Concern)
    assert concern.prison_id == "wandsworth"
    assert re.fullmatch(r"WWI-[ACEFHJKMNPQRTWXY346789]{4}", concern.reference)  # Wandsworth's NOMIS code
    assert concern.routed_to == "national"
    said = " ".join(text.split())
    assert f"Wandsworth's safer custody team is not connected to famsbot, so I've passed your concern to {TEAM}" in said
    assert f"reference is {concern.reference}" in text
    assert WANDSWORTH_PAGE in text  # where its number is published; no number is made up
    assert not any(untrue in text for untrue in UNTRUE)
    [alert] = await all_rows(db, Outbox, kind="alert")
    assert (alert.channel, alert.address) == ("sms", "+447700900999")
    assert "HMP/YOI Wandsworth" in alert.body
    async with db.transaction() as session:
        contact = (await session.exec(select(Contact).where(Contact.address == chat.address))).one()
    assert contact.prison_id == "wandsworth"  # remembered for next time

    news = " ".join((await chat.say(f"any news on my concern {concern.reference}")).split())
    assert f"Your concern {concern.reference} went to {TEAM}" in news
    assert "Wandsworth's safer custody team" not in news  # it never went there


@pytest.mark.parametrize("key", ["wandsworth", "WWI"])
async def test_a_wandsworth_team_configured_by_id_or_nomis_code_is_alerted(
    db: Database, settings: Settings, clock: FixedClock, key: str
) -> None:
    configured = settings.model_copy(update={"alert_targets": {key: AlertTarget(telegram_chat_id="-1002"),
                                                                **NATIONAL}})  # fmt: skip
    text = await raise_concern(Chat(Engine(db, configured, clock=clock)), "HMP Wandsworth")

    [concern] = await all_rows(db, Concern)
    assert (concern.prison_id, concern.routed_to) == ("wandsworth", "prison")
    assert "Your concern is on its way to HMP/YOI Wandsworth's safer custody team" in text
    assert [(a.channel, a.address) for a in await all_rows(db, Outbox, kind="alert")] == [("telegram", "-1002")]


async def test_an_urgent_message_naming_parc_gets_the_route_then_one_question_adult_or_yoi(
    chat: Chat, db: Database
) -> None:
    replies = await chat.send("my son in parc says he will kill himself tonight")
    route = replies[0]
    assert route.urgent
    assert "999" in route.text
    assert "Orderly Officer" in route.text
    assert "?" not in route.text  # the numbers first, before any question
    [concern] = await all_rows(db, Concern)
    assert concern.urgent  # recorded at once, before the question
    asked = replies[-1]
    assert {option.key for option in asked.options} == {"parc", "parc-yoi"}  # only the two Parcs

    await chat.say("the yoi")
    [concern] = await all_rows(db, Concern)
    assert concern.prison_id == "parc-yoi"
    assert concern.urgent


async def test_the_danger_question_gives_wandsworths_page_not_a_guessed_number(chat: Chat, db: Database) -> None:
    await chat.say("hes not called in 4 days im worried")
    for answer in ("wandsworth", "John Smith", "dont know"):
        await chat.say(answer)
    replies = await chat.send("yes")  # someone is in danger right now
    assert replies[0].urgent
    text = " ".join(replies[0].text.split())
    assert "ring HMP/YOI Wandsworth on the main number on its gov.uk page" in text
    assert WANDSWORTH_PAGE in text
    [concern] = await all_rows(db, Concern)
    assert (concern.prison_id, concern.urgent) == ("wandsworth", True)


async def test_not_knowing_the_prison_still_passes_the_worry_on(chat: Chat, db: Database) -> None:
    await chat.say("hes not called in 4 days im worried")
    text = await chat.say("i dont know which prison hes in")
    assert "gov.uk/find-prisoner" in text or CONTENT.fact("find_prisoner").text in text
    assert "What is his name?" in text
    for answer in ("John Smith", "dont know", "no", "no", "yes"):
        await chat.say(answer)
    assert "Prison: I don't know" in await chat.say("1")
    await chat.say("1")
    [concern] = await all_rows(db, Concern)
    assert concern.prison_id is None
    assert concern.reference.startswith("FAM-")


async def test_a_care_leaver_at_berwyn(chat: Chat) -> None:
    await chat.say("hello")
    await send(chat, "care_leavers")
    await script(chat, 18, "yes", 52, "care_order", 0)
    await send(chat, "prison")  # "Help at his prison"
    told = " ".join((await chat.say("berwyn")).split())
    assert "I have no published details of what HMP/YOI Berwyn does for care leavers" in told
    assert "https://www.gov.uk/guidance/berwyn-prison" in told
    assert "Which prison" not in told


async def test_wandsworth_safer_custody_see_the_concern_and_maidstone_do_not(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await raise_concern(Chat(Engine(db, settings, clock=clock)), "wandsworth")
    [concern] = await all_rows(db, Concern)
    await add_staff(db, "sc@wandsworth.test", prison="wandsworth")
    await add_staff(db, "sc@maidstone.test", prison="maidstone")
    await add_staff(db, "admin@famsbot.test", role="admin")

    async with console(settings, clock) as staff:
        await staff.login("sc@wandsworth.test")
        inbox = await staff.get("/staff/concerns")
        assert concern.reference in inbox.text
        assert "HMP/YOI Wandsworth" in inbox.text
        page = await staff.get(f"/staff/concerns/{concern.id}")
        assert page.status_code == 200
        assert "HMP/YOI Wandsworth" in page.text
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        assert concern.reference not in (await staff.get("/staff/concerns?status=all")).text
        assert (await staff.get(f"/staff/concerns/{concern.id}")).status_code == 404
    async with console(settings, clock) as staff:
        await staff.login("admin@famsbot.test")
        inbox = await staff.get("/staff/concerns?prison=wandsworth")
        assert '<option value="wandsworth" selected>HMP/YOI Wandsworth</option>' in inbox.text
        assert '<option value="berwyn">HMP/YOI Berwyn</option>' in inbox.text  # any prison can be filtered
        assert concern.reference in inbox.text
        assert concern.reference not in (await staff.get("/staff/concerns?prison=maidstone")).text


async def test_the_urgent_check_back_about_wandsworth_gives_its_page_and_escalates_to_its_duty_contact(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    configured = settings.model_copy(update={"duty_targets": {"WWI": AlertTarget(sms="+447700900555")}})
    chat = Chat(Engine(db, configured, clock=clock))
    await chat.say("/start wandsworth")
    route = (await chat.send("he said hes going to hang himself"))[0]
    assert route.urgent
    assert WANDSWORTH_PAGE in route.text  # where its number is published: no switchboard is sourced
    clock.advance(timedelta(minutes=46))
    await run_escalations(db, configured, CONTENT, clock.now())

    [follow_up] = await all_rows(db, Outbox, kind="followup")
    body = " ".join(follow_up.body.split())
    assert "ring HMP/YOI Wandsworth on the main number on its gov.uk page" in body
    assert "Your concern is with the safer custody team" not in body  # no Wandsworth team was alerted
    duty = [row for row in await all_rows(db, Outbox, kind="escalation") if row.address == "+447700900555"]
    assert duty  # its duty contact, configured by NOMIS code
    assert "HMP/YOI Wandsworth" in duty[0].body

    text = " ".join((await chat.say("couldn't get through")).split())
    assert "keep trying HMP/YOI Wandsworth on the main number on its gov.uk page" in text
    assert WANDSWORTH_PAGE in text


async def test_typing_parc_asks_adult_or_yoi_and_not_sure_still_passes_the_worry_on(chat: Chat, db: Database) -> None:
    await chat.say("hes not called in 4 days im worried")
    replies = await chat.send("parc")
    assert {option.key for option in replies[-1].options} == {"parc", "parc-yoi"}
    text = await chat.say("not sure")
    assert "What is his name?" in text
    for answer in ("John Smith", "dont know", "no", "no", "yes"):
        await chat.say(answer)
    assert "Prison: I don't know" in await chat.say("1")
    await chat.say("1")
    [concern] = await all_rows(db, Concern)
    assert concern.prison_id is None  # never guessed between the adult prison and the YOI


@pytest.mark.parametrize("message", ["theyve warned him hes getting done in after tea",
                                     "he's doing a first aid course and says he'll kill himself after"])
async def test_an_urgent_message_is_not_put_at_a_prison_it_only_sounds_like(
    chat: Chat, db: Database, message: str
) -> None:
    await chat.say("/start wandsworth")
    replies = await chat.send(message)  # "done in" is not Doncaster; "aid course" is not Altcourse
    assert replies[0].urgent
    assert WANDSWORTH_PAGE in replies[0].text  # the prison they told us, not one guessed from a misspelling
    [concern] = await all_rows(db, Concern)
    assert concern.prison_id == "wandsworth"


async def test_sites_of_one_prison_are_one_safer_custody_team(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    bullingdon = {p.id for p in CONTENT.directory if p.group == "bullingdon"}
    assert len(bullingdon) == 2  # convicted and remand: two booking sites, one prison (one NOMIS code)
    chat = Chat(Engine(db, settings, clock=clock))
    await chat.say("hes not called in 4 days im worried")
    assert "What is his name?" in await chat.say("bullingdon")  # no "which site?" for a concern
    for reply in ("John Smith", "dont know", "no", "no", "yes", "1", "1"):
        await chat.say(reply)
    [concern] = await all_rows(db, Concern)
    assert concern.prison_id in bullingdon
    other_site = next(iter(bullingdon - {concern.prison_id}))
    await add_staff(db, "sc@bullingdon.test", prison=other_site)
    async with console(settings, clock) as staff:
        await staff.login("sc@bullingdon.test")
        assert concern.reference in (await staff.get("/staff/concerns")).text
