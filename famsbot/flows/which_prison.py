"""Which prison? — asked over the whole national directory, never as a list of 120 prisons.

The family types the name or the town ("Wandsworth", "the prison in Wrexham", "Carchar Caerdydd",
"MSI"). Where the name is shared (Bullingdon convicted / remand, Norwich wings, Feltham A / B, Parc
adult / YOI), one short question with only those few choices follows. "I don't know which prison"
is answered with how to find out (gov.uk/find-prisoner and what it needs), then the question again.
"""

from __future__ import annotations

import re

from famsbot.content.directory import DirectoryPrison
from famsbot.dialogue.flow import FlowModel
from famsbot.dialogue.matching import parse_number, says_unsure
from famsbot.dialogue.messages import Inbound, Option, Reply
from famsbot.dialogue.steps import Accepted, Explain, ReadResult, Rejected, Step
from famsbot.policy.prisons import PrisonMatch
from famsbot.policy.text import normalise

__all__ = ["CHOICES", "UNKNOWN", "DirectoryPrisonStep", "SiteStep", "has_choices", "says_dont_know"]

CHOICES = "_prison_choices"  # the few prisons a shared name could mean, until one is picked
MAX_CHOICES = 8
UNKNOWN = "unknown"
_DONT_KNOW = re.compile(
    r"\b(dont|don't|do not|dunno|not sure|no idea)\b.*\b(which|what|where)\b|"
    r"\bfind (him|her|them|out|someone|a prisoner|my)\b|\bwhere (he|she|they) (is|are|was)\b|"
    r"\bwhich prison (is|he|she|they)\b|\bdont know\b|\bdon't know\b"
)


def says_dont_know(text: str) -> bool:
    """"I don't know which prison he's in", in the ways people say it."""
    return bool(_DONT_KNOW.search(normalise(text)))


def has_choices(model: FlowModel) -> bool:
    return bool(model.answers.get(CHOICES)) and model.answers.get("prison") is None


def _label(prison: DirectoryPrison) -> str:
    return prison.name


class DirectoryPrisonStep(Step):
    """Any prison in England and Wales, typed as people write it; skipped when already known."""

    key = "prison"
    skip_when_known = True

    def __init__(self, question: str = "visits.ask_prison", *, ask_sites: bool = True) -> None:
        self.question_key = question
        self.ask_sites = ask_sites  # False: a shared name is asked again here, not in a SiteStep

    def options(self, model: FlowModel) -> tuple[Option, ...]:
        return (Option(UNKNOWN, model.text("visits.opt_dont_know_prison")),)

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        content = model.content
        if inbound.option and inbound.option != UNKNOWN and (place := content.place(inbound.option)):
            return self._chosen(model, place)
        text = inbound.text
        match = content.prison_index.match(text) if text.strip() else PrisonMatch()
        if match.id is not None and (place := content.place(match.id)):
            return self._chosen(model, place)
        if 1 < len(match.candidates) <= MAX_CHOICES:
            if not self.ask_sites:
                names = "; ".join(content.prison_name(i) for i in match.candidates)
                return Rejected("visits.prison_ambiguous", {"names": names})
            model.answers[CHOICES] = list(match.candidates)
            return Accepted(None, match.words or text)
        if inbound.option == UNKNOWN or says_unsure(text) or parse_number(text) == 1 or says_dont_know(text):
            return Explain(model.text("visits.find_prisoner", how=content.fact("find_prisoner").text,
                                      helpline=content.phone("families_helpline").number))
        return Rejected("visits.prison_not_found")

    @staticmethod
    def _chosen(model: FlowModel, place: DirectoryPrison) -> Accepted:
        model.answers.pop(CHOICES, None)
        return Accepted(place.id, place.name)

    def known(self, model: FlowModel) -> bool:
        # The remembered prison counts, unless the person asked to change it (answer set to None).
        if "prison" not in model.answers and model.content.place(model.ctx.contact_prison) is not None:
            model.answers["prison"] = model.ctx.contact_prison
        return model.content.place(model.answers.get("prison")) is not None


class SiteStep(Step):
    """One short question where a name is shared: only the few prisons (or sites) it could mean."""

    key = "prison"

    def __init__(self, question: str = "visits.ask_site") -> None:
        self.question_key = question

    def _choices(self, model: FlowModel) -> list[DirectoryPrison]:
        places = [model.content.place(i) for i in model.answers.get(CHOICES) or []]
        return [p for p in places if p is not None]

    def question(self, model: FlowModel) -> Reply:
        choices = self._choices(model)
        shared = choices[0].short_name if choices and len({c.group for c in choices}) == 1 else ""
        key = "visits.ask_site" if shared else "visits.ask_which_of"
        return Reply(model.text(key, name=shared, count=len(choices)), self.options(model))

    def options(self, model: FlowModel) -> tuple[Option, ...]:
        return tuple(Option(p.id, _label(p), tuple(p.site_words)) for p in self._choices(model))

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        choices = self._choices(model)
        ids = [c.id for c in choices]
        picked: str | None = inbound.option if inbound.option in ids else None
        number = parse_number(inbound.text)
        if picked is None and number is not None and 1 <= number <= len(ids):
            picked = ids[number - 1]
        if picked is None:
            index = model.content.prison_index
            match = index.match(inbound.text)
            within = [i for i in match.candidates if i in ids]
            if len(within) != 1:
                within = list(index.narrow(PrisonMatch(tuple(ids)), inbound.text).candidates)
            picked = within[0] if len(within) == 1 else None
        if picked is None:
            return Rejected("common.out_of_range", {"count": len(ids)})
        model.answers.pop(CHOICES, None)
        place = model.content.place(picked)
        return Accepted(picked, place.name if place else picked)

    def known(self, model: FlowModel) -> bool:
        return False
