"""The person's language: chosen by them, remembered on the contact, offered when it looks wanted.

English and Welsh are the whole service (``content.language.LANGUAGES``). The choice is the
person's: "Cymraeg", "Welsh", "English", /language, or the language option on the main menu.
Welsh is offered (never imposed) when someone writes in Welsh or their prison is in Wales.
"""

from __future__ import annotations

from famsbot.content.language import LANGUAGES, switch
from famsbot.content.loader import Content
from famsbot.dialogue.messages import Reply
from famsbot.policy.language import looks_welsh
from famsbot.store.models import Contact

__all__ = ["choose", "offers_welsh", "wanted"]


def wanted(command: str, argument: str, current: str) -> str:
    """The language a command asks for: ``welsh`` → cy, ``english`` → en, ``language [cy|en]`` → that
    one, or the other one (a swap)."""
    if command == "welsh":
        return "cy"
    if command == "english":
        return "en"
    asked = argument.strip().lower()[:2]
    if asked in LANGUAGES:
        return asked
    return "en" if current == "cy" else "cy"


def choose(contact: Contact, language: str, content: Content) -> Reply:
    """Remember ``language`` for this person and reply in it from now on (this turn included)."""
    contact.language = language
    switch(language)
    return Reply(content.text("common.language_set"))


def offers_welsh(text: str, contact: Contact, content: Content) -> bool:
    """Should Welsh be offered? Only to someone on English who writes in Welsh or whose prison is in Wales."""
    if contact.language != "en":
        return False
    if looks_welsh(text):
        return True
    named = [contact.prison_id] if contact.prison_id else list(content.prison_index.match(text).candidates)
    places = [content.place(prison_id) for prison_id in named]  # "Parc" names two sites, both in Wales
    return bool(places) and all(place is not None and place.country == "wales" for place in places)
