"""The family's answer to the urgent check-back: "Did you manage to speak to the prison?".

The worker sends that question (``concerns.escalation``) outside any conversation, so the reply
lands wherever the chat happens to be. When this contact was asked it in the last day, and has not
answered it yet, their reply is read as the answer:

* **no** ("no", "couldn't get through", "no answer", "it just rings"): the concern goes to the
  prison's duty contact now, recorded as an ``escalated`` event, and the family is told exactly
  that (a duty contact, or staff in the console when the prison has none set up);
* **yes** ("yes, he's ok", "spoke to them"): recorded on the concern, and the family thanked.

Anything else is handled as usual. Nothing here says anything about the prisoner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.concerns.alerts import alert_text, duty_targets, queue_alerts
from famsbot.concerns.record import add_event, urgent_since
from famsbot.config import Settings
from famsbot.content.loader import Content
from famsbot.content.prison_contact import prison_contact, ring_prison
from famsbot.dialogue.messages import Reply
from famsbot.policy import answers
from famsbot.policy.text import plain_words
from famsbot.store.models import Concern, ConcernEvent

__all__ = ["CHECK_BACK_OPEN", "answer_check_back", "read_check_back"]

CHECK_BACK_OPEN = timedelta(hours=24)  # a reply after this is a new message, not the answer
REPLY_KIND = "family_reply"

_NOT_REACHED = (
    "couldnt get through", "could not get through", "cant get through", "cant get thru", "couldnt get thru",
    "no answer", "no one answered", "nobody answered", "noone answered", "nobody picked up", "no one picked up",
    "not answering", "didnt answer", "it just rings", "just rang out", "rang out", "engaged", "voicemail",
    "answerphone", "answer phone", "went to voicemail", "no reply", "didnt get through", "not got through",
    "havent got through", "havent been able", "couldnt reach", "cant reach", "cut off", "hung up on me",
)  # fmt: skip
_REACHED = (
    "spoke to", "spoken to", "talked to", "got through", "hes ok", "he is ok", "hes fine", "he is fine",
    "shes ok", "she is ok", "shes fine", "all ok", "all good", "sorted", "theyre checking", "they are checking",
    "they checked", "they said", "hes safe", "he is safe", "shes safe",
)  # fmt: skip


def read_check_back(text: str) -> bool | None:
    """``True`` when they reached the prison, ``False`` when they could not, ``None`` if unclear."""
    words = f" {' '.join(plain_words(text))} "
    if any(f" {phrase} " in words for phrase in _NOT_REACHED):
        return False
    if words.strip().startswith(("got through", "yes", "yeah", "yep")) or any(f" {p} " in words for p in _REACHED):
        return True
    return answers.yes_no(text)


@dataclass(frozen=True, slots=True)
class CheckBack:
    concern: Concern
    asked_at: datetime


async def open_check_back(session: AsyncSession, contact_id: int, now: datetime) -> CheckBack | None:
    """The urgent check-back this contact was sent in the last day and has not answered, if any."""
    query = (
        select(ConcernEvent, Concern)
        .join(Concern, col(Concern.id) == col(ConcernEvent.concern_id))
        .where(col(Concern.contact_id) == contact_id, col(ConcernEvent.kind) == "followup",
               col(ConcernEvent.at) >= now - CHECK_BACK_OPEN)
        .order_by(col(ConcernEvent.at).desc())
    )  # fmt: skip
    for event, concern in (await session.exec(query)).all():
        if event.data.get("level") != "urgent" or not event.data.get("sent"):
            continue
        replied = select(ConcernEvent).where(
            col(ConcernEvent.concern_id) == concern.id, col(ConcernEvent.kind) == REPLY_KIND,
            col(ConcernEvent.at) >= event.at,
        )  # fmt: skip
        if (await session.exec(replied)).first() is None:
            return CheckBack(concern, event.at)
    return None


async def answer_check_back(
    session: AsyncSession, settings: Settings, content: Content, check: CheckBack, text: str, reached: bool,
    now: datetime,
) -> list[Reply]:
    """Record the family's answer on the concern; if they could not get through, escalate now."""
    concern = check.concern
    prison = prison_contact(content, concern.prison_id)  # any prison in the directory
    add_event(session, concern, REPLY_KIND, now, actor="family", note=text, reached_prison=reached)
    values = {"reference": concern.reference, "emergency": content.phone("emergency").number}
    if reached:
        return [Reply(content.text("concern.check_back_thanks", **values))]
    targets = duty_targets(settings, concern.prison_id)
    body = alert_text(content, settings, concern, "concern.alert_duty_family", now, urgent_since(concern))
    queued = await queue_alerts(session, concern, targets, kind="escalation", body=body,
                                dedupe=f"escalation:{concern.id}:family", now=now)  # fmt: skip
    add_event(session, concern, "escalated", now, actor="system", level="family_not_reached", escalated=queued)
    concern.escalated_at = now
    session.add(concern)
    configured = any(target.channel != "console" for target in targets)
    key = "concern.check_back_escalated" if configured and queued else "concern.check_back_flagged"
    lines = [content.text(key, **values)]
    if prison is not None:
        lines.append(content.text("concern.check_back_keep_trying", prison=prison.name,
                                  switchboard=ring_prison(content, prison), **values))  # fmt: skip
    else:
        lines.append(content.text("concern.still_danger", **values))
    return [Reply("\n".join(lines), urgent=True)]
