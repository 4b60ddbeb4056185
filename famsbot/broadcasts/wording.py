"""A notice as each family will read it: who it is from, what staff wrote, and how to stop.

The same function words the outbox rows and the composer's preview, so the preview is exactly
what is sent. On SMS the text then goes through the GSM-7 conversion every SMS gets
(``channels.render.sms_text``): :func:`as_delivered` applies it too, so staff see the curly quote
they pasted arrive straight.
"""

from __future__ import annotations

from famsbot.channels.render import sms_text
from famsbot.content.loader import Content
from famsbot.dialogue.messages import Reply

__all__ = ["as_delivered", "notice_text", "stop_line"]


def stop_line(content: Content, channel: str) -> str:
    """How to stop, in the channel's own terms: a reply word on SMS, a menu or /stop on Telegram."""
    return content.text("broadcast.stop_telegram" if channel == "telegram" else "broadcast.stop_sms")


def notice_text(content: Content, prison_id: str, body: str, channel: str) -> str:
    """The notice for one channel: heading, staff's words, stop line (as stored in the outbox)."""
    prison = content.prisons.get(prison_id)  # a seed prison's file may say who runs its family days
    days = prison.family_days if prison is not None else None
    run_by = days.run_by.text if days is not None else content.text("notices.run_by_unknown")
    heading = content.text("broadcast.heading", prison=content.prison_name(prison_id), run_by=run_by)
    return f"{heading}\n{body.strip()}\n{stop_line(content, channel)}"


def as_delivered(content: Content, prison_id: str, body: str, channel: str) -> str:
    """What the family's phone shows: on SMS, after the GSM-7 conversion."""
    text = notice_text(content, prison_id, body, channel)
    return sms_text(Reply(text)) if channel == "sms" else text
