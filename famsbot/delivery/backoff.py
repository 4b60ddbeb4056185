"""How long to wait before trying a failed send again.

Exponential backoff with "full jitter" (a random wait between zero and the cap): when a provider has
a bad minute, the messages that failed together do not all come back together. Ten attempts span at
most about 43 minutes (about 20 on average): long enough to ride out a provider's bad spell, short
enough that a family is not told about a visit that has already happened.
"""

from __future__ import annotations

import random
from datetime import timedelta

__all__ = ["MAX_ATTEMPTS", "retry_delay"]

MAX_ATTEMPTS = 10  # failed sends of one message before it is marked failed
BASE = 5.0  # seconds: the cap of the first wait
CEILING = 1800.0  # seconds: no single wait is longer than half an hour
FLOOR = 1.0  # seconds: never hammer a failing provider


def retry_delay(failures: int, *, rng: random.Random | None = None) -> timedelta:
    """The wait after the ``failures``-th failed attempt (1 for the first)."""
    cap = min(CEILING, BASE * 2 ** max(failures - 1, 0))
    draw = (rng or random).uniform(0, cap)  # noqa: S311 - jitter, not security
    return timedelta(seconds=max(FLOOR, draw))
