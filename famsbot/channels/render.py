"""Turning ``Reply`` objects into text for channels without buttons (SMS, the console).

Options become a numbered list, one per line, so "reply 2" is obvious on any phone. SMS text has its
typographic characters made plain (``sms_text.sms_safe``), so one stray curly quote never doubles
what a reply costs; anything else (Welsh, Urdu) is kept and the message goes as UCS-2.
"""

from __future__ import annotations

from famsbot.dialogue.messages import Reply
from famsbot.sms_text import sms_safe

__all__ = ["numbered", "sms_text"]


def numbered(reply: Reply) -> str:
    """The reply's text followed by its options as ``1 Visits`` lines."""
    lines = [reply.text]
    lines.extend(f"{index} {option.label}" for index, option in enumerate(reply.options, start=1))
    return "\n".join(lines)


def sms_text(reply: Reply) -> str:
    """The reply as one SMS body: numbered options, typographic characters made plain, nothing deleted."""
    return sms_safe(numbered(reply))
