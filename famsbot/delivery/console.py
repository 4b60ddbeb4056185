"""The console "channel": messages for people and teams that have no real channel configured.

In a local demo (``famsbot chat``, or ``famsbot serve`` without tokens) a safer custody alert still
has to be seen. Console rows are logged, and handed to a sink when one is given: ``famsbot chat``
prints those addressed to the person chatting or to a prison team (``safer-custody:<prison>``,
``duty:<prison>``), so the whole path from a worry to the team's alert shows in one terminal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from famsbot.delivery.message import OutgoingMessage, Sent

__all__ = ["TEAM_PREFIXES", "ConsoleSender", "Sink"]

log = logging.getLogger(__name__)
TEAM_PREFIXES = ("safer-custody:", "duty:")
Sink = Callable[[OutgoingMessage], None]


class ConsoleSender:
    """Logs every message (without its text: it may describe someone's safety) and shows it to a sink."""

    def __init__(self, sink: Sink | None = None) -> None:
        self.sink = sink

    def cost(self, message: OutgoingMessage) -> int:
        return 1

    async def send(self, message: OutgoingMessage) -> Sent:
        log.info(
            "console %s message %s to %s (%d characters)",
            message.kind,
            message.outbox_id,
            message.address,
            len(message.text),
        )
        if self.sink is not None:
            self.sink(message)
        return Sent(provider_id=f"console-{message.outbox_id}")
