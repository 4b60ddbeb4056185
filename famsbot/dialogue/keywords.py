"""Words that work from anywhere, whatever question is open: menu, back, help, restart, stop, start, notices,
and the language (CYMRAEG / ENGLISH, or /language to swap). Each works in English and Welsh.

They only count when they are the whole message ("menu", "/menu", "MENU!"), so "help with the
train fare" is still read as an answer or a request. SMS carrier keywords (STOP, STOPALL,
UNSUBSCRIBE, CANCEL, END, QUIT; START, UNSTOP) follow the UK and Twilio conventions.
"""

from __future__ import annotations

from dataclasses import dataclass

from famsbot.policy.text import normalise

__all__ = ["Command", "read_command"]

_WORDS: dict[str, tuple[str, ...]] = {
    "menu": ("menu", "main menu", "home", "back to menu", "back to the menu", "go to menu", "bwydlen", "menu glowne",
             "dewislen", "prif ddewislen", "y brif ddewislen"),
    "back": ("back", "go back", "previous", "undo", "previous question", "yn ol", "nol", "mynd yn ol", "wstecz",
             "wapas"),
    "help": ("help", "info", "how does this work", "what can you do", "commands", "helo help", "help me please",
             "cymorth", "pomoc", "madad"),
    "restart": ("restart", "start over", "start again", "begin again", "reset", "ailddechrau", "dechrau eto"),
    "forget": ("forget me", "delete me", "delete my data", "delete my details", "forget my details",
               "remove my data", "erase my data", "anghofio fi", "anghofiwch fi", "dileu fy manylion"),
    "stop": ("stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit", "opt out", "optout", "stopio",
             "stopiwch"),
    "start": ("start", "unstop", "subscribe", "opt in", "optin", "dechrau"),
    "notices": ("notices", "notice", "get notices", "family day notices"),  # opt in to a prison's notices
    "welsh": ("cymraeg", "welsh", "cymraeg plis", "cymraeg please", "welsh please", "in welsh", "yn gymraeg",
              "cymraeg os gwelwch yn dda", "iaith gymraeg", "welsh language"),
    "english": ("english", "saesneg", "in english", "yn saesneg", "english please", "saesneg plis"),
    "language": ("language", "iaith", "newid iaith", "change language"),  # /language on Telegram: swap
}  # fmt: skip
_LOOKUP = {phrase: name for name, phrases in _WORDS.items() for phrase in phrases}


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    argument: str = ""


def read_command(text: str) -> Command | None:
    """The global command ``text`` is, if the whole message is one (``/start maidstone`` included)."""
    stripped = text.strip()
    if stripped.startswith("/"):
        head, _, argument = stripped[1:].partition(" ")
        head = head.split("@", 1)[0].lower()  # "/menu@famsbot" in group chats
        name = _LOOKUP.get(head.replace("_", " "))
        return Command(name, argument.strip()) if name else None
    name = _LOOKUP.get(normalise(stripped))
    return Command(name) if name else None
