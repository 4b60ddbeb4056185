"""A scripted family member: sends messages through the real engine and reads the replies as text."""

from __future__ import annotations

import itertools

from famsbot.channels.render import numbered, sms_text
from famsbot.dialogue.engine import Engine
from famsbot.dialogue.messages import Channel, Inbound, Reply

_ids = itertools.count(1)


class Chat:
    def __init__(self, engine: Engine, *, channel: Channel = "sms", address: str = "+447700900123") -> None:
        self.engine = engine
        self.channel = channel
        self.address = address
        self.last: list[Reply] = []

    async def send(self, text: str = "", *, option: str | None = None, provider_id: str | None = None) -> list[Reply]:
        """Send one message (a typed text, or a tapped button's key) and keep the replies."""
        inbound = Inbound(self.channel, self.address, text, provider_id=provider_id or f"m{next(_ids)}", option=option)
        self.last = await self.engine.handle(inbound)
        return self.last

    async def say(self, text: str, **kwargs: str) -> str:
        """Send ``text``; return every reply as the person would read it on this channel, joined."""
        replies = await self.send(text, **kwargs)
        render = sms_text if self.channel == "sms" else numbered
        return "\n\n".join(render(r) for r in replies)

    @property
    def options(self) -> list[str]:
        """The option labels offered by the last reply that had options."""
        for reply in reversed(self.last):
            if reply.options:
                return [o.label for o in reply.options]
        return []
