"""Family days and events: what is coming up at his prison, who can go, and notices by message.

Which prison (skipped when known) -> the family-days page: the prison's dated events from today on
(Europe/London), or an honest "no dates"; before it, the latest notice sent to that prison's
families, if there is one (read by an effect). From there: how family days work, who can go and
how to apply (from the prison's published content, a page at a time), all upcoming dates when
there are many, get notices, stop notices, change prison, main menu.

Getting notices is direct marketing under UK rules (PECR; the ICO's guidance for charities), so it
is asked, never assumed: the person is shown exactly what they agree to (which prison, what kind
of messages, from whom, how often, how to stop) and answers yes or no. A yes is stored with that
wording, the channel and the time (``store.subscriptions``). A no, "Stop family day notices", or a
typed "stop sending me these" stops notices at once, without "are you sure?", and is recorded the
same way.

Three ways in besides the menu:

* NOTICES (``/notices`` on Telegram) goes straight to the consent question (``action=opt_in``);
* a message like "stop sending me the family day messages" (routing's ``opt_out`` intent, with
  ``action=stop``) stops every notice at once, says which, then shows the main menu;
* STOP stops everything, notices included (``Engine._opt_out``, not this flow).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from sqlmodel import col, select
from transitions import EventData

from famsbot.channels.render import sms_text
from famsbot.clock import to_london
from famsbot.content.loader import Content
from famsbot.content.schema import Event, Fact, Prison
from famsbot.dialogue.effects import EffectContext
from famsbot.dialogue.flow import Flow, FlowModel, answer_is, go_to, model_of
from famsbot.dialogue.messages import Inbound, Reply
from famsbot.dialogue.routing import MIN_CONFIDENCE
from famsbot.dialogue.steps import Accepted, Choice, ChoiceStep, ReadResult, Rejected, YesNoStep
from famsbot.flows.self_check import PAGE, Result, paginate, turning_page
from famsbot.flows.which_prison import DirectoryPrisonStep
from famsbot.policy import intents
from famsbot.sms_text import MAX_SEGMENTS, segments
from famsbot.store import subscriptions
from famsbot.store.models import Broadcast

__all__ = ["FLOW", "LatestNotice", "OptIn", "OptOut", "consent_wording", "upcoming"]

MAX_LISTED = 3  # dates listed on the family-days page; more are on "All upcoming dates"
STOP_ALL = "stop_all"  # the answer to any question here when the person types "stop sending me these"

HOW = Choice("how", "notices.opt_how", ("how", "how they work", "who can go", "rules", "apply", "how to apply"))
DATES = Choice("dates", "notices.opt_dates", ("dates", "all dates", "upcoming", "when"))
GET = Choice("get", "notices.opt_get", ("sign up", "sign me up", "send me notices", "notices please"))  # + NOTICES
STOP = Choice("stop", "notices.opt_stop", ("stop notices", "no notices", "stop family day notices"))
CHANGE = Choice("change_prison", "notices.opt_change_prison", ("change prison", "different prison", "another prison"))
MENU = Choice("menu", "common.main_menu", ("menu", "main menu"))
OPTIONS = Choice("options", "notices.opt_options", ("family days", "options", "family days menu"))
MORE = Choice("more", "notices.more", ("more", "next", "go on"))


def page_choices(model: FlowModel) -> list[Choice]:
    """The family-days page's choices; "All upcoming dates" only when the page cannot list them all."""
    dates = [DATES] if len(upcoming(model)) > MAX_LISTED else []
    return [HOW, *dates, GET, STOP, CHANGE, MENU]


# --- the questions ---------------------------------------------------------------------------------


def wants_to_stop(text: str) -> bool:
    """A typed "stop sending me the family day messages" (routing's ``opt_out`` intent)."""
    result = intents.classify(text) if text else None
    return result is not None and result.label == "opt_out" and result.confidence >= MIN_CONFIDENCE


def _or_stop(result: ReadResult, inbound: Inbound) -> ReadResult:
    """Routing would bring "stop sending me these" back to this flow, so it is read here, as an answer
    to whatever was asked."""
    if isinstance(result, Rejected) and inbound.option is None and wants_to_stop(inbound.text):
        return Accepted(STOP_ALL, inbound.text)
    return result


class Choices(ChoiceStep):
    """A choice on the family-days page, or "Anything else?" after an answer."""

    def __init__(self, question: str, *, page: bool = False) -> None:
        super().__init__("choice", question, page_choices)
        self.page = page

    def question(self, model: FlowModel) -> Reply:
        text = family_days_page(model) if self.page else model.text(self.question_key)
        return Reply(text, self.options(model))

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        return _or_stop(super().read(model, inbound), inbound)


class Pages(Result):
    """A long answer a page at a time ("More"), then back to the family-days choices or the menu."""

    def __init__(self, sentences: Callable[[FlowModel], list[str]]) -> None:
        super().__init__(sentences, more=MORE, actions=lambda model: [OPTIONS, MENU])

    def pages(self, model: FlowModel) -> list[str]:
        """Packed with room for the engine's re-ask above a page ("Sorry, I didn't understand that.
        Please reply with a number from 1 to 3."), counted as two more option lines."""
        labels = [model.text(choice.label) for choice in (self.more, *self.actions(model))]
        reask = [model.text("common.not_understood"), model.text("common.out_of_range", count=len(labels))]
        return paginate(self.sentences(model), [*labels, *reask])

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        return _or_stop(super().read(model, inbound), inbound)


class Consent(YesNoStep):
    """Would you like these notices? The question is the exact wording agreed to, and is recorded."""

    def __init__(self) -> None:
        super().__init__("consent", "notices.consent")

    def question(self, model: FlowModel) -> Reply:
        return Reply(consent_wording(model), self.options(model))

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        return _or_stop(super().read(model, inbound), inbound)


STEPS = {
    "prison": DirectoryPrisonStep("notices.ask_prison", ask_sites=False),
    "page": Choices("notices.ask_home", page=True),
    "more": Choices("notices.ask_more"),
    "how": Pages(lambda model: how_it_works(model)),
    "dates": Pages(lambda model: all_dates(model)),
    "consent": Consent(),
}


# --- conditions and callbacks, in the order the conversation meets them -----------------------------


def asked_to_stop(event: EventData) -> bool:
    """Came in asking to stop: sent by routing (``action=stop``), or by the main menu, whose "family
    day" option the same words can pick."""
    model = model_of(event)
    return model.answers.get("action") == "stop" or wants_to_stop(model.ctx.text)


asked_to_stop.__name__ = "asked to stop"


def stop_all(event: EventData) -> None:
    """Asked in words to stop ("stop sending me these"), on the way in or at any question here: every
    prison's notices stop now, and the reply says which."""
    model = model_of(event)
    model.answers.pop("action", None)
    model.effects.append(OptOut(None, from_words=True))


def wants_consent_question(event: EventData) -> bool:
    """NOTICES: straight to the consent question once the prison is known."""
    return model_of(event).answers.get("action") == "opt_in"


wants_consent_question.__name__ = "action=opt_in"


def forget_action(event: EventData) -> None:
    model_of(event).answers.pop("action", None)


def show_latest_notice(event: EventData) -> None:
    """On arriving at a prison's page: the last notice its families were sent, if any."""
    model = model_of(event)
    model.effects.append(LatestNotice(_prison_id(model)))


def forget_prison(event: EventData) -> None:
    """"Change prison": ask again rather than reuse the remembered one."""
    model_of(event).answers["prison"] = None


def first_page(event: EventData) -> None:
    model_of(event).answers.pop(PAGE, None)


def agreed(event: EventData) -> None:
    """Yes: subscribe, storing the words they said yes to (the consent question as shown)."""
    model = model_of(event)
    model.effects.append(OptIn(_prison_id(model), consent_wording(model)))


def declined(event: EventData) -> None:
    """No (to the question, or "Stop family day notices"): this prison's notices stop, if they were on."""
    model = model_of(event)
    model.effects.append(OptOut(_prison_id(model)))


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": "start", "dest": None, "conditions": asked_to_stop,
     "after": [stop_all, go_to("menu")]},
    {"trigger": "begin", "source": "start", "dest": "prison"},
    {"trigger": "answer", "source": "prison", "dest": "consent", "conditions": wants_consent_question,
     "after": forget_action},
    {"trigger": "answer", "source": "prison", "dest": "page", "after": show_latest_notice},
    # The family-days page, and "anything else?" after each answer.
    *(
        transition
        for source in ("page", "more")
        for transition in (
            {"trigger": "answer", "source": source, "dest": "how", "conditions": answer_is("choice", HOW.key),
             "after": first_page},
            {"trigger": "answer", "source": source, "dest": "dates", "conditions": answer_is("choice", DATES.key),
             "after": first_page},
            {"trigger": "answer", "source": source, "dest": "consent", "conditions": answer_is("choice", GET.key)},
            {"trigger": "answer", "source": source, "dest": "more", "conditions": answer_is("choice", STOP.key),
             "after": declined},
            {"trigger": "answer", "source": source, "dest": "more", "conditions": answer_is("choice", STOP_ALL),
             "after": stop_all},
            {"trigger": "answer", "source": source, "dest": "prison", "conditions": answer_is("choice", CHANGE.key),
             "after": forget_prison},
            {"trigger": "answer", "source": source, "dest": None, "after": go_to("menu")},
        )
    ),
    # How family days work, and all upcoming dates: page after page, then back to the choices.
    *(
        transition
        for source in ("how", "dates")
        for transition in (
            {"trigger": "answer", "source": source, "dest": source, "conditions": turning_page},
            {"trigger": "answer", "source": source, "dest": "more", "conditions": answer_is(PAGE, STOP_ALL),
             "after": stop_all},
            {"trigger": "answer", "source": source, "dest": None, "conditions": answer_is(PAGE, MENU.key),
             "after": go_to("menu")},
            {"trigger": "answer", "source": source, "dest": "more"},
        )
    ),
    # Would you like these notices?
    {"trigger": "answer", "source": "consent", "dest": "more", "conditions": answer_is("consent", True),
     "after": agreed},
    {"trigger": "answer", "source": "consent", "dest": "more", "conditions": answer_is("consent", STOP_ALL),
     "after": stop_all},
    {"trigger": "answer", "source": "consent", "dest": "more", "after": declined},
]  # fmt: skip

FLOW = Flow("notices", STEPS, TRANSITIONS, title="notices.title")


# --- what is said ----------------------------------------------------------------------------------


def _prison_id(model: FlowModel) -> str:
    """Any prison in the directory: notices can be for any prison whose family-day team sends them."""
    prison = model.prison or model.place
    assert prison is not None  # noqa: S101 - the prison step comes first
    return prison.id


def upcoming(model: FlowModel) -> list[Event]:
    """The prison's dated family days and events from today on (the London date), soonest first."""
    prison = model.prison
    if prison is None or prison.family_days is None:
        return []
    today = to_london(model.ctx.now).date()
    return sorted((e for e in prison.family_days.events if date.fromisoformat(e.date) >= today), key=lambda e: e.date)


def _event_line(model: FlowModel, event: Event) -> str:
    day = date.fromisoformat(event.date)
    return model.text("notices.event_line", date=f"{day:%a} {day.day} {day:%b} {day.year}", title=event.title)


def family_days_page(model: FlowModel) -> str:
    """The prison's page: its next dates, or an honest "no dates" that points to how family days work."""
    events = upcoming(model)
    lines = [model.text("notices.home_heading")]
    if events:
        lines.append(model.text("notices.home_coming_up"))
        lines.extend(_event_line(model, event) for event in events[:MAX_LISTED])
        if len(events) > MAX_LISTED:
            lines.append(model.text("notices.home_more_dates", count=len(events) - MAX_LISTED))
    else:
        lines.append(model.text("notices.home_none"))
    lines.append(model.text("notices.ask_home"))
    return "\n".join(lines)


def all_dates(model: FlowModel) -> list[str]:
    return [model.text("notices.dates_heading"), *(_event_line(model, event) for event in upcoming(model))]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _sentences(fact: Fact, heading: str = "") -> list[str]:
    """A fact as sentences (so pages can break between them), the first one after ``heading``."""
    parts = _SENTENCE_END.split(fact.text.strip())
    if heading:
        parts[0] = f"{heading} {parts[0]}"
    return parts


def _dated(fact: Fact, prison: Prison) -> str:
    as_of = fact.as_of or prison.published.as_of
    return "" if not as_of or "undated" in as_of.lower() else f" ({as_of})"


def _helpline(model: FlowModel) -> dict[str, str]:
    return {"families_helpline": model.content.phone("families_helpline").number}


def how_it_works(model: FlowModel) -> list[str]:
    """What family days are, who can go (his criteria and the visitors'), and how to apply, as published."""
    prison = model.prison
    days = prison.family_days if prison is not None else None
    if prison is None or days is None:
        return [model.text("notices.no_family_days", **_helpline(model))]
    sentences = _sentences(days.about, model.text("notices.how_heading", dated=_dated(days.about, prison)))
    if days.eligibility is not None:
        sentences.extend(_sentences(days.eligibility, model.text("notices.who_can_go")))
    if days.how_to_apply is not None:
        sentences.extend(_sentences(days.how_to_apply, model.text("notices.how_to_apply")))
    if days.eligibility is None or days.how_to_apply is None:
        sentences.append(model.text("notices.rules_missing", **_helpline(model)))
    return sentences


def channel_words(content: Content, channel: str) -> dict[str, str]:
    """How messages reach this person and how they stop all of them: by text on SMS, /stop on Telegram."""
    kind = "telegram" if channel == "telegram" else "sms"
    return {"send": content.text(f"notices.send_{kind}"), "stop_all": content.text(f"notices.stop_all_{kind}")}


def consent_wording(model: FlowModel) -> str:
    """What the person agrees to, word for word: this text is stored with their yes.

    It names who will send the notices (the organisation that runs the prison's family days),
    because consent to direct marketing must be specific about the sender.
    """
    prison = model.prison
    days = prison.family_days if prison else None
    run_by = days.run_by.text if days else model.text("notices.run_by_unknown")
    return model.text("notices.consent", run_by=run_by, **channel_words(model.content, model.ctx.channel))


# --- effects: the database work, done by the engine in the message's transaction ----------------------


@dataclass(frozen=True)
class LatestNotice:
    """Show the last notice sent to this prison's families (a finished broadcast), if there is one.

    Only reads, so "back" still works. A long notice is shortened to the SMS budget.
    """

    prison_id: str
    keeps_history: ClassVar[bool] = True

    async def apply(self, ctx: EffectContext) -> list[Reply]:
        query = (
            select(Broadcast)
            .where(col(Broadcast.prison_id) == self.prison_id, col(Broadcast.status) == "done")
            .order_by(col(Broadcast.send_at).desc(), col(Broadcast.id).desc())
            .limit(1)
        )
        notice = (await ctx.session.exec(query)).first()
        if notice is None:
            return []
        values = {"prison": ctx.content.prison_name(self.prison_id), "sent": _when(notice.send_at)}
        return [Reply(_within_budget(lambda body: ctx.content.text("notices.latest", **values, body=body),
                                     notice.body.strip()))]


def _within_budget(render: Callable[[str], str], body: str) -> str:
    """``render(body)``, with ``body`` cut at a word and marked "..." if the whole would cost too much."""
    text = render(body)
    words = body.split(" ")
    while segments(sms_text(Reply(text))) > MAX_SEGMENTS and len(words) > 1:
        words.pop()
        text = render(" ".join(words).rstrip(",;:.") + "...")
    return text


@dataclass(frozen=True)
class OptIn:
    """Turn this prison's notices on, recording the exact words agreed to, the channel and the time."""

    prison_id: str
    wording: str

    async def apply(self, ctx: EffectContext) -> list[Reply]:
        was_off = await subscriptions.opt_in(ctx.session, ctx.contact, self.prison_id, self.wording, ctx.now)
        key = "notices.opted_in" if was_off else "notices.already_in"
        words = channel_words(ctx.content, ctx.contact.channel)
        return [Reply(ctx.content.text(key, prison=ctx.content.prison_name(self.prison_id), **words))]


@dataclass(frozen=True)
class OptOut:
    """Stop notices for one prison (``None``: all), with no "are you sure?", and say in one message
    which stopped and which carry on. The confirmation is what is recorded.

    ``from_words``: the person typed it ("stop sending me these"), and may have meant every message,
    so the confirmation also says how to stop everything.
    """

    prison_id: str | None
    from_words: bool = False

    async def apply(self, ctx: EffectContext) -> list[Reply]:
        assert ctx.contact.id is not None  # noqa: S101 - a loaded contact always has an id
        before = await subscriptions.subscribed_prisons(ctx.session, ctx.contact.id)
        stopping = [p for p in before if self.prison_id in (None, p)]
        text = self._confirmation(ctx, stopping, [p for p in before if p not in stopping])
        await subscriptions.opt_out(ctx.session, ctx.contact, self.prison_id, text, ctx.now)
        return [Reply(text)]

    def _confirmation(self, ctx: EffectContext, stopping: Sequence[str], others: Sequence[str]) -> str:
        content = ctx.content
        if stopping:
            lines = [content.text("notices.stopped", prisons=_names(content, stopping))]
        elif self.prison_id is not None:
            lines = [content.text("notices.stopped_none", prisons=_names(content, [self.prison_id]))]
        else:
            lines = [content.text("notices.stopped_none_all")]
        if others:
            lines.append(content.text("notices.stopped_still", others=_names(content, others)))
        if self.from_words:
            lines.append(content.text("notices.stop_all_hint", **channel_words(content, ctx.contact.channel)))
        return " ".join(lines)


def _names(content: Content, prison_ids: Sequence[str]) -> str:
    """ "HMP Maidstone", "HMP Maidstone and HMP/YOI Chelmsford", "A, B and C"."""
    names = [content.prison_name(p) for p in prison_ids]
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {content.text('notices.list_and')} {names[-1]}"


def _when(at: datetime) -> str:
    """``12 Nov 2026``, on the London calendar."""
    london = to_london(at)
    return f"{london.day} {london:%b} {london.year}"
