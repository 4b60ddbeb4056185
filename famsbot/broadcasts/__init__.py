"""PACT's family-day notices: composed in the staff console, sent to every family who asked for them.

::

    composer (staff.routes.broadcasts) ─► compose.send_broadcast ─► Broadcast + one outbox row per family
                                                                    (``broadcast:<id>:<contact>``, due at send time)
    delivery ─► still wanted? (stopped since / cancelled / quiet hours) ─► paced send ─► recorded
    broadcast page ◄── progress.progress (live counts)          cancel.cancel_broadcast

* ``access``: who may send to and see which prison's notices;
* ``wording``: the notice on each channel, from whom and how to stop;
* ``schedule``: London times, quiet hours, how far ahead;
* ``compose``, ``progress``, ``cancel``: the staff actions;
* ``lifecycle``: the broadcast's own status, settled once a minute.

The families side (opting in and out, with consent recorded) is ``flows.notices`` and
``store.subscriptions``; sending is ``famsbot.delivery``'s, shared with every other message.
"""

from famsbot.broadcasts.cancel import cancel_broadcast
from famsbot.broadcasts.compose import Draft, send_broadcast
from famsbot.broadcasts.progress import Progress, Summary, history, progress
from famsbot.broadcasts.schedule import SendPlan, plan_send

__all__ = [
    "Draft",
    "Progress",
    "SendPlan",
    "Summary",
    "cancel_broadcast",
    "history",
    "plan_send",
    "progress",
    "send_broadcast",
]
