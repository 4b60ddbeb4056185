"""Help with travel costs, as a visitor goes through it: on SMS (numbers) and Telegram (buttons).

Each outcome of ``policy.apvs`` is reached by a scripted conversation; the flow asks only what
the rules need, explains "not sure", lets the person go back, and stores what it told them.
"""

from __future__ import annotations

import pytest

from famsbot.content import get_content
from famsbot.dialogue.engine import Engine
from famsbot.policy.apvs import SENTENCES
from famsbot.store.database import Database
from famsbot.store.models import Answer
from tests.support.chat import Chat
from tests.support.rows import all_rows, conversation_of
from tests.support.self_check import asked, option_keys, read_all_pages, script, send

CONTENT = get_content()
CLAIM_HOW_TO = CONTENT.fact("apvs_claim").text
QUESTION = {
    "prison_country": "Which country is the prison in?",
    "home_country": "Which country do you live in?",
    "relationship": "Who is he to you?",
    "relationship_other": "Are you one of these?",
    "benefit": "Do you, or someone in your home, get any of these?",
    "jsa_kind": "Which kind of Jobseeker's Allowance?",
    "age": "How old are you?",
    "claim_timing": "Have you already made the visit",
    "days_since": "How long ago was the visit?",
}


@pytest.fixture(params=["sms", "telegram"])
def person(request: pytest.FixtureRequest, engine: Engine) -> Chat:
    """A visitor on SMS (answers by number) or Telegram (answers by button)."""
    channel = request.param
    return Chat(engine, channel=channel, address="+447700900123" if channel == "sms" else "4242")


async def open_travel_costs(chat: Chat) -> None:
    await chat.send("hello")
    await send(chat, "apvs")


# A claim that passes every check: England, close family, Universal Credit under the limit, 34, a
# visit 5 days ago, the benefit is theirs, no escort.
ELIGIBLE = ("england", "england", "spouse", "universal-credit", "yes", 34, "past", 5, "self", "no")


async def test_eligible_gives_the_outcome_reasons_and_how_to_claim_a_page_at_a_time(person: Chat) -> None:
    await open_travel_costs(person)
    await script(person, *ELIGIBLE)
    pages = await read_all_pages(person)
    assert pages[0].startswith(SENTENCES["eligible"])
    told = "\n".join(pages)
    assert SENTENCES["upload_proof"] in told
    assert SENTENCES["past_in_time"] in told
    assert CLAIM_HOW_TO in told  # where to claim, the 28 days, what evidence to keep
    assert CONTENT.phone("apvs_helpline").number in told
    assert len(pages) > 1
    assert option_keys(person) == ["again", "menu"]


async def test_every_question_answer_and_the_outcome_are_stored(person: Chat, db: Database) -> None:
    await open_travel_costs(person)
    await script(person, *ELIGIBLE)
    rows = await all_rows(db, Answer, flow="apvs")
    questions = [row for row in rows if row.state != "result"]
    assert [row.state for row in questions] == [
        "prison_country", "home_country", "relationship", "benefit", "uc_income", "age", "claim_timing",
        "days_since", "benefit_owner", "escort",
    ]  # fmt: skip
    assert [row.value for row in questions] == [
        "england", "england", "husband", "universal-credit", True, 34, "past", 5, "self", False,
    ]  # fmt: skip
    (outcome,) = [row for row in rows if row.state == "result"]
    assert outcome.value["outcome"] == "eligible"
    assert outcome.value["certain"] is True
    assert outcome.value["answers"]["days_since_visit"] == 5
    assert outcome.reply.startswith(SENTENCES["eligible"])
    assert CLAIM_HOW_TO in outcome.reply


async def test_tax_credits_no_longer_count_and_nothing_more_is_asked(person: Chat) -> None:
    await open_travel_costs(person)
    await script(person, "england", "england", "parent", "tax-credits")
    text = asked(person)
    assert text.startswith("From your answers, you cannot get help with the cost of this visit.")
    assert SENTENCES["tax_credits_ended"] in text
    assert QUESTION["age"] not in text
    assert option_keys(person)[-2:] == ["again", "menu"]


async def test_not_close_family_gets_the_answer_straight_away_without_benefit_questions(
    person: Chat, db: Database
) -> None:
    await open_travel_costs(person)
    await script(person, "england", "wales", "someone-else")
    assert asked(person).startswith(QUESTION["relationship_other"])
    await send(person, "none")
    text = asked(person)
    assert text.startswith("From your answers, you cannot get help")
    assert SENTENCES["relationship_not_listed"] in text
    states = [row.state for row in await all_rows(db, Answer, flow="apvs")]
    assert "benefit" not in states
    assert "age" not in states


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        (("england", "northern_ireland"), "ni_resident"),
        (("northern_ireland",), "ni_prison"),
        (("isle_of_man",), "isle_of_man"),
    ],
)
async def test_another_scheme_is_named_as_soon_as_it_is_known(
    person: Chat, db: Database, answers: tuple[str, ...], reason: str
) -> None:
    await open_travel_costs(person)
    await script(person, *answers)
    assert asked(person).startswith(SENTENCES[reason])
    assert QUESTION["relationship"] not in asked(person)
    outcome = [row for row in await all_rows(db, Answer, flow="apvs") if row.state == "result"]
    assert [row.value["outcome"] for row in outcome] == ["other_scheme"]


async def test_channel_islands_get_limited_help(person: Chat) -> None:
    await open_travel_costs(person)
    await script(person, "jersey", "england", "child", "pension-credit", 61, "advance", 10, "other", "no")
    told = "\n".join(await read_all_pages(person))
    assert told.startswith(SENTENCES["limited_help"])
    assert SENTENCES["channel_islands_checked"] in told
    assert SENTENCES["advance_in_time"] in told
    assert SENTENCES["benefit_owner_other"] in told
    assert CLAIM_HOW_TO in told


@pytest.mark.parametrize(
    ("kind", "eligible"),
    [("jsa-income-based", True), ("jsa-contribution-based", False)],
)
async def test_jsa_is_followed_by_which_kind(person: Chat, kind: str, eligible: bool) -> None:
    await open_travel_costs(person)
    await script(person, "england", "england", "sibling", "jsa")
    assert asked(person).startswith(QUESTION["jsa_kind"])
    await send(person, kind)
    if eligible:
        assert asked(person).startswith(QUESTION["age"])
    else:
        assert SENTENCES["contribution_based"] in asked(person)


async def test_someone_taking_a_child_to_visit_is_asked_about_the_childs_family(person: Chat) -> None:
    await open_travel_costs(person)
    await script(person, "england", "england", "someone-else", "eligible-child")
    assert asked(person).startswith("Does the child's family get any of these?")
    await script(person, "income-support", 45, "past", 1, "other", "no")
    told = "\n".join(await read_all_pages(person))
    assert told.startswith(SENTENCES["eligible"])
    assert SENTENCES["eligible_child"] in told


async def test_not_sure_explains_once_then_moves_on_and_the_answer_is_not_certain(person: Chat) -> None:
    await open_travel_costs(person)
    await script(person, "england", "england", "spouse")
    await send(person, "unsure")
    assert person.last[0].text == SENTENCES["benefit_list"]  # what the question is about
    assert asked(person).startswith(QUESTION["benefit"])  # asked again
    await send(person, "unsure")
    assert asked(person).startswith(QUESTION["age"])  # never asked about benefits again
    await script(person, 40, "past", 3, "self", "no")
    told = "\n".join(await read_all_pages(person))
    assert SENTENCES["not_certain"] in told
    assert QUESTION["benefit"] not in told


async def test_typing_not_sure_to_a_number_question_explains_it(chat: Chat) -> None:
    await open_travel_costs(chat)
    await script(chat, "england", "england", "spouse", "income-support", 30, "past")
    replies = await chat.send("not sure")
    assert replies[0].text == CONTENT.text("apvs.help_days_since")
    assert replies[1].text.startswith(QUESTION["days_since"])


async def test_back_goes_to_the_last_question_and_the_answer_can_be_changed(person: Chat) -> None:
    await open_travel_costs(person)
    await script(person, "england", "england", "spouse")
    assert asked(person).startswith(QUESTION["benefit"])
    await person.send("back")
    assert asked(person).startswith(QUESTION["relationship"])
    await send(person, "someone-else")
    assert asked(person).startswith(QUESTION["relationship_other"])


async def test_back_from_the_result_changes_the_last_answer_and_gives_a_new_outcome(
    person: Chat, db: Database
) -> None:
    await open_travel_costs(person)
    await script(person, "england", "england", "spouse", "income-support", 30, "past", 40)
    assert SENTENCES["past_too_late"] in asked(person)
    await person.send("back")
    assert asked(person).startswith(QUESTION["days_since"])
    await script(person, 12, "self", "no")
    assert asked(person).startswith(SENTENCES["eligible"])
    outcomes = [row.value["outcome"] for row in await all_rows(db, Answer, flow="apvs") if row.state == "result"]
    assert outcomes == ["not_eligible", "eligible"]


async def test_check_again_starts_from_the_first_question(person: Chat) -> None:
    await open_travel_costs(person)
    await script(person, "england", "england", "spouse", "none")
    await send(person, "again")
    assert asked(person).startswith(QUESTION["prison_country"])


@pytest.mark.parametrize(
    ("days", "reason"),
    [(5, "advance_too_soon"), (6, "advance_in_time"), (28, "advance_in_time"), (29, "advance_too_early")],
)
async def test_an_advance_claim_must_be_6_to_28_days_ahead(chat: Chat, days: int, reason: str) -> None:
    await open_travel_costs(chat)
    await script(chat, "england", "scotland", "partner", "yes", "hc2-hc3", 52, "advance", days)
    if reason == "advance_in_time":
        await script(chat, "self", "no")
    told = "\n".join(await read_all_pages(chat))
    assert SENTENCES[reason] in told


async def test_an_escort_is_covered_for_a_visitor_over_75(chat: Chat) -> None:
    await open_travel_costs(chat)
    await script(chat, "england", "england", "parent", "pension-credit", 80, "past", 2, "self", "yes")
    assert asked(chat).startswith("How old is your escort?")  # 80: the reason is not asked
    await send(chat, 45)
    told = "\n".join(await read_all_pages(chat))
    assert SENTENCES["escort_covered"] in told


async def test_from_visits_the_prison_is_known_and_its_country_is_not_asked(chat: Chat, db: Database) -> None:
    await chat.say("hello")
    await chat.say("1")
    await chat.say("maidstone")
    await chat.say("help with travel costs")
    assert "the cost of visiting HMP Maidstone" in chat.last[0].text
    assert asked(chat).startswith(QUESTION["home_country"])
    conversation = await conversation_of(db, "sms", chat.address)
    assert conversation is not None
    assert conversation.answers["prison_country"] == "england"


async def test_from_the_menu_a_remembered_prison_is_used(person: Chat) -> None:
    await person.send("/start maidstone")
    await send(person, "apvs")
    assert asked(person).startswith(QUESTION["home_country"])
    await script(person, "england", "spouse", "universal-credit", "no")
    assert SENTENCES["uc_over_limit"] in asked(person)


async def test_a_relationship_can_be_typed_in_words(chat: Chat) -> None:
    await open_travel_costs(chat)
    await script(chat, "england", "england")
    await chat.send("he is my son")
    assert asked(chat).startswith(QUESTION["benefit"])


async def test_a_date_typed_for_the_age_is_not_taken_as_an_age(chat: Chat) -> None:
    """'in 2 weeks' to "How old are you?" once meant a 2-year-old: "you cannot get help" (false)."""
    await open_travel_costs(chat)
    for answer in ("1", "1", "1", "pension credit"):
        await chat.say(answer)
    text = await chat.say("in 2 weeks")
    assert SENTENCES["too_young"] not in text
    assert "How old are you?" in text
    text = await chat.say("45")
    assert QUESTION["claim_timing"] in text


async def test_when_the_visit_is_answers_whether_it_has_been_made(chat: Chat) -> None:
    """'in 2 weeks' to "Have you already made the visit?" says it is still to come, and when."""
    await open_travel_costs(chat)
    for answer in ("1", "1", "1", "pension credit", "45"):
        await chat.say(answer)
    text = await chat.say("in 2 weeks")
    assert "Sorry" not in text
    assert "in 14 days" in text  # read back, so BACK can correct it
    assert "When is the visit?" not in text  # not asked twice
    text = await chat.say("back")
    assert QUESTION["claim_timing"] in text
    text = await chat.say("no")
    assert "When is the visit?" in text  # the date read from "in 2 weeks" is not kept behind their back


async def test_a_visit_days_ago_answers_that_it_has_been_made(chat: Chat) -> None:
    await open_travel_costs(chat)
    for answer in ("1", "1", "1", "pension credit", "45"):
        await chat.say(answer)
    text = await chat.say("3 days ago")
    assert "Sorry" not in text
    assert "3 days ago" in text  # "So the visit was on ..., 3 days ago"
    assert QUESTION["days_since"] not in text


async def test_a_prison_name_shared_by_two_sites_in_one_country_settles_the_country(chat: Chat) -> None:
    """'hmp parc' is HMP/YOI Parc or its YOI, both in Wales: "Which country is the prison in?" is not asked."""
    text = await chat.say("can i get money for the bus to visit my dad in hmp parc")
    assert QUESTION["prison_country"] not in text
    assert QUESTION["home_country"] in text
