"""What a flow is: a ``transitions`` state machine whose states are questions (``Step``s).

A flow module declares, as data, its steps (one question each) and its transitions; it is built
once at import. For each message the engine makes a :class:`FlowModel` carrying the state and
answers loaded from the database and fires one trigger on the shared machine:

* ``begin`` when the flow is entered (from the ``start`` state);
* ``answer`` after the current step accepted an answer (stored in ``answers[step.key]``).

Conditions pick the destination from the answers; callbacks may add replies (``model.say``),
side effects for the engine to carry out in the same transaction (``model.effects``), or hand
over to another flow (``model.handoff``). Callbacks do no I/O: the engine owns the database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from transitions import EventData, Machine, MachineError
from transitions.extensions.diagrams import GraphMachine

from famsbot.content.directory import DirectoryPrison
from famsbot.content.loader import Content
from famsbot.content.schema import Prison
from famsbot.dialogue.messages import Channel, Reply
from famsbot.errors import FlowError
from famsbot.policy.answers import address_as

if TYPE_CHECKING:
    from famsbot.dialogue.effects import Effect
    from famsbot.dialogue.steps import Step

__all__ = [
    "Condition",
    "Flow",
    "FlowModel",
    "SUBJECT",
    "Handoff",
    "TurnContext",
    "answer_is",
    "answered",
    "go_to",
    "model_of",
]

SUBJECT = "_subject"  # whom the conversation is about: "self", "female" or "male" (policy.answers.subject_of)
Condition = Callable[[EventData], bool]
Callback = Callable[[EventData], None]


@dataclass(frozen=True, slots=True)
class TurnContext:
    """What a flow may know about the message being handled, besides its own answers."""

    content: Content
    now: datetime
    channel: Channel
    contact_prison: str | None = None
    text: str = ""


@dataclass(frozen=True, slots=True)
class Handoff:
    """Leave this flow for another, with some answers carried over (e.g. the prison)."""

    flow: str
    answers: Mapping[str, Any] = field(default_factory=dict)


class FlowModel:
    """The object a flow's machine moves for one message: state, answers, and what to do next.

    Not the database row (transitions cannot attach to a pydantic model); the engine copies the
    state and answers in from the row and back out, in the same transaction.
    """

    def __init__(self, state: str, answers: dict[str, Any], ctx: TurnContext) -> None:
        self.state = state
        self.answers = answers
        self.ctx = ctx
        self.replies: list[Reply] = []
        self.effects: list[Effect] = []
        self.handoff: Handoff | None = None

    @property
    def content(self) -> Content:
        return self.ctx.content

    @property
    def prison(self) -> Prison | None:
        """The prison this conversation is about: answered in this flow, else remembered."""
        prison_id = self.answers.get("prison") or self.ctx.contact_prison
        return self.content.prisons.get(prison_id) if isinstance(prison_id, str) else None

    @property
    def place(self) -> DirectoryPrison | None:
        """The prison this conversation is about, from the national directory (any prison)."""
        prison_id = self.answers.get("prison") or self.ctx.contact_prison
        return self.content.place(prison_id)

    def text(self, key: str, **values: Any) -> str:
        """The content text ``key``, said to or about the person this conversation is about."""
        return self.address(self.content.text(key, **{**self.values(), **values}))

    def address(self, text: str) -> str:
        """Texts are written about "him": to the writer themself it is "you", to a woman "she"."""
        return address_as(text, self.answers.get(SUBJECT))

    def say(self, key: str, **values: Any) -> None:
        """Add a message worded by the content text ``key``."""
        self.replies.append(Reply(self.text(key, **values)))

    def values(self) -> dict[str, Any]:
        """Placeholders every text may use."""
        prison = self.prison
        target = prison or self.place
        return {"prison": self.content.prison_name(target) if target else ""}

    def policy_answers(self) -> dict[str, Any]:
        """The answers without the engine's own bookkeeping (keys starting with ``_``)."""
        return {k: v for k, v in self.answers.items() if not k.startswith("_")}


def model_of(event: EventData) -> FlowModel:
    model = event.model
    assert isinstance(model, FlowModel)  # noqa: S101 - every machine here moves FlowModels
    return model


def answer_is(key: str, *values: Any) -> Condition:
    """A condition: the answer ``key`` is one of ``values``."""

    def condition(event: EventData) -> bool:
        return model_of(event).answers.get(key) in values

    condition.__name__ = f"{key}={'|'.join(str(v) for v in values)}"
    return condition


def answered(key: str) -> Condition:
    """A condition: the answer ``key`` is known (present and not ``None``)."""

    def condition(event: EventData) -> bool:
        return model_of(event).answers.get(key) is not None

    condition.__name__ = f"{key} known"
    return condition


def go_to(flow: str, *carry: str) -> Callback:
    """A callback: hand over to ``flow``, carrying the named answers across."""

    def callback(event: EventData) -> None:
        model = model_of(event)
        model.handoff = Handoff(flow, {k: model.answers[k] for k in carry if k in model.answers})

    callback.__name__ = f"go to {flow}"
    return callback


class TextCarrier(Protocol):
    def __call__(self, text: str, content: Content) -> dict[str, Any]: ...


class Flow:
    """One conversation branch: named steps and the transitions between them, built once."""

    def __init__(
        self,
        name: str,
        steps: Mapping[str, Step],
        transitions: Sequence[Mapping[str, Any]],
        *,
        title: str,
        carry_text: TextCarrier | None = None,
        fill: TextCarrier | None = None,
    ) -> None:
        self.name = name
        self.title = title  # text key naming the flow ("help with travel costs")
        self.steps = dict(steps)
        self.transitions = [dict(t) for t in transitions]
        self.carry_text = carry_text
        self.fill = fill  # answers a message gives besides the one asked for ("I am 80, on pension credit")
        self.machine = Machine(
            model=None,
            states=["start", *self.steps],
            transitions=self.transitions,
            initial="start",
            auto_transitions=False,
            send_event=True,
        )
        self._check()

    def _check(self) -> None:
        for state in self.steps:
            if "answer" not in self.machine.get_triggers(state):
                raise FlowError(f"flow {self.name}: state {state!r} has no 'answer' transition (a dead end)")
        if "begin" not in self.machine.get_triggers("start"):
            raise FlowError(f"flow {self.name}: no 'begin' transition from 'start'")

    def step(self, state: str) -> Step:
        try:
            return self.steps[state]
        except KeyError:
            raise FlowError(f"flow {self.name} has no step {state!r}") from None

    def fire(self, model: FlowModel, trigger: str) -> None:
        """Fire ``trigger``; a state with no matching transition is a bug in the flow, not the person."""
        try:
            moved = self.machine.events[trigger].trigger(model)
        except MachineError as exc:
            raise FlowError(f"flow {self.name}: {exc}") from exc
        if not moved:
            raise FlowError(f"flow {self.name}: no transition for {trigger!r} from {model.state!r}")

    def diagram(self) -> str:
        """The flow as a Mermaid state diagram (for docs/flows/)."""
        graph = GraphMachine(
            model=None,
            states=["start", *self.steps],
            transitions=self.transitions,
            initial="start",
            auto_transitions=False,
            graph_engine="mermaid",
            show_conditions=True,
        )
        graph.add_model(_DiagramModel())
        drawn = str(graph.get_graph().draw(None))
        # transitions writes a bare title line; Mermaid's front matter wants "title: ...".
        return drawn.replace("---\nState Machine\n---", f"---\ntitle: {self.name}\n---", 1)


class _DiagramModel:
    state = "start"
