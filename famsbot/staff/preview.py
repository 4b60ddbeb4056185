"""What a message to a family will look like and cost, shown to staff as they type.

Staff are told the family reads exactly this text, so the preview is the text as delivered: the
heading saying who it is from, and on SMS the version that delivery sends
(``channels.render.sms_text``: curly quotes and dashes straightened, everything else kept). Characters
that change on the way are listed, and SMS segments are counted on the text that is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from famsbot.channels.render import sms_text
from famsbot.concerns.actions import MAX_MESSAGE
from famsbot.concerns.family import wrap_staff_message
from famsbot.content.language import speaking
from famsbot.content.loader import Content
from famsbot.dialogue.messages import Reply
from famsbot.sms_text import replaced_chars, segments
from famsbot.store.models import Concern

__all__ = ["MessagePreview", "preview"]


@dataclass(frozen=True)
class MessagePreview:
    text: str  # exactly what the family will read
    channel: str | None
    characters: int  # of the part staff wrote
    limit: int
    segments: int
    changed: str  # typographic characters replaced on the way
    language: str = "en"  # the family reads famsbot in this language: its own lines are worded in it

    @property
    def too_long(self) -> bool:
        return self.characters > self.limit


def preview(content: Content, concern: Concern, body: str, channel: str | None, language: str = "en") -> MessagePreview:
    body = body.strip()
    with speaking(language):
        text = wrap_staff_message(content, concern, body)
    sms = channel == "sms"
    if sms:
        text = sms_text(Reply(text))
    return MessagePreview(
        text=text, channel=channel, characters=len(body), limit=MAX_MESSAGE, segments=segments(text),
        changed="".join(sorted(replaced_chars(body))) if sms else "", language=language,
    )
