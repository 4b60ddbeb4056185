"""Side effects a flow asks for, carried out by the engine inside the message's transaction.

Flows stay pure: a callback appends an ``Effect`` (a small dataclass: "record this concern",
"opt this contact in to notices", "forget this person") and the engine applies it with the open
database session, so the change, its outbox messages and the conversation's new state commit
together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.config import Settings
from famsbot.content.loader import Content
from famsbot.dialogue.messages import Reply
from famsbot.store.models import Contact, Conversation

__all__ = ["Effect", "EffectContext"]


@dataclass(slots=True)
class EffectContext:
    """What an effect may touch: the open session and the rows of the person being served."""

    session: AsyncSession
    contact: Contact
    conversation: Conversation
    content: Content
    settings: Settings
    now: datetime
    forgotten: bool = False  # set by an effect that deleted the contact: nothing more is saved


class Effect(Protocol):
    """Something done in the message's transaction. Once done, "back" cannot undo it, so the
    engine forgets the flow's history; an effect that only records (``keeps_history = True``,
    e.g. the outcome of a self-check) leaves "back" working."""

    async def apply(self, ctx: EffectContext) -> list[Reply]:
        """Do the work in ``ctx.session``; return any replies that depend on it (e.g. a reference)."""
        ...
