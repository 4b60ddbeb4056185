"""What the two self-check flows (help with travel costs, care leavers) have in common.

Both ask what a pure rule function in ``famsbot.policy`` needs, one question at a time, and end
with that function's answer. Four things work the same way in both, so they live here:

* **"Not sure" is an answer to every question.** The first time, the question is explained in one
  line and asked again; the second time the answer is stored as ``None`` (unknown). The rules read
  ``None`` as "not answered", and :func:`unknown_keys` hands those keys back as ``skip=`` so the
  question is not asked a third time. The result then says it is not certain.
* **The next question is the one the rules name.** :func:`asks` is the condition of a transition
  to a question's state: "the rules need this key next". A flow lists one transition per question
  and ends with the result, so it stops as soon as nothing more can change the answer.
* **The result is read a page at a time.** It can run to a dozen one-SMS sentences, so
  :class:`Result` packs them into pages that each fit the SMS budget with their options, and
  offers "More" until the last page.
* **The outcome is stored** (:class:`RecordResult`) as an ``Answer`` row next to the questions and
  answers that led to it, with what the person was told, so staff can see what was said and why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any, ClassVar, Literal

from transitions import EventData

from famsbot.channels.render import sms_text
from famsbot.dialogue.effects import EffectContext
from famsbot.dialogue.flow import Condition, FlowModel, model_of
from famsbot.dialogue.matching import VARIANTS, says_unsure
from famsbot.dialogue.messages import Inbound, Option, Reply
from famsbot.dialogue.steps import (
    NO,
    UNSURE,
    YES,
    Accepted,
    Choice,
    ChoiceStep,
    Explain,
    NumberStep,
    ReadResult,
    Rejected,
)
from famsbot.policy.answers import Direction, read_days
from famsbot.policy.text import normalise
from famsbot.sms_text import MAX_SEGMENTS, segments
from famsbot.store.models import Answer

__all__ = [
    "LAST_PAGE",
    "PAGE",
    "Count",
    "DaysAway",
    "Explanation",
    "Pick",
    "RecordResult",
    "Result",
    "asks",
    "paginate",
    "said",
    "turning_page",
    "unknown_keys",
    "wording",
    "yes_no",
]

Explanation = Callable[[FlowModel], str]
"""The one line that explains a question to someone who is not sure what it means."""


def wording(key: str) -> Explanation:
    """An explanation worded in the content texts (``"apvs.help_benefit"``)."""
    return lambda model: model.text(key)


def said(sentence: str) -> Explanation:
    """An explanation that is one of the rules' own sourced sentences (the rule itself explains)."""
    return lambda model: model.address(sentence)


def unknown_keys(answers: Mapping[str, Any]) -> frozenset[str]:
    """The keys the person answered "not sure" to: the rules' ``skip=``."""
    return frozenset(key for key, value in answers.items() if value is None and not key.startswith("_"))


def _not_sure(model: FlowModel, key: str, explain: Explanation) -> ReadResult:
    """Explain once, then accept "not sure" as unknown (the same bookkeeping as ``YesNoStep``)."""
    flag = f"_explained.{key}"
    if not model.answers.get(flag):
        model.answers[flag] = True
        return Explain(explain(model))
    return Accepted(None, model.text("common.not_sure"))


def _is_not_sure(inbound: Inbound) -> bool:
    return inbound.option == UNSURE.key or says_unsure(inbound.text)


class Pick(ChoiceStep):
    """Pick one option, or "Not sure". ``values`` fill the question's placeholders (e.g. a rule)."""

    def __init__(
        self,
        key: str,
        question: str,
        choices: Sequence[Choice] | Callable[[FlowModel], Sequence[Choice]],
        *,
        explain: Explanation,
        values: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(key, question, choices)
        self.explain = explain
        self.values = dict(values or {})

    def choices(self, model: FlowModel) -> Sequence[Choice]:
        return [*super().choices(model), UNSURE]

    def question(self, model: FlowModel) -> Reply:
        return Reply(model.text(self.question_key, **self.values), self.options(model))

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        if _is_not_sure(inbound):
            return _not_sure(model, self.key, self.explain)
        result = super().read(model, inbound)
        if isinstance(result, Accepted) and result.value == UNSURE.stored():
            return _not_sure(model, self.key, self.explain)
        return result


def yes_no(key: str, question: str, *, explain: Explanation, values: Mapping[str, str] | None = None) -> Pick:
    """A yes/no question (``True``/``False``), with "Not sure"."""
    return Pick(key, question, [YES, NO], explain=explain, values=values)


Unit = Literal["week", "month"]
_IN_WEEKS: dict[str, Fraction] = {"week": Fraction(1), "month": Fraction(52, 12), "year": Fraction(52)}
_SPAN = re.compile(r"(\d{1,3})\s*(weeks?|wks?|months?|mths?|years?|yrs?)\b", re.IGNORECASE)
_SPAN_UNIT = {"wk": "week", "mth": "month", "yr": "year"}
_SHORT_SPAN = re.compile(r"\d\s*(?:days?|weeks?|wks?|months?|mths?|fortnights?)\b", re.IGNORECASE)


def _span(text: str, unit: Unit) -> int | None:
    """A length of time said with its units ("6 months", "1 year 3 months") as whole ``unit``s."""
    spans = _SPAN.findall(text)
    if not spans:
        return None
    weeks = Fraction(0)
    for number, word in spans:
        name = word.lower().rstrip("s")
        weeks += int(number) * _IN_WEEKS[_SPAN_UNIT.get(name, name)]
    return int(weeks / _IN_WEEKS[unit])


class Count(NumberStep):
    """A whole number (an age, days, weeks, months), or "not sure".

    With ``unit``, a length of time in other units is converted ("3 months" is 13 weeks): families
    rarely count time in care in weeks. SMS shows no numbered "Not sure" option, which a number
    answer would collide with; the words work there, and Telegram gets a button.
    """

    def __init__(
        self,
        key: str,
        question: str,
        *,
        minimum: int,
        maximum: int,
        explain: Explanation,
        unit: Unit | None = None,
        no_is_zero: bool = False,
    ) -> None:
        super().__init__(key, question, minimum=minimum, maximum=maximum)
        self.explain = explain
        self.unit = unit
        self.no_is_zero = no_is_zero  # "did he ever ...? for how long?": a plain "no" is 0

    def options(self, model: FlowModel) -> tuple[Option, ...]:
        if model.ctx.channel != "telegram":
            return ()
        return (Option(UNSURE.key, model.text(UNSURE.label)),)

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        if _is_not_sure(inbound):
            return _not_sure(model, self.key, self.explain)
        if self.no_is_zero and normalise(inbound.text) in VARIANTS["no"]:
            return Accepted(0, inbound.text)
        value = _span(inbound.text, self.unit) if self.unit is not None else None
        if value is not None and self.minimum <= value <= self.maximum:
            return Accepted(value, str(value))
        if self.unit is None and _SHORT_SPAN.search(inbound.text):
            # "in 2 weeks" to "How old are you?" is a date, not an age of 2 (which would refuse the claim).
            return Rejected("common.need_number", {"low": self.minimum, "high": self.maximum})
        return super().read(model, inbound)


class DaysAway(Count):
    """How many days ago, or from today, a day is: a number, or as people say it ("in 2 weeks",
    "5 weeks ago", "a fortnight", "next week", "tomorrow", "saturday", "19th dec").

    Counted on the calendar in Europe/London from the turn's clock. Anything but a plain number of
    days is read back with its date ("So the visit was on Mon 19 Oct, 35 days ago"), since a wrong
    guess changes the answer; BACK corrects it.
    """

    def __init__(
        self, key: str, question: str, *, direction: Direction, explain: Explanation, maximum: int = 999
    ) -> None:
        super().__init__(key, question, minimum=0, maximum=maximum, explain=explain)
        self.direction: Direction = direction

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        if _is_not_sure(inbound):
            return _not_sure(model, self.key, self.explain)
        found = read_days(inbound.text, model.ctx.now, self.direction)
        if found is None or not self.minimum <= found.days <= self.maximum:
            return super().read(model, inbound)
        if found.plain:
            return Accepted(found.days, str(found.days))
        when = say_date(model, found.on)
        note = model.text(f"common.read_back_{self.direction}", date=when, days=found.days)
        return Accepted(found.days, f"{found.days} ({when})", note=note)


def say_date(model: FlowModel, day: date) -> str:
    """ "Sat 19 Dec": the weekday and month names are content (``common.day_sat``, ``common.months``)."""
    weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
    month = model.text("common.months").split()[day.month - 1]
    return f"{model.text(f'common.day_{weekday}')} {day.day} {month}"


def asks(
    step_key: str, next_key: Callable[[FlowModel], str | None], *, when: tuple[str, object] | None = None
) -> Condition:
    """A condition: the rules need ``step_key`` next (and, for a variant of a question, ``when`` holds).

    ``when`` is an answer (key, value) that picks this variant: a follow-up stores the same key as
    the question before it, whose answer was a marker the rules do not know ("jsa": which kind?);
    a question may be worded for who is asking (a child's family). Variants are listed first.
    """

    def condition(event: EventData) -> bool:
        model = model_of(event)
        if next_key(model) != step_key:
            return False
        return when is None or model.answers.get(when[0]) == when[1]

    condition.__name__ = f"needs {step_key}" + ("" if when is None else f", {when[0]}={when[1]}")
    return condition


# --- the result, a page at a time ---------------------------------------------------------------

PAGE = "_page"
"""Answer key of the result step: the page shown (an int), or the action chosen there."""
LAST_PAGE = -1
"""A page number meaning "the last page" (e.g. after adding the prison's details to the end)."""


def paginate(sentences: Sequence[str], labels: Sequence[str]) -> list[str]:
    """Sentences packed in order into pages that each fit the SMS budget with these option labels."""
    options = tuple(Option(str(number), label) for number, label in enumerate(labels))
    pages: list[list[str]] = []
    for sentence in sentences:
        if pages and segments(sms_text(Reply("\n".join([*pages[-1], sentence]), options))) <= MAX_SEGMENTS:
            pages[-1].append(sentence)
        else:
            pages.append([sentence])
    return ["\n".join(page) for page in pages] or [""]


class Result(ChoiceStep):
    """The answer as pages: "More" until the last page, then the flow's ``actions`` on every page.

    ``sentences`` words the whole answer from the answers (pure, so every page is the same each
    time it is shown). Pages are packed for the longest option list, so they never shift.
    """

    def __init__(
        self,
        sentences: Callable[[FlowModel], list[str]],
        *,
        more: Choice,
        actions: Callable[[FlowModel], Sequence[Choice]],
    ) -> None:
        super().__init__(PAGE, "", self._offered)
        self.sentences = sentences
        self.more = more
        self.actions = actions

    def pages(self, model: FlowModel) -> list[str]:
        labels = [model.text(choice.label) for choice in (self.more, *self.actions(model))]
        return paginate(self.sentences(model), labels)

    def _index(self, model: FlowModel, count: int) -> int:
        page = model.answers.get(PAGE)
        if not isinstance(page, int) or isinstance(page, bool):
            return 0
        return page if 0 <= page < count else count - 1

    def _offered(self, model: FlowModel) -> list[Choice]:
        count = len(self.pages(model))
        more = [self.more] if self._index(model, count) < count - 1 else []
        return [*more, *self.actions(model)]

    def question(self, model: FlowModel) -> Reply:
        pages = self.pages(model)
        return Reply(model.address(pages[self._index(model, len(pages))]), self.options(model))

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        result = super().read(model, inbound)
        if isinstance(result, Accepted) and result.value == self.more.stored():
            return Accepted(self._index(model, len(self.pages(model))) + 1, result.shown)
        return result


def turning_page(event: EventData) -> bool:
    """A condition at the result: "More" was chosen (the answer is the next page's number)."""
    page = model_of(event).answers.get(PAGE)
    return isinstance(page, int) and not isinstance(page, bool)


@dataclass(frozen=True)
class RecordResult:
    """Store the outcome as an ``Answer`` row: what the person was told, and the rules' verdict.

    A record, not an action: the person can still go back and change an answer, which gives a
    new result and a new row (``keeps_history``).
    """

    flow: str
    told: str
    verdict: Mapping[str, Any]
    keeps_history: ClassVar[bool] = True

    async def apply(self, ctx: EffectContext) -> list[Reply]:
        assert ctx.contact.id is not None  # noqa: S101 - a loaded contact always has an id
        ctx.session.add(
            Answer(
                contact_id=ctx.contact.id,
                flow=self.flow,
                state="result",
                question="outcome",
                reply=self.told,
                value=dict(self.verdict),
                at=ctx.now,
            )
        )
        return []
