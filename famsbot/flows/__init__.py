"""The conversation branches, one module each; every flow's machine is built once, at import.

Each module reads top to bottom like its conversation: the steps (questions) and transitions as
data first, then the callbacks that word the answers. ``FLOWS`` is what the engine knows.
"""

from __future__ import annotations

from famsbot.dialogue.flow import Flow
from famsbot.flows import apvs, care_leavers, concern, menu, notices, settings, visits

__all__ = ["FLOWS"]

FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (
        menu.FLOW,
        visits.FLOW,
        settings.FLOW,
        concern.FLOW,
        apvs.FLOW,
        care_leavers.FLOW,
        notices.FLOW,
    )
}
