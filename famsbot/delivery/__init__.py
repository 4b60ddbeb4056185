"""Delivery of everything that is not the direct reply: the outbox, drained by senders per channel.

``outbox row ─claim (lease)─► sender (Telegram / Twilio / console) ─► outcome recorded``

* ``claims``: pick and lease due rows, so several senders never send one row twice;
* ``deliver``: send one claimed row and record sent / retry later / failed / skipped;
* ``dispatcher``: the loop that claims and sends, in ``famsbot worker`` (and in-process on SQLite);
* ``telegram``, ``twilio``, ``console``: one sender per channel, mapping provider errors into
  ``famsbot.errors``; ``ratelimit`` and ``backoff`` pace them;
* ``receipts``: Twilio's status callbacks, forward only; ``replies``: the direct-reply safety net.
"""

from famsbot.delivery.deliver import Delivery, Outcome
from famsbot.delivery.dispatcher import Dispatcher
from famsbot.delivery.message import OutgoingMessage, Sender, Sent
from famsbot.delivery.setup import open_delivery, open_senders

__all__ = ["Delivery", "Dispatcher", "OutgoingMessage", "Outcome", "Sender", "Sent", "open_delivery", "open_senders"]
