"""Asking again after an answer that was not understood: kindly, and cheaply on SMS.

The question was just sent in full, so on SMS the re-ask is one segment where it can be (the
question's last line, the options in one line, or "reply with a number"); Telegram keeps its
buttons, which cost nothing. After two misunderstandings in a row the person is offered a person
(the Prisoners' Families Helpline) and the shortest way to answer: a number.
"""

from __future__ import annotations

from famsbot.channels.render import sms_text
from famsbot.content.loader import Content
from famsbot.dialogue.messages import Channel, Reply
from famsbot.dialogue.steps import Explain, Rejected
from famsbot.sms_text import segments

__all__ = ["reprompt"]


def reprompt(
    content: Content, channel: Channel, result: Rejected | Explain, question: Reply, misses: int
) -> list[Reply]:
    """The re-ask for ``question`` after the ``misses``-th answer in a row that was not understood."""
    lines = [content.text("common.not_understood")]
    if isinstance(result, Rejected) and result.hint:
        lines.append(content.text(result.hint, **result.values))
    if misses >= 2:
        helpline = content.phone("families_helpline")
        lines = [content.text("common.stuck", families_helpline=helpline.number, hours=helpline.hours or "")]
    if channel == "telegram":
        return [Reply("\n".join([*lines, question.text]), question.options)]
    short = ", ".join(f"{number} {option.label}" for number, option in enumerate(question.options, start=1))
    if misses >= 2 and question.options:
        lines.append(content.text("common.short_way", options=short))
        return [Reply("\n".join(lines))]
    count = len(question.options)
    hinted = len(lines) > 1
    reply_number = content.text("common.reply_number", count=count) if count > 1 and not hinted else ""
    last_line = question.text.split("\n")[-1]
    candidates = [
        [*lines, question.text, short],
        [*lines, last_line, reply_number],
        [*lines, reply_number],
        [*lines, last_line],
        lines,
    ]
    texts = ["\n".join(line for line in candidate if line) for candidate in candidates]
    return [Reply(next((text for text in texts if segments(sms_text(Reply(text))) <= 1), texts[-1]))]
