"""The kinds of question a flow can ask, and how each reads an answer.

A step renders its question (``question``) and reads the person's reply (``read``) into one of:

* :class:`Accepted` — the value to store under ``step.key`` and how to describe it in the log;
* :class:`Rejected` — not an answer to this question (the engine then tries to understand it
  as a new request, or re-asks kindly, with ``hint`` when there is something specific to say);
* :class:`Explain` — the person is not sure: give the one-line explanation and ask again.

Questions and option labels are content text keys; the synonyms used for matching live here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from famsbot.dialogue.flow import FlowModel
from famsbot.dialogue.matching import match_option, parse_number, says_unsure
from famsbot.dialogue.messages import MAX_TEXT, Inbound, Option, Reply
from famsbot.policy import answers
from famsbot.policy.prisons import find_prison
from famsbot.policy.text import normalise

__all__ = [
    "Accepted",
    "Choice",
    "ChoiceStep",
    "Explain",
    "NumberStep",
    "PatternStep",
    "PrisonStep",
    "ReadResult",
    "Rejected",
    "Step",
    "TextStep",
    "YesNoStep",
]


@dataclass(frozen=True, slots=True)
class Accepted:
    value: Any
    shown: str
    loose: bool = False  # a guess from a longer message: a clear request elsewhere wins over it
    note: str | None = None  # said before the next question: a date read back ("So the visit is on ...")


@dataclass(frozen=True, slots=True)
class Rejected:
    hint: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Explain:
    text: str


ReadResult = Accepted | Rejected | Explain


@dataclass(frozen=True, slots=True)
class Choice:
    """An option as a flow declares it: a key, a content text key for its label, and synonyms."""

    key: str
    label: str
    words: tuple[str, ...] = ()
    value: Any = None  # stored value; the key itself when None

    def stored(self) -> Any:
        return self.key if self.value is None else self.value


class Step:
    """A question. Subclasses say how it is worded and how an answer is read."""

    key: str
    question_key: str
    skip_when_known: bool = False
    free_text: bool = False  # any text is an answer: never try to reinterpret it as a new request

    def question(self, model: FlowModel) -> Reply:
        return Reply(model.text(self.question_key), self.options(model))

    def options(self, model: FlowModel) -> tuple[Option, ...]:
        return ()

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        raise NotImplementedError

    def known(self, model: FlowModel) -> bool:
        return model.answers.get(self.key) is not None


class ChoiceStep(Step):
    """Pick one of a list of options."""

    def __init__(
        self,
        key: str,
        question: str,
        choices: Sequence[Choice] | Callable[[FlowModel], Sequence[Choice]],
        *,
        help_text: str | None = None,
        skip_when_known: bool = False,
        hidden: Sequence[Choice] = (),
    ) -> None:
        self.key = key
        self.question_key = question
        self._choices = choices
        self.help_text = help_text
        self.skip_when_known = skip_when_known
        self.hidden = tuple(hidden)  # understood when named (or by their own number), not listed

    def choices(self, model: FlowModel) -> Sequence[Choice]:
        return self._choices(model) if callable(self._choices) else self._choices

    def options(self, model: FlowModel) -> tuple[Option, ...]:
        return self._options(model, self.choices(model))

    @staticmethod
    def _options(model: FlowModel, choices: Sequence[Choice]) -> tuple[Option, ...]:
        return tuple(Option(c.key, model.text(c.label), c.words) for c in choices)

    def _polar(self, model: FlowModel, text: str) -> Option | None:
        """The option a yes or a no picks, when one option stands for each ("yes": been already)."""
        said = answers.yes_no(text)
        if said is None:
            return None
        word = "yes" if said else "no"
        picked = [o for o in self.options(model) if o.key == word or word in o.words]
        return picked[0] if len(picked) == 1 else None

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        choices = {c.key: c for c in (*self.hidden, *self.choices(model))}
        options = self.options(model)
        hidden = self._options(model, self.hidden)
        if inbound.option in choices:
            chosen = next(o for o in (*options, *hidden) if o.key == inbound.option)
            return Accepted(choices[chosen.key].stored(), chosen.label)
        if self.help_text and says_unsure(inbound.text):
            return Explain(model.text(self.help_text))
        match = match_option(inbound.text, options)
        if match.option is None and hidden:
            # A number past the short list refers to the full list the person saw just before.
            match = match_option(inbound.text, hidden)
        if (match.option is None or match.loose) and (polar := self._polar(model, inbound.text)) is not None:
            # "please don't tell him", "not right now", "NO I HAVENT BEEN YET": the shared reader.
            return Accepted(choices[polar.key].stored(), polar.label, loose=len(inbound.text.split()) > 3)
        if match.option is not None:
            return Accepted(choices[match.option.key].stored(), match.option.label, loose=match.loose)
        if match.out_of_range:
            return Rejected("common.out_of_range", {"count": len(options)})
        return Rejected()


YES = Choice("yes", "common.yes", value=True)
NO = Choice("no", "common.no", value=False)
UNSURE = Choice("unsure", "common.not_sure")


class YesNoStep(ChoiceStep):
    """A yes/no question; with ``help_text`` it also offers "Not sure", explains once, then accepts it.

    A second "not sure" is stored as ``None`` (unknown), which the rules treat as not answered.
    """

    def __init__(self, key: str, question: str, *, help_text: str | None = None, skip_when_known: bool = False):
        choices = [YES, NO, UNSURE] if help_text else [YES, NO]
        super().__init__(key, question, choices, help_text=help_text, skip_when_known=skip_when_known)

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        result = super().read(model, inbound)
        unsure = isinstance(result, Explain) or (isinstance(result, Accepted) and result.value == "unsure")
        if not unsure:
            return result
        flag = f"_explained.{self.key}"
        if self.help_text and not model.answers.get(flag):
            model.answers[flag] = True
            return Explain(model.text(self.help_text))
        return Accepted(None, model.text("common.not_sure"))


_INT = re.compile(r"(?<![\d.])(\d{1,3})(?![\d.])")


class NumberStep(Step):
    """A whole number in a range, however it is written ("34", "I'm 34", "34 years old")."""

    def __init__(self, key: str, question: str, *, minimum: int, maximum: int, help_text: str | None = None):
        self.key = key
        self.question_key = question
        self.minimum = minimum
        self.maximum = maximum
        self.help_text = help_text

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        if self.help_text and says_unsure(inbound.text):
            return Explain(model.text(self.help_text))
        numbers = _INT.findall(inbound.text)
        written = answers.read_number(inbound.text) if len(numbers) != 1 else None
        if len(numbers) != 1 and written is None:
            return Rejected("common.need_number", {"low": self.minimum, "high": self.maximum})
        number = int(numbers[0]) if written is None else written
        if not self.minimum <= number <= self.maximum:
            return Rejected("common.number_range", {"low": self.minimum, "high": self.maximum})
        return Accepted(number, str(number))


class TextStep(Step):
    """Free text, kept exactly as written (a worry in the family's own words, a name, a phone number).

    ``skip_words`` (e.g. "don't know") store ``None``. Text is never reinterpreted as a request.
    """

    free_text = True

    def __init__(self, key: str, question: str, *, max_length: int = MAX_TEXT, allow_unknown: bool = False):
        self.key = key
        self.question_key = question
        self.max_length = max_length
        self.allow_unknown = allow_unknown

    def options(self, model: FlowModel) -> tuple[Option, ...]:
        return (Option("unknown", model.text("common.dont_know")),) if self.allow_unknown else ()

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        chose_unknown = inbound.option == "unknown" or parse_number(inbound.text) == 1  # its only option
        if self.allow_unknown and (chose_unknown or says_unsure(inbound.text)):
            return Accepted(None, model.text("common.dont_know"))
        text = inbound.text.strip()
        if not normalise(text) and not any(ch.isalnum() for ch in text):
            return Rejected("common.need_words")
        return Accepted(text[: self.max_length], text[: self.max_length])


class PatternStep(TextStep):
    """Free text that must match a pattern once spaces are removed and letters upper-cased.

    Used for the prison number (one letter, four digits, two letters: A1234BC).
    """

    def __init__(self, key: str, question: str, pattern: str, *, hint: str, allow_unknown: bool = True):
        super().__init__(key, question, max_length=32, allow_unknown=allow_unknown)
        self.pattern = re.compile(pattern)
        self.hint = hint

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        result = super().read(model, inbound)
        if not isinstance(result, Accepted) or result.value is None:
            return result
        compact = re.sub(r"[\s-]", "", str(result.value)).upper()
        if self.pattern.fullmatch(compact):
            return Accepted(compact, compact)
        return Rejected(self.hint)


class PrisonStep(ChoiceStep):
    """Which prison? A number from the list, or the name as people write it ("stoke heath", "HMP Maidstone").

    Skipped when the prison is already known (remembered, or named in an earlier message).
    """

    def __init__(self, question: str = "common.ask_prison") -> None:
        super().__init__("prison", question, self._prison_choices, skip_when_known=True)

    @staticmethod
    def _prison_choices(model: FlowModel) -> list[Choice]:
        return [Choice(p.id, label="") for p in model.content.prisons.values()]  # labels: see options()

    def options(self, model: FlowModel) -> tuple[Option, ...]:
        return tuple(Option(p.id, p.name, tuple(p.aliases)) for p in model.content.prisons.values())

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        prisons = model.content.prisons
        if inbound.option in prisons:
            return Accepted(inbound.option, prisons[inbound.option].name)
        found = find_prison(inbound.text, model.content.prison_names)
        if found:
            return Accepted(found, prisons[found].name)
        return super().read(model, inbound)

    def known(self, model: FlowModel) -> bool:
        # The remembered prison counts, unless the person asked to change it (answer set to None).
        if "prison" not in model.answers and model.ctx.contact_prison in model.content.prisons:
            model.answers["prison"] = model.ctx.contact_prison
        return model.answers.get("prison") in model.content.prisons
