"""Worried about someone: a welfare concern passed to the prison's safer custody team.

Which prison -> who (his name, his prison number if known) -> what has worried you, in your own
words -> is anyone in danger right now -> would you like to ask for an ACCT -> may staff tell him
you raised it -> how to reach you -> a summary to check -> the reference and what happens next.

Two ways in besides the menu:

* free text that is a worry ("hes not called in 4 days im worried") starts the flow with the
  worry already answered (``carry_worry``), so the family is not asked to say it twice;
* the risk gate (``Engine._urgent``): after the emergency route has been given, the flow starts
  with ``urgent`` set and the message as the worry. The concern is recorded and safer custody
  alerted at once, before any question; the questions that follow only add details.

A family member whose message is about their own safety (``_support``: they are in crisis, or the
prisoner threatens them) has had their own support lines from the gate; nothing is filed with the
prison unless they then say someone in prison is in danger or that they are worried about him.

Every question is asked once: a step is skipped when its answer is known (carried over, or given
before), so "back" and "change something" at the summary both return to one question and then
straight on to the summary. The bot only ever repeats what the family typed themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from transitions import EventData

from famsbot.concerns.record import AddToConcern, SaveConcern, SyncConcern
from famsbot.content.loader import Content
from famsbot.content.prison_contact import PrisonContact, one_establishment, prison_contact, ring_prison
from famsbot.dialogue.flow import SUBJECT, Flow, FlowModel, answer_is, answered, go_to, model_of
from famsbot.dialogue.matching import says_unsure
from famsbot.dialogue.messages import Inbound, Reply
from famsbot.dialogue.steps import (
    Accepted,
    Choice,
    ChoiceStep,
    Explain,
    PatternStep,
    ReadResult,
    Rejected,
    TextStep,
    YesNoStep,
)
from famsbot.flows.which_prison import CHOICES, DirectoryPrisonStep, SiteStep, has_choices, says_dont_know
from famsbot.policy.answers import subject_of
from famsbot.policy.text import tokens

__all__ = ["FLOW", "carry_worry"]

PRISON_NUMBER = r"[A-Z]\d{4}[A-Z]{2}"  # one letter, four digits, two letters: A1234BC
UK_PHONE = r"(?:\+44|0044|0)\d{9,10}"
NAME_MAX = 80
SHOWN_MAX = 120  # the most of a worry the summary repeats back (it is kept in full)


class _AskOnce:
    """Skip the question whenever its answer is present, even "I don't know" (stored as ``None``)."""

    key: str
    skip_when_known = True

    def known(self, model: FlowModel) -> bool:
        return self.key in model.answers


class OnceText(_AskOnce, TextStep):
    pass


class OncePattern(_AskOnce, PatternStep):
    pass


class OnceYesNo(_AskOnce, YesNoStep):
    pass


class OnceChoice(_AskOnce, ChoiceStep):
    pass


class DangerStep(OnceYesNo):
    """"Is anyone in danger right now?": not asked once the concern is already urgent."""

    def known(self, model: FlowModel) -> bool:
        return bool(model.answers.get("urgent")) or super().known(model)


class AcctStep(OnceYesNo):
    """Farmer rec. 14.2: families can ask for an ACCT to be opened. The question says what one is."""

    def question(self, model: FlowModel) -> Reply:
        return Reply(model.text(self.question_key, acct=model.content.fact("acct").text), self.options(model))


class ConcernPrisonStep(DirectoryPrisonStep):
    """Any prison in England and Wales; "I don't know which prison" does not stop a worry being passed on.

    The concern is then recorded without a prison and goes to national triage (``concerns.alerts``);
    the family is told how to find out where he is, and may name the prison later from the summary.
    """

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        result = super().read(model, inbound)
        sites = model.answers.get(CHOICES) or []
        if isinstance(result, Accepted) and (same := one_establishment(model.content, list(sites))):
            model.answers.pop(CHOICES, None)  # sites of one prison (Liverpool's closed visits): one team
            place = model.content.place(same)
            return Accepted(same, place.name if place else same)
        if not isinstance(result, Explain):  # Explain: "I don't know which prison", in any of its forms
            return result
        model.answers.pop(CHOICES, None)
        return Accepted(None, model.text("common.dont_know"))


class ConcernSiteStep(SiteStep):
    """Adult or YOI (Parc), convicted or remand (Bullingdon)...: "not sure" still passes the worry on."""

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        result = super().read(model, inbound)
        if isinstance(result, Rejected) and (says_unsure(inbound.text) or says_dont_know(inbound.text)):
            model.answers.pop(CHOICES, None)
            return Accepted(None, model.text("common.dont_know"))
        return result


class SummaryStep(OnceChoice):
    """Everything the family told us, as they typed it, to check before it is sent."""

    def question(self, model: FlowModel) -> Reply:
        lines = [model.text("concern.summary_intro")]
        lines.extend(summary_lines(model))
        lines.append(model.text("concern.ask_confirm"))
        return Reply("\n".join(lines), self.options(model))


SUPPORT = [
    Choice("danger", "concern.opt_support_danger", ("in danger", "danger", "yes")),
    Choice("worried", "concern.opt_support_worried", ("worried", "worry", "concern")),
    Choice("not_now", "concern.opt_support_not_now", ("no", "not now", "later", "no thanks")),
]
CONTACT = [
    Choice("chat", "concern.opt_contact_chat", ("here", "this chat", "chat", "text me", "message me")),
    Choice("number", "concern.opt_contact_number", ("number", "another number", "other number", "ring me", "call me")),
    Choice("none", "concern.opt_contact_none", ("dont contact me", "no contact", "none", "don't contact me")),
]
SEND = Choice("send", "concern.opt_send", ("send", "yes", "right", "correct", "ok", "send it"))
CHANGE = Choice("change", "concern.opt_change", ("change", "edit", "wrong", "no"))
# Not "cancel": on SMS that word is an opt-out keyword (STOP), honoured before any question.
CANCEL = Choice("cancel", "concern.opt_cancel", ("dont send", "don't send", "do not send", "dont send it"))
NEXT = [
    Choice("add", "concern.opt_add", ("add", "more", "add something", "something else")),
    Choice("menu", "common.main_menu", ("menu", "main menu", "no", "no thanks", "done")),
]
# What can be changed from the summary: (answer key, option label). "prison" re-asks the prison.
FIELDS = [
    ("prison", "concern.change_prison"),
    ("prisoner_name", "concern.change_name"),
    ("prisoner_number", "concern.change_number"),
    ("worry", "concern.change_worry"),
    ("danger_now", "concern.change_danger"),
    ("acct_requested", "concern.change_acct"),
    ("consent_to_share", "concern.change_consent"),
    ("contact", "concern.change_contact"),
]


def confirm_choices(model: FlowModel) -> Sequence[Choice]:
    """An urgent concern is already with the prison: it can be corrected, not cancelled."""
    return [SEND, CHANGE] if model.answers.get("urgent") else [SEND, CHANGE, CANCEL]


def change_choices(model: FlowModel) -> Sequence[Choice]:
    urgent = bool(model.answers.get("urgent"))
    return [Choice(key, label) for key, label in FIELDS if not (urgent and key == "danger_now")]


STEPS = {
    "support": ChoiceStep("support", "concern.ask_support", SUPPORT),
    "prison": ConcernPrisonStep("concern.ask_prison"),
    "site": ConcernSiteStep(),
    "name": OnceText("prisoner_name", "concern.ask_name", max_length=NAME_MAX),
    "number": OncePattern("prisoner_number", "concern.ask_number", PRISON_NUMBER, hint="concern.number_hint"),
    "worry": OnceText("worry", "concern.ask_worry"),
    "danger": DangerStep("danger_now", "concern.ask_danger", skip_when_known=True),
    "acct": AcctStep("acct_requested", "concern.ask_acct", help_text="concern.acct_help", skip_when_known=True),
    "consent": OnceYesNo("consent_to_share", "concern.ask_consent", help_text="concern.consent_help",
                         skip_when_known=True),
    "contact": OnceChoice("contact", "concern.ask_contact", CONTACT, skip_when_known=True),
    "contact_number": OncePattern("contact_number", "concern.ask_contact_number", UK_PHONE,
                                  hint="concern.phone_hint", allow_unknown=False),
    "confirm": SummaryStep("confirm", "concern.ask_confirm", confirm_choices, skip_when_known=True),
    "change": OnceChoice("change", "concern.ask_change", change_choices, skip_when_known=True),
    "after": ChoiceStep("next", "concern.ask_next", NEXT),
    "addition": TextStep("addition", "concern.ask_addition"),
}


# --- conditions and callbacks, in the order the conversation meets them --------------------------------


def record_urgent_message(event: EventData) -> None:
    """The risk gate started (or restarted) the flow: record the urgent concern, or add this message to it."""
    model = model_of(event)
    if model.answers.get("urgent"):
        model.effects.append(SaveConcern(model.answers, model.ctx.text, urgent_message=True))


def record(event: EventData) -> None:
    """An urgent concern is recorded, and safer custody alerted, at once, before any other question."""
    model = model_of(event)
    model.effects.append(SaveConcern(model.answers, model.ctx.text))


def reopen(event: EventData) -> None:
    """Starting again after an urgent message: the summary and the last choices are asked afresh."""
    answers = model_of(event).answers
    for key in ("confirm", "change", "next", "addition"):
        answers.pop(key, None)


def in_danger(event: EventData) -> None:
    """From the support question: someone in prison is in danger too. The route again, then record."""
    model = model_of(event)
    model.answers.pop("_support", None)
    model.answers.update(urgent=True, danger_now=True)
    _say_danger_route(model)


def leave_support(event: EventData) -> None:
    model_of(event).answers.pop("_support", None)


def not_now(event: EventData) -> None:
    model_of(event).say("concern.support_later")


def shared_name(event: EventData) -> bool:
    """The name typed is shared (Parc adult / YOI): one short question with only those few choices."""
    return has_choices(model_of(event))


def prison_not_known(event: EventData) -> None:
    """"I don't know which prison": the worry still goes on; how to find out where he is."""
    model = model_of(event)
    if model.answers.get("prison") is None:
        content = model.content
        model.say("concern.prison_unknown")
        model.say("visits.find_prisoner", how=content.fact("find_prisoner").text,
                  helpline=content.phone("families_helpline").number)


def reroute(event: EventData) -> None:
    """A concern already recorded without (or with another) prison goes to the prison now named."""
    model = model_of(event)
    answers = model.answers
    if answers.get("_concern_id") is not None and answers.get("prison") != answers.get("_concern_prison"):
        model.effects.append(SaveConcern(answers, model.ctx.text))


def newly_urgent(event: EventData) -> None:
    """The worry itself tripped the risk gate (the engine marked ``urgent``): record it now."""
    model = model_of(event)
    if model.answers.get("urgent") and not model.answers.get("_concern_urgent"):
        model.effects.append(SaveConcern(model.answers, model.ctx.text, urgent_message=True))


def danger_now(event: EventData) -> None:
    """Someone is in danger right now: the route again, briefly, and the concern becomes urgent."""
    model = model_of(event)
    model.answers["urgent"] = True
    _say_danger_route(model)
    model.effects.append(SaveConcern(model.answers, model.ctx.text))


def _say_danger_route(model: FlowModel) -> None:
    emergency = model.content.phone("emergency").number
    prison = _prison(model)
    if prison is None:
        model.replies.append(Reply(model.text("concern.danger_route_no_prison", emergency=emergency), urgent=True))
    else:
        switchboard = ring_prison(model.content, prison)
        model.replies.append(Reply(
            model.text("concern.danger_route", emergency=emergency, prison=prison.name, switchboard=switchboard),
            urgent=True,
        ))


def _prison(model: FlowModel) -> PrisonContact | None:
    """The prison this concern is about (any prison in the directory), or ``None``."""
    # "I don't know" (None) is an answer: not replaced by the remembered prison
    return prison_contact(model.content, model.answers.get("prison", model.ctx.contact_prison))


def sync(event: EventData) -> None:
    """Each new detail of a concern already with staff (an urgent one) is added to it straight away."""
    model = model_of(event)
    if model.answers.get("_concern_id") is not None and not model.effects:
        model.effects.append(SyncConcern(model.answers))


def forget_number(event: EventData) -> None:
    model_of(event).answers.pop("contact_number", None)


def send(event: EventData) -> None:
    """The family confirmed: record the concern (or add the details to the urgent one) and say what next."""
    model = model_of(event)
    model.answers["_done"] = True
    model.effects.append(SaveConcern(model.answers, model.ctx.text, final=True))


def cancelled(event: EventData) -> None:
    model_of(event).say("concern.cancelled")


def forget_chosen(event: EventData) -> None:
    """"Change something": forget that one answer; the flow asks it again, then returns to the summary."""
    answers = model_of(event).answers
    field = answers.pop("change", None)
    answers.pop("confirm", None)
    if field == "prison":
        answers["prison"] = None  # asked again, not filled from the remembered prison
        answers.pop(CHOICES, None)
    elif field == "contact":
        answers.pop("contact", None)
        answers.pop("contact_number", None)
    elif isinstance(field, str):
        answers.pop(field, None)


def add_to_concern(event: EventData) -> None:
    model = model_of(event)
    text = str(model.answers.pop("addition", ""))
    model.answers.pop("next", None)
    model.effects.append(AddToConcern(model.answers, text))


def start_addition(event: EventData) -> None:
    """They chose to add to their open concern: straight to "what would you like to add?"."""
    model_of(event).answers.pop("_add", None)


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": "start", "dest": "addition", "conditions": answered("_add"),
     "after": start_addition},
    {"trigger": "begin", "source": "start", "dest": "support", "conditions": answered("_support")},
    {"trigger": "begin", "source": "start", "dest": "after", "conditions": answered("_done"),
     "after": [reopen, record_urgent_message]},
    {"trigger": "begin", "source": "start", "dest": "site", "conditions": shared_name,
     "after": [reopen, record_urgent_message]},  # an urgent message named Parc: adult or YOI?
    {"trigger": "begin", "source": "start", "dest": "prison", "after": [reopen, record_urgent_message]},
    {"trigger": "answer", "source": "support", "dest": "prison", "conditions": answer_is("support", "danger"),
     "after": [in_danger, record]},
    {"trigger": "answer", "source": "support", "dest": "prison", "conditions": answer_is("support", "worried"),
     "after": leave_support},
    {"trigger": "answer", "source": "support", "dest": None, "after": [not_now, go_to("menu")]},
    {"trigger": "answer", "source": "prison", "dest": "site", "conditions": shared_name},
    {"trigger": "answer", "source": "prison", "dest": "name", "after": [prison_not_known, reroute]},
    {"trigger": "answer", "source": "site", "dest": "name", "after": [prison_not_known, reroute]},
    {"trigger": "answer", "source": "name", "dest": "number", "after": sync},
    {"trigger": "answer", "source": "number", "dest": "worry", "after": sync},
    {"trigger": "answer", "source": "worry", "dest": "danger", "after": [newly_urgent, sync]},
    {"trigger": "answer", "source": "danger", "dest": "acct", "conditions": answer_is("danger_now", True),
     "after": danger_now},
    {"trigger": "answer", "source": "danger", "dest": "acct", "after": sync},
    {"trigger": "answer", "source": "acct", "dest": "consent", "after": sync},
    {"trigger": "answer", "source": "consent", "dest": "contact", "after": sync},
    {"trigger": "answer", "source": "contact", "dest": "contact_number", "conditions": answer_is("contact", "number")},
    {"trigger": "answer", "source": "contact", "dest": "confirm", "after": [forget_number, sync]},
    {"trigger": "answer", "source": "contact_number", "dest": "confirm", "after": sync},
    {"trigger": "answer", "source": "confirm", "dest": "after", "conditions": answer_is("confirm", "send"),
     "after": send},
    {"trigger": "answer", "source": "confirm", "dest": "change", "conditions": answer_is("confirm", "change")},
    {"trigger": "answer", "source": "confirm", "dest": None, "after": [cancelled, go_to("menu")]},
    {"trigger": "answer", "source": "change", "dest": "prison", "after": forget_chosen},
    {"trigger": "answer", "source": "after", "dest": "addition", "conditions": answer_is("next", "add")},
    {"trigger": "answer", "source": "after", "dest": None, "after": go_to("menu")},
    {"trigger": "answer", "source": "addition", "dest": "after", "after": add_to_concern},
]


# --- the summary, and the worry carried over from the first message -----------------------------------


def summary_lines(model: FlowModel) -> list[str]:
    """One line per answer, each exactly as the family gave it (free text shortened, never reworded)."""
    answers = model.answers
    prison = _prison(model)
    lines = [model.text("concern.sum_prison", prison=prison.name if prison else model.text("common.dont_know"))]
    if answers.get("prisoner_name"):
        lines.append(model.text("concern.sum_name", name=answers["prisoner_name"]))
    lines.append(model.text("concern.sum_number", number=answers.get("prisoner_number")
                            or model.text("common.dont_know")))
    worry = str(answers.get("worry") or "")
    if worry:
        shown = worry if len(worry) <= SHOWN_MAX else worry[: SHOWN_MAX - 3].rstrip() + "..."
        lines.append(model.text("concern.sum_worry", worry=shown))
    if answers.get("urgent"):
        lines.append(model.text("concern.sum_urgent"))
    elif "danger_now" in answers:
        lines.append(model.text("concern.sum_danger", answer=_yes_no(model, answers["danger_now"])))
    if "acct_requested" in answers:
        lines.append(model.text("concern.sum_acct", answer=_yes_no(model, answers["acct_requested"])))
    if "consent_to_share" in answers:
        lines.append(model.text("concern.sum_consent", answer=_yes_no(model, answers["consent_to_share"])))
    contact = answers.get("contact")
    if contact == "number":
        lines.append(model.text("concern.sum_contact_number", number=answers.get("contact_number") or ""))
    elif contact in ("chat", "none"):
        lines.append(model.text(f"concern.sum_contact_{contact}"))
    return lines


def _yes_no(model: FlowModel, value: Any) -> str:
    if value is None:
        return model.text("common.not_sure")
    return model.text("common.yes" if value else "common.no")


# Words that say "I am worried about someone" without saying what the worry is.
_GENERIC = frozenset({
    "i", "im", "am", "a", "an", "the", "my", "me", "about", "worried", "worry", "worrying", "worries",
    "concern", "concerned", "concerns", "raise", "raising", "want", "wanna", "to", "of", "for", "with",
    "someone", "somebody", "in", "at", "prison", "jail", "him", "his", "he", "hes", "is", "are", "son",
    "husband", "partner", "brother", "dad", "father", "boyfriend", "friend", "grandson", "nephew", "really",
    "very", "so", "please", "help", "need", "i'm", "he's", "hmp", "welfare", "safety", "safe", "report",
    "tell", "talk", "can", "could", "you", "how", "do",
})


def carry_worry(text: str, content: Content) -> dict[str, Any]:
    """Free text that starts this flow: keep it as the worry when it says more than "I'm worried"."""
    index = content.prison_index  # only the words of a prison the text names: "low" is a worry, not Low Newton
    named = [index.prisons[i] for i in index.match(text).candidates if i in index.prisons]
    places = {w for p in named for name in (*p.names, *p.towns) for w in tokens(name)}
    telling = [w for w in tokens(text) if w not in _GENERIC and w not in places]
    return {"worry": text} if len(telling) >= 2 else {}


def who(text: str, content: Content) -> dict[str, Any]:
    """She or he, from the family's own words ("my daughter", "my wife", "she"); never "you" here."""
    subject = subject_of(text)
    return {SUBJECT: subject} if subject in ("female", "male") else {}


FLOW = Flow("concern", STEPS, TRANSITIONS, title="concern.title", carry_text=carry_worry, fill=who)
