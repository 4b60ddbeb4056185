"""What became of one message: the replies, and whether the message is safely stored.

A channel needs more than the replies to answer its provider honestly. Telegram retries any
update not answered 2xx, so an update whose turn could not be stored is answered 503; Twilio does
not retry, so an SMS gets the emergency route and a line that says what really happened, and the
message is kept in the spool (``dialogue.spool``). ``kept`` says where the message is:

* ``database``: the turn committed (or, when handling failed, the message is a failed inbound row);
* ``spool``: the database could not take it; it is on this machine's disk, to be replayed;
* ``nowhere``: neither could: the family is asked to send it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from famsbot.dialogue.messages import Reply

__all__ = ["Kept", "Outcome"]

Kept = Literal["database", "spool", "nowhere"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of :meth:`famsbot.dialogue.engine.Engine.take`."""

    replies: list[Reply] = field(default_factory=list)
    kept: Kept = "database"
    duplicate: bool = False  # the provider delivered this message before (a retry)

    @property
    def stored(self) -> bool:
        """Is the message in the database (so the provider need not send it again)?"""
        return self.kept == "database"
