"""Care-leaver status in England: what a council still owes a young person who was in care.

The status decides the help: *eligible* (16-17, still in care), *relevant* (16-17, left care),
*former relevant* (18 and over), *qualifying* (advice and some help), or nothing. The procedure is
``shared/reference/care-leavers-and-safer-custody.md`` A3, which follows the Children Act 1989 as
amended. The prison leaflet in the Maidstone strategy is out of date in several ways (A5) and is
not followed: the test is 13 weeks in care since 14 with at least one day after 16, not "in care
on your 16th birthday"; and since April 2018 every former relevant care leaver can ask for a
personal adviser until 25, in education or not.

What the answers mean (DESIGN.md §5; the chat asks them in this sense):

- ``looked_after_on_or_after_16`` / ``weeks_in_care_since_14`` / ``still_in_care``: time in care
  of any kind ``care_basis`` can name. ``care_basis`` then says what that care was: a care
  order, voluntary care (``s20``) or remand count as being looked after by a council; private
  fostering, custody on a sentence and informal care by family do not. Until ``care_basis`` is
  known the care is taken as council care, which is what most young people mean.
- ``care_basis == "private_fostering"`` means privately fostered after turning 16, the only
  private fostering the law gives help for. It gives qualifying status and nothing more, so it
  decides the answer whatever the other answers say.

Missing answers are read as "not shown" (no, none), never guessed: :func:`classify` gives the
status the answers so far support and says it is not certain; :func:`next_question` names the
next answer that could change it. Wales has its own law; the flow adds :data:`WALES_NOTE`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

from famsbot.content.rules import load_rules

__all__ = ["SENTENCES", "WALES_NOTE", "CareBasis", "Classification", "Status", "classify", "next_question"]

Status = Literal["eligible", "relevant", "former_relevant", "qualifying", "not_care_leaver", "not_entitled"]
CareBasis = Literal[
    "care_order", "s20", "remand", "private_fostering", "sentenced_custody_only", "informal_kinship"
]

# Care that is not being looked after by a council (CA 1989 s22; reference A2). Remand is looked
# after (LASPO 2012 s104), so it is not here.
_NOT_LOOKED_AFTER = frozenset({"private_fostering", "sentenced_custody_only", "informal_kinship"})
_CARE_BASES = frozenset(get_args(CareBasis))
_WEEKS_NEEDED = 13  # Care Planning, Placement and Case Review (England) Regs 2010 reg 40: 13 weeks from 14
_CARE_LEAVER_FROM = 16  # eligible and relevant children are 16 or 17 (CA 1989 Sch 2 para 19B, s23A)
_ADULT = 18  # former relevant from 18 (s23C)
_FULL_DUTIES_TO = 20  # s23C duties and qualifying status (s24) run until 21
_SUPPORT_TO = 24  # s23CZB personal adviser on request, s23CA and s24B education help: until 25
_HOME_MONTHS = 6  # Care Leavers (England) Regs 2010 reg 3: 6 continuous months with a parent


SENTENCES: Mapping[str, str] = MappingProxyType(
    {key: fact.text for key, fact in load_rules("care_leavers").items()}
)
"""Every sentence this module can say, by id (``content/rules/care_leavers.yaml``)."""

WALES_NOTE = SENTENCES["wales"]
"""Said when a Welsh council looked after him: the Social Services and Well-being (Wales) Act 2014
s104 applies instead, and the council (not the prison's location) decides which law."""

# What each status brings, in the order to say it (reference A4).
_ELIGIBLE = ("status_eligible", "personal_adviser", "pathway_plan", "needs_assessment", "staying_put")
_RELEVANT = ("status_relevant", "personal_adviser", "pathway_plan", "needs_assessment", "relevant_home_money")
_FORMER_RELEVANT_TO_20 = (
    "status_former_relevant", "personal_adviser", "pathway_plan", "frc_costs", "frc_bursary",
    "staying_put", "setting_up_home",
)  # fmt: skip
# CA 1989 s23CZB (CSWA 2017 s3, from 1 April 2018): a personal adviser on request to 25, whether
# or not in education; s23CA: help with education or training. The leaflet says otherwise.
_FORMER_RELEVANT_TO_24 = ("status_former_relevant", "pa_to_25", "leaflet_21_25", "education_21_plus")
_FORMER_RELEVANT_ON_PROGRAMME = ("status_former_relevant", "programme_past_25")
_NOT_ENTITLED = ("not_entitled_age", "local_offer")


@dataclass(frozen=True, slots=True)
class Classification:
    """A young person's care-leaver status and what it gives him, in plain sentences.

    ``entitlements`` always ends by sending the family to the council's leaving care team, who
    decide. ``certain`` is false while an answer that could change the status is missing.
    """

    status: Status
    entitlements: list[str]
    certain: bool = True


def classify(answers: Mapping[str, object]) -> Classification:
    """Work out which care-leaver status the law gives, and what help comes with it.

    Council care after the 14th birthday adding up to 13 weeks, with at least one day after the
    16th birthday (or custody or hospital on that birthday), makes him *eligible* while still in
    care at 16-17, *relevant* once he has left, and *former relevant* from 18. Less time, private
    fostering after 16, a special guardianship order made straight after council care, or six
    months back home with a parent give *qualifying* status instead. Age limits then apply: 21,
    or 25 on request or in education, or longer while a programme begun before 25 continues.

    Args:
        answers: answers keyed as in DESIGN.md §5; other keys are ignored. Missing keys count as
            "not shown", never assumed.

    Returns:
        The :class:`Classification`; ``certain`` is false while an answer that matters is missing.

    Raises:
        ValueError: an answer has a value outside the contract (a flow bug, not a user error).
    """
    return _evaluate(answers, skip=()).classification


def next_question(answers: Mapping[str, object], *, skip: Collection[str] = ()) -> str | None:
    """The key of the next answer that could change the status, or ``None`` once it cannot.

    The order follows the reference (A3): ``age``, ``looked_after_on_or_after_16``,
    ``weeks_in_care_since_14``, ``care_basis`` (only once some care could count),
    ``still_in_care`` (16-17), then the special cases as they become relevant:
    ``detained_on_16th_birthday``, ``returned_home_to_parent_months`` and
    ``still_living_with_parent``, ``programme_in_pathway_plan_started_before_25`` (25+),
    ``in_education_or_training`` (21-24, qualifying), ``special_guardianship_order`` and
    ``looked_after_immediately_before_sgo``. A key already answered is never returned.

    Args:
        answers: the answers so far (DESIGN.md §5).
        skip: keys the person could not answer ("I don't know"); they are not asked again, and
            the classification stays uncertain.

    Returns:
        A key from DESIGN.md §5, or ``None``.
    """
    return _evaluate(answers, skip=skip).next_key


# --- reading answers in the order the rules need them ------------------------------------------


class _Asker:
    """Reads answers as the rules need them, noting the first needed one that is missing."""

    def __init__(self, answers: Mapping[str, object], skip: Collection[str]) -> None:
        self._answers = answers
        self._skip = skip
        self.next_key: str | None = None
        self.certain = True

    def _need(self, key: str) -> object:
        value = self._answers.get(key)
        if value is None:
            self.certain = False
            if self.next_key is None and key not in self._skip:
                self.next_key = key
        return value

    def flag(self, key: str) -> bool:
        """A yes/no the rules need; unanswered reads as no."""
        return _flag(key, self._need(key)) or False

    def count(self, key: str) -> int:
        """A number the rules need; unanswered reads as none."""
        return _count(key, self._need(key)) or 0

    def age(self) -> int | None:
        return _count("age", self._need("age"))

    def basis(self) -> str | None:
        return _basis(self._need("care_basis"))

    def given_flag(self, key: str) -> bool | None:
        """A yes/no that only adds to what is known: read if given, never asked."""
        return _flag(key, self._answers.get(key))

    def given_basis(self) -> str | None:
        return _basis(self._answers.get("care_basis"))


def _flag(key: str, value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"{key}={value!r}: expected true or false")


def _count(key: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key}={value!r}: expected a whole number, 0 or more")
    return value


def _basis(value: object) -> str | None:
    if value is None or (isinstance(value, str) and value in _CARE_BASES):
        return value
    raise ValueError(f"care_basis={value!r}: expected one of {', '.join(sorted(_CARE_BASES))}")


# --- the decision (reference A3) ----------------------------------------------------------------

_Verdict = tuple[Status, tuple[str, ...]]


def _decide(ask: _Asker) -> _Verdict:
    age = ask.age()
    if age is None:
        return "not_care_leaver", ()
    if age < _CARE_LEAVER_FROM:
        return "not_care_leaver", ("under_16",)
    basis = ask.given_basis()
    if basis in _NOT_LOOKED_AFTER:
        return _not_looked_after(basis, age)
    after_16 = _in_care_after_16(ask)
    weeks = ask.count("weeks_in_care_since_14")
    # What kind of care it was only matters once the time could count towards something.
    if basis is None and (after_16 or weeks >= _WEEKS_NEEDED):
        basis = ask.basis()
        if basis in _NOT_LOOKED_AFTER:
            return _not_looked_after(basis, age)
    if age < _ADULT:
        return _child(ask, age, after_16, weeks)
    return _adult(ask, age, after_16, weeks)


def _in_care_after_16(ask: _Asker) -> bool:
    """Any day in care aged 16 or 17. Being in care on the 16th birthday is enough but not needed."""
    if ask.given_flag("in_care_on_16th_birthday") or ask.given_flag("still_in_care"):
        return True
    return ask.flag("looked_after_on_or_after_16")


def _meets_13_weeks(ask: _Asker, after_16: bool, weeks: int) -> bool:
    """13 weeks looked after since 14, ending after 16 (CPPCR Regs 2010 reg 40), or custody or
    hospital on the 16th birthday after those 13 weeks (Care Leavers Regs 2010 reg 3)."""
    if weeks < _WEEKS_NEEDED:
        return False
    return after_16 or ask.flag("detained_on_16th_birthday")


def _settled_with_parent(ask: _Asker) -> bool:
    """Back home with a parent for 6 continuous months and still there (Care Leavers Regs reg 3)."""
    return ask.count("returned_home_to_parent_months") >= _HOME_MONTHS and ask.flag(
        "still_living_with_parent"
    )


def _child(ask: _Asker, age: int, after_16: bool, weeks: int) -> _Verdict:
    """16 or 17: eligible while in care, relevant once left (Sch 2 para 19B, s23A)."""
    if after_16 and ask.flag("still_in_care"):
        return ("eligible", _ELIGIBLE) if weeks >= _WEEKS_NEEDED else ("not_care_leaver", ("not_yet",))
    if _meets_13_weeks(ask, after_16, weeks):
        if _settled_with_parent(ask):
            return _qualifying(ask, age, ("back_home", "back_home_breaks_down"))
        return "relevant", _RELEVANT
    if after_16:  # s24(1A)/(1B): looked after after 16 without the 13 weeks
        return _qualifying(ask, age, ("qualifying_short_care",))
    return _special_guardianship(ask, age, weeks)


def _adult(ask: _Asker, age: int, after_16: bool, weeks: int) -> _Verdict:
    """18 and over: former relevant (s23C), or what is left of qualifying status (s24, s24B)."""
    if _meets_13_weeks(ask, after_16, weeks):
        if age > _SUPPORT_TO:
            # s23C(6)-(7), s23CA: duties go on while a programme begun before 25 goes on.
            if ask.flag("programme_in_pathway_plan_started_before_25") and not _settled_with_parent(ask):
                return "former_relevant", _FORMER_RELEVANT_ON_PROGRAMME
            return "not_entitled", _NOT_ENTITLED
        if _settled_with_parent(ask):  # never became former relevant (reg 3)
            return _qualifying(ask, age, ("back_home",))
        return "former_relevant", _FORMER_RELEVANT_TO_20 if age <= _FULL_DUTIES_TO else _FORMER_RELEVANT_TO_24
    if after_16:
        return _qualifying(ask, age, ("qualifying_short_care",))
    return _special_guardianship(ask, age, weeks)


def _qualifying(ask: _Asker, age: int, why: tuple[str, ...]) -> _Verdict:
    """Qualifying after council care or a special guardianship order: status to 21 (s24(1A)-(1B)),
    then education help to 25 while in education or training (s24B(2)-(5))."""
    if age <= _FULL_DUTIES_TO:
        help_ids = ("qualifying_advice", "qualifying_help", "qualifying_education", "vacation_accommodation")
        return "qualifying", ("status_qualifying", *why, *help_ids)
    if age <= _SUPPORT_TO and ask.flag("in_education_or_training"):
        return "qualifying", ("status_qualifying", *why, "qualifying_education", "vacation_accommodation")
    return "not_entitled", _NOT_ENTITLED


def _special_guardianship(ask: _Asker, age: int, weeks: int) -> _Verdict:
    """An SGO is not care, but one made straight after council care gives qualifying status (s24(1A))."""
    if not ask.flag("special_guardianship_order"):
        return "not_care_leaver", ("never_in_care" if weeks == 0 else "care_before_16_only",)
    if not ask.flag("looked_after_immediately_before_sgo"):
        return "not_care_leaver", ("sgo_not_care",)
    return _qualifying(ask, age, ("sgo_qualifying",))


def _not_looked_after(basis: str, age: int) -> _Verdict:
    """Care that was not council care: only private fostering after 16 gives anything (s24(2)(e))."""
    if basis == "private_fostering":
        if age <= _FULL_DUTIES_TO:
            help_ids = ("qualifying_advice", "qualifying_help", "vacation_accommodation")
            return "qualifying", ("status_qualifying", "private_fostering_qualifying", *help_ids)
        return "not_entitled", ("private_fostering_ended", *_NOT_ENTITLED)
    if basis == "sentenced_custody_only":
        # Not looked after in statute, but gov.uk counts custody under 18: do not rule him out.
        return "not_care_leaver", ("sentenced_only",)
    return "not_care_leaver", ("informal_kinship",)


# --- putting it together -----------------------------------------------------------------------

_HAS_STATUS = frozenset({"eligible", "relevant", "former_relevant", "qualifying"})
_COUNCIL_DUTIES = frozenset({"eligible", "relevant", "former_relevant"})


@dataclass(frozen=True, slots=True)
class _Evaluation:
    classification: Classification
    next_key: str | None


def _evaluate(answers: Mapping[str, object], *, skip: Collection[str]) -> _Evaluation:
    ask = _Asker(answers, skip)
    status, ids = _decide(ask)
    notes: list[str] = []
    if ask.given_basis() == "remand":
        notes.append("remand_counts")
    if status in _HAS_STATUS and ask.given_flag("detained_on_16th_birthday"):
        notes.append("detained_16th")
    if status in _HAS_STATUS and ask.given_flag("in_care_on_16th_birthday") is False:
        notes.append("sixteenth_birthday_test")  # the leaflet's test, which would have turned him away
    age = _count("age", answers.get("age"))
    if status in _COUNCIL_DUTIES and age is not None and age <= _SUPPORT_TO:
        notes.append("in_prison")
    closing = ("check_with_team",) if ask.certain else ("not_certain", "check_with_team")
    entitlements = [SENTENCES[key] for key in dict.fromkeys((*ids, *notes, *closing))]
    return _Evaluation(Classification(status, entitlements, ask.certain), ask.next_key)
