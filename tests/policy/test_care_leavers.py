"""Care-leaver status, table by table: the 13-week test, each age band, remand, special
guardianship, private fostering, custody, a return home, and the order questions are asked in.

Each case carries its source. "ref" is ``shared/reference/care-leavers-and-safer-custody.md``
(A2 building blocks, A3 procedure, A5 where the Maidstone leaflet, MAI-S, is out of date).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache

import pytest

from famsbot.policy import care_leavers
from famsbot.policy.care_leavers import SENTENCES, WALES_NOTE, classify, next_question

# Council care from 14 to 18, left care, not back home: each case changes what it is about.
LEFT_CARE: dict[str, object] = {
    "looked_after_on_or_after_16": True,
    "weeks_in_care_since_14": 104,
    "care_basis": "care_order",
    "still_in_care": False,
    "returned_home_to_parent_months": 0,
}
NEVER_IN_CARE: dict[str, object] = {
    "looked_after_on_or_after_16": False,
    "weeks_in_care_since_14": 0,
    "special_guardianship_order": False,
}

# DESIGN.md §5 written out again: the contract, not the module's own lists.
DOMAINS: dict[str, list[object]] = {
    "age": [15, 16, 17, 18, 20, 21, 24, 25],
    "looked_after_on_or_after_16": [True, False],
    "weeks_in_care_since_14": [0, 12, 13],
    "care_basis": [
        "care_order",
        "s20",
        "remand",
        "private_fostering",
        "sentenced_custody_only",
        "informal_kinship",
    ],
    "still_in_care": [True, False],
    "in_care_on_16th_birthday": [True, False],
    "detained_on_16th_birthday": [True, False],
    "returned_home_to_parent_months": [0, 5, 6],
    "still_living_with_parent": [True, False],
    "programme_in_pathway_plan_started_before_25": [True, False],
    "in_education_or_training": [True, False],
    "special_guardianship_order": [True, False],
    "looked_after_immediately_before_sgo": [True, False],
}


def left_care(age: int, **changes: object) -> dict[str, object]:
    return {**LEFT_CARE, "age": age, **changes}


def says(entitlements: list[str], *ids: str) -> bool:
    return all(SENTENCES[sentence_id] in entitlements for sentence_id in ids)


def check(answers: Mapping[str, object], status: str, ids: tuple[str, ...], source: str) -> None:
    assert source, "every rule names its source"
    result = classify(answers)
    assert result.status == status
    assert result.certain
    assert says(result.entitlements, *ids), result.entitlements
    assert result.entitlements[-1] == SENTENCES["check_with_team"]  # ref A3: always end with this
    assert next_question(answers) is None


@pytest.mark.parametrize(
    ("answers", "status", "ids", "source"),
    [
        pytest.param(
            left_care(17, weeks_in_care_since_14=13),
            "relevant",
            ("status_relevant", "relevant_home_money"),
            "ref A2.2: exactly 13 weeks passes",
            id="13-weeks",
        ),
        pytest.param(
            left_care(17, weeks_in_care_since_14=12),
            "qualifying",
            ("status_qualifying", "qualifying_short_care"),
            "CA 1989 s24(1A); CPPCR reg 40",
            id="12-weeks",
        ),
        pytest.param(
            left_care(17, weeks_in_care_since_14=13, still_in_care=True),
            "eligible",
            ("status_eligible", "personal_adviser", "pathway_plan"),
            "Sch 2 para 19B",
            id="13-weeks-still-in-care",
        ),
        pytest.param(
            left_care(17, weeks_in_care_since_14=12, still_in_care=True),
            "not_care_leaver",
            ("not_yet",),
            "ref A3: not yet, a looked-after child",
            id="12-weeks-still-in-care",
        ),
        pytest.param(
            left_care(19, in_care_on_16th_birthday=False),
            "former_relevant",
            ("status_former_relevant", "sixteenth_birthday_test"),
            "ref A5.2: MAI-S asks the wrong question",
            id="came-into-care-after-16th-birthday",
        ),
        pytest.param(
            left_care(19, looked_after_on_or_after_16=None, in_care_on_16th_birthday=True),
            "former_relevant",
            ("status_former_relevant",),
            "gov.uk: in care on the 16th birthday is enough",
            id="in-care-on-16th-birthday",
        ),
        pytest.param(
            left_care(
                19,
                looked_after_on_or_after_16=False,
                weeks_in_care_since_14=30,
                detained_on_16th_birthday=False,
                special_guardianship_order=False,
            ),
            "not_care_leaver",
            ("care_before_16_only",),
            "CPPCR reg 40: the 13 weeks end after 16",
            id="care-ended-before-16",
        ),
    ],
)
def test_the_13_week_test(answers: dict[str, object], status: str, ids: tuple[str, ...], source: str) -> None:
    answers = {key: value for key, value in answers.items() if value is not None}
    check(answers, status, ids, source)


@pytest.mark.parametrize(
    ("answers", "status", "ids", "source"),
    [
        pytest.param({"age": 15}, "not_care_leaver", ("under_16",), "ref A3: status starts at 16", id="15"),
        pytest.param(
            left_care(15, still_in_care=True), "not_care_leaver", ("under_16",), "ref A3", id="15-in-care"
        ),
        pytest.param(
            left_care(16, still_in_care=True), "eligible", ("status_eligible",), "Sch 2 para 19B", id="16"
        ),
        pytest.param(left_care(17), "relevant", ("status_relevant",), "CA 1989 s23A", id="17"),
        pytest.param(
            left_care(18),
            "former_relevant",
            ("status_former_relevant", "personal_adviser", "frc_costs", "staying_put", "in_prison"),
            "CA 1989 s23C; OMiC (Farmer 2019)",
            id="18",
        ),
        pytest.param(
            left_care(20), "former_relevant", ("frc_bursary", "pathway_plan"), "s23C; CYPA 2008 s21", id="20"
        ),
        pytest.param(
            left_care(21, in_education_or_training=False),
            "former_relevant",
            ("pa_to_25", "leaflet_21_25", "education_21_plus"),
            "CSWA 2017 s3 (s23CZB); ref A5.1: MAI-S wrong since April 2018",
            id="21-not-in-education",
        ),
        pytest.param(
            left_care(24, in_education_or_training=False),
            "former_relevant",
            ("pa_to_25",),
            "s23CZB: on request until 25",
            id="24-not-in-education",
        ),
        pytest.param(
            left_care(24, in_education_or_training=True),
            "former_relevant",
            ("education_21_plus",),
            "s23CA",
            id="24-in-education",
        ),
        pytest.param(
            left_care(25, programme_in_pathway_plan_started_before_25=True),
            "former_relevant",
            ("programme_past_25",),
            "s23C(7), s23CA: programme begun before 25 continues",
            id="25-programme-begun-before-25",
        ),
        pytest.param(
            left_care(25, programme_in_pathway_plan_started_before_25=False),
            "not_entitled",
            ("not_entitled_age", "local_offer"),
            "s23C; CSWA 2017 s2 Local Offer",
            id="25-no-programme",
        ),
        pytest.param(
            left_care(30, programme_in_pathway_plan_started_before_25=True),
            "former_relevant",
            ("programme_past_25",),
            "s23C(7): no set age",
            id="30-programme-continues",
        ),
    ],
)
def test_age_bands(answers: dict[str, object], status: str, ids: tuple[str, ...], source: str) -> None:
    check(answers, status, ids, source)


def test_personal_adviser_to_25_does_not_depend_on_education() -> None:
    not_studying = classify(left_care(22, in_education_or_training=False))
    studying = classify(left_care(22, in_education_or_training=True))
    assert not_studying.status == studying.status == "former_relevant"
    assert "April 2018" in SENTENCES["leaflet_21_25"]


@pytest.mark.parametrize(
    ("answers", "status", "ids", "source"),
    [
        pytest.param(
            left_care(17, care_basis="remand", still_in_care=True),
            "eligible",
            ("remand_counts", "status_eligible"),
            "LASPO 2012 s104",
            id="remand-counts-as-care",
        ),
        pytest.param(
            left_care(19, care_basis="remand"),
            "former_relevant",
            ("remand_counts",),
            "LASPO s104",
            id="remand-19",
        ),
        pytest.param(
            left_care(19, care_basis="s20"), "former_relevant", (), "CA 1989 s20 voluntary care", id="s20"
        ),
        pytest.param(
            {
                **NEVER_IN_CARE,
                "age": 17,
                "special_guardianship_order": True,
                "looked_after_immediately_before_sgo": True,
            },
            "qualifying",
            ("sgo_qualifying", "qualifying_advice"),
            "CA 1989 s24(1A)",
            id="sgo-after-council-care",
        ),
        pytest.param(
            {
                **NEVER_IN_CARE,
                "age": 17,
                "special_guardianship_order": True,
                "looked_after_immediately_before_sgo": False,
            },
            "not_care_leaver",
            ("sgo_not_care",),
            "ref A2.1: an SGO is not care",
            id="sgo-alone",
        ),
        pytest.param(
            {
                **NEVER_IN_CARE,
                "age": 22,
                "special_guardianship_order": True,
                "looked_after_immediately_before_sgo": True,
                "in_education_or_training": True,
            },
            "qualifying",
            ("sgo_qualifying", "qualifying_education", "vacation_accommodation"),
            "s24B(2)-(5)",
            id="sgo-22-in-education",
        ),
        pytest.param(
            {"age": 17, "care_basis": "private_fostering"},
            "qualifying",
            ("private_fostering_qualifying",),
            "CA 1989 s24(2)(e)",
            id="private-fostering",
        ),
        pytest.param(
            left_care(17, care_basis="private_fostering"),
            "qualifying",
            ("private_fostering_qualifying",),
            "ref A2.1: qualifying only, however long",
            id="private-fostering-long",
        ),
        pytest.param(
            {"age": 22, "care_basis": "private_fostering", "in_education_or_training": True},
            "not_entitled",
            ("private_fostering_ended", "local_offer"),
            "ref A3: s24B only for council care or SGO",
            id="private-fostering-22",
        ),
        pytest.param(
            left_care(17, care_basis="sentenced_custody_only"),
            "not_care_leaver",
            ("sentenced_only",),
            "ref A2.1: do not rule out, ask the leaving care team",
            id="sentenced-custody-only",
        ),
        pytest.param(
            left_care(17, care_basis="informal_kinship"),
            "not_care_leaver",
            ("informal_kinship",),
            "ref A2.1",
            id="informal-kinship",
        ),
        pytest.param(
            {**NEVER_IN_CARE, "age": 19},
            "not_care_leaver",
            ("never_in_care",),
            "ref A3",
            id="never-looked-after",
        ),
    ],
)
def test_kinds_of_care(answers: dict[str, object], status: str, ids: tuple[str, ...], source: str) -> None:
    check(answers, status, ids, source)


@pytest.mark.parametrize(
    ("answers", "status", "ids", "source"),
    [
        pytest.param(
            left_care(
                17,
                looked_after_on_or_after_16=False,
                weeks_in_care_since_14=20,
                detained_on_16th_birthday=True,
            ),
            "relevant",
            ("status_relevant", "detained_16th"),
            "Care Leavers Regs 2010 reg 3",
            id="detained-on-16th-birthday",
        ),
        pytest.param(
            left_care(
                19,
                looked_after_on_or_after_16=False,
                weeks_in_care_since_14=20,
                detained_on_16th_birthday=True,
            ),
            "former_relevant",
            ("detained_16th",),
            "reg 3 then s23C(1)(a): was a relevant child",
            id="detained-on-16th-birthday-now-19",
        ),
        pytest.param(
            left_care(17, returned_home_to_parent_months=6, still_living_with_parent=True),
            "qualifying",
            ("back_home", "back_home_breaks_down"),
            "Care Leavers Regs 2010 reg 3",
            id="back-home-6-months",
        ),
        pytest.param(
            left_care(17, returned_home_to_parent_months=5),
            "relevant",
            ("status_relevant",),
            "reg 3: 6 continuous months",
            id="back-home-5-months",
        ),
        pytest.param(
            left_care(17, returned_home_to_parent_months=8, still_living_with_parent=False),
            "relevant",
            ("status_relevant",),
            "reg 3: relevant again when it breaks down",
            id="back-home-broke-down",
        ),
        pytest.param(
            left_care(19, returned_home_to_parent_months=6, still_living_with_parent=True),
            "qualifying",
            ("back_home", "qualifying_advice"),
            "ref A3: not former relevant",
            id="back-home-19",
        ),
        pytest.param(
            left_care(
                22,
                returned_home_to_parent_months=6,
                still_living_with_parent=True,
                in_education_or_training=False,
            ),
            "not_entitled",
            ("not_entitled_age",),
            "s24 ends at 21; s24B needs education",
            id="back-home-22-not-in-education",
        ),
        pytest.param(
            left_care(
                25,
                returned_home_to_parent_months=6,
                still_living_with_parent=True,
                programme_in_pathway_plan_started_before_25=True,
            ),
            "not_entitled",
            ("not_entitled_age",),
            "never former relevant, so no s23C(7)",
            id="back-home-25-on-programme",
        ),
    ],
)
def test_special_cases(answers: dict[str, object], status: str, ids: tuple[str, ...], source: str) -> None:
    check(answers, status, ids, source)


@pytest.mark.parametrize(
    ("answers", "status", "source"),
    [
        pytest.param(left_care(20, weeks_in_care_since_14=5), "qualifying", "s24: to 21", id="20"),
        pytest.param(
            left_care(21, weeks_in_care_since_14=5, in_education_or_training=True),
            "qualifying",
            "s24B",
            id="21-ed",
        ),
        pytest.param(
            left_care(21, weeks_in_care_since_14=5, in_education_or_training=False),
            "not_entitled",
            "ref A5.4",
            id="21-not-ed",
        ),
        pytest.param(
            left_care(24, weeks_in_care_since_14=5, in_education_or_training=True),
            "qualifying",
            "s24B",
            id="24-ed",
        ),
        pytest.param(left_care(25, weeks_in_care_since_14=5), "not_entitled", "s24B ends at 25", id="25"),
    ],
)
def test_qualifying_age_limits(answers: dict[str, object], status: str, source: str) -> None:
    check(answers, status, (), source)


def test_wales_note_is_offered_for_the_flow() -> None:
    assert "Wales" in WALES_NOTE
    assert WALES_NOTE not in classify(left_care(19)).entitlements


# --- asking only what the rules need -----------------------------------------------------------


def ask_all(answers: dict[str, object], replies: Mapping[str, object]) -> list[str]:
    asked = []
    while (key := next_question(answers)) is not None:
        asked.append(key)
        answers = {**answers, key: replies[key]}
    return asked


@pytest.mark.parametrize(
    ("given", "replies", "asked", "source"),
    [
        pytest.param(
            {},
            left_care(17),
            [
                "age",
                "looked_after_on_or_after_16",
                "weeks_in_care_since_14",
                "care_basis",
                "still_in_care",
                "returned_home_to_parent_months",
            ],
            "ref A3 question order",
            id="relevant",
        ),
        pytest.param(
            {},
            left_care(25, programme_in_pathway_plan_started_before_25=False),
            [
                "age",
                "looked_after_on_or_after_16",
                "weeks_in_care_since_14",
                "care_basis",
                "programme_in_pathway_plan_started_before_25",
            ],
            "s23C(7): only the programme matters at 25",
            id="25",
        ),
        pytest.param(
            {},
            {**NEVER_IN_CARE, "age": 19},
            ["age", "looked_after_on_or_after_16", "weeks_in_care_since_14", "special_guardianship_order"],
            "care_basis is not asked when no care could count",
            id="never-in-care",
        ),
        pytest.param({}, {"age": 15}, ["age"], "ref A3: under 16 stops at once", id="15"),
        pytest.param(
            {"in_care_on_16th_birthday": True},
            left_care(19),
            ["age", "weeks_in_care_since_14", "care_basis", "returned_home_to_parent_months"],
            "gov.uk: in care on the 16th birthday already answers it",
            id="in-care-on-16th-birthday-given",
        ),
        pytest.param(
            {"care_basis": "sentenced_custody_only"},
            {"age": 17},
            ["age"],
            "ref A2.1",
            id="sentenced-given-first",
        ),
    ],
)
def test_next_question_order(
    given: dict[str, object], replies: dict[str, object], asked: list[str], source: str
) -> None:
    assert source
    assert ask_all(given, replies) == asked


def test_an_unanswerable_question_is_skipped_and_leaves_it_uncertain() -> None:
    answers = {"age": 19, "looked_after_on_or_after_16": True}
    assert next_question(answers) == "weeks_in_care_since_14"
    assert next_question(answers, skip={"weeks_in_care_since_14"}) == "care_basis"
    result = classify(answers)
    assert (result.status, result.certain) == ("qualifying", False)
    assert result.entitlements[-2:] == [SENTENCES["not_certain"], SENTENCES["check_with_team"]]


@pytest.mark.parametrize(
    ("key", "value"),
    [("age", "19"), ("weeks_in_care_since_14", -1), ("care_basis", "foster"), ("still_in_care", "yes")],
)
def test_values_outside_the_contract_are_refused(key: str, value: object) -> None:
    with pytest.raises(ValueError, match=key):
        classify({**left_care(17), key: value})


def test_unknown_keys_are_ignored() -> None:
    assert classify({**left_care(19), "favourite_colour": "red", "lives_in": "Kent"}) == classify(
        left_care(19)
    )


# --- properties over every path through the questions ------------------------------------------


def paths(answers: dict[str, object]) -> Iterator[dict[str, object]]:
    key = next_question(answers)
    assert key not in answers
    if key is None:
        yield answers
        return
    assert not classify(answers).certain
    for value in DOMAINS[key]:
        yield from paths({**answers, key: value})


@cache
def finished() -> tuple[dict[str, object], ...]:
    return tuple(paths({}))


def test_following_next_question_always_reaches_a_final_status() -> None:
    results = [classify(answers) for answers in finished()]
    assert all(result.certain for result in results)
    assert {result.status for result in results} == {
        "eligible", "relevant", "former_relevant", "qualifying", "not_care_leaver", "not_entitled",
    }  # fmt: skip
    said = {sentence for result in results for sentence in result.entitlements}
    said.update(
        classify({}).entitlements, classify(left_care(19, in_care_on_16th_birthday=False)).entitlements
    )
    assert said | {WALES_NOTE} == set(SENTENCES.values()), "a sentence in care_leavers.yaml is never said"


def contradicts(answers: Mapping[str, object], key: str, value: object) -> bool:
    """Answers that cannot both be true. "In care after 16: no" rules out being in care on the 16th
    birthday, still being in care, and private fostering after 16; a kind of care is only asked
    about once some care could count, so naming one when none could is also a contradiction."""
    if answers.get("looked_after_on_or_after_16") is not False:
        return False
    return key == "care_basis" or (key in ("in_care_on_16th_birthday", "still_in_care") and value is True)


def test_a_final_status_cannot_be_changed_by_any_further_answer() -> None:
    for answers in finished():
        status = classify(answers).status
        for key, values in DOMAINS.items():
            if key in answers:
                continue
            for value in values:
                if not contradicts(answers, key, value):
                    assert classify({**answers, key: value}).status == status, (answers, key, value)


def test_the_public_surface() -> None:
    assert set(care_leavers.__all__) == {
        "SENTENCES", "WALES_NOTE", "CareBasis", "Classification", "Status", "classify", "next_question",
    }  # fmt: skip
