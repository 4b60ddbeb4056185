"""Help with Prison Visits (the Assisted Prison Visits Scheme, APVS): can this visitor claim?

The rules are the ones HMPPS's online claim service applies (``shared/reference/
apvs-and-visit-booking.md`` A1, A2 and its decision procedure), checked against the prisons'
leaflets. Where a leaflet is out of date (tax credits, which stopped counting for visits after
5 April 2025) the current rule wins and the reason says so.

A claim has to pass four separate checks (who the prisoner is to you, your benefit, your age, when
you claim), after the question of which scheme handles it at all. The checks are independent, so a
single failed one settles the answer and nothing else needs asking; that is what lets the chat
"ask only what the rules need, and stop as soon as the answer is known".

Answers are a plain dict keyed as in DESIGN.md §5. A missing key (or ``None``) means "not asked
yet": it is never guessed. :func:`next_question` names the next answer the rules need;
:func:`assess` gives the outcome so far and, while answers are missing, says it is not certain.
The sentences said to the visitor, each with its source, are data in
``famsbot/content/rules/apvs.yaml``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

from famsbot.content.rules import load_rules

__all__ = [
    "SENTENCES",
    "Assessment",
    "Benefit",
    "BenefitOwner",
    "ClaimTiming",
    "EscortReason",
    "HomeCountry",
    "Outcome",
    "PrisonCountry",
    "Relationship",
    "assess",
    "follow_up_question",
    "next_question",
]

Outcome = Literal["eligible", "not_eligible", "other_scheme", "limited_help"]
PrisonCountry = Literal[
    "england", "wales", "scotland", "northern_ireland", "jersey", "guernsey", "isle_of_man"
]
HomeCountry = Literal["england", "wales", "scotland", "northern_ireland"]
# What the prisoner is to the visitor ("They are my: ...", as the claim form asks).
Relationship = Literal[
    "husband", "wife", "civil-partner", "partner", "mother", "father", "grandparent", "grandchild",
    "brother", "sister", "son", "daughter", "next-of-kin", "sole-visitor", "eligible-child", "none",
]  # fmt: skip
Benefit = Literal[
    "income-support", "jsa-income-based", "jsa-contribution-based", "esa-income-related",
    "esa-contribution-based", "universal-credit", "pension-credit", "hc2", "hc3", "working-tax-credit",
    "child-tax-credit", "other", "none",
]  # fmt: skip
ClaimTiming = Literal["past", "advance"]
EscortReason = Literal["aged-75-plus", "medical-condition", "none"]
BenefitOwner = Literal["self", "other"]

# Means-tested benefits that count on their own (EXT benefits-enum.js; gov.uk). Universal Credit
# counts only under the household income limit; tax credits stopped counting after 5 April 2025.
_QUALIFYING_BENEFITS = frozenset(
    {"income-support", "jsa-income-based", "esa-income-related", "pension-credit", "hc2", "hc3"}
)
_TAX_CREDITS = frozenset({"working-tax-credit", "child-tax-credit"})
_CONTRIBUTION_BASED = frozenset({"jsa-contribution-based", "esa-contribution-based"})
# Benefits the service cannot check with DWP itself, so the visitor uploads proof (requireBenefitUpload).
_PROOF_NEEDED = frozenset({"universal-credit", "pension-credit", "hc2", "hc3"})
_CHANNEL_ISLANDS = frozenset({"jersey", "guernsey"})

# Claim time limits (EXT config.js and journey-information): a past visit up to 28 days ago; a future
# visit at most 28 days ahead and not within 5 days, so that payment can reach the visitor in time.
_MAX_DAYS_AFTER = 28
_MAX_DAYS_BEFORE = 28
_MIN_DAYS_BEFORE = 6
_ADULT_AGE = 18  # GUIDE and the Maidstone leaflet: 18, or 16 when visiting a prison in Scotland
_SCOTLAND_AGE = 16
_ESCORT_CLAIMANT_AGE = 75  # EXT claim/has-escort: 75 or over, or a serious medical condition
_ESCORT_MIN_AGE = 18  # EXT about-escort.js


SENTENCES: Mapping[str, str] = MappingProxyType({key: fact.text for key, fact in load_rules("apvs").items()})
"""Every sentence this module can say, by id (``content/rules/apvs.yaml``)."""


@dataclass(frozen=True, slots=True)
class Assessment:
    """The answer to "can I get help with the cost of this visit?".

    ``reasons`` are plain-English sentences, in the order to say them, each telling the visitor
    something they can act on. ``escort_costs_covered`` is ``None`` unless the visitor said they
    want to claim for an escort and the answers settle it. ``certain`` is false while an answer
    the rules need is missing: the outcome is then the answer so far.
    """

    outcome: Outcome
    reasons: list[str]
    certain: bool = True
    escort_costs_covered: bool | None = None


def assess(answers: Mapping[str, object]) -> Assessment:
    """Decide whether a visitor can claim Help with Prison Visits for one visit.

    The scheme comes first: a visitor who lives in Northern Ireland, or a prison in Northern
    Ireland or the Isle of Man, is handled elsewhere (``other_scheme``). Otherwise every check
    must pass: relationship, benefit, age and claim timing. Channel Island prisons get only
    ``limited_help`` even then. An escort never changes the outcome; it only adds reasons.

    Args:
        answers: the visitor's answers, keyed and valued as in DESIGN.md §5. Missing keys are
            unknown, never assumed; keys outside the contract are ignored.

    Returns:
        The :class:`Assessment`. When answers are missing, ``outcome`` is what the answers given
        so far point to (an unanswered check counts as passed, and a 16- or 17-year-old needs a
        Scottish prison), and ``certain`` is false.

    Raises:
        ValueError: an answer has a value outside the contract (a flow bug, not a user error).
    """
    return _evaluate(answers, skip=()).assessment


def next_question(answers: Mapping[str, object], *, skip: Collection[str] = ()) -> str | None:
    """The key of the next answer the rules need, or ``None`` once the outcome cannot change.

    Questions come in the order a person is asked them: ``prison_country``, ``home_country``,
    ``relationship`` (then ``lived_together_before_custody`` for a partner and
    ``sole_visitor_confirmed`` for a sole visitor), ``benefit`` (then ``uc_income_under_limit``
    for Universal Credit), ``age``, ``claim_timing`` (then ``days_since_visit`` or
    ``days_until_visit``). A key already answered is never returned, and once one check has
    failed for certain no further check is asked about.

    Args:
        answers: the answers so far (DESIGN.md §5).
        skip: keys the person could not answer ("I don't know"); they are not asked again, and
            the assessment stays uncertain.

    Returns:
        A key from DESIGN.md §5, or ``None``.
    """
    return _evaluate(answers, skip=skip).next_key


def follow_up_question(answers: Mapping[str, object], *, skip: Collection[str] = ()) -> str | None:
    """Once a claim can go ahead, the next detail that changes what to tell the visitor.

    These never change the outcome, so :func:`next_question` does not ask them: ``benefit_owner``
    (someone else's benefit means their details are needed), ``escort``, then ``escort_reason``
    and ``escort_age`` when an escort is wanted. ``None`` when there is nothing more worth asking,
    or the outcome is not a claim that can go ahead.
    """
    evaluation = _evaluate(answers, skip=skip)
    if evaluation.next_key is not None or evaluation.assessment.outcome not in ("eligible", "limited_help"):
        return None
    read = _Answers(answers)
    wanted = ["benefit_owner" if read.choice("benefit_owner", _BENEFIT_OWNERS) is None else None]
    wanted.append(_escort(read).ask)
    return next((key for key in wanted if key is not None and key not in skip), None)


# --- reading answers ---------------------------------------------------------------------------

_PRISON_COUNTRIES = frozenset(get_args(PrisonCountry))
_HOME_COUNTRIES = frozenset(get_args(HomeCountry))
_RELATIONSHIPS = frozenset(get_args(Relationship))
_BENEFITS = frozenset(get_args(Benefit))
_TIMINGS = frozenset(get_args(ClaimTiming))
_ESCORT_REASONS = frozenset(get_args(EscortReason))
_BENEFIT_OWNERS = frozenset(get_args(BenefitOwner))


class _Answers:
    """Typed reads of the answers: ``None`` for a missing key, ``ValueError`` for a wrong value."""

    def __init__(self, answers: Mapping[str, object]) -> None:
        self._answers = answers

    def choice(self, key: str, allowed: frozenset[str]) -> str | None:
        value = self._answers.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(f"{key}={value!r}: expected one of {', '.join(sorted(allowed))}")
        return value

    def flag(self, key: str) -> bool | None:
        value = self._answers.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise ValueError(f"{key}={value!r}: expected true or false")

    def count(self, key: str) -> int | None:
        value = self._answers.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{key}={value!r}: expected a whole number, 0 or more")
        return value


# --- the checks --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Check:
    """One condition of the claim: whether it passes, and which answer would settle it if open."""

    passes: bool  # while ``ask`` is set, what the answers so far point to
    ask: str | None = None
    reasons: tuple[str, ...] = ()  # sentence ids


@dataclass(frozen=True, slots=True)
class _Scheme:
    kind: Literal["apvs", "channel_islands", "other"]
    ask: str | None = None
    reasons: tuple[str, ...] = ()


def _scheme(read: _Answers) -> _Scheme:
    """Which body handles the claim: APVS, APVS with limited help, or another scheme."""
    prison = read.choice("prison_country", _PRISON_COUNTRIES)
    home = read.choice("home_country", _HOME_COUNTRIES)
    # Northern Ireland residents are diverted to the NI Prison Service whatever the prison (EXT about-you).
    if home == "northern_ireland":
        return _Scheme("other", reasons=("ni_resident",))
    # "Different rules apply to Northern Ireland prisons" (GUIDE, Maidstone leaflet); the Isle of Man
    # prison is not in the service at all.
    if prison == "northern_ireland":
        return _Scheme("other", reasons=("ni_prison",))
    if prison == "isle_of_man":
        return _Scheme("other", reasons=("isle_of_man",))
    ask = "prison_country" if prison is None else "home_country" if home is None else None
    if prison in _CHANNEL_ISLANDS:  # "Limited help is available for Channel Island prisons" (GUIDE)
        return _Scheme("channel_islands", ask, ("limited_help", "channel_islands_checked"))
    return _Scheme("apvs", ask)


def _relationship(read: _Answers) -> _Check:
    """Close family, a partner who lived with him, next of kin, or his only visitor (EXT r1-r14; GUIDE)."""
    relationship = read.choice("relationship", _RELATIONSHIPS)
    if relationship is None:
        return _Check(True, "relationship")
    if relationship == "none":
        return _Check(False, reasons=("relationship_not_listed",))
    if relationship == "partner":
        lived_together = read.flag("lived_together_before_custody")
        if lived_together is None:
            return _Check(True, "lived_together_before_custody")
        if lived_together:
            return _Check(True)
        # Not a partner in the scheme's sense, but may still be his only visitor (r12).
        return _sole_visitor(read, partner=True)
    if relationship == "sole-visitor":
        return _sole_visitor(read, partner=False)
    if relationship == "next-of-kin":  # "as noted by the prisoner in prison records" (Maidstone leaflet)
        return _Check(True, reasons=("next_of_kin",))
    if relationship == "eligible-child":  # r13: the child's household benefit is what counts
        return _Check(True, reasons=("eligible_child",))
    return _Check(True)


def _sole_visitor(read: _Answers, *, partner: bool) -> _Check:
    """Nobody else visited in the 4 weeks before the visit (GUIDE; form hint for r12)."""
    confirmed = read.flag("sole_visitor_confirmed")
    partner_reasons = ("partner_not_lived_together",) if partner else ()
    if confirmed is None:
        if partner:  # failed as a partner, until being his only visitor rescues the claim
            return _Check(False, "sole_visitor_confirmed", (*partner_reasons, "try_sole_visitor"))
        return _Check(True, "sole_visitor_confirmed", ("sole_visitor_rule",))
    if confirmed:
        return _Check(True, reasons=("sole_visitor_rule",))
    return _Check(False, reasons=(*partner_reasons, "sole_visitor_rule"))


def _benefit(read: _Answers) -> _Check:
    """A means-tested benefit, the visitor's own or someone else's in the household (EXT benefits)."""
    benefit = read.choice("benefit", _BENEFITS)
    if benefit is None:
        return _Check(True, "benefit")
    if benefit in _TAX_CREDITS:  # EXT d7dfc289: not for visits after 5 April 2025
        return _Check(False, reasons=("tax_credits_ended", "benefit_list", "household_benefit"))
    if benefit in _CONTRIBUTION_BASED:
        return _Check(False, reasons=("contribution_based", "household_benefit"))
    if benefit not in _QUALIFYING_BENEFITS and benefit != "universal-credit":
        return _Check(False, reasons=("benefit_list", "household_benefit"))
    owner = read.choice("benefit_owner", _BENEFIT_OWNERS)
    notes = (
        *(("upload_proof",) if benefit in _PROOF_NEEDED else ()),
        *(("benefit_owner_other",) if owner == "other" else ()),
    )
    if benefit != "universal-credit":
        return _Check(True, reasons=notes)
    # Universal Credit: household take-home pay no more than £1,250 a month, housing costs aside (GOV).
    under_limit = read.flag("uc_income_under_limit")
    if under_limit is None:
        return _Check(True, "uc_income_under_limit", notes)
    return _Check(True, reasons=notes) if under_limit else _Check(False, reasons=("uc_over_limit",))


def _age(read: _Answers) -> _Check:
    """18 or over, or 16 or over for a prison in Scotland (GUIDE; Maidstone leaflet)."""
    age = read.count("age")
    if age is None:
        return _Check(True, "age")
    if age >= _ADULT_AGE:
        return _Check(True)
    if age < _SCOTLAND_AGE:
        return _Check(False, reasons=("too_young",))
    prison = read.choice("prison_country", _PRISON_COUNTRIES)
    if prison is None:
        return _Check(False, "prison_country", ("too_young",))
    return _Check(True) if prison == "scotland" else _Check(False, reasons=("too_young",))


def _timing(read: _Answers) -> _Check:
    """A past visit up to 28 days ago, or a future visit 6 to 28 days ahead (EXT journey-information)."""
    timing = read.choice("claim_timing", _TIMINGS)
    if timing is None:
        return _Check(True, "claim_timing", ("timing_rule",))
    if timing == "past":
        days_since = read.count("days_since_visit")
        if days_since is None:
            return _Check(True, "days_since_visit", ("past_in_time",))
        if days_since > _MAX_DAYS_AFTER:
            return _Check(False, reasons=("past_too_late",))
        return _Check(True, reasons=("past_in_time",))
    days_until = read.count("days_until_visit")
    if days_until is None:
        return _Check(True, "days_until_visit", ("timing_rule",))
    if days_until < _MIN_DAYS_BEFORE:
        return _Check(False, reasons=("advance_too_soon",))
    if days_until > _MAX_DAYS_BEFORE:
        return _Check(False, reasons=("advance_too_early",))
    return _Check(True, reasons=("advance_in_time",))


@dataclass(frozen=True, slots=True)
class _Escort:
    reasons: tuple[str, ...]
    covered: bool | None = None
    ask: str | None = None


def _escort(read: _Answers) -> _Escort:
    """Escort costs: the visitor is 75+ or has a serious medical condition; the escort is 18+ (EXT)."""
    wanted = read.flag("escort")
    if wanted is None:
        return _Escort(("escort_rule",), ask="escort")
    if not wanted:
        return _Escort(())
    reason = read.choice("escort_reason", _ESCORT_REASONS)
    age = read.count("age")
    over_75 = age >= _ESCORT_CLAIMANT_AGE if age is not None else reason == "aged-75-plus"
    if not over_75 and reason is None:
        return _Escort(("escort_rule",), ask="escort_reason")
    if not over_75 and reason != "medical-condition":
        return _Escort(("escort_reason_not",), covered=False)
    escort_age = read.count("escort_age")
    if escort_age is None:
        return _Escort(("escort_rule",), ask="escort_age")
    if escort_age < _ESCORT_MIN_AGE:
        return _Escort(("escort_too_young",), covered=False)
    return _Escort(("escort_covered", *(() if over_75 else ("escort_evidence",))), covered=True)


# --- putting it together -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Evaluation:
    assessment: Assessment
    next_key: str | None


def _evaluate(answers: Mapping[str, object], *, skip: Collection[str]) -> _Evaluation:
    read = _Answers(answers)
    scheme = _scheme(read)
    if scheme.kind == "other":
        return _Evaluation(Assessment("other_scheme", _say(scheme.reasons)), None)
    checks = (_relationship(read), _benefit(read), _age(read), _timing(read))
    failed_for_certain = any(not check.passes and check.ask is None for check in checks)
    # Once a check has failed for certain only the scheme could still change the outcome.
    open_keys = [scheme.ask] if failed_for_certain else [scheme.ask, *(check.ask for check in checks)]
    asked = [key for key in open_keys if key is not None]
    certain = not asked
    next_key = next((key for key in asked if key not in skip), None)
    if any(not check.passes for check in checks):
        ids = [reason for check in checks if not check.passes for reason in check.reasons]
        ids += [] if certain else ["not_certain"]
        return _Evaluation(Assessment("not_eligible", _say(ids), certain), next_key)
    escort = _escort(read)
    ids = [*(scheme.reasons or ("eligible",)), *(reason for check in checks for reason in check.reasons)]
    ids += [*escort.reasons, "apply_online", *([] if certain else ["not_certain"])]
    outcome: Outcome = "limited_help" if scheme.kind == "channel_islands" else "eligible"
    return _Evaluation(Assessment(outcome, _say(ids), certain, escort.covered), next_key)


def _say(ids: Collection[str]) -> list[str]:
    """The sentences for ``ids``, each once, in order."""
    return [SENTENCES[sentence_id] for sentence_id in dict.fromkeys(ids)]
