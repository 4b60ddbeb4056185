"""One log line per message turn: channel, outcome and time taken, and nothing a family wrote.

The line is what an operator needs to see load and failures (``FAMSBOT_LOG_FORMAT=json`` gives the
fields as keys). It never carries the text, the sender's number or chat id, or anything that
names the person: logs are kept longer, and read by more people, than the conversation tables.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = ["TurnTiming", "timed_turn"]

log = logging.getLogger("famsbot.turn")


@dataclass
class TurnTiming:
    """What the engine says about the turn before the line is written."""

    channel: str
    outcome: str = "error"  # until the engine says otherwise: an exception escaped
    replies: int = 0

    def answered(self, replies: Sequence[Any]) -> None:
        self.replies = len(replies)
        self.outcome = "replied" if replies else "no_reply"  # a duplicate, or someone who opted out

    def failed(self, replies: Sequence[Any]) -> None:
        self.replies = len(replies)
        self.outcome = "failed"  # not handled: the person got the apology (and the emergency route if urgent)


@contextmanager
def timed_turn(channel: str) -> Iterator[TurnTiming]:
    timing = TurnTiming(channel)
    started = time.perf_counter()
    try:
        yield timing
    finally:
        ms = round((time.perf_counter() - started) * 1000, 1)
        fields = {"channel": channel, "outcome": timing.outcome, "ms": ms, "replies": timing.replies}
        log.info("turn %s %s in %.1f ms (%d replies)", channel, timing.outcome, ms, timing.replies, extra=fields)
