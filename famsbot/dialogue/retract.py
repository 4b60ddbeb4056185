"""A family says an urgent message was a mistake: "I meant cutting down on smoking, cancel that".

It is recorded on the urgent concern as a ``family_retracted`` event, in their words, for staff to
see and judge; the concern is never deleted or closed by it (only staff close a concern). The
emergency route is not sent again for the retraction itself, but only when the message brings no
risk beyond what the concern already holds: "cancel that, he's got a rope" is a new risk.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.concerns.record import EPISODE, add_event
from famsbot.content.loader import Content
from famsbot.dialogue.messages import Reply
from famsbot.policy.text import plain_words
from famsbot.store.models import Concern

__all__ = ["RETRACTED", "retract", "says_mistake"]

RETRACTED = "family_retracted"
_MISTAKE = re.compile(
    r"\b(?:i meant|i mean|meant to say|cancel that|cancel it|ignore that|ignore my last|ignore the last|"
    r"false alarm|it was a mistake|that was a mistake|my mistake|my bad|wrong message|sent that by mistake|"
    r"typed it wrong|not what i meant|didnt mean it like that|didnt mean that|autocorrect|wrong chat|"
    r"sent to the wrong)\b"
)


def says_mistake(text: str) -> bool:
    """Does a short message say the last one was a mistake?"""
    words = " ".join(plain_words(text))
    return len(words.split()) <= 25 and bool(_MISTAKE.search(words))


async def retract(
    session: AsyncSession, content: Content, contact_id: int, text: str, signals: list[str], now: datetime
) -> list[Reply] | None:
    """Record the retraction on this contact's recent urgent concern; ``None`` when there is none to retract
    from, or when the message holds a risk the concern does not (then the gate handles it as usual)."""
    query = (
        select(Concern)
        .where(col(Concern.contact_id) == contact_id, col(Concern.urgent).is_(True),
               col(Concern.closed_at).is_(None), col(Concern.created_at) >= now - EPISODE)
        .order_by(col(Concern.created_at).desc())
    )  # fmt: skip
    concern = (await session.exec(query)).first()
    if concern is None or not set(signals) <= set(concern.signals or []):
        return None
    add_event(session, concern, RETRACTED, now, actor="family", note=text)
    values = {"reference": concern.reference, "emergency": content.phone("emergency").number}
    return [Reply(content.text("concern.retracted", **values))]
