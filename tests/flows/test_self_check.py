"""The building blocks of the self-check flows, without a database: pages and spoken lengths of time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from famsbot.channels.render import sms_text
from famsbot.content import get_content
from famsbot.dialogue.flow import FlowModel, TurnContext
from famsbot.dialogue.messages import Inbound, Option, Reply
from famsbot.dialogue.steps import Accepted, Explain
from famsbot.flows import apvs, care_leavers
from famsbot.flows.self_check import Count, paginate, wording
from famsbot.policy import apvs as apvs_rules
from famsbot.policy import care_leavers as care_leaver_rules
from famsbot.sms_text import MAX_SEGMENTS, segments

CONTENT = get_content()
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LABELS = ["More", "Help at his prison", "Check again", "Main menu"]  # the most a result page offers


def model(answers: dict[str, object] | None = None, prison: str | None = None) -> FlowModel:
    return FlowModel("age", dict(answers or {}), TurnContext(CONTENT, NOW, "sms", prison))


def fits(text: str) -> bool:
    options = tuple(Option(str(n), label) for n, label in enumerate(LABELS))
    return segments(sms_text(Reply(text, options))) <= MAX_SEGMENTS


def test_pages_keep_the_order_and_each_fits_the_sms_budget() -> None:
    sentences = [f"Sentence {n}. " + "x" * 120 for n in range(10)]
    pages = paginate(sentences, LABELS)
    assert "\n".join(pages) == "\n".join(sentences)
    assert len(pages) > 1
    assert all(fits(page) for page in pages)


def test_a_sentence_is_never_split_across_pages() -> None:
    pages = paginate(["short", "y" * 400, "short again"], LABELS)
    assert pages == ["short", "y" * 400, "short again"]


def closing_lines() -> list[str]:
    """Every line either result can say that is not one of the rules' own (one-SMS) sentences."""
    lines = [
        CONTENT.fact("apvs_claim").text,
        CONTENT.text("apvs.helpline", number=CONTENT.phone("apvs_helpline").number),
        CONTENT.text("apvs.families_helpline", number=CONTENT.phone("families_helpline").number),
        CONTENT.text("apvs.outcome_not_eligible"),
        CONTENT.text("apvs.outcome_not_eligible_yet"),
        CONTENT.text("care_leavers.outcome_not_care_leaver"),
        CONTENT.text("care_leavers.contact"),
    ]
    for prison in CONTENT.prisons.values():
        if prison.care_leavers is not None:
            lines.append(CONTENT.text("care_leavers.at_prison", prison=prison.name, text=prison.care_leavers.text))
    return lines


@pytest.mark.parametrize(
    "line", [*apvs_rules.SENTENCES.values(), *care_leaver_rules.SENTENCES.values(), *closing_lines()]
)
def test_every_line_of_a_result_fits_a_page_on_its_own(line: str) -> None:
    """So no page can be over budget: pages are filled a whole line at a time."""
    assert fits(line)


def test_results_are_worded_for_the_prison_when_it_is_known() -> None:
    answers = {"age": 19, "looked_after_on_or_after_16": True, "weeks_in_care_since_14": 30,
               "care_basis": "care_order", "returned_home_to_parent_months": 0}  # fmt: skip
    help_there = CONTENT.prison("chelmsford").care_leavers
    assert help_there is not None
    known = care_leavers.result_sentences(model(answers, prison="chelmsford"))
    unknown = care_leavers.result_sentences(model(answers))
    added = CONTENT.text("care_leavers.at_prison", prison="HMP/YOI Chelmsford", text=help_there.text)
    assert [line for line in known if line not in unknown] == [added]


def test_a_claim_ends_with_the_national_how_to_instead_of_the_rules_short_line() -> None:
    answers = {"prison_country": "england", "home_country": "england", "relationship": "husband",
               "benefit": "income-support", "age": 30, "claim_timing": "past", "days_since_visit": 1}  # fmt: skip
    lines = apvs.result_sentences(model(answers))
    assert apvs_rules.SENTENCES["apply_online"] not in lines
    assert CONTENT.fact("apvs_claim").text in lines


WEEKS = Count("weeks", "care_leavers.ask_weeks", minimum=0, maximum=600, unit="week",
              explain=wording("care_leavers.help_weeks"))  # fmt: skip
MONTHS = Count("months", "care_leavers.ask_months_home", minimum=0, maximum=300, unit="month", no_is_zero=True,
               explain=wording("care_leavers.help_months_home"))  # fmt: skip


@pytest.mark.parametrize(
    ("step", "typed", "value"),
    [
        (WEEKS, "20", 20),
        (WEEKS, "20 weeks", 20),
        (WEEKS, "about 3 months", 13),
        (WEEKS, "1 year 6 months", 78),
        (WEEKS, "2 yrs", 104),
        (MONTHS, "26 weeks", 6),
        (MONTHS, "1 year", 12),
        (MONTHS, "no", 0),
        (MONTHS, "7", 7),
    ],
)
def test_time_can_be_said_in_any_unit(step: Count, typed: str, value: int) -> None:
    assert step.read(model(), Inbound("sms", "x", typed)) == Accepted(value, typed if typed == "no" else str(value))


def test_not_sure_is_explained_once_then_accepted_as_unknown() -> None:
    asking = model()
    first = WEEKS.read(asking, Inbound("sms", "x", "not sure"))
    assert first == Explain(CONTENT.text("care_leavers.help_weeks"))
    assert WEEKS.read(asking, Inbound("sms", "x", "no idea")) == Accepted(None, "Not sure")


def test_a_number_question_offers_a_not_sure_button_only_on_telegram() -> None:
    on_telegram = FlowModel("age", {}, TurnContext(CONTENT, NOW, "telegram"))
    assert [o.key for o in WEEKS.options(on_telegram)] == ["unsure"]
    assert WEEKS.options(model()) == ()  # on SMS a numbered option would clash with the number
