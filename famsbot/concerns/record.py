"""Recording a concern and alerting safer custody, in the transaction of the message that raised it.

The concern flow never touches the database itself: it appends a :class:`SaveConcern` effect and
the engine applies it inside the message's transaction. So the concern row, its events and its
outbox alerts commit together with the conversation's new state, or not at all: a concern is never
stored without its alert, nor alerted without being stored (``Outbox`` docstring, issue 4).

When a concern is recorded:

* **urgent** (the risk gate fired, or "someone is in danger right now"): at once, before any
  question, with whatever is known (possibly not even the prison: it then goes to the fallback
  target, see ``alerts``, and is re-routed when the family names the prison);
* **not urgent**: when the family confirms the summary. Nothing is kept for a concern the family
  cancelled or left half-way, because they never asked for it to be passed on.

One urgent episode, one concern: further urgent messages in the same conversation, or within
:data:`EPISODE` while the concern is open, are added to it as events instead of raising another
concern and another alert; one that brings a new risk signal alerts staff again. After staff
closed a concern, a new urgent message starts a new concern about the *new* words, linked both
ways to the closed one; something added to a closed concern opens it again, with a new alert.
Every change is a :class:`~famsbot.store.models.ConcernEvent`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.concerns.alerts import alert_route, alert_text, queue_alerts
from famsbot.concerns.reference import NO_PRISON_CODE, new_reference
from famsbot.content.loader import Content
from famsbot.content.prison_contact import PrisonContact, prison_contact, ring_prison
from famsbot.dialogue.effects import EffectContext
from famsbot.dialogue.messages import Reply
from famsbot.policy.answers import address_as
from famsbot.store.models import Concern, ConcernEvent

__all__ = ["EPISODE", "AddToConcern", "SaveConcern", "SyncConcern", "add_event", "urgent_since"]

EPISODE = timedelta(hours=24)  # a new urgent message within this joins the open concern

# Answers of the concern flow that are columns of the concern, and those kept in ``details``.
_COLUMNS = ("prisoner_name", "prisoner_number", "danger_now", "consent_to_share")
_DETAILS = ("acct_requested", "contact")


def add_event(
    session: AsyncSession, concern: Concern, kind: str, now: datetime, *, actor: str = "bot",
    note: str | None = None, **data: Any,
) -> None:
    """Append one event to the concern's audit trail."""
    assert concern.id is not None  # noqa: S101 - events are added after the concern is flushed
    session.add(ConcernEvent(concern_id=concern.id, at=now, actor=actor, kind=kind, note=note, data=data))


def urgent_since(concern: Concern) -> datetime:
    """When the concern became urgent (its creation, or the moment it was raised to urgent)."""
    raised = concern.details.get("urgent_at")
    return datetime.fromisoformat(raised) if isinstance(raised, str) else concern.created_at


@dataclass(slots=True)
class SaveConcern:
    """Create or bring up to date the concern being raised in this conversation, with its alerts.

    ``answers`` is the flow's own answers dict: the concern's id, reference and state are written
    back into it (``_concern_id``, ``_reference``, ``_concern_prison``, ``_concern_urgent``) so the
    flow knows, without I/O, what has been recorded.
    """

    answers: dict[str, Any]
    text: str = ""  # the message being handled (kept verbatim when it is a new urgent message)
    urgent_message: bool = False  # the risk gate fired on this message
    final: bool = False  # the family confirmed the summary

    async def apply(self, ctx: EffectContext) -> list[Reply]:
        answers = self.answers
        concern = await _current(ctx, answers)
        replies: list[Reply] = []
        created = concern is None
        if concern is None:
            if not (answers.get("urgent") or self.final):
                return []
            if answers.pop("_after_closed", None) and self.urgent_message and self.text:
                answers["worry"] = self.text  # the old concern keeps the old words; this one is about these
            concern = await _create(ctx, answers)
            if concern.urgent:
                replies.append(_urgent_reply(ctx, concern, "concern.recorded_urgent"))
        else:
            replies.extend(await _update(ctx, concern, answers, self.text, self.urgent_message))
            if changed := _copy_answers(concern, answers):
                add_event(ctx.session, concern, "details", ctx.now, actor="family", fields=changed)
        if self.final:
            add_event(ctx.session, concern, "confirmed", ctx.now, actor="family")
            subject = answers.get("_subject")  # "my daughter": "check she is safe", as the questions said
            replies.extend(replace(r, text=address_as(r.text, subject)) for r in _final_replies(ctx, concern, created))
        ctx.session.add(concern)
        answers.update(
            _concern_id=concern.id, _reference=concern.reference, _concern_prison=concern.prison_id,
            _concern_urgent=concern.urgent,
        )
        return replies


@dataclass(slots=True)
class SyncConcern:
    """Copy a new answer onto the urgent concern already with staff, so they see it at once.

    Only a record (no alert), so "back" keeps working (``keeps_history``).
    """

    answers: dict[str, Any]
    keeps_history: ClassVar[bool] = True

    async def apply(self, ctx: EffectContext) -> list[Reply]:
        concern_id = self.answers.get("_concern_id")
        concern = await ctx.session.get(Concern, concern_id) if isinstance(concern_id, int) else None
        if concern is None or concern.closed_at is not None:
            return []
        if changed := _copy_answers(concern, self.answers):
            add_event(ctx.session, concern, "details", ctx.now, actor="family", fields=changed)
            ctx.session.add(concern)
        return []


@dataclass(slots=True)
class AddToConcern:
    """Add something the family wrote after confirming to their concern's timeline."""

    answers: dict[str, Any]
    text: str

    async def apply(self, ctx: EffectContext) -> list[Reply]:
        concern_id = self.answers.get("_concern_id")
        concern = await ctx.session.get(Concern, concern_id) if isinstance(concern_id, int) else None
        if concern is None:
            return []
        add_event(ctx.session, concern, "family_message", ctx.now, actor="family", note=self.text)
        if concern.closed_at is None:
            return [Reply(ctx.content.text("concern.added", reference=concern.reference))]
        concern.status, concern.closed_at = "new", None  # closed, yet the family has more to say: open again
        add_event(ctx.session, concern, "reopened", ctx.now, actor="family")
        await _alert(ctx, concern, "concern.alert_reopened", f"alert:{concern.id}:reopened:{ctx.now.isoformat()}")
        ctx.session.add(concern)
        return [Reply(ctx.content.text("concern.reopened", reference=concern.reference))]


# --- finding and creating ------------------------------------------------------------------------


async def _current(ctx: EffectContext, answers: dict[str, Any]) -> Concern | None:
    """The concern this conversation is about: the one already recorded, else an open urgent episode."""
    concern_id = answers.get("_concern_id")
    if isinstance(concern_id, int):
        concern = await ctx.session.get(Concern, concern_id)
        if concern is not None and concern.closed_at is None:
            return concern
        answers.pop("_concern_id", None)  # closed by staff since: anything new is a new concern
        answers["_after_closed"] = True  # ... about what they write now, not what they wrote then
    if not answers.get("urgent") or ctx.contact.id is None:
        return None
    query = (
        select(Concern)
        .where(Concern.contact_id == ctx.contact.id, col(Concern.closed_at).is_(None))
        .order_by(col(Concern.created_at).desc())
    )
    latest = (await ctx.session.exec(query)).first()
    if latest is None or ctx.now - latest.created_at > EPISODE:
        return None
    prison_id = _prison_id(ctx.content, answers)
    if prison_id and latest.prison_id and prison_id != latest.prison_id:
        return None  # another prison: another person, another concern
    return latest


async def _create(ctx: EffectContext, answers: dict[str, Any]) -> Concern:
    prison_id = _prison_id(ctx.content, answers)
    prison = prison_contact(ctx.content, prison_id)
    code = prison.code if prison else NO_PRISON_CODE  # the seed code (MAI), else the NOMIS code (WWI)
    urgent = bool(answers.get("urgent"))
    signals = [str(s) for s in answers.get("signals") or []]
    concern = Concern(
        reference=await new_reference(ctx.session, code), prison_id=prison_id, contact_id=ctx.contact.id,
        channel=ctx.contact.channel, urgent=urgent, source="risk_gate" if signals else "flow",
        verbatim=str(answers.get("worry") or ""), signals=signals, created_at=ctx.now, last_alert_at=ctx.now,
        details={"urgent_at": ctx.now.isoformat()} if urgent else {},
    )
    _copy_answers(concern, answers)
    ctx.session.add(concern)
    await ctx.session.flush()
    add_event(ctx.session, concern, "created", ctx.now, urgent=urgent, source=concern.source, signals=signals,
              prison=prison_id)
    await _link_to_closed(ctx, concern)
    await _alert(ctx, concern, "concern.alert_urgent" if urgent else "concern.alert_new", f"alert:{concern.id}")
    return concern


async def _link_to_closed(ctx: EffectContext, concern: Concern) -> None:
    """The family wrote again after their last concern was closed: staff see each from the other."""
    if ctx.contact.id is None:
        return
    query = (
        select(Concern)
        .where(Concern.contact_id == ctx.contact.id, col(Concern.closed_at).is_not(None), Concern.id != concern.id)
        .order_by(col(Concern.closed_at).desc())
    )
    closed = (await ctx.session.exec(query)).first()
    if closed is None:
        return
    concern.details = {**concern.details, "follows": closed.reference, "follows_id": closed.id}
    add_event(ctx.session, closed, "followed_by", ctx.now, actor="family",
              note=f"The family wrote again after this was closed: {concern.reference}",
              concern_id=concern.id, reference=concern.reference)  # fmt: skip


async def _update(
    ctx: EffectContext, concern: Concern, answers: dict[str, Any], text: str, urgent_message: bool
) -> list[Reply]:
    """Re-route to the prison now named, raise to urgent, or add a new urgent message."""
    replies: list[Reply] = []
    prison_id = _prison_id(ctx.content, answers)
    if prison_id and prison_id != concern.prison_id:
        add_event(ctx.session, concern, "rerouted", ctx.now, previous=concern.prison_id, prison=prison_id)
        concern.prison_id = prison_id
        key = "concern.alert_urgent" if concern.urgent else "concern.alert_new"
        await _alert(ctx, concern, key, f"alert:{concern.id}:{prison_id}")
        prison = prison_contact(ctx.content, prison_id)
        if concern.urgent and concern.routed_to == "prison" and prison is not None:
            replies.append(Reply(
                ctx.content.text("concern.rerouted_urgent", prison=prison.name,
                                 switchboard=ring_prison(ctx.content, prison)),
                urgent=True,
            ))
        elif concern.urgent:
            replies.append(Reply(_routed(ctx, concern), urgent=True))
    signals = sorted(set(concern.signals) | {str(s) for s in answers.get("signals") or []})
    if answers.get("urgent") and not concern.urgent:
        concern.urgent = True
        concern.signals = signals
        concern.details = {**concern.details, "urgent_at": ctx.now.isoformat()}
        add_event(ctx.session, concern, "urgent_raised", ctx.now, actor="family",
                  note=text if urgent_message else None, signals=signals)
        await _alert(ctx, concern, "concern.alert_now_urgent", f"alert:{concern.id}:urgent")
        replies.append(_urgent_reply(ctx, concern, "concern.now_urgent"))
    elif urgent_message:
        new_signals = sorted(set(signals) - set(concern.signals))
        concern.signals = signals
        if text and text != concern.verbatim:
            add_event(ctx.session, concern, "urgent_message", ctx.now, actor="family", note=text, signals=signals)
        if new_signals:  # something more serious than staff were alerted to: alert again
            await _alert(ctx, concern, "concern.alert_more", f"alert:{concern.id}:more:{','.join(new_signals)}")
        replies.append(Reply(ctx.content.text("concern.added_urgent", reference=concern.reference)))
    return replies


async def _alert(ctx: EffectContext, concern: Concern, text_key: str, dedupe: str) -> None:
    routing = alert_route(ctx.settings, concern.prison_id)
    since = urgent_since(concern) if text_key == "concern.alert_now_urgent" else None
    body = alert_text(ctx.content, ctx.settings, concern, text_key, ctx.now, since)
    queued = await queue_alerts(
        ctx.session, concern, routing.targets, kind="alert", body=body, dedupe=dedupe, now=ctx.now
    )
    if queued:
        concern.last_alert_at = ctx.now
        concern.routed_to = routing.route
        add_event(ctx.session, concern, "alerted", ctx.now, targets=queued, urgent=concern.urgent, route=routing.route)


def _copy_answers(concern: Concern, answers: dict[str, Any]) -> list[str]:
    """Copy what the family has told us onto the concern; returns the fields that changed.

    The first words the family used stay the verbatim record; if they later reword their worry
    (from the summary), the new wording is kept beside it, never over it.
    """
    changed = []
    for name in _COLUMNS:
        if name in answers and getattr(concern, name) != answers[name]:
            setattr(concern, name, answers[name])
            changed.append(name)
    details = dict(concern.details)
    for name in _DETAILS:
        if name in answers and details.get(name) != answers[name]:
            details[name] = answers[name]
            changed.append(name)
    callback = answers.get("contact_number") if answers.get("contact") == "number" else None
    if "contact" in answers and concern.callback != callback:
        concern.callback = callback
        changed.append("callback")
    worry = answers.get("worry")
    if isinstance(worry, str) and worry:
        if not concern.verbatim:
            concern.verbatim = worry
            changed.append("verbatim")
        elif worry != concern.verbatim and details.get("reworded") != worry:
            details["reworded"] = worry
            changed.append("reworded")
    if details != concern.details:
        concern.details = details  # reassigned: in-place edits of JSON are lost
    return changed


# --- what the family is told -----------------------------------------------------------------------


def _prison_id(content: Content, answers: dict[str, Any]) -> str | None:
    """The directory id of the prison answered: any prison in England and Wales (``wandsworth``)."""
    prison = prison_contact(content, answers.get("prison"))
    return prison.id if prison else None


def _prison(content: Content, concern: Concern) -> PrisonContact | None:
    return prison_contact(content, concern.prison_id)


def _urgent_reply(ctx: EffectContext, concern: Concern, key: str) -> Reply:
    """"I'm passing this to the prison's team" only when that team is alerted; otherwise the truth."""
    content = ctx.content
    if concern.routed_to != "prison":
        routed = _routed(ctx, concern)
        return Reply(f"{content.text('concern.marked_urgent')} {routed}" if key.endswith("now_urgent") else routed)
    prison = _prison(content, concern)
    if prison is None:
        return Reply(content.text(f"{key}_no_prison", reference=concern.reference))
    return Reply(content.text(key, prison=prison.name, reference=concern.reference))


def _routed(ctx: EffectContext, concern: Concern) -> str:
    """An urgent concern no prison team is alerted to: who has it, if anyone, and whom to ring."""
    content, prison = ctx.content, _prison(ctx.content, concern)
    route = "national" if concern.routed_to == "national" else "unconnected"
    values = {"reference": concern.reference, "team": ctx.settings.triage_team,
              "families_helpline": content.phone("families_helpline").number}  # fmt: skip
    if prison is None:
        return content.text(f"concern.recorded_urgent_{route}_no_prison", **values)
    return content.text(f"concern.recorded_urgent_{route}", prison=prison.name,
                        switchboard=ring_prison(content, prison), **values)  # fmt: skip


def _final_replies(ctx: EffectContext, concern: Concern, created: bool) -> list[Reply]:
    """The reference and the prison's own line, then what happens next (two messages: SMS budget)."""
    content = ctx.content
    prison = _prison(content, concern)
    name = prison.name if prison else content.text("concern.alert_no_prison")
    key = "concern.sent" if created else "concern.details_added"
    if created and concern.routed_to != "prison":  # no prison team was alerted: never say it was
        route = "national" if concern.routed_to == "national" else "unconnected"
        key = f"concern.sent_{route}" + ("" if prison else "_no_prison")
    first = [content.text(key, prison=name, reference=concern.reference, team=ctx.settings.triage_team)]
    if prison is not None and prison.safer_custody is not None:
        hours = f" ({prison.safer_custody.hours})" if prison.safer_custody.hours else ""
        first.append(content.text("concern.ring_safer_custody", number=prison.safer_custody.number, hours=hours))
    elif prison is not None:
        first.append(content.text("concern.ring_switchboard", prison=prison.name, number=ring_prison(content, prison)))
    how = str(concern.details.get("contact") or "chat")
    if concern.urgent and how in ("chat", "number"):  # urgent concerns escalate in minutes, not a day
        more = [content.text(f"concern.next_{how}_urgent", minutes=f"{ctx.settings.urgent_ack_minutes:g}")]
    else:
        more = [content.text(f"concern.next_{how}", hours=f"{ctx.settings.concern_ack_hours:g}")]
    if concern.urgent:
        more.append(content.text("concern.still_danger", emergency=content.phone("emergency").number))
    return [Reply("\n".join(first)), Reply(content.text("concern.next", more="\n".join(more)))]
