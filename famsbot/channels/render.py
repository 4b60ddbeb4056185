"""Turning ``Reply`` objects into text for channels without buttons (SMS, the console).

Options become a numbered list, one per line, so "reply 2" is obvious on any phone. SMS text is
made GSM-7 safe, so one stray curly quote never doubles what a reply costs.
"""

from __future__ import annotations

from famsbot.channels.gsm import to_gsm7
from famsbot.dialogue.messages import Reply

__all__ = ["numbered", "sms_text"]


def numbered(reply: Reply) -> str:
    """The reply's text followed by its options as ``1 Visits`` lines."""
    lines = [reply.text]
    lines.extend(f"{index} {option.label}" for index, option in enumerate(reply.options, start=1))
    return "\n".join(lines)


def sms_text(reply: Reply) -> str:
    """The reply as one SMS body: numbered options, GSM-7 characters only."""
    return to_gsm7(numbered(reply))
