"""Escalation: a concern nobody has picked up is alerted again and passed to the prison's duty contact.

Farmer recommendation 14 and the HMPPS response ask that a family's concern reaches "an identified
member of staff without delay"; the 2019 survey found most safer-custody lines went to an
answerphone. So an alert is not the end of it. :func:`run_escalations`, run every minute or so by
``famsbot worker`` (and in-process on the embedded default), looks at every concern not yet
acknowledged or closed:

* **urgent**, unacknowledged ``settings.urgent_ack_minutes`` (15) after it became urgent: a
  reminder to safer custody and an escalation to the prison's duty contact;
* **any** concern unacknowledged after ``settings.concern_ack_hours`` (24): the same again;
* and, as the reference recommends (B3.7), a check-back to the family: for an urgent concern after
  :data:`URGENT_FOLLOW_UP` ("did you manage to speak to the prison?", with the numbers again), and
  for any concern at the 24-hour mark (not picked up yet: the line to ring, and the Families
  Helpline). Never to a family that asked not to be contacted, opted out, or cannot be reached.

Each step happens once per concern: it is recorded as an event (``escalated`` / ``followup`` with
its ``level``) and every outbox row has a dedupe key, so running this every minute, or on several
workers at once, never sends the same escalation twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.concerns.alerts import alert_text, duty_targets, queue_alerts, safer_custody_targets
from famsbot.concerns.record import add_event, urgent_since
from famsbot.config import Settings
from famsbot.content.language import speaking
from famsbot.content.loader import Content
from famsbot.content.prison_contact import prison_contact, ring_prison
from famsbot.store.database import Database
from famsbot.store.models import Concern, ConcernEvent, Contact
from famsbot.store.outbox import enqueue

__all__ = ["URGENT_FOLLOW_UP", "run_escalations"]

URGENT_FOLLOW_UP = timedelta(minutes=45)  # reference B3.7: "after 30-60 minutes for urgent cases"


async def run_escalations(db: Database, settings: Settings, content: Content, now: datetime) -> int:
    """Escalate and follow up every concern that has waited too long; safe to run at any frequency.

    Args:
        db: the database; one transaction is used for the whole pass.
        settings: the ack deadlines and the alert and duty targets.
        content: the wording of the alerts and follow-ups.
        now: the current time (timezone-aware UTC), from the caller's clock.

    Returns:
        How many messages were queued in the outbox by this pass (0 when there was nothing to do).
    """
    async with db.transaction() as session:
        query = (
            select(Concern)
            .where(col(Concern.acknowledged_at).is_(None), col(Concern.closed_at).is_(None))
            .order_by(col(Concern.created_at))
            .with_for_update(skip_locked=True)  # another worker's pass has these: leave them
        )
        concerns = list((await session.exec(query)).all())
        done = await _steps_done(session, (c.id for c in concerns if c.id is not None))
        queued = 0
        for concern in concerns:
            queued += await _escalate(session, settings, content, concern, done, now)
        return queued


async def _steps_done(session: AsyncSession, ids: Iterable[int]) -> set[tuple[int, str, str]]:
    wanted = list(ids)
    if not wanted:
        return set()
    query = select(ConcernEvent).where(
        col(ConcernEvent.concern_id).in_(wanted), col(ConcernEvent.kind).in_(("escalated", "followup"))
    )
    return {(e.concern_id, e.kind, str(e.data.get("level"))) for e in (await session.exec(query)).all()}


async def _escalate(
    session: AsyncSession, settings: Settings, content: Content, concern: Concern,
    done: set[tuple[int, str, str]], now: datetime,
) -> int:
    assert concern.id is not None  # noqa: S101 - loaded rows have ids
    queued = 0
    deadlines = []
    if concern.urgent:
        deadlines.append(("urgent", urgent_since(concern), timedelta(minutes=settings.urgent_ack_minutes)))
    deadlines.append(("overdue", concern.created_at, timedelta(hours=settings.concern_ack_hours)))
    for level, since, allowed in deadlines:
        if now - since < allowed or (concern.id, "escalated", level) in done:
            continue
        queued += await _escalate_level(session, settings, content, concern, level, since, now)
    follow_ups = [("overdue", concern.created_at + timedelta(hours=settings.concern_ack_hours))]
    if concern.urgent:
        follow_ups.insert(0, ("urgent", urgent_since(concern) + URGENT_FOLLOW_UP))
    for level, due in follow_ups:
        if now >= due and (concern.id, "followup", level) not in done:
            queued += await _follow_up(session, settings, content, concern, level, now)
    return queued


async def _escalate_level(
    session: AsyncSession, settings: Settings, content: Content, concern: Concern, level: str,
    since: datetime, now: datetime,
) -> int:
    """Remind safer custody and tell the duty contact, once for this level."""
    reminder = alert_text(content, settings, concern, f"concern.alert_reminder_{level}", now, since)
    duty = alert_text(content, settings, concern, f"concern.alert_duty_{level}", now, since)
    reminded = await queue_alerts(session, concern, safer_custody_targets(settings, concern.prison_id),
                                  kind="alert", body=reminder, dedupe=f"realert:{concern.id}:{level}", now=now)
    escalated = await queue_alerts(session, concern, duty_targets(settings, concern.prison_id),
                                   kind="escalation", body=duty, dedupe=f"escalation:{concern.id}:{level}", now=now)
    waited = int((now - since).total_seconds() // 60)
    add_event(session, concern, "escalated", now, actor="system", level=level, waited_minutes=waited,
              reminded=reminded, escalated=escalated)
    concern.escalated_at = now
    concern.last_alert_at = now
    session.add(concern)
    return len(reminded) + len(escalated)


async def _follow_up(
    session: AsyncSession, settings: Settings, content: Content, concern: Concern, level: str, now: datetime
) -> int:
    """Check back with the family, once for this level, if they can and want to be contacted."""
    contact = await session.get(Contact, concern.contact_id) if concern.contact_id is not None else None
    reachable = (
        contact is not None and contact.opted_out_at is None and contact.unreachable_at is None
        and concern.details.get("contact") != "none"
    )
    queued = 0
    if reachable and contact is not None:
        with speaking(contact.language):  # the family's language, as in their conversation
            body = _follow_up_text(content, concern, level)
        row = await enqueue(session, kind="followup", channel=contact.channel, address=contact.address,
                            body=body, dedupe_key=f"followup:{concern.id}:{level}", contact_id=contact.id,
                            concern_id=concern.id, now=now)
        queued = int(row is not None)
    add_event(session, concern, "followup", now, actor="system", level=level, sent=bool(queued))
    return queued


def _follow_up_text(content: Content, concern: Concern, level: str) -> str:
    prison = prison_contact(content, concern.prison_id)  # any prison in the directory
    values = {
        "reference": concern.reference,
        "emergency": content.phone("emergency").number,
        "families_helpline": content.phone("families_helpline").number,
    }
    if prison is None:
        return content.text(f"concern.followup_{level}_no_prison", **values)
    switchboard = ring_prison(content, prison)  # the number a source gives, else where it is published
    line = prison.safer_custody.number if prison.safer_custody else switchboard
    connected = "" if concern.routed_to == "prison" else "_unconnected"  # never "the team has it" if not
    return content.text(f"concern.followup_{level}{connected}", prison=prison.name,
                        switchboard=switchboard, line=line, **values)  # fmt: skip
