"""famsbot: a conversational assistant for the families of people in prison in England and Wales.

The package follows the flow of a message: ``channels`` turn a phone message into an
:class:`~famsbot.dialogue.messages.Inbound`; the ``dialogue`` engine loads the person's
conversation from the ``store``, runs the risk gate and the current ``flows`` step (which ask
``policy`` for decisions and ``content`` for words and facts) and returns replies; ``delivery``
sends everything that is not the direct reply; ``staff`` is the console for prison and PACT staff.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
