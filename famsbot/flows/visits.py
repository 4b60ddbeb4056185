"""Visits: which prison (any prison in England and Wales), then one topic at a time — booking,
times, the next sessions, the visitors' centre, ID, arriving, visits a month, video calls, legal
visits, family days, travel costs, a first-visit guide.

Every answer names the prison and, where the source is dated, when it was published. The three
seed prisons are answered from their hand-written files; every other prison from the national
directory (``content/directory``). A fact no source gives is never made up: the bot says what is
missing and gives the prison's gov.uk page and the Prisoners' Families Helpline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from transitions import EventData

from famsbot.channels.render import sms_text
from famsbot.content.loader import Content
from famsbot.content.schema import Fact, Prison, Sourced
from famsbot.dialogue.flow import Flow, FlowModel, TurnContext, answer_is, go_to, model_of
from famsbot.dialogue.messages import Inbound, Reply
from famsbot.dialogue.steps import Accepted, Choice, ChoiceStep, ReadResult, Rejected
from famsbot.errors import ContentError
from famsbot.flows.visits_directory import DIRECTORY_READERS, closed_answer
from famsbot.flows.visits_directory import dated as directory_dated
from famsbot.flows.which_prison import CHOICES, DirectoryPrisonStep, SiteStep, has_choices
from famsbot.policy.sessions import WeeklySession, bookable_slots, format_slot
from famsbot.policy.text import plain_words
from famsbot.sms_text import MAX_SEGMENTS, segments

__all__ = ["FLOW", "TOPICS", "answer_every_topic"]


TOPICS = [
    Choice("book", "visits.opt_book", ("book", "booking", "how to book", "book a visit")),
    Choice("times", "visits.opt_times", ("times", "visiting times", "hours", "when", "opening times")),
    Choice("next", "visits.opt_next", ("next", "next visit", "sessions", "dates", "this week")),
    Choice("centre", "visits.opt_centre", ("centre", "center", "visitor centre", "visitors center")),
    Choice("id", "visits.opt_id", ("id", "bring", "identification", "passport", "what to bring")),
    Choice("early", "visits.opt_early", ("arrive", "arriving", "early", "how early", "when to arrive")),
    Choice("allowance", "visits.opt_allowance", ("how many", "allowance", "iep", "per month", "a month")),
    Choice("video", "visits.opt_video", ("video", "video call", "video calls", "purple visit")),
    Choice("legal", "visits.opt_legal", ("legal", "solicitor", "lawyer", "legal visit")),
    Choice("family_days", "visits.opt_family_days", ("family day", "family days", "kids day")),
    Choice("costs", "visits.opt_costs", ("travel", "costs", "travel costs", "apvs", "money for travel")),
    Choice("first", "visits.opt_first", ("first visit", "first time", "never been")),
    Choice("change_prison", "visits.opt_change_prison", ("change prison", "different prison", "another prison")),
]
MORE = [
    Choice("topics", "visits.opt_more_topics", ("topics", "other topics", "more", "list")),
    Choice("menu", "common.main_menu", ("menu", "main menu", "no", "nothing", "done", "nothing else")),
]


class OtherPrison(ChoiceStep):
    """A topic question that also understands another prison's name ("bronzefield"): that prison's topics.

    A family asking about two prisons types the second name where the topics are offered; "Sorry,
    I didn't understand" would be a dead end. Only a prison named outright (not a town) counts.
    """

    def read(self, model: FlowModel, inbound: Inbound) -> ReadResult:
        result = super().read(model, inbound)
        if not isinstance(result, Rejected) or inbound.option or not inbound.text.strip():
            return result
        named = model.content.prison_index.match(inbound.text)
        if named.id is None or named.how not in ("name", "code") or named.id == model.answers.get("prison"):
            return result
        place = model.content.place(named.id)
        if place is None:
            return result
        model.answers["prison"] = place.id
        model.answers.pop(CHOICES, None)
        return Accepted("topics", place.name)


ASKED_TOPIC = "_asked_topic"  # a topic named in the message that started the flow ("wandsworth visiting times")


def asked_topic(text: str, content: Content) -> dict[str, Any]:
    """The topic a first message names outright, so it is answered rather than listed again."""
    words = f" {' '.join(plain_words(text))} "
    found = {t.key for t in TOPICS if t.key != "change_prison" and any(f" {w} " in words for w in t.words if " " in w)}
    return {ASKED_TOPIC: found.pop()} if len(found) == 1 else {}


class TopicStep(OtherPrison):
    """The topic question; for a closed prison it says so first. Skipped once, for a topic the first message named."""

    def known(self, model: FlowModel) -> bool:
        topic = model.answers.pop(ASKED_TOPIC, None)
        if topic is None or model.place is None:
            return False
        model.answers["topic"] = topic
        return True

    def question(self, model: FlowModel) -> Reply:
        reply = super().question(model)
        place = model.place
        if model.prison is None and place is not None and not place.open:
            return Reply(f"{model.text('visits.closed_short')}\n{reply.text}", reply.options)
        return reply


STEPS = {
    "prison": DirectoryPrisonStep(),
    "site": SiteStep(),
    "topic": TopicStep("topic", "visits.ask_topic", TOPICS, skip_when_known=True),
    "more": OtherPrison("topic", "visits.ask_more", MORE, hidden=TOPICS),
}


def forget_prison(event: EventData) -> None:
    """"Change prison": ask again rather than reuse the remembered one."""
    model = model_of(event)
    model.answers["prison"] = None
    model.answers.pop(CHOICES, None)


def shared_name(event: EventData) -> bool:
    return has_choices(model_of(event))


def tell_topic(event: EventData) -> None:
    """Answer the chosen topic for the chosen prison, from its sourced facts."""
    model = model_of(event)
    topic = str(model.answers["topic"])
    label = model.text(next(t.label for t in TOPICS if t.key == topic))
    prison = model.prison
    if prison is None:
        place = model.place
        assert place is not None  # noqa: S101 - the prison step comes first
        body = closed_answer(model, place) if not place.open else DIRECTORY_READERS[topic](model, place)
        heading_date = directory_dated(topic, place) if place.open else ""
        model.replies.append(Reply(model.text("visits.reply", topic=label, dated=heading_date, body=body)))
        return
    found = READERS[topic](model, prison)
    if found is None:
        model.say("visits.missing", topic=label.lower(), booking_phone=prison.booking.phone.number)
        return
    body, source = found
    dated = _dated(source, prison)
    model.replies.append(Reply(model.text("visits.reply", topic=label, dated=dated, body=body)))


TRANSITIONS = [
    {"trigger": "begin", "source": "start", "dest": "prison"},
    {"trigger": "answer", "source": "prison", "dest": "site", "conditions": shared_name},
    {"trigger": "answer", "source": "prison", "dest": "topic"},
    {"trigger": "answer", "source": "site", "dest": "topic"},
    *(
        transition
        for source in ("topic", "more")
        for transition in (
            {"trigger": "answer", "source": source, "dest": "prison",
             "conditions": answer_is("topic", "change_prison"), "after": forget_prison},
            {"trigger": "answer", "source": source, "dest": None,
             "conditions": answer_is("topic", "costs"), "after": go_to("apvs", "prison")},
            {"trigger": "answer", "source": source, "dest": "topic", "conditions": answer_is("topic", "topics")},
            {"trigger": "answer", "source": source, "dest": None,
             "conditions": answer_is("topic", "menu"), "after": go_to("menu")},
            {"trigger": "answer", "source": source, "dest": "more", "after": tell_topic},
        )
    ),
]

FLOW = Flow("visits", STEPS, TRANSITIONS, title="visits.title", carry_text=asked_topic)


# --- how each topic is answered --------------------------------------------------------------

Found = tuple[str, Sourced] | None


def _dated(source: Sourced, prison: Prison) -> str:
    as_of = source.as_of or prison.published.as_of
    if not as_of or "undated" in as_of.lower():
        return ""
    return f" ({as_of})"


def _fact(fact: Fact | None) -> Found:
    return (fact.text, fact) if fact is not None else None


def _book(model: FlowModel, prison: Prison) -> Found:
    booking = prison.booking
    phone = booking.phone
    lines = [
        booking.online.text,
        model.text("visits.book_phone", number=phone.number, hours=f" ({phone.hours})" if phone.hours else ""),
    ]
    if booking.email is not None:
        lines.append(booking.email.text)
    lines.append(booking.needs.text)
    return "\n".join(lines), phone


def _sessions(prison: Prison) -> list[WeeklySession]:
    timetable = prison.visiting_times
    return [WeeklySession(s.day, s.start, s.end) for s in timetable.sessions] if timetable else []


def _times(model: FlowModel, prison: Prison) -> Found:
    timetable = prison.visiting_times
    if timetable is None:
        return None
    lines = [
        model.text("visits.session_line", day=model.text(f"common.day_{s.day}"), start=f"{s.start:%H:%M}",
                   end=f"{s.end:%H:%M}")
        for s in sorted(timetable.sessions, key=lambda s: ("mon tue wed thu fri sat sun".index(s.day), s.start))
    ]
    lines.append(model.text("visits.check_times", booking_phone=prison.booking.phone.number))
    return "\n".join(lines), timetable


def _next(model: FlowModel, prison: Prison) -> Found:
    if prison.visiting_times is None:
        return None
    place = model.content.place(prison.id)  # the booking data's dates with no visits and notice rules
    slots = bookable_slots(
        _sessions(prison), model.ctx.now, count=3,
        closed_dates=place.unbookable.dates if place and place.unbookable else (),
        lead_days=place.lead_days.value if place and place.lead_days else None,
        window_days=place.booking_window.value if place and place.booking_window else None,
    )
    lines = [model.text("visits.next_intro"), *(format_slot(s) for s in slots)]
    lines.append(model.text("visits.next_book"))
    return "\n".join(lines), prison.visiting_times


def _id(model: FlowModel, prison: Prison) -> Found:
    return _fact(prison.id_rules) or _fact(model.content.fact("id_rules"))


def _allowance(model: FlowModel, prison: Prison) -> Found:
    allowance = prison.visits_per_month
    if allowance is None:
        return None
    text = model.text("visits.allowance", basic=allowance.basic, standard=allowance.standard,
                      enhanced=allowance.enhanced)
    return text, allowance


def _family_days(model: FlowModel, prison: Prison) -> Found:
    days = prison.family_days
    if days is None:
        return None
    return f"{days.about.text}\n{model.text('visits.family_days_more')}", days.about


READERS: dict[str, Callable[[FlowModel, Prison], Found]] = {
    "book": _book,
    "times": _times,
    "next": _next,
    "centre": lambda model, prison: _fact(prison.visitors_centre),
    "id": _id,
    "early": lambda model, prison: _fact(prison.arrive_early),
    "allowance": _allowance,
    "video": lambda model, prison: _fact(prison.video_calls),
    "legal": lambda model, prison: _fact(prison.legal_visits),
    "family_days": _family_days,
    "first": lambda model, prison: _fact(prison.first_visit),
}


def answer_every_topic(content: Content, prison_id: str, now: datetime) -> list[str]:
    """Content check: every topic can be answered for this prison, within the SMS budget."""
    problems: list[str] = []
    for topic in TOPICS:
        if topic.key not in READERS:
            continue
        model = FlowModel("more", {"prison": prison_id, "topic": topic.key}, TurnContext(content, now, "sms"))
        try:
            tell_topic(_Event(model))  # type: ignore[arg-type]
        except ContentError as exc:
            problems.extend(f"visits topic {topic.key} ({prison_id}): {p}" for p in exc.problems)
            continue
        for reply in model.replies:
            if (count := segments(sms_text(reply))) > MAX_SEGMENTS:
                problems.append(f"visits topic {topic.key} ({prison_id}): {count} SMS segments (max {MAX_SEGMENTS})")
    return problems


class _Event:
    """The one attribute of transitions' EventData a callback reads, for running callbacks in checks."""

    def __init__(self, model: FlowModel) -> None:
        self.model = model
