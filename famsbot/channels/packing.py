"""A turn's replies as SMS bodies: as few messages as possible, never more segments than separately.

Separate SMS can arrive in any order, and each starts a new segment count. So consecutive replies
are joined (with a blank line) whenever the joined text costs no more segments than the parts would
separately, and stays within ``MAX_SEGMENTS``. Urgent replies (the emergency route) come first and
are always sent alone, whole: they are never joined, shortened or held back.
"""

from __future__ import annotations

from collections.abc import Sequence

from famsbot.channels.render import sms_text
from famsbot.dialogue.messages import Reply
from famsbot.sms_text import MAX_SEGMENTS, segments

__all__ = ["MAX_SEGMENTS", "SEPARATOR", "sms_messages"]

SEPARATOR = "\n\n"


def sms_messages(replies: Sequence[Reply]) -> list[str]:
    """The SMS bodies for these replies, in sending order."""
    urgent = [sms_text(reply) for reply in replies if reply.urgent]
    packed: list[str] = []
    for body in (sms_text(reply) for reply in replies if not reply.urgent):
        if packed and _worth_joining(packed[-1], body):
            packed[-1] = packed[-1] + SEPARATOR + body
        else:
            packed.append(body)
    return urgent + packed


def _worth_joining(first: str, second: str) -> bool:
    joined = segments(first + SEPARATOR + second)
    return joined <= MAX_SEGMENTS and joined <= segments(first) + segments(second)
