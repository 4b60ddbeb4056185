"""Care leavers, as a family member goes through it: on SMS (numbers) and Telegram (buttons).

Each status of ``policy.care_leavers`` is reached by a scripted conversation; the flow asks only
what could change the status, explains "not sure", lets the person go back, gives who to contact
(with the prison's own care-leaver help when the prison is known) and the Welsh difference, and
stores what it told them.
"""

from __future__ import annotations

import pytest

from famsbot.content import get_content
from famsbot.dialogue.engine import Engine
from famsbot.policy.care_leavers import SENTENCES, WALES_NOTE
from famsbot.store.database import Database
from famsbot.store.models import Answer
from tests.support.chat import Chat
from tests.support.rows import all_rows
from tests.support.self_check import Answer as Said
from tests.support.self_check import Typed, asked, option_keys, read_all_pages, script, send

CONTENT = get_content()
CONTACT = CONTENT.text("care_leavers.contact")
QUESTION = {
    "age": "How old is he now?",
    "looked_after_16": "Was he looked after by a council at any time after his 16th birthday?",
    "weeks": "Since he turned 14, how long was he looked after",
    "care_basis": "What kind of care was it?",
    "months_home": "After leaving care, did he go back to live with a parent?",
}


@pytest.fixture(params=["sms", "telegram"])
def person(request: pytest.FixtureRequest, engine: Engine) -> Chat:
    """A family member on SMS (answers by number) or Telegram (answers by button)."""
    channel = request.param
    return Chat(engine, channel=channel, address="+447700900123" if channel == "sms" else "4242")


async def open_care_leavers(chat: Chat) -> None:
    await chat.send("hello")
    await send(chat, "care_leavers")


@pytest.mark.parametrize(
    ("answers", "status_sentence", "also"),
    [
        # 17, in council care since 15 and still there: eligible.
        ((17, "yes", Typed("20 weeks"), "care_order", "yes"), "status_eligible", ["needs_assessment", "staying_put"]),
        # 17, left care after 2 years of voluntary care, not back home: relevant.
        ((17, "yes", 104, "s20", "no", 0), "status_relevant", ["relevant_home_money"]),
        # 19, two years in care: former relevant with the full duties to 21.
        ((19, "yes", Typed("2 years"), "care_order", Typed("no")), "status_former_relevant",
         ["frc_bursary", "staying_put"]),
        # 22: a personal adviser on request until 25, in education or not (since April 2018).
        ((22, "yes", 60, "remand", 0), "status_former_relevant", ["pa_to_25", "leaflet_21_25", "remand_counts"]),
        # 26, on a course his pathway plan agreed before 25: help until it ends.
        ((26, "yes", 60, "care_order", "yes", 0), "status_former_relevant", ["programme_past_25"]),
        # 19, 8 weeks of care after 16: qualifying.
        ((19, "yes", 8, "s20"), "status_qualifying", ["qualifying_short_care", "qualifying_advice"]),
        # 26, no course: the duties have ended.
        ((26, "yes", 60, "care_order", "no"), "not_entitled_age", ["local_offer"]),
    ],
)
async def test_each_status_with_what_it_gives_who_to_contact_and_wales(
    person: Chat, answers: tuple[Said, ...], status_sentence: str, also: list[str]
) -> None:
    await open_care_leavers(person)
    await script(person, *answers)
    pages = await read_all_pages(person)
    assert pages[0].startswith(SENTENCES[status_sentence])
    told = "\n".join(pages)
    for key in [*also, "check_with_team"]:  # always: the team or adviser confirms; he can have an advocate
        assert SENTENCES[key] in told, key
    assert CONTACT in told
    assert told.endswith(WALES_NOTE)


async def test_never_in_care_is_not_a_care_leaver(person: Chat) -> None:
    await open_care_leavers(person)
    await script(person, 19, "no", 0, "no")
    text = asked(person)
    assert text.startswith("From your answers, he does not seem to be a care leaver.")
    assert SENTENCES["never_in_care"] in text
    assert QUESTION["care_basis"] not in text
    assert "prison" not in option_keys(person)


async def test_under_16_gets_the_answer_after_one_question(person: Chat, db: Database) -> None:
    await open_care_leavers(person)
    await send(person, 15)
    assert SENTENCES["under_16"] in asked(person)
    rows = await all_rows(db, Answer, flow="care_leavers")
    assert [(row.state, row.value) for row in rows if row.state != "result"] == [("age", 15)]
    (outcome,) = [row for row in rows if row.state == "result"]
    assert outcome.value["status"] == "not_care_leaver"
    assert SENTENCES["under_16"] in outcome.reply


async def test_six_months_back_home_makes_him_qualifying(chat: Chat) -> None:
    await open_care_leavers(chat)
    await script(chat, 17, "yes", 30, "care_order", "no")
    assert asked(chat).startswith(QUESTION["months_home"])
    await send(chat, Typed("1 year"))  # in months: 12
    assert asked(chat).startswith("Is that parent's home still his home?")
    await send(chat, "yes")
    told = "\n".join(await read_all_pages(chat))
    assert told.startswith(SENTENCES["status_qualifying"])
    assert SENTENCES["back_home"] in told


async def test_no_return_home_can_be_answered_no(chat: Chat) -> None:
    await open_care_leavers(chat)
    await script(chat, 19, "yes", 30, "care_order")
    await chat.send("no")
    assert asked(chat).startswith(SENTENCES["status_former_relevant"])


async def test_not_sure_about_the_weeks_explains_then_moves_on(person: Chat) -> None:
    await open_care_leavers(person)
    await script(person, 19, "yes")
    replies = await person.send("not sure")
    assert replies[0].text == CONTENT.text("care_leavers.help_weeks")
    assert replies[1].text.startswith(QUESTION["weeks"])
    await person.send("dont know")
    assert asked(person).startswith(QUESTION["care_basis"])  # he was in care after 16, so it could count
    await send(person, "care_order")
    told = "\n".join(await read_all_pages(person))
    assert told.startswith(SENTENCES["status_qualifying"])
    assert SENTENCES["not_certain"] in told


async def test_not_sure_what_looked_after_means(person: Chat) -> None:
    await open_care_leavers(person)
    await send(person, 18)
    await send(person, "unsure")
    assert person.last[0].text == CONTENT.text("care_leavers.help_looked_after")
    assert asked(person).startswith(QUESTION["looked_after_16"])


async def test_back_changes_an_answer(person: Chat) -> None:
    await open_care_leavers(person)
    await script(person, 19, "no")
    assert asked(person).startswith(QUESTION["weeks"])
    await person.send("back")
    assert asked(person).startswith(QUESTION["looked_after_16"])
    await send(person, "yes")
    assert asked(person).startswith(QUESTION["weeks"])
    await script(person, 20, "private_fostering")
    assert asked(person).startswith(SENTENCES["status_qualifying"])


async def test_the_prison_care_leaver_help_is_given_when_the_prison_is_known(person: Chat) -> None:
    await person.send("/start stoke heath")
    await send(person, "care_leavers")
    await script(person, 18, "yes", 52, "care_order", 0)
    told = "\n".join(await read_all_pages(person))
    help_there = CONTENT.prison("stoke-heath").care_leavers
    assert help_there is not None
    assert f"At HMP/YOI Stoke Heath: {help_there.text}" in told


async def test_the_prisons_help_can_be_asked_for_at_the_result(person: Chat) -> None:
    await open_care_leavers(person)
    await script(person, 18, "yes", 52, "care_order", 0)
    assert "prison" in option_keys(person)
    await send(person, "prison")
    assert asked(person).startswith("Which prison is he in?")
    if person.channel == "telegram":
        await person.send("HMP Maidstone", option="maidstone")
    else:
        await person.send("maidstone")
    help_there = CONTENT.prison("maidstone").care_leavers
    assert help_there is not None
    assert f"At HMP Maidstone: {help_there.text}" in asked(person)
    assert asked(person).endswith(WALES_NOTE)
    assert option_keys(person) == ["again", "menu"]


async def test_time_in_care_can_be_given_in_months(chat: Chat, db: Database) -> None:
    await open_care_leavers(chat)
    await script(chat, 17, "yes")
    await chat.send("about 3 months")
    rows = await all_rows(db, Answer, flow="care_leavers", state="weeks")
    assert [row.value for row in rows] == [13]  # exactly the 13 weeks the law asks for


async def test_check_again_and_main_menu(person: Chat) -> None:
    await open_care_leavers(person)
    await send(person, 15)
    await send(person, "again")
    assert asked(person).startswith(QUESTION["age"])
    await send(person, 15)
    await send(person, "menu")
    assert asked(person).startswith("What do you need help with?")
