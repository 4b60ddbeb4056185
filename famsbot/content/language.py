"""Which language the bot is speaking in this turn: English (``en``) or Welsh (``cy``).

A person's language is a fact about the contact (``Contact.language``), chosen by them. The engine
says which language a turn speaks with :func:`speaking`; every family-facing text read through
``Content.text`` during that turn is then worded in it, whichever module words it (a flow, the
urgent route, a concern's receipt). Staff-facing texts ask for English explicitly (``lang="en"``).
A context variable is used because one engine serves many turns at once on one event loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["DEFAULT", "EMERGENCY_ONLY", "LANGUAGES", "STAFF", "current", "speaking", "switch"]

DEFAULT = "en"
LANGUAGES = ("en", "cy")  # the whole service: every family-facing text exists in each (content check)
# Languages the risk gate reads but the bot does not reply in: only the emergency route is worded in
# them (texts/<lang>/urgent.yaml), with a line saying which languages the bot replies in.
EMERGENCY_ONLY = ("pl", "ur", "ur-Latn")
STAFF = "en"  # staff-facing texts (alerts to safer custody) are always in English

_current: ContextVar[str] = ContextVar("famsbot_language", default=DEFAULT)


def current() -> str:
    """The language of the turn being handled (English outside a turn)."""
    return _current.get()


@contextmanager
def speaking(language: str | None) -> Iterator[str]:
    """Word every text in ``language`` until the block ends; an unknown language falls back to English."""
    chosen = language if language in LANGUAGES or language in EMERGENCY_ONLY else DEFAULT
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def switch(language: str) -> None:
    """Inside :func:`speaking`: word the rest of this turn in ``language`` (the person just chose it).

    The enclosing ``speaking`` block still restores the previous language when it ends.
    """
    _current.set(language if language in LANGUAGES else DEFAULT)
