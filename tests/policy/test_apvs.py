"""Help with Prison Visits rules, table by table: who handles the claim, every relationship, every
benefit, the age limits, the time limits and escorts, then the order questions are asked in.

Each case carries its source (a reference section or a seed) so a failing case says which rule it
pins. "ref" is ``shared/reference/apvs-and-visit-booking.md``; MAI-S is the Maidstone leaflet.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache

import pytest

from famsbot.policy import apvs
from famsbot.policy.apvs import SENTENCES, assess, follow_up_question, next_question

# A visit that passes every check: each case changes only what it is about.
PASSING: dict[str, object] = {
    "prison_country": "england",
    "home_country": "england",
    "relationship": "wife",
    "benefit": "income-support",
    "age": 40,
    "claim_timing": "past",
    "days_since_visit": 7,
}

# DESIGN.md §5, written out again on purpose: the contract, not the module's own lists.
DOMAINS: dict[str, list[object]] = {
    "prison_country": [
        "england", "wales", "scotland", "northern_ireland", "jersey", "guernsey", "isle_of_man",
    ],
    "home_country": ["england", "wales", "scotland", "northern_ireland"],
    "relationship": [
        "husband", "wife", "civil-partner", "partner", "mother", "father", "grandparent", "grandchild",
        "brother", "sister", "son", "daughter", "next-of-kin", "sole-visitor", "eligible-child", "none",
    ],
    "lived_together_before_custody": [True, False],
    "sole_visitor_confirmed": [True, False],
    "benefit": [
        "income-support", "jsa-income-based", "jsa-contribution-based", "esa-income-related",
        "esa-contribution-based", "universal-credit", "pension-credit", "hc2", "hc3", "working-tax-credit",
        "child-tax-credit", "other", "none",
    ],
    "uc_income_under_limit": [True, False],
    "age": [15, 16, 17, 18, 74, 75],
    "claim_timing": ["past", "advance"],
    "days_since_visit": [0, 28, 29],
    "days_until_visit": [0, 5, 6, 28, 29],
    "benefit_owner": ["self", "other"],
    "escort": [True, False],
    "escort_reason": ["aged-75-plus", "medical-condition", "none"],
    "escort_age": [17, 18],
}  # fmt: skip


def claim(**changes: object) -> dict[str, object]:
    """PASSING with ``changes``; a change to ``None`` removes the answer."""
    answers = {**PASSING, **changes}
    return {key: value for key, value in answers.items() if value is not None}


def says(reasons: list[str], *ids: str) -> bool:
    return all(SENTENCES[sentence_id] in reasons for sentence_id in ids)


def check(answers: Mapping[str, object], outcome: str, reasons: tuple[str, ...], source: str) -> None:
    assert source, "every rule names its source"
    result = assess(answers)
    assert result.outcome == outcome
    assert result.certain
    assert says(result.reasons, *reasons), result.reasons
    assert next_question(answers) is None


# --- which scheme ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "outcome", "reasons", "source"),
    [
        pytest.param(claim(), "eligible", ("eligible", "apply_online"), "ref A2 procedure 6", id="england"),
        pytest.param(claim(prison_country="wales"), "eligible", ("eligible",), "MAI-S; GUIDE", id="wales"),
        pytest.param(
            claim(prison_country="scotland"), "eligible", ("eligible",), "MAI-S; GUIDE", id="scotland"
        ),
        pytest.param(
            claim(prison_country="northern_ireland"),
            "other_scheme",
            ("ni_prison",),
            "MAI-S; GUIDE",
            id="prison-northern-ireland",
        ),
        pytest.param(
            claim(prison_country="isle_of_man"),
            "other_scheme",
            ("isle_of_man",),
            "ref A2 scheme coverage",
            id="prison-isle-of-man",
        ),
        pytest.param(
            claim(prison_country="jersey"),
            "limited_help",
            ("limited_help", "channel_islands_checked"),
            "GUIDE; WRK is-prison-not-in-guernsey-jersey",
            id="prison-jersey",
        ),
        pytest.param(
            claim(prison_country="guernsey"),
            "limited_help",
            ("limited_help",),
            "GUIDE; MAI-S",
            id="prison-guernsey",
        ),
        pytest.param(
            claim(home_country="wales"), "eligible", ("eligible",), "ref A1 step 6", id="home-wales"
        ),
        pytest.param(
            claim(home_country="scotland"), "eligible", ("eligible",), "ref A1 step 6", id="home-scotland"
        ),
        pytest.param(
            claim(home_country="northern_ireland"),
            "other_scheme",
            ("ni_resident",),
            "EXT ni-claimant.html",
            id="home-northern-ireland",
        ),
        pytest.param(
            claim(home_country="northern_ireland", prison_country="jersey"),
            "other_scheme",
            ("ni_resident",),
            "ref procedure 1 comes before 6",
            id="ni-resident-beats-channel-islands",
        ),
        pytest.param(
            claim(prison_country="isle_of_man", relationship="none", benefit="none"),
            "other_scheme",
            ("isle_of_man",),
            "ref procedure 1 comes first",
            id="other-scheme-before-any-check",
        ),
        pytest.param(
            claim(prison_country="jersey", relationship="none"),
            "not_eligible",
            ("relationship_not_listed",),
            "ref procedure 6 only after 2-5",
            id="channel-islands-still-checks-relationship",
        ),
        pytest.param(
            {"home_country": "northern_ireland"},
            "other_scheme",
            ("ni_resident",),
            "EXT about-you",
            id="ni-resident-settles-it-alone",
        ),
        pytest.param(
            {"prison_country": "isle_of_man"},
            "other_scheme",
            ("isle_of_man",),
            "ref A2 scheme coverage",
            id="isle-of-man-settles-it-alone",
        ),
    ],
)
def test_scheme(answers: dict[str, object], outcome: str, reasons: tuple[str, ...], source: str) -> None:
    check(answers, outcome, reasons, source)


def test_another_scheme_gives_no_apvs_advice() -> None:
    result = assess(claim(home_country="northern_ireland"))
    assert result.reasons == [SENTENCES["ni_resident"]]
    assert "assistedprisonvisits@justice-ni.gov.uk" in result.reasons[0]


# --- relationship ------------------------------------------------------------------------------

CLOSE_FAMILY = [
    "husband", "wife", "civil-partner", "mother", "father", "grandparent", "grandchild", "brother",
    "sister", "son", "daughter",
]  # fmt: skip


@pytest.mark.parametrize("relationship", CLOSE_FAMILY)
def test_close_family_can_claim(relationship: str) -> None:
    check(claim(relationship=relationship), "eligible", ("eligible",), "MAI-S visitor list; ref A2")


@pytest.mark.parametrize(
    ("answers", "outcome", "reasons", "source"),
    [
        pytest.param(
            claim(relationship="partner", lived_together_before_custody=True),
            "eligible",
            ("eligible",),
            "MAI-S: living as a couple before prison",
            id="partner-lived-together",
        ),
        pytest.param(
            claim(relationship="partner", lived_together_before_custody=False, sole_visitor_confirmed=False),
            "not_eligible",
            ("partner_not_lived_together", "sole_visitor_rule"),
            "EXT r3 hint; MAI-S",
            id="partner-not-lived-together",
        ),
        pytest.param(
            claim(relationship="partner", lived_together_before_custody=False, sole_visitor_confirmed=True),
            "eligible",
            ("eligible", "sole_visitor_rule"),
            "EXT r12; GUIDE sole visitor",
            id="partner-not-lived-together-but-sole-visitor",
        ),
        pytest.param(
            claim(relationship="sole-visitor", sole_visitor_confirmed=True),
            "eligible",
            ("eligible", "sole_visitor_rule"),
            "GUIDE; MAI-S: only visitor in the four weeks",
            id="sole-visitor",
        ),
        pytest.param(
            claim(relationship="sole-visitor", sole_visitor_confirmed=False),
            "not_eligible",
            ("sole_visitor_rule",),
            "GUIDE; DB 'You are not sole visitor'",
            id="sole-visitor-not-confirmed",
        ),
        pytest.param(
            claim(relationship="next-of-kin"),
            "eligible",
            ("eligible", "next_of_kin"),
            "MAI-S: next of kin as noted in prison records",
            id="next-of-kin",
        ),
        pytest.param(
            claim(relationship="eligible-child", benefit_owner="other"),
            "eligible",
            ("eligible", "eligible_child", "benefit_owner_other"),
            "EXT r13 and benefits page",
            id="escorting-an-eligible-child",
        ),
        pytest.param(
            claim(relationship="none"),
            "not_eligible",
            ("relationship_not_listed",),
            "EXT r14 eligibility-fail",
            id="none",
        ),
        pytest.param(
            claim(relationship="husband", lived_together_before_custody=False, sole_visitor_confirmed=False),
            "eligible",
            ("eligible",),
            "MAI-S: spouses need neither",
            id="spouse-ignores-partner-questions",
        ),
    ],
)
def test_relationship(
    answers: dict[str, object], outcome: str, reasons: tuple[str, ...], source: str
) -> None:
    check(answers, outcome, reasons, source)


# --- benefit -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "outcome", "reasons", "source"),
    [
        pytest.param(
            claim(benefit="income-support"), "eligible", (), "MAI-S low income list", id="income-support"
        ),
        pytest.param(
            claim(benefit="jsa-income-based"), "eligible", (), "MAI-S; EXT b2", id="jsa-income-based"
        ),
        pytest.param(
            claim(benefit="esa-income-related"),
            "eligible",
            (),
            "MAI-S; EXT b3",
            id="esa-income-related",
        ),
        pytest.param(
            claim(benefit="pension-credit"),
            "eligible",
            ("upload_proof",),
            "EXT b6 requireBenefitUpload",
            id="pension-credit",
        ),
        pytest.param(claim(benefit="hc2"), "eligible", ("upload_proof",), "GOV; EXT b7", id="hc2"),
        pytest.param(claim(benefit="hc3"), "eligible", ("upload_proof",), "GOV; EXT b8", id="hc3"),
        pytest.param(
            claim(benefit="universal-credit", uc_income_under_limit=True),
            "eligible",
            ("upload_proof",),
            "GOV: no more than £1,250 a month",
            id="universal-credit-under-limit",
        ),
        pytest.param(
            claim(benefit="universal-credit", uc_income_under_limit=False),
            "not_eligible",
            ("uc_over_limit",),
            "GOV: no more than £1,250 a month",
            id="universal-credit-over-limit",
        ),
        pytest.param(
            claim(benefit="working-tax-credit"),
            "not_eligible",
            ("tax_credits_ended", "benefit_list"),
            "EXT d7dfc289; MAI-S out of date",
            id="working-tax-credit",
        ),
        pytest.param(
            claim(benefit="child-tax-credit"),
            "not_eligible",
            ("tax_credits_ended", "household_benefit"),
            "EXT d7dfc289; MAI-S out of date",
            id="child-tax-credit",
        ),
        pytest.param(
            claim(benefit="jsa-contribution-based"),
            "not_eligible",
            ("contribution_based",),
            "MAI-S: income-based JSA only",
            id="jsa-contribution-based",
        ),
        pytest.param(
            claim(benefit="esa-contribution-based"),
            "not_eligible",
            ("contribution_based",),
            "MAI-S: income-related ESA only",
            id="esa-contribution-based",
        ),
        pytest.param(
            claim(benefit="other"),
            "not_eligible",
            ("benefit_list", "household_benefit"),
            "ref procedure 3",
            id="other",
        ),
        pytest.param(
            claim(benefit="none"),
            "not_eligible",
            ("benefit_list",),
            "EXT benefits none -> eligibility-fail",
            id="none",
        ),
        pytest.param(
            claim(benefit_owner="other"),
            "eligible",
            ("benefit_owner_other",),
            "EXT benefit-owner page",
            id="someone-else-in-the-household",
        ),
        pytest.param(
            claim(benefit_owner="self"), "eligible", ("eligible",), "EXT about-the-prisoner", id="own"
        ),
    ],
)
def test_benefit(answers: dict[str, object], outcome: str, reasons: tuple[str, ...], source: str) -> None:
    check(answers, outcome, reasons, source)


def test_tax_credits_reason_says_the_leaflet_is_out_of_date() -> None:
    reasons = assess(claim(benefit="working-tax-credit")).reasons
    assert "5 April 2025" in reasons[0]
    assert "out of date" in reasons[0]


def test_benefits_needing_no_upload_say_nothing_about_proof() -> None:
    assert not says(assess(claim(benefit="income-support")).reasons, "upload_proof")


# --- age ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "outcome", "source"),
    [
        pytest.param(claim(age=15), "not_eligible", "GUIDE: 18, or 16 in Scotland", id="15-england"),
        pytest.param(claim(age=16), "not_eligible", "GUIDE: 18 outside Scotland", id="16-england"),
        pytest.param(claim(age=17), "not_eligible", "GUIDE: 18 outside Scotland", id="17-england"),
        pytest.param(claim(age=18), "eligible", "GUIDE: 18", id="18-england"),
        pytest.param(claim(age=17, prison_country="wales"), "not_eligible", "MAI-S", id="17-wales"),
        pytest.param(
            claim(age=15, prison_country="scotland"), "not_eligible", "GUIDE; EXT DOB", id="15-scotland"
        ),
        pytest.param(
            claim(age=16, prison_country="scotland"), "eligible", "GUIDE: 16 in Scotland", id="16-scotland"
        ),
        pytest.param(claim(age=17, prison_country="scotland"), "eligible", "MAI-S", id="17-scotland"),
        pytest.param(claim(age=17, prison_country="jersey"), "not_eligible", "MAI-S", id="17-jersey"),
        pytest.param(claim(age=90), "eligible", "no upper limit", id="90"),
    ],
)
def test_age(answers: dict[str, object], outcome: str, source: str) -> None:
    check(answers, outcome, ("too_young",) if outcome == "not_eligible" else ("eligible",), source)


# --- when you claim ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "outcome", "reasons", "source"),
    [
        pytest.param(
            claim(days_since_visit=0),
            "eligible",
            ("past_in_time",),
            "EXT: before now, within 28 days",
            id="past-same-day",
        ),
        pytest.param(
            claim(days_since_visit=28),
            "eligible",
            ("past_in_time",),
            "EXT MAX_DAYS_AFTER_RETROSPECTIVE_CLAIM",
            id="past-day-28",
        ),
        pytest.param(
            claim(days_since_visit=29),
            "not_eligible",
            ("past_too_late",),
            "DB: over 28 days after the visit",
            id="past-day-29",
        ),
        pytest.param(
            claim(claim_timing="advance", days_since_visit=None, days_until_visit=0),
            "not_eligible",
            ("advance_too_soon",),
            "EXT: not within 5 days",
            id="advance-today",
        ),
        pytest.param(
            claim(claim_timing="advance", days_since_visit=None, days_until_visit=5),
            "not_eligible",
            ("advance_too_soon",),
            "EXT: not within 5 days",
            id="advance-day-5",
        ),
        pytest.param(
            claim(claim_timing="advance", days_since_visit=None, days_until_visit=6),
            "eligible",
            ("advance_in_time",),
            "EXT journey-information",
            id="advance-day-6",
        ),
        pytest.param(
            claim(claim_timing="advance", days_since_visit=None, days_until_visit=28),
            "eligible",
            ("advance_in_time",),
            "EXT: within the next 28 days",
            id="advance-day-28",
        ),
        pytest.param(
            claim(claim_timing="advance", days_since_visit=None, days_until_visit=29),
            "not_eligible",
            ("advance_too_early",),
            "EXT: within the next 28 days",
            id="advance-day-29",
        ),
        pytest.param(
            claim(claim_timing="past", days_since_visit=3, days_until_visit=2),
            "eligible",
            ("past_in_time",),
            "the other timing's days are ignored",
            id="past-ignores-days-until",
        ),
    ],
)
def test_claim_timing(
    answers: dict[str, object], outcome: str, reasons: tuple[str, ...], source: str
) -> None:
    check(answers, outcome, reasons, source)


def test_every_failed_check_is_explained() -> None:
    result = assess(claim(relationship="none", benefit="none", age=15, days_since_visit=40))
    assert result.outcome == "not_eligible"
    assert says(result.reasons, "relationship_not_listed", "benefit_list", "too_young", "past_too_late")
    assert not says(result.reasons, "apply_online")


# --- escort: extra costs, never a gate ---------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "covered", "reasons", "source"),
    [
        pytest.param(claim(), None, ("escort_rule",), "EXT has-escort hint", id="not-asked"),
        pytest.param(claim(escort=False), None, (), "EXT has-escort no", id="no-escort"),
        pytest.param(
            claim(age=75, escort=True, escort_reason="aged-75-plus", escort_age=18),
            True,
            ("escort_covered",),
            "EXT: 75 or over; escort 18+",
            id="claimant-75-escort-18",
        ),
        pytest.param(
            claim(age=80, escort=True, escort_age=40),
            True,
            ("escort_covered",),
            "EXT: 75 or over",
            id="claimant-80-needs-no-reason",
        ),
        pytest.param(
            claim(age=74, escort=True, escort_reason="aged-75-plus", escort_age=30),
            False,
            ("escort_reason_not",),
            "EXT: 75 or over",
            id="claimant-74-says-75-plus",
        ),
        pytest.param(
            claim(escort=True, escort_reason="medical-condition", escort_age=18),
            True,
            ("escort_covered", "escort_evidence"),
            "EXT: serious medical condition",
            id="medical-escort-18",
        ),
        pytest.param(
            claim(escort=True, escort_reason="medical-condition", escort_age=17),
            False,
            ("escort_too_young",),
            "EXT about-escort: 18+",
            id="medical-escort-17",
        ),
        pytest.param(
            claim(age=75, escort=True, escort_reason="aged-75-plus", escort_age=17),
            False,
            ("escort_too_young",),
            "EXT about-escort: 18+",
            id="claimant-75-escort-17",
        ),
        pytest.param(
            claim(escort=True, escort_reason="none", escort_age=30),
            False,
            ("escort_reason_not",),
            "EXT has-escort hint",
            id="no-reason",
        ),
        pytest.param(
            claim(escort=True, escort_reason="medical-condition"),
            None,
            ("escort_rule",),
            "escort age not given yet",
            id="escort-age-unknown",
        ),
    ],
)
def test_escort(
    answers: dict[str, object], covered: bool | None, reasons: tuple[str, ...], source: str
) -> None:
    check(answers, "eligible", reasons, source)
    assert assess(answers).escort_costs_covered is covered


def test_escort_never_changes_a_refusal() -> None:
    result = assess(claim(benefit="none", age=80, escort=True, escort_age=40))
    assert result.outcome == "not_eligible"
    assert result.escort_costs_covered is None
    assert not says(result.reasons, "escort_covered")


# --- asking only what the rules need -----------------------------------------------------------


def ask_all(answers: dict[str, object], replies: Mapping[str, object]) -> list[str]:
    """The keys asked, in order, when each question is answered from ``replies``."""
    asked = []
    while (key := next_question(answers)) is not None:
        asked.append(key)
        answers = {**answers, key: replies[key]}
    return asked


def test_questions_come_in_conversation_order() -> None:
    replies = {**PASSING, "relationship": "partner", "lived_together_before_custody": True,
               "benefit": "universal-credit", "uc_income_under_limit": True}  # fmt: skip
    assert ask_all({}, replies) == [
        "prison_country", "home_country", "relationship", "lived_together_before_custody", "benefit",
        "uc_income_under_limit", "age", "claim_timing", "days_since_visit",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "asked", "source"),
    [
        pytest.param(
            {"home_country": "northern_ireland"}, [], "EXT about-you: NI residents stop", id="ni-resident"
        ),
        pytest.param(
            {"prison_country": "england", "home_country": "england", "relationship": "none"},
            [],
            "EXT r14: eligibility-fail at once",
            id="relationship-none",
        ),
        pytest.param(
            {
                "prison_country": "england",
                "home_country": "england",
                "relationship": "wife",
                "benefit": "none",
            },
            [],
            "EXT benefits none: eligibility-fail at once",
            id="benefit-none",
        ),
        pytest.param(
            {"prison_country": "england", "home_country": "england", "benefit": "working-tax-credit"},
            [],
            "a failed check settles it",
            id="tax-credits-before-relationship",
        ),
        pytest.param(
            {"relationship": "none"},
            ["prison_country", "home_country"],
            "ref procedure 1: scheme first",
            id="relationship-none-but-scheme-unknown",
        ),
        pytest.param(
            {**PASSING, "relationship": "partner", "lived_together_before_custody": False},
            ["sole_visitor_confirmed"],
            "EXT r12 may still apply",
            id="partner-may-be-sole-visitor",
        ),
        pytest.param(
            {**PASSING, "relationship": "sole-visitor"},
            ["sole_visitor_confirmed"],
            "GUIDE",
            id="sole-visitor",
        ),
        pytest.param(
            {**PASSING, "benefit": "universal-credit"},
            ["uc_income_under_limit"],
            "GOV",
            id="universal-credit",
        ),
        pytest.param(
            {**PASSING, "claim_timing": "advance", "days_since_visit": None},
            ["days_until_visit"],
            "EXT",
            id="advance-needs-days-until",
        ),
        pytest.param(
            {"age": 16},
            ["prison_country", "home_country", "relationship", "benefit", "claim_timing", "days_since_visit"],
            "GUIDE: 16 only in Scotland",
            id="16-year-old",
        ),
    ],
)
def test_next_question_asks_only_what_is_needed(
    answers: dict[str, object], asked: list[str], source: str
) -> None:
    assert source
    answers = {key: value for key, value in answers.items() if value is not None}
    replies = {
        **PASSING,
        "lived_together_before_custody": False,
        "sole_visitor_confirmed": True,
        "uc_income_under_limit": True,
        "days_until_visit": 10,
        "prison_country": "scotland",
    }
    assert ask_all(answers, replies) == asked


def test_an_unanswerable_question_is_skipped_and_leaves_the_outcome_uncertain() -> None:
    answers = {key: value for key, value in PASSING.items() if key != "home_country"}
    assert next_question(answers) == "home_country"
    assert next_question(answers, skip={"home_country"}) is None
    result = assess(answers)
    assert (result.outcome, result.certain) == ("eligible", False)
    assert result.reasons[-1] == SENTENCES["not_certain"]


def test_the_outcome_so_far_counts_open_checks_as_passed() -> None:
    partner = assess({"relationship": "partner", "lived_together_before_custody": False})
    assert (partner.outcome, partner.certain) == ("not_eligible", False)
    assert says(partner.reasons, "try_sole_visitor", "not_certain")
    assert assess({"relationship": "wife"}).outcome == "eligible"


def test_follow_up_questions_come_after_the_outcome_and_never_change_it() -> None:
    answers = claim(age=80)
    asked = []
    while (key := follow_up_question(answers)) is not None:
        asked.append(key)
        answers = {**answers, key: {"benefit_owner": "other", "escort": True, "escort_age": 30}[key]}
    assert asked == ["benefit_owner", "escort", "escort_age"]  # 80: no need to ask why
    result = assess(answers)
    assert (result.outcome, result.escort_costs_covered) == ("eligible", True)
    assert follow_up_question(claim(relationship="none")) is None
    assert follow_up_question({"relationship": "wife"}) is None


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("relationship", "cousin"),
        ("benefit", "jobseekers-allowance"),
        ("prison_country", "France"),
        ("age", "30"),
        ("age", True),
        ("days_since_visit", -1),
        ("escort", "yes"),
    ],
)
def test_values_outside_the_contract_are_refused(key: str, value: object) -> None:
    with pytest.raises(ValueError, match=key):
        assess(claim(**{key: value}))


def test_unknown_keys_and_none_values_are_ignored() -> None:
    assert assess({**PASSING, "postcode": "ME14 1UZ", "benefit_owner": None}) == assess(PASSING)


# --- properties over every path through the questions ------------------------------------------


def paths(answers: dict[str, object]) -> Iterator[dict[str, object]]:
    """Every finished set of answers reachable by following next_question from ``answers``."""
    key = next_question(answers)
    assert key not in answers
    if key is None:
        yield answers
        return
    assert not assess(answers).certain
    for value in DOMAINS[key]:
        yield from paths({**answers, key: value})


def follow_ups(answers: dict[str, object]) -> Iterator[dict[str, object]]:
    key = follow_up_question(answers)
    assert key not in answers
    if key is None:
        yield answers
        return
    for value in DOMAINS[key]:
        yield from follow_ups({**answers, key: value})


@cache
def finished() -> tuple[dict[str, object], ...]:
    """Every way through the questions (about 52,000), worked out once."""
    return tuple(paths({}))


def test_following_next_question_always_reaches_a_final_outcome() -> None:
    results = [assess(answers) for answers in finished()]
    assert all(result.certain for result in results)
    assert {result.outcome for result in results} == {
        "eligible",
        "not_eligible",
        "other_scheme",
        "limited_help",
    }
    said = {reason for result in results for reason in result.reasons}
    # Said only while an answer is missing: the outcome so far.
    said.update(
        assess({}).reasons,
        assess({"relationship": "partner", "lived_together_before_custody": False}).reasons,
    )
    assert said | {SENTENCES[key] for key in FOLLOW_UP_ONLY} == set(SENTENCES.values()), (
        "a sentence is never said"
    )


FOLLOW_UP_ONLY = {
    "benefit_owner_other",
    "escort_covered",
    "escort_reason_not",
    "escort_too_young",
    "escort_evidence",
}


def test_follow_up_questions_never_change_the_outcome_and_settle_the_escort() -> None:
    said: set[str] = set()
    positive = [answers for answers in finished() if assess(answers).outcome in ("eligible", "limited_help")]
    for answers in positive[::10]:  # every 10th: about 2,300 outcomes, 19,000 follow-up paths
        outcome = assess(answers).outcome
        for complete in follow_ups(answers):
            result = assess(complete)
            assert result.outcome == outcome
            assert (result.escort_costs_covered is None) == (complete["escort"] is False)
            said.update(result.reasons)
    assert {SENTENCES[key] for key in FOLLOW_UP_ONLY} <= said
    refused = [
        answers for answers in finished() if assess(answers).outcome in ("not_eligible", "other_scheme")
    ]
    assert all(follow_up_question(answers) is None for answers in refused[::10])


def test_a_final_outcome_cannot_be_changed_by_any_further_answer() -> None:
    for answers in finished()[::20]:  # every 20th, against every value of every unanswered key
        outcome = assess(answers).outcome
        for key, values in DOMAINS.items():
            if key in answers:
                continue
            for value in values:
                assert assess({**answers, key: value}).outcome == outcome, (answers, key, value)


def test_the_public_surface() -> None:
    assert set(apvs.__all__) == {
        "SENTENCES", "Assessment", "Benefit", "BenefitOwner", "ClaimTiming", "EscortReason", "HomeCountry",
        "Outcome", "PrisonCountry", "Relationship", "assess", "follow_up_question", "next_question",
    }  # fmt: skip
