"""Care leavers: what a council still owes a young man in prison who was in care (law in England).

The rules decide the questions. After every answer the flow asks
``policy.care_leavers.next_question`` which answer could still change his status and goes to
that question; when none could, the result. So a 15-year-old hears the answer straight away, and
the special cases (a special guardianship order, six months back home, a course begun before 25)
are asked only when they could matter.

How long he was in care may be given in weeks, months or years ("3 months" is 13 weeks), since
families rarely count it in weeks.

The result is his status in one sentence, what it gives him (the rules' sentences), who to
contact (his personal adviser or the leaving care team of the council that last looked after him,
and what his prison does for care leavers when the prison is known), and the Welsh difference. It
is read a page at a time (``flows.self_check``). When the prison is not known, the result offers
to ask which prison he is in, so the prison's own care-leaver help can be added.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transitions import EventData

from famsbot.content.loader import Content
from famsbot.dialogue.flow import SUBJECT, Flow, FlowModel, answer_is, go_to, model_of
from famsbot.dialogue.steps import Choice
from famsbot.flows.self_check import (
    LAST_PAGE,
    PAGE,
    Count,
    Pick,
    RecordResult,
    Result,
    asks,
    said,
    turning_page,
    unknown_keys,
    wording,
    yes_no,
)
from famsbot.flows.which_prison import DirectoryPrisonStep
from famsbot.policy.answers import subject_of
from famsbot.policy.care_leavers import SENTENCES, WALES_NOTE, classify, next_question

__all__ = ["FLOW", "result_sentences"]

CARE_BASES = [
    Choice("care_order", "care_leavers.basis_care_order", ("care order", "court order")),
    Choice("s20", "care_leavers.basis_s20", ("section 20", "s20", "voluntary")),
    Choice("remand", "care_leavers.basis_remand", ("remand", "remanded", "on remand")),
    Choice("private_fostering", "care_leavers.basis_private_fostering", ("private fostering", "privately fostered")),
    Choice("sentenced_custody_only", "care_leavers.basis_sentenced", ("sentence", "sentenced", "custody")),
    Choice("informal_kinship", "care_leavers.basis_kinship", ("family", "friends", "kinship", "with family")),
]
PRISON_HELP = Choice("prison", "care_leavers.opt_prison", ("prison", "his prison", "which prison"))
RESULT_ACTIONS = [
    Choice("again", "care_leavers.check_again", ("check again", "again", "restart")),
    Choice("menu", "common.main_menu", ("menu", "main menu")),
]
MORE = Choice("more", "care_leavers.more", ("more", "next", "go on"))


def result_actions(model: FlowModel) -> list[Choice]:
    """The result's choices: "Help at his prison" too, for a care leaver whose prison is not known."""
    if model.place is not None or _status(model) == "not_care_leaver":
        return RESULT_ACTIONS
    return [PRISON_HELP, *RESULT_ACTIONS]


RESULT = Result(lambda model: result_sentences(model), more=MORE, actions=result_actions)
STEPS = {
    "age": Count("age", "care_leavers.ask_age", minimum=0, maximum=120, explain=wording("care_leavers.help_age")),
    "looked_after_16": yes_no("looked_after_on_or_after_16", "care_leavers.ask_looked_after_16",
                              explain=wording("care_leavers.help_looked_after")),
    "weeks": Count("weeks_in_care_since_14", "care_leavers.ask_weeks", minimum=0, maximum=600, unit="week",
                   explain=wording("care_leavers.help_weeks")),
    "care_basis": Pick("care_basis", "care_leavers.ask_care_basis", CARE_BASES,
                       explain=wording("care_leavers.help_care_basis")),
    "still_in_care": yes_no("still_in_care", "care_leavers.ask_still_in_care",
                            explain=wording("care_leavers.help_still_in_care")),
    "detained_16": yes_no("detained_on_16th_birthday", "care_leavers.ask_detained_16",
                          explain=said(SENTENCES["detained_16th"])),
    "months_home": Count("returned_home_to_parent_months", "care_leavers.ask_months_home", minimum=0, maximum=300,
                         unit="month", no_is_zero=True, explain=wording("care_leavers.help_months_home")),
    "still_with_parent": yes_no("still_living_with_parent", "care_leavers.ask_still_with_parent",
                                explain=said(SENTENCES["back_home_breaks_down"])),
    "programme": yes_no("programme_in_pathway_plan_started_before_25", "care_leavers.ask_programme",
                        explain=said(SENTENCES["programme_past_25"])),
    "education": yes_no("in_education_or_training", "care_leavers.ask_education",
                        explain=wording("care_leavers.help_education")),
    "sgo": yes_no("special_guardianship_order", "care_leavers.ask_sgo", explain=said(SENTENCES["sgo_not_care"])),
    "before_sgo": yes_no("looked_after_immediately_before_sgo", "care_leavers.ask_before_sgo",
                         explain=wording("care_leavers.help_looked_after")),
    "result": RESULT,
    # Any prison in England and Wales; a shared name (Parc) is asked again with the few it could mean.
    "prison": DirectoryPrisonStep("care_leavers.ask_prison", ask_sites=False),
}  # fmt: skip
QUESTIONS = [state for state in STEPS if state not in ("result", "prison")]


def rules_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers as the rules read them, without the engine's bookkeeping."""
    return {key: value for key, value in answers.items() if not key.startswith("_")}


def needed(model: FlowModel) -> str | None:
    """The answer that could still change his status, if any."""
    return next_question(rules_answers(model.answers), skip=unknown_keys(model.answers))


def introduce(event: EventData) -> None:
    """Say what this is about: the law in England, a few questions, BACK to change an answer."""
    model_of(event).say("care_leavers.intro")


def show_result(event: EventData) -> None:
    """Nothing more could change his status: show the first page of the result, and record it."""
    model = model_of(event)
    model.answers.pop(PAGE, None)
    classification = classify(rules_answers(model.answers))
    verdict = {
        "status": classification.status,
        "certain": classification.certain,
        "entitlements": classification.entitlements,
        "answers": rules_answers(model.answers),
    }
    model.effects.append(RecordResult("care_leavers", "\n".join(result_sentences(model)), verdict))


def show_prison_help(event: EventData) -> None:
    """Back to the result, on the page that now says what his prison does (else the last page)."""
    model = model_of(event)
    line = _prison_line(model)
    pages = RESULT.pages(model)
    model.answers[PAGE] = next((i for i, page in enumerate(pages) if line and line in page), LAST_PAGE)


TRANSITIONS: list[dict[str, Any]] = [
    # At the result: the next page, his prison's help, check again, or the main menu.
    {"trigger": "answer", "source": "result", "dest": "result", "conditions": turning_page},
    {"trigger": "answer", "source": "result", "dest": "prison", "conditions": answer_is(PAGE, "prison")},
    {"trigger": "answer", "source": "result", "dest": None, "conditions": answer_is(PAGE, "again"),
     "after": go_to("care_leavers", "prison")},
    {"trigger": "answer", "source": "result", "dest": None, "after": go_to("menu")},
    {"trigger": "answer", "source": "prison", "dest": "result", "after": show_prison_help},
    # On entering, and after every answer: the question that could still change his status, or the
    # result once none could.
    *(
        {"trigger": "begin", "source": "start", "dest": state, "before": introduce,
         "conditions": asks(STEPS[state].key, needed)}
        for state in QUESTIONS
    ),
    {"trigger": "begin", "source": "start", "dest": "result", "before": introduce, "after": show_result},
    *(
        {"trigger": "answer", "source": QUESTIONS, "dest": state, "conditions": asks(STEPS[state].key, needed)}
        for state in QUESTIONS
    ),
    {"trigger": "answer", "source": QUESTIONS, "dest": "result", "after": show_result},
]  # fmt: skip

def who(text: str, content: Content) -> dict[str, Any]:
    """Whom the questions are about: the care leaver themself ("you"), a young woman ("she"), or him."""
    subject = subject_of(text)
    return {SUBJECT: subject} if subject else {}


FLOW = Flow("care_leavers", STEPS, TRANSITIONS, title="care_leavers.title", fill=who)


# --- the result ---------------------------------------------------------------------------------


def result_sentences(model: FlowModel) -> list[str]:
    """His status in one sentence, what it gives him, who to contact, and the Welsh difference.

    A status comes with its own first sentence; "not a care leaver" gets one here, since the
    rules start with the reason. Contacts are given whenever a council may owe him something.
    """
    classification = classify(rules_answers(model.answers))
    lines: list[str] = []
    if classification.status == "not_care_leaver":
        lines.append(model.text("care_leavers.outcome_not_care_leaver"))
    lines.extend(classification.entitlements)
    if classification.status != "not_care_leaver":
        lines.append(model.text("care_leavers.contact"))
        if at_prison := _prison_line(model):
            lines.append(at_prison)
    lines.append(WALES_NOTE)
    return lines


def _prison_line(model: FlowModel) -> str | None:
    """What his prison does for care leavers: the seed file's words, or that no source says (any prison)."""
    prison, place = model.prison, model.place
    if prison is not None and prison.care_leavers is not None:
        return model.text("care_leavers.at_prison", text=prison.care_leavers.text)
    if place is None:
        return None
    key = "care_leavers.at_prison_unknown" if place.gov_uk_page else "care_leavers.at_prison_unknown_no_page"
    return model.text(key, prison=place.name, page=place.gov_uk_page or "")  # never a guess at what it does


def _status(model: FlowModel) -> str:
    return classify(rules_answers(model.answers)).status
