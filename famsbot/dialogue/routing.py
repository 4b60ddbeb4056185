"""From free text to the right help: which flow a message asks for, and what it already tells us.

Used at the start, from "something else" on the main menu, and whenever a message is not an
answer to the open question. A prison named in the message is carried over so that "which
prison?" is not asked again; a flow may carry the message itself (a worry, in the family's words).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from famsbot.content.loader import Content
from famsbot.policy import intents

__all__ = ["FLOW_FOR_INTENT", "MIN_CONFIDENCE", "Route", "route_text"]

FLOW_FOR_INTENT = {
    "booking": "visits",
    "apvs": "apvs",
    "welfare_concern": "concern",
    "welfare_urgent": "concern",
    "care_leaver": "care_leavers",
    "family_day": "notices",
    "opt_out": "notices",
}
MIN_CONFIDENCE = 0.45  # one clear phrase scores about 0.5; a wrong guess only costs a question


@dataclass(frozen=True, slots=True)
class Route:
    """Where a message should go: a flow with answers carried over, or a signpost, or nowhere."""

    label: str
    confidence: float
    flow: str | None = None
    answers: Mapping[str, Any] = field(default_factory=dict)
    signpost: str | None = None  # a content text key for an out-of-scope answer


def route_text(text: str, content: Content, known_flows: Mapping[str, Any]) -> Route:
    """Understand ``text`` well enough to start the right flow, or to say where else to go."""
    result = intents.classify(text)
    label, confidence = result.label, result.confidence
    if confidence < MIN_CONFIDENCE or label == "greeting_help":
        named = content.prison_index.match(text)
        if named.id is not None and named.how in ("name", "code") and "visits" in known_flows \
                and len(text.split()) <= 5:
            # A prison's name on its own ("Wandsworth", "HMP Parc"): its visits, the commonest need.
            carry = getattr(known_flows["visits"], "carry_text", None)  # "wandsworth visiting times": that topic
            topic = carry(text, content) if carry is not None else {}
            return Route("booking", MIN_CONFIDENCE, flow="visits", answers={"prison": named.id, **topic})
        return Route(label, confidence)
    if label == "out_of_scope":
        topic = getattr(result, "topic", None) or "general"
        key = f"routing.signpost_{topic}"
        return Route(label, confidence, signpost=key if key in content.texts else "routing.signpost_general")
    flow_name = FLOW_FOR_INTENT.get(label)
    flow = known_flows.get(flow_name) if flow_name else None
    if flow is None:
        return Route(label, confidence)
    answers: dict[str, Any] = {}
    named = content.prison_index.match(text)
    if named.id is not None and named.how in ("name", "code"):  # any prison; a town may be where they live
        answers["prison"] = named.id
    fill = getattr(flow, "fill", None)
    if fill is not None:
        answers.update(fill(text, content))
    carry = getattr(flow, "carry_text", None)
    if carry is not None:
        answers.update(carry(text, content))
    if label == "opt_out":
        answers["action"] = "stop"
    return Route(label, confidence, flow=flow_name, answers=answers)
