"""Sending a turn's replies straight back, with the outbox as the safety net.

On Telegram the replies to a message are sent while the webhook request is open (so Telegram
retries the update if we fail before answering). Urgent replies go first. Replies are not paced on
this path (engineering-notes §1.5: one message in, a few out), but Telegram may still ask for a
pause, typically a second when someone answers quickly and a turn has several replies. A short
pause is taken there and then, so the conversation stays in order; anything longer, or a send that
fails for another reason that may pass (a network blip), is not dropped: that reply and the ones
after it are written to the outbox and delivered as soon as the provider allows, in order.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import col, select

from famsbot.channels.render import numbered
from famsbot.clock import Clock
from famsbot.delivery.message import OutgoingMessage, Sender
from famsbot.delivery.recipients import mark_unreachable
from famsbot.dialogue.messages import Reply
from famsbot.errors import ChannelError, PermanentChannelError, RateLimited, Unreachable
from famsbot.store.database import Database
from famsbot.store.models import Contact
from famsbot.store.outbox import enqueue

__all__ = ["INLINE_WAIT", "in_sending_order", "queue_replies", "send_replies"]

log = logging.getLogger(__name__)
INLINE_WAIT = 3.0  # seconds: a flood wait up to this is waited out in the request (Telegram allows ~60 s)


def in_sending_order(replies: Sequence[Reply]) -> list[Reply]:
    """Urgent replies (the emergency route) first, the rest in the engine's order."""
    return sorted(replies, key=lambda reply: not reply.urgent)


async def send_replies(
    sender: Sender,
    db: Database,
    *,
    channel: str,
    address: str,
    replies: Sequence[Reply],
    key: str | None,
    now: datetime,
    clock: Clock,
) -> None:
    """Send each reply; queue what could not be sent yet. ``key`` names the turn (the update id)."""
    ordered = in_sending_order(replies)
    for index, reply in enumerate(ordered):
        message = OutgoingMessage(
            channel, address, reply.text, reply.options, kind="urgent" if reply.urgent else "reply"
        )
        try:
            await _send_waiting_briefly(sender, message)
        except Unreachable as exc:
            log.info("%s recipient unreachable: %s", channel, exc)
            async with db.transaction() as session:
                await mark_unreachable(session, channel, address, clock.now())
            return
        except PermanentChannelError:
            log.exception("a %s reply was refused and cannot be sent", channel)
        except ChannelError as exc:
            wait = exc.retry_after if isinstance(exc, RateLimited) else 0.0
            log.warning("%s reply not sent yet (%s); queued", channel, exc)
            await queue_replies(
                db,
                channel=channel,
                address=address,
                replies=ordered[index:],
                key=key,
                now=now,
                send_at=clock.now() + timedelta(seconds=wait),
            )
            return


async def _send_waiting_briefly(sender: Sender, message: OutgoingMessage) -> None:
    try:
        await sender.send(message)
    except RateLimited as exc:
        if exc.retry_after > INLINE_WAIT:
            raise
        await asyncio.sleep(exc.retry_after)
        await sender.send(message)


async def queue_replies(
    db: Database,
    *,
    channel: str,
    address: str,
    replies: Sequence[Reply],
    key: str | None,
    now: datetime,
    send_at: datetime,
) -> None:
    """Write replies to the outbox: each urgent one as its own row, the rest joined into one row so
    that they cannot arrive out of order (the options of the last one stay as buttons)."""
    key = key or uuid.uuid4().hex
    urgent = [reply for reply in replies if reply.urgent]
    rest = [reply for reply in replies if not reply.urgent]
    rows: list[tuple[str, Reply]] = [("urgent", reply) for reply in urgent]
    if rest:
        text = "\n\n".join([numbered(reply) for reply in rest[:-1]] + [rest[-1].text])
        rows.append(("reply", Reply(text, rest[-1].options)))
    async with db.transaction() as session:
        contact_id = (
            await session.exec(
                select(Contact.id).where(col(Contact.channel) == channel, col(Contact.address) == address)
            )
        ).first()
        for index, (kind, reply) in enumerate(rows):
            await enqueue(
                session,
                kind=kind,
                channel=channel,
                address=address,
                body=reply.text,
                dedupe_key=f"{kind}:{channel}:{key}:{index}",
                contact_id=contact_id,
                options=reply.options,
                send_at=send_at,
                now=now,
            )
