"""Everything the concern page shows, gathered in one scoped read.

Templates stay free of logic: labels for event kinds and details, whether the family can be
messaged, whether the Farmer 14.4 written reasons are still owed, and a draft message for staff.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.channels.render import sms_text
from famsbot.concerns.access import concern_for
from famsbot.concerns.actions import OUTCOMES
from famsbot.concerns.family import FamilyRoute, draft_text, family_route, prison_name
from famsbot.concerns.inbox import ack_deadline, is_overdue, owner_email, timeline
from famsbot.config import Settings
from famsbot.content.loader import Content
from famsbot.dialogue.messages import Option, Reply
from famsbot.staff.assignment import colleagues
from famsbot.staff.formatting import uk_numbers
from famsbot.store.models import Concern, ConcernEvent, Outbox, StaffUser

__all__ = ["ConcernView", "TimelineEntry", "concern_view", "yes_no"]

KIND_LABELS = {
    "created": "Concern raised",
    "alerted": "Safer custody alerted",
    "acknowledged": "Acknowledged",
    "note": "Internal note",
    "outcome": "Outcome recorded",
    "message": "Message sent to the family",
    "closed": "Closed",
    "escalated": "Escalated: nobody had acknowledged it",
    "followup": "Bot checked back with the family",
    "confirmed": "Family confirmed the details",
    "details": "Family changed the details",
    "family_message": "Family added a message",
    "rerouted": "Routed to another prison",
    "urgent_raised": "Raised to urgent",
    "urgent_message": "Further urgent message from the family",
    "viewed": "Viewed",
    "followed_by": "The family wrote again after this was closed: a new concern",
    "reopened": "Opened again: the family wrote after it was closed",
    "family_reply": "Family answered the check-back",
    "family_retracted": "Family said the message was a mistake",
    "assigned": "Assigned",
    "reassigned": "Handed over",
    "unassigned": "Handed back: nobody has it now",
}
ALSO_OPEN_FOR = timedelta(hours=1)  # views are noted once an hour per person (actions.VIEW_EVERY)
FIELD_NAMES = {
    "prisoner_name": "the prisoner's name",
    "prisoner_number": "the prison number",
    "danger_now": "whether someone is in danger now",
    "consent_to_share": "whether he may be told they raised it",
    "acct_requested": "whether they ask for an ACCT",
    "contact": "how they want to hear back",
    "callback": "the call-back number",
    "verbatim": "what they wrote",
    "reworded": "the wording of their worry",
    "relationship": "who they are to him",
    "last_contact": "when they last heard from him",
    "category": "the kind of concern",
}
# Who an "alerted" event really reached (``Concern.routed_to``): never "safer custody" when it was not.
ROUTE_LABELS = {
    "prison": "Safer custody alerted",
    "national": "Passed to national triage: this prison's team is not connected",
    "console": "Nobody alerted automatically: no team is connected for this prison (triage inbox only)",
}
DETAIL_LABELS = {
    "acct_requested": "Family asked for an ACCT to be opened",
    "contact": "How the family wants to hear back",
    "reworded": "The family's later rewording",
    "relationship": "Who the family member is to him",
    "last_contact": "Last contact",
    "category": "Kind of concern",
    "follows": "Follows the family's closed concern",
}
SOURCES = {"flow": "Concern form", "risk_gate": "Urgent words in a message"}
# What the risk gate noticed, in staff's words. ``possible_risk`` is the learned reader's alone: no listed
# phrase matched, so staff are told to judge the family's own words rather than trust a label.
SIGNAL_NAMES = {
    "suicide": "suicide",
    "self_harm": "self-harm",
    "violence": "violence or a threat to him",
    "medical": "medical emergency",
    "possible_risk": "possible risk (no listed phrase matched: read the message)",
}
CONTACT_WISHES = {"chat": "In the chat they used", "number": "A phone call (number above)",
                  "none": "Please don't contact me"}
HIDDEN_DETAILS = {"urgent_at", "verbatim", "prison", "prisoner_name", "prisoner_number", "danger_now",
                  "consent_to_share", "callback", "follows_id"}
FAMILY_WORDS = ("urgent_message", "family_message", "urgent_raised")  # events whose note is the family's own text


DELIVERY = {
    "queued": "waiting to be sent",
    "sent": "sent",
    "delivered": "delivered to their phone",
    "undelivered": "not delivered (the network could not deliver it)",
    "failed": "failed: it could not be sent",
    "skipped": "not sent: the family has opted out",
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    kind: str
    label: str
    note: str | None
    body: str | None  # the text the family received
    detail: str | None
    delivery: str | None = None  # what became of a message to the family


@dataclass(frozen=True)
class ConcernView:
    concern: Concern
    prison: str
    owner: str | None
    family: FamilyRoute
    entries: list[TimelineEntry]
    views: list[TimelineEntry]
    overdue: bool
    due: datetime
    waited: timedelta
    draft: str  # a starting point for the message owed after an outcome; empty once one was sent
    reasons_owed: bool  # ACCT not opened and the family not yet written to (Farmer 14.4)
    details: list[tuple[str, str]]
    outcomes: dict[str, str]
    messages: list[tuple[datetime, str]]  # every message of the family's on this concern, verbatim, oldest first
    linked: list[tuple[int, str, str]]  # (concern id, reference, how): the family's concerns before and after
    colleagues: list[tuple[int, str]]  # who may hold it: (staff id, email)
    also_open: list[TimelineEntry]  # colleagues who opened it in the last hour (latest first)
    call_numbers: list[tuple[str, str]]  # (tel: link, as shown) for the family's phone and call-back number


def yes_no(value: Any) -> str:
    if value is None:
        return "Not known"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "None"
    return str(value)


@dataclass(frozen=True)
class _Sent:
    status: str
    body: str  # exactly as the family's channel carried it


def _entry(event: ConcernEvent, deliveries: dict[int, _Sent]) -> TimelineEntry:
    data = event.data or {}
    outbox_id = data.get("outbox_id")
    sent = deliveries.get(outbox_id) if isinstance(outbox_id, int) else None
    status = sent.status if sent else None
    label, body, detail = KIND_LABELS.get(event.kind, event.kind.replace("_", " ").capitalize()), None, None
    if event.kind == "acknowledged":
        detail = ("The family was told it reached the team." if data.get("family_told")
                  else f"The family was not told: {data.get('why_not') or 'no way to reach them'}")
        body = sent.body if sent else None
    elif event.kind == "outcome":
        label = f"Outcome: {data.get('label') or OUTCOMES.get(str(data.get('outcome')), data.get('outcome'))}"
        detail = f"Reasons: {data['reasons']}" if data.get("reasons") else None
    elif event.kind == "message":
        body = sent.body if sent else data.get("body")
    elif event.kind == "alerted" and data.get("route") in ROUTE_LABELS:
        label = ROUTE_LABELS[str(data["route"])]
        detail = f"Sent to: {', '.join(str(t) for t in data.get('targets') or [])}"
    elif event.kind == "escalated" and data.get("waited_minutes") is not None:
        detail = f"Waited {data['waited_minutes']} min; reminder sent and passed to the duty contact."
    elif event.kind == "details" and isinstance(data.get("fields"), list) and data["fields"]:
        names = [FIELD_NAMES.get(str(f), str(f).replace("_", " ")) for f in data["fields"]]
        label = "Family changed " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1])
    elif event.kind in ("assigned", "reassigned", "unassigned"):
        detail = _handover(data)
    note = None if event.kind == "message" else event.note
    delivery = DELIVERY.get(status, status) if status else None
    return TimelineEntry(event.at, event.actor, event.kind, label, note, body, detail, delivery)


def _handover(data: dict[str, Any]) -> str:
    before, after = data.get("from"), data.get("to")
    if after is None:
        return f"{before} no longer has it." if before else "Nobody has it."
    return f"From {before} to {after}." if before else f"Now with {after}."


def _rerouted(entry: TimelineEntry, data: dict[str, Any], content: Content) -> TimelineEntry:
    """"Routed to another prison" only when it was: the first prison named is not a re-route."""
    before, after = data.get("previous"), data.get("prison")
    after_name = prison_name(content, after) or str(after)
    if not before:
        return replace(entry, label=f"Family named the prison: {after_name}")
    return replace(entry, label=f"Routed to another prison: {prison_name(content, before) or before} to {after_name}")


def _call_numbers(concern: Concern, route: FamilyRoute) -> list[tuple[str, str]]:
    found = uk_numbers(concern.callback or "")
    if route.contact is not None and route.contact.channel == "sms":
        found += uk_numbers(route.contact.address)
    return list(dict.fromkeys(found))


def _details(concern: Concern) -> list[tuple[str, str]]:
    rows = [
        ("Prisoner's name", concern.prisoner_name or "Not given"),
        ("Prison number", concern.prisoner_number or "Not given"),
        ("Someone in danger right now", yes_no(concern.danger_now)),
        ("Family agrees he may be told they raised it", yes_no(concern.consent_to_share)),
        ("How to reach the family back", concern.callback or "Not given"),
        ("Raised through", SOURCES.get(concern.source, concern.source)),
    ]
    if concern.signals:
        noticed = [SIGNAL_NAMES.get(s, s.replace("_", " ")) for s in concern.signals]
        rows.append(("Risk words noticed", ", ".join(noticed)))
    details = concern.details or {}
    rows.append((DETAIL_LABELS["acct_requested"], yes_no(details.get("acct_requested"))))
    for key, value in details.items():
        if key in HIDDEN_DETAILS or key == "acct_requested":
            continue
        shown = CONTACT_WISHES.get(str(value), str(value)) if key == "contact" else yes_no(value)
        rows.append((DETAIL_LABELS.get(key, key.replace("_", " ").capitalize()), shown))
    return rows


def _told_since_outcome(events: list[ConcernEvent]) -> bool:
    """Has a message gone to the family since the latest outcome was recorded?"""
    last_outcome = max((e.id or 0 for e in events if e.kind == "outcome"), default=0)
    return any(e.kind == "message" and (e.id or 0) > last_outcome for e in events)


async def _deliveries(session: AsyncSession, events: list[ConcernEvent]) -> dict[int, _Sent]:
    """Each message this concern sent to the family, by outbox id: its status, and the text exactly as
    their channel carried it (on SMS: GSM-7, options numbered, as ``delivery.twilio`` sends it)."""
    ids = [i for e in events if isinstance(i := (e.data or {}).get("outbox_id"), int)]
    if not ids:
        return {}
    rows = (await session.exec(select(Outbox).where(col(Outbox.id).in_(ids)))).all()
    return {row.id: _Sent(row.status, _as_carried(row)) for row in rows if row.id is not None}


def _as_carried(row: Outbox) -> str:
    options = tuple(Option(o["key"], o["label"]) for o in row.options)
    return sms_text(Reply(row.body, options)) if row.channel == "sms" else row.body


def _messages(concern: Concern, events: list[ConcernEvent]) -> list[tuple[datetime, str]]:
    said = [(concern.created_at, concern.verbatim)] if concern.verbatim else []
    said += [(e.at, e.note) for e in events if e.kind in FAMILY_WORDS and e.note]
    return said


def _linked(concern: Concern, events: list[ConcernEvent]) -> list[tuple[int, str, str]]:
    details = concern.details or {}
    linked = []
    if isinstance(details.get("follows_id"), int):
        linked.append((details["follows_id"], str(details.get("follows")), "the family's earlier concern, closed"))
    for event in events:
        data = event.data or {}
        if event.kind == "followed_by" and isinstance(data.get("concern_id"), int):
            linked.append((data["concern_id"], str(data.get("reference")), "raised after this one was closed"))
    return linked


async def concern_view(session: AsyncSession, staff: StaffUser, concern_id: int, *, now: datetime,
                       content: Content, settings: Settings) -> ConcernView:
    concern = await concern_for(session, staff, concern_id)
    events = list(await timeline(session, concern))
    deliveries = await _deliveries(session, events)
    entries = [_rerouted(entry, e.data or {}, content) if e.kind == "rerouted" else entry
               for e, entry in ((e, _entry(e, deliveries)) for e in events)]
    told = _told_since_outcome(events)
    route = await family_route(session, concern)
    return ConcernView(
        concern=concern,
        prison=prison_name(content, concern.prison_id) or "Prison not known yet",
        owner=await owner_email(session, concern),
        family=route,
        entries=[e for e in entries if e.kind != "viewed"],
        views=[e for e in entries if e.kind == "viewed"],
        overdue=is_overdue(concern, now, settings),
        due=ack_deadline(concern, settings),
        waited=(concern.acknowledged_at or now) - concern.created_at,
        draft="" if told else draft_text(content, concern),
        reasons_owed=concern.outcome == "acct_not_opened" and not told,
        details=_details(concern),
        outcomes=dict(OUTCOMES),
        messages=_messages(concern, events),
        linked=_linked(concern, events),
        colleagues=[(s.id, s.email) for s in await colleagues(session, concern) if s.id is not None],
        call_numbers=_call_numbers(concern, route),
        also_open=sorted((e for e in entries if e.kind == "viewed" and e.actor != staff.email
                          and now - e.at < ALSO_OPEN_FOR), key=lambda e: e.at, reverse=True),
    )
