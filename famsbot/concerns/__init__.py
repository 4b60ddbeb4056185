"""Welfare concerns: recording them, alerting safer custody, and escalating what waits too long.

The concern flow (``famsbot.flows.concern``) asks the questions; this package does what follows:

* ``record``: the effects that create or update a concern and write its alerts to the outbox in
  the same transaction as the message that raised it;
* ``alerts``: where alerts go (per-prison targets from settings, or the console), what they say;
* ``escalation``: :func:`run_escalations`, called periodically by the worker;
* ``reference``: short, unambiguous references such as ``MAI-7K3Q``.

Staff actions on a concern (acknowledge, note, outcome, message the family, close) live in
``famsbot.concerns.actions``, used by the staff console.
"""

from __future__ import annotations

from famsbot.concerns.alerts import Target, duty_targets, safer_custody_targets
from famsbot.concerns.escalation import run_escalations
from famsbot.concerns.record import AddToConcern, SaveConcern
from famsbot.concerns.reference import new_reference

__all__ = [
    "AddToConcern",
    "SaveConcern",
    "Target",
    "duty_targets",
    "new_reference",
    "run_escalations",
    "safer_custody_targets",
]
