"""Login throttling: a sliding window of recent failures per email and per client address.

Five wrong passwords for one email in fifteen minutes locks that email; a higher limit per
address stops one machine spraying many accounts while letting a prison office, whose staff share
one address, survive a few typos. The window lives in process memory, so each web worker counts
separately: with N workers an attacker gets at most N times the limit, which argon2's cost keeps
slow. Time comes from the app's clock so tests can move it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from threading import Lock

__all__ = ["LoginThrottle"]

WINDOW = timedelta(minutes=15)
PER_EMAIL = 5
PER_ADDRESS = 20


@dataclass
class LoginThrottle:
    """Counts failed logins; ``retry_after`` says how long a locked email or address must wait."""

    window: timedelta = WINDOW
    per_email: int = PER_EMAIL
    per_address: int = PER_ADDRESS
    _failures: dict[str, deque[datetime]] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)

    def retry_after(self, email: str, address: str, now: datetime) -> timedelta | None:
        """``None`` when a login may be tried now, else how long until the oldest failure ages out."""
        with self._lock:
            waits = [
                self._wait(key, limit, now)
                for key, limit in ((_email_key(email), self.per_email), (_address_key(address), self.per_address))
            ]
        longest = max((w for w in waits if w is not None), default=None)
        return longest

    def failed(self, email: str, address: str, now: datetime) -> None:
        with self._lock:
            for key in (_email_key(email), _address_key(address)):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, email: str) -> None:
        """A correct password clears that email's failures (the address keeps its count)."""
        with self._lock:
            self._failures.pop(_email_key(email), None)

    def _wait(self, key: str, limit: int, now: datetime) -> timedelta | None:
        times = self._failures.get(key)
        if not times:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        if len(times) < limit:
            return None
        return times[-limit] + self.window - now


def _email_key(email: str) -> str:
    return "email:" + email.strip().lower()


def _address_key(address: str) -> str:
    return "address:" + address
