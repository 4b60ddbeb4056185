"""The main menu: what do you need help with? And "something else", in their own words.

Its last option is the other language, named in itself ("Cymraeg" in English, "English" in Welsh).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from transitions import EventData

from famsbot.dialogue import language as languages
from famsbot.dialogue.effects import EffectContext
from famsbot.dialogue.flow import Flow, Handoff, answer_is, go_to, model_of
from famsbot.dialogue.messages import Reply
from famsbot.dialogue.routing import route_text
from famsbot.dialogue.steps import Choice, ChoiceStep, TextStep

__all__ = ["FLOW"]

ENTRIES = [
    Choice("visits", "menu.visits", ("visit", "visiting", "book", "booking", "see him", "see her")),
    Choice("apvs", "menu.apvs", ("travel", "costs", "money for travel", "fares", "train", "apvs")),
    Choice("concern", "menu.concern", ("worried", "worry", "concern", "safety", "welfare")),
    Choice("care_leavers", "menu.care_leavers", ("care leaver", "leaving care", "in care")),
    Choice("notices", "menu.family_days", ("family day", "family days", "events", "notices")),
    Choice("other", "menu.other", ("something else", "other", "else")),
    Choice("language", "menu.language", ("cymraeg", "welsh", "english", "saesneg")),
]

STEPS = {
    "main": ChoiceStep("choice", "menu.ask", ENTRIES),
    "other": TextStep("request", "menu.ask_other"),
}


def route_request(event: EventData) -> None:
    """Understand "something else" and go where it points; otherwise say where to turn, then the menu."""
    model = model_of(event)
    from famsbot.flows import FLOWS  # the registry imports this module

    route = route_text(str(model.answers.get("request", "")), model.content, FLOWS)
    if route.flow is not None:
        model.handoff = Handoff(route.flow, dict(route.answers))
        return
    national = {name: phone.number for name, phone in model.content.national.phones.items()}
    model.say(route.signpost or "menu.not_sure_what", **national)


@dataclass(frozen=True, slots=True)
class ChooseLanguage:
    """Swap this person's replies to the other language (remembered); the menu is then asked in it."""

    async def apply(self, ctx: EffectContext) -> list[Reply]:
        wanted = languages.wanted("language", "", ctx.contact.language)
        return [languages.choose(ctx.contact, wanted, ctx.content)]


def choose_language(event: EventData) -> None:
    model_of(event).effects.append(ChooseLanguage())


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": "start", "dest": "main"},
    {"trigger": "answer", "source": "main", "dest": "other", "conditions": answer_is("choice", "other")},
    {"trigger": "answer", "source": "main", "dest": "main", "conditions": answer_is("choice", "language"),
     "after": choose_language},
    *(
        {"trigger": "answer", "source": "main", "dest": None, "conditions": answer_is("choice", entry.key),
         "after": go_to(entry.key, "prison")}
        for entry in ENTRIES
        if entry.key not in ("other", "language")
    ),
    {"trigger": "answer", "source": "other", "dest": "main", "after": route_request},
]

FLOW = Flow("menu", STEPS, TRANSITIONS, title="menu.title")
