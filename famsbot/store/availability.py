"""Is this error the database being away (restarting, unreachable, locked), rather than a bug?

Long-running loops (the dispatcher, periodic work, the worker's heartbeat) treat the two apart: an
outage is waited out with backoff and logged once when it starts and once when it ends; anything
else is a bug, logged with its traceback.
"""

from __future__ import annotations

import logging
import random
import time

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

__all__ = ["Patience", "unavailable"]


def unavailable(exc: BaseException) -> bool:
    """The database could not be reached or used just now; trying again later may well work."""
    if isinstance(exc, (OperationalError, InterfaceError, ConnectionError, TimeoutError)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OSError)


class Patience:
    """Backoff and quiet logging for one loop that needs the database.

    ``failed(exc)`` returns how long to wait before trying again (doubling from ``first`` to ``cap``,
    with jitter so that several workers do not return in step) and logs the first failure of an
    outage only; ``succeeded()`` logs the end of the outage, with how long it lasted.
    """

    def __init__(self, what: str, log: logging.Logger, *, first: float = 0.5, cap: float = 10.0) -> None:
        self.what, self.log, self.first, self.cap = what, log, first, cap
        self.failures = 0
        self._since = 0.0

    def failed(self, exc: BaseException) -> float:
        if self.failures == 0:
            self._since = time.monotonic()
        if not unavailable(exc):
            self.log.error("%s failed unexpectedly; trying again", self.what, exc_info=exc)
        elif self.failures == 0:
            self.log.warning("%s: the database is unavailable (%s); retrying with backoff until it is back",
                             self.what, type(exc).__name__)
        self.failures += 1
        delay = min(self.cap, self.first * 2.0 ** min(self.failures - 1, 30))
        jitter: float = random.uniform(0.8, 1.0)  # noqa: S311 - jitter, not security
        return delay * jitter

    def succeeded(self) -> None:
        if self.failures:
            self.log.warning("%s: working again after %.1f s (%d failed attempts)",
                             self.what, time.monotonic() - self._since, self.failures)
            self.failures = 0
