"""Help with travel costs: can this visitor claim Help with Prison Visits (APVS) for a visit?

The rules decide the questions. After every answer the flow asks ``policy.apvs.next_question``
which answer it needs next and goes to that question; when it needs nothing more, the result.
So a visitor who is not close family hears the answer straight after saying so, and is never
asked about benefits. Once a claim can go ahead, ``follow_up_question`` asks the details that
change what to tell them (whose benefit it is, an escort).

A prison known from the conversation (the visits flow hands its prison over; otherwise the
remembered one) settles which country the prison is in, so that is not asked.

Long lists are grouped for SMS: choices the rules treat alike share one option (husband, wife or
civil partner), and JSA and ESA get a second question for their kind, the only thing about them
that matters. A grouped option stores its first policy value; the ``Answer`` row keeps the words
the person chose. Someone taking a child of his family to visit is asked about the child's
family's benefit instead of their own.

The result is the outcome in one sentence, the rules' reasons, then how to claim (or where to go
instead), a page at a time (``flows.self_check``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transitions import EventData

from famsbot.content.loader import Content
from famsbot.dialogue.flow import Flow, FlowModel, answer_is, go_to, model_of
from famsbot.dialogue.messages import Inbound
from famsbot.dialogue.steps import Accepted, Choice, ReadResult
from famsbot.flows.self_check import (
    PAGE,
    Count,
    DaysAway,
    Pick,
    RecordResult,
    Result,
    asks,
    said,
    say_date,
    turning_page,
    unknown_keys,
    wording,
    yes_no,
)
from famsbot.policy.answers import Direction, mentioned_age, read_days
from famsbot.policy.apvs import SENTENCES, assess, follow_up_question, next_question
from famsbot.policy.prisons import find_prison
from famsbot.policy.text import plain_words

__all__ = ["FLOW", "result_sentences"]

COUNTRIES = [
    Choice("england", "apvs.england"),
    Choice("wales", "apvs.wales"),
    Choice("scotland", "apvs.scotland"),
    Choice("northern_ireland", "apvs.northern_ireland", ("ni", "n ireland", "belfast")),
    Choice("jersey", "apvs.jersey"),
    Choice("guernsey", "apvs.guernsey"),
    Choice("isle_of_man", "apvs.isle_of_man", ("iom", "isle of man", "douglas")),
]
HOME_COUNTRIES = COUNTRIES[:4]

# "He is my: ..." (what the prisoner is to the visitor, as the claim form asks).
RELATIONSHIPS = [
    Choice("spouse", "apvs.rel_spouse", ("husband", "wife", "civil partner", "married", "spouse"), "husband"),
    Choice("partner", "apvs.rel_partner", ("partner", "boyfriend", "girlfriend", "not married")),
    Choice("child", "apvs.rel_child", ("son", "daughter", "my son", "my daughter", "child"), "son"),
    Choice("parent", "apvs.rel_parent", ("father", "mother", "dad", "mum", "parent"), "father"),
    Choice("sibling", "apvs.rel_sibling", ("brother", "sister", "sibling"), "brother"),
    Choice("grand", "apvs.rel_grand", ("grandson", "granddaughter", "grandchild", "grandparent", "grandad",
                                       "grandfather", "grandmother", "nan", "gran"), "grandchild"),
    Choice("someone-else", "apvs.rel_someone_else", ("someone else", "other", "friend", "cousin", "uncle",
                                                     "aunt", "nephew", "niece", "mate", "my mate", "pal")),
]  # fmt: skip
RELATIONSHIPS_OTHER = [
    Choice("next-of-kin", "apvs.rel_next_of_kin", ("next of kin", "nok")),
    Choice("sole-visitor", "apvs.rel_friend", ("friend", "relative", "other relative", "only visitor")),
    Choice("eligible-child", "apvs.rel_child_escort", ("bringing a child", "child", "bringing his child")),
    Choice("none", "apvs.rel_none", ("none", "none of these", "neither")),
]
BENEFITS = [
    Choice("universal-credit", "apvs.benefit_uc", ("universal credit", "uc")),
    Choice("pension-credit", "apvs.benefit_pension_credit", ("pension credit",)),
    Choice("income-support", "apvs.benefit_income_support", ("income support",)),
    Choice("jsa", "apvs.benefit_jsa", ("jsa", "jobseekers", "jobseekers allowance", "job seekers")),
    Choice("esa", "apvs.benefit_esa", ("esa", "employment and support allowance", "employment support")),
    Choice("hc2-hc3", "apvs.benefit_hc", ("hc2", "hc3", "hc2 certificate", "hc3 certificate"), "hc2"),
    Choice("tax-credits", "apvs.benefit_tax_credits", ("tax credits", "working tax credit", "child tax credit"),
           "working-tax-credit"),
    Choice("other", "apvs.benefit_other", ("pip", "dla", "carers allowance", "child benefit", "state pension",
                                           "housing benefit", "attendance allowance")),
    Choice("none", "apvs.benefit_none", ("none", "none of these", "nothing")),
]  # fmt: skip
JSA_KINDS = [
    Choice("jsa-income-based", "apvs.jsa_income", ("income based", "income")),
    Choice("jsa-contribution-based", "apvs.jsa_contribution", ("contribution based", "contribution", "new style")),
]
ESA_KINDS = [
    Choice("esa-income-related", "apvs.esa_income", ("income related", "income")),
    Choice("esa-contribution-based", "apvs.esa_contribution", ("contribution based", "contribution", "new style")),
]
TIMINGS = [
    Choice("past", "apvs.timing_past", ("yes", "been", "already", "gone", "went")),
    Choice("advance", "apvs.timing_advance", ("no", "not yet", "future", "coming", "soon")),
]
OWNERS = [
    Choice("self", "apvs.owner_self", ("mine", "me", "my own", "myself")),
    Choice("other", "apvs.owner_other", ("someone else", "partner", "husband", "wife", "mum", "dad")),
]
ESCORT_REASONS = [
    Choice("aged-75-plus", "apvs.escort_75", ("age", "old", "75")),
    Choice("medical-condition", "apvs.escort_medical", ("medical", "illness", "disabled", "condition")),
    Choice("none", "apvs.escort_other", ("other", "another reason", "none")),
]
RESULT_ACTIONS = [
    Choice("again", "apvs.check_again", ("check again", "again", "restart")),
    Choice("menu", "common.main_menu", ("menu", "main menu")),
]
MORE = Choice("more", "apvs.more", ("more", "next", "go on"))


def _escort_reasons(model: FlowModel) -> list[Choice]:
    """Age is offered only while it is unknown: a visitor who gave an age under 75 is not asked it."""
    return ESCORT_REASONS if model.answers.get("age") is None else ESCORT_REASONS[1:]


_AHEAD_WORDS = frozenset({"in", "next", "tomorrow", "coming"})
_AGO_WORDS = frozenset({"ago", "last", "yesterday"})


class TimingPick(Pick):
    """ "Have you made the visit?" answered with when it is ("in 2 weeks", "3 days ago").

    The answer says both whether it is still to come and how many days away it is, so neither is
    asked again; the date is read back (as the days question does) so BACK can correct it.
    """

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        result = super().read(model, inbound)
        if isinstance(result, Accepted) or inbound.option:
            for key in ("days_until_visit", "days_since_visit"):  # after BACK: a plain answer asks the date
                model.answers.pop(key, None)
            return result
        words = set(plain_words(inbound.text))
        ahead, ago = bool(words & _AHEAD_WORDS), bool(words & _AGO_WORDS)
        if ahead == ago:
            return result
        direction: Direction = "ahead" if ahead else "ago"
        found = read_days(inbound.text, model.ctx.now, direction)
        if found is None:  # "3 days ago" counts too: the cue word says which way
            return result
        timing, days_key, other = (
            ("advance", "days_until_visit", "days_since_visit")
            if ahead
            else ("past", "days_since_visit", "days_until_visit")
        )
        model.answers[days_key] = found.days
        model.answers.pop(other, None)
        note = model.text(f"common.read_back_{direction}", date=say_date(model, found.on), days=found.days)
        return Accepted(timing, inbound.text, note=note)


STEPS = {
    "prison_country": Pick("prison_country", "apvs.ask_prison_country", COUNTRIES,
                           explain=wording("apvs.help_prison_country")),
    "home_country": Pick("home_country", "apvs.ask_home_country", HOME_COUNTRIES,
                         explain=wording("apvs.help_home_country")),
    "relationship_other": Pick("relationship", "apvs.ask_relationship_other", RELATIONSHIPS_OTHER,
                               explain=wording("apvs.help_relationship_other")),
    "relationship": Pick("relationship", "apvs.ask_relationship", RELATIONSHIPS,
                         explain=wording("apvs.help_relationship")),
    "lived_together": yes_no("lived_together_before_custody", "apvs.ask_lived_together",
                             explain=said(SENTENCES["partner_not_lived_together"])),
    "sole_visitor": yes_no("sole_visitor_confirmed", "apvs.ask_sole_visitor",
                           values={"rule": SENTENCES["sole_visitor_rule"]}, explain=wording("apvs.help_sole_visitor")),
    "jsa_kind": Pick("benefit", "apvs.ask_jsa_kind", JSA_KINDS, explain=wording("apvs.help_jsa_kind")),
    "esa_kind": Pick("benefit", "apvs.ask_esa_kind", ESA_KINDS, explain=wording("apvs.help_esa_kind")),
    "child_benefit": Pick("benefit", "apvs.ask_child_benefit", BENEFITS, explain=said(SENTENCES["eligible_child"])),
    "benefit": Pick("benefit", "apvs.ask_benefit", BENEFITS, explain=said(SENTENCES["benefit_list"])),
    "uc_income": yes_no("uc_income_under_limit", "apvs.ask_uc_income",
                        values={"limit": SENTENCES["uc_over_limit"]}, explain=wording("apvs.help_uc_income")),
    "age": Count("age", "apvs.ask_age", minimum=0, maximum=120, explain=said(SENTENCES["too_young"])),
    "claim_timing": TimingPick("claim_timing", "apvs.ask_claim_timing", TIMINGS,
                               explain=said(SENTENCES["timing_rule"])),
    "days_since": DaysAway("days_since_visit", "apvs.ask_days_since", direction="ago",
                           explain=wording("apvs.help_days_since")),
    "days_until": DaysAway("days_until_visit", "apvs.ask_days_until", direction="ahead",
                           explain=wording("apvs.help_days_until")),
    "benefit_owner": Pick("benefit_owner", "apvs.ask_benefit_owner", OWNERS,
                          explain=said(SENTENCES["household_benefit"])),
    "escort": yes_no("escort", "apvs.ask_escort", explain=said(SENTENCES["escort_rule"])),
    "escort_reason": Pick("escort_reason", "apvs.ask_escort_reason", _escort_reasons,
                          explain=said(SENTENCES["escort_rule"])),
    "escort_age": Count("escort_age", "apvs.ask_escort_age", minimum=0, maximum=120,
                        explain=said(SENTENCES["escort_too_young"])),
    "result": Result(lambda model: result_sentences(model), more=MORE, actions=lambda model: RESULT_ACTIONS),
}  # fmt: skip
QUESTIONS = [state for state in STEPS if state != "result"]
# Variants of a question, and the answer that picks each: a follow-up to a grouped option (the
# rules do not know its marker value, e.g. "jsa"), or the benefit question put to a child's escort.
QUESTION_VARIANTS = {
    "relationship_other": ("relationship", "someone-else"),
    "jsa_kind": ("benefit", "jsa"),
    "esa_kind": ("benefit", "esa"),
    "child_benefit": ("relationship", "eligible-child"),
}
_MARKERS = frozenset({"someone-else", "jsa", "esa"})


def rules_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers as the rules read them: no bookkeeping, and a marker awaiting its follow-up is unanswered."""
    return {
        key: value
        for key, value in answers.items()
        if not key.startswith("_") and not (isinstance(value, str) and value in _MARKERS)
    }


def needed(model: FlowModel) -> str | None:
    """The answer to ask for next: one the outcome depends on, else a detail of the claim."""
    answers, skip = rules_answers(model.answers), unknown_keys(model.answers)
    return next_question(answers, skip=skip) or follow_up_question(answers, skip=skip)


def know_prison_country(event: EventData) -> None:
    """A prison known from the conversation settles which country it is in: never asked."""
    model = model_of(event)
    prison = model.prison or model.place  # any prison: its country comes from the directory
    if prison is not None and model.answers.get("prison_country") is None:
        model.answers["prison_country"] = prison.country


def introduce(event: EventData) -> None:
    """Say what this is about, and for which prison when it is known."""
    model = model_of(event)
    model.say("apvs.intro_prison" if model.prison is not None or model.place is not None else "apvs.intro")


def show_result(event: EventData) -> None:
    """The rules need nothing more: show the first page of the result, and record it."""
    model = model_of(event)
    model.answers.pop(PAGE, None)
    assessment = assess(rules_answers(model.answers))
    verdict = {
        "outcome": assessment.outcome,
        "certain": assessment.certain,
        "escort_costs_covered": assessment.escort_costs_covered,
        "reasons": assessment.reasons,
        "answers": rules_answers(model.answers),
    }
    model.effects.append(RecordResult("apvs", "\n".join(result_sentences(model)), verdict))


TRANSITIONS: list[dict[str, Any]] = [
    # At the result: the next page, check again from the start, or the main menu.
    {"trigger": "answer", "source": "result", "dest": "result", "conditions": turning_page},
    {"trigger": "answer", "source": "result", "dest": None, "conditions": answer_is(PAGE, "again"),
     "after": go_to("apvs", "prison")},
    {"trigger": "answer", "source": "result", "dest": None, "after": go_to("menu")},
    # On entering, and after every answer: the question the rules need next, or the result once
    # nothing more can change it. Transitions are tried in order, so a follow-up comes before its question.
    *(
        {"trigger": "begin", "source": "start", "dest": state, "prepare": know_prison_country,
         "before": introduce, "conditions": asks(STEPS[state].key, needed, when=QUESTION_VARIANTS.get(state))}
        for state in QUESTIONS
    ),
    {"trigger": "begin", "source": "start", "dest": "result", "prepare": know_prison_country,
     "before": introduce, "after": show_result},
    *(
        {"trigger": "answer", "source": QUESTIONS, "dest": state,
         "conditions": asks(STEPS[state].key, needed, when=QUESTION_VARIANTS.get(state))}
        for state in QUESTIONS
    ),
    {"trigger": "answer", "source": QUESTIONS, "dest": "result", "after": show_result},
]  # fmt: skip


# --- the result ---------------------------------------------------------------------------------

_CLAIMS = frozenset({"eligible", "limited_help"})


def _named(text: str, choices: list[Choice], before: str = "") -> Any:
    """The stored value of the one choice named in ``text`` by its words ("pension credit", "my son")."""
    said = f" {' '.join(plain_words(text))} "
    found = {
        c.stored()
        for c in choices
        for word in (c.key.replace("-", " "), *c.words)
        if f" {before}{' '.join(plain_words(word))} " in said
    }
    return found.pop() if len(found) == 1 else None


def fill(text: str, content: Content) -> dict[str, Any]:
    """What a message says besides its answer: the visitor's age, benefit, who the prisoner is to them.

    "I AM 80 AND I GET PENSION CREDIT" answers two questions; neither is asked again. Only what
    is named outright counts (a benefit by its name, "my son"); a marker that needs a follow-up
    (JSA, ESA) is kept so the follow-up is asked.
    """
    found: dict[str, Any] = {}
    if prison := find_prison(text, content.prison_names):
        found["prison"] = prison
        found["prison_country"] = content.prisons[prison].country
    else:  # a name two sites share ("hmp parc"): the country, when they are in the same one
        named = content.prison_index.match(text)
        places = [content.place(i) for i in named.candidates] if named.how in ("name", "code") else []
        countries = {p.country for p in places if p is not None}
        if len(countries) == 1 and None not in places:
            found["prison_country"] = countries.pop()
    if (age := mentioned_age(text)) is not None:
        found["age"] = age
    if (benefit := _named(text, [c for c in BENEFITS if c.key not in ("other", "none")])) is not None:
        found["benefit"] = benefit
    if (relationship := _named(text, [c for c in RELATIONSHIPS if c.key != "someone-else"], "my ")) is not None:
        found["relationship"] = relationship
    return found


def _claim_after(answers: Mapping[str, Any]) -> bool:
    """A visit under 6 days away fails only on timing: the same claim made after the visit passes.

    The rules (DESIGN.md §5, unchanged) say ``not_eligible`` for an advance claim; the headline must
    not say "you cannot get help" when the truth is "claim after the visit".
    """
    read = rules_answers(answers)
    if SENTENCES["advance_too_soon"] not in assess(read).reasons:
        return False
    after = {**read, "claim_timing": "past", "days_since_visit": 0}
    after.pop("days_until_visit", None)
    return assess(after).outcome in _CLAIMS


def result_sentences(model: FlowModel) -> list[str]:
    """The outcome in one sentence, the rules' reasons, then what to do next.

    The rules' first reason already states a claim or another scheme; a refusal gets its own
    first sentence. For a claim, the sourced national how-to (where, when, what evidence) replaces
    the rules' shorter "apply online" line.
    """
    assessment = assess(rules_answers(model.answers))
    content = model.content
    lines: list[str] = []
    if assessment.outcome == "not_eligible" and _claim_after(model.answers):
        lines.append(model.text("apvs.outcome_claim_after"))
    elif assessment.outcome == "not_eligible":
        lines.append(model.text("apvs.outcome_not_eligible" if assessment.certain else "apvs.outcome_not_eligible_yet"))
    claims = assessment.outcome in _CLAIMS
    lines.extend(reason for reason in assessment.reasons if not (claims and reason == SENTENCES["apply_online"]))
    if claims:
        lines.append(content.fact("apvs_claim").text)
        if (helpline := content.national.phones.get("apvs_helpline")) is not None:
            lines.append(model.text("apvs.helpline", number=helpline.number))
    elif assessment.outcome == "not_eligible":
        lines.append(model.text("apvs.families_helpline", number=content.phone("families_helpline").number))
    return lines


FLOW = Flow("apvs", STEPS, TRANSITIONS, title="apvs.title", fill=fill)
