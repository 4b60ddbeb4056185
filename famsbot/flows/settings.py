"""Settings: change the remembered prison, or ask the bot to forget you."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from transitions import EventData

from famsbot.dialogue.effects import EffectContext
from famsbot.dialogue.flow import Flow, answer_is, go_to, model_of
from famsbot.dialogue.messages import Reply
from famsbot.dialogue.steps import Choice, ChoiceStep, YesNoStep
from famsbot.flows.which_prison import DirectoryPrisonStep
from famsbot.store.privacy import forget_contact

__all__ = ["FLOW", "Forget"]

ACTIONS = [
    Choice("change_prison", "settings.opt_change_prison", ("change prison", "prison", "different prison")),
    Choice("forget", "settings.opt_forget", ("forget me", "delete", "forget")),
    Choice("menu", "common.main_menu", ("menu",)),
]

STEPS = {
    "action": ChoiceStep("action", "settings.ask", ACTIONS, skip_when_known=True),
    "prison": DirectoryPrisonStep("settings.ask_prison", ask_sites=False),  # any prison in England and Wales
    "confirm_forget": YesNoStep("forget_confirmed", "settings.confirm_forget"),
}


@dataclass(frozen=True)
class Forget:
    """Delete what the bot holds about this person (see ``store.privacy``)."""

    async def apply(self, ctx: EffectContext) -> list[Reply]:
        assert ctx.contact.id is not None  # noqa: S101 - a loaded contact always has an id
        await forget_contact(ctx.session, ctx.contact.id)
        ctx.forgotten = True
        return [Reply(ctx.content.text("settings.forgotten"))]


def ask_prison_again(event: EventData) -> None:
    model_of(event).answers["prison"] = None


def prison_saved(event: EventData) -> None:
    model_of(event).say("settings.prison_saved")


def forget(event: EventData) -> None:
    model_of(event).effects.append(Forget())


def kept(event: EventData) -> None:
    model_of(event).say("settings.kept")


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": "start", "dest": "action"},
    {"trigger": "answer", "source": "action", "dest": "prison", "conditions": answer_is("action", "change_prison"),
     "after": ask_prison_again},
    {"trigger": "answer", "source": "action", "dest": "confirm_forget", "conditions": answer_is("action", "forget")},
    {"trigger": "answer", "source": "action", "dest": None, "after": go_to("menu")},
    {"trigger": "answer", "source": "prison", "dest": None, "after": [prison_saved, go_to("menu")]},
    {"trigger": "answer", "source": "confirm_forget", "dest": None,
     "conditions": answer_is("forget_confirmed", True), "after": forget},
    {"trigger": "answer", "source": "confirm_forget", "dest": None, "after": [kept, go_to("menu")]},
]

FLOW = Flow("settings", STEPS, TRANSITIONS, title="settings.title")
