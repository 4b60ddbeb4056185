"""Staff passwords: argon2id hashes, a strength check, and hashing kept off the event loop.

* A check that takes as long whether or not the account exists: without the dummy verification an
  attacker could tell real staff emails from unknown ones by how quickly the login page answers.
* argon2 is slow on purpose (tens to hundreds of milliseconds of CPU). Run on the event loop, or
  inside a transaction, it stalled every other request, webhooks included (issue 14: ~317 ms per
  login). So routes call :func:`verify_async` and :func:`hash_async`, which run it in a worker
  thread, and call them *between* transactions, never inside one.
* A password must be long (:data:`MIN_LENGTH`), not one of the commonest choices (a deny-list),
  not mostly one repeated character or a run like ``123456789012``, and not the email itself.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "hash_async",
    "hash_password",
    "needs_rehash",
    "password_problems",
    "verify_async",
    "verify_password",
    "waste_time",
]

MIN_LENGTH = 12
MAX_LENGTH = 256  # argon2 hashes anything, but there is no reason to accept a megabyte
MIN_DISTINCT = 5
DENY_LIST = Path(__file__).parent / "data" / "common_passwords.txt"
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; a malformed stored hash counts as a mismatch, never an error."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's; rehash at the next login."""
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password-only-for-timing")


def waste_time(password: str) -> None:
    """Do the work of a real verification for an email we don't know, so timing reveals nothing."""
    verify_password(_dummy_hash(), password)


async def verify_async(password_hash: str | None, password: str) -> bool:
    """:func:`verify_password` in a worker thread; with no hash (unknown email) the same work, then False."""
    if password_hash is None:
        await asyncio.to_thread(waste_time, password)
        return False
    return await asyncio.to_thread(verify_password, password_hash, password)


async def hash_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    lines = DENY_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _is_run(password: str) -> bool:
    """``123456789012``, ``abcdefghijkl``, ``987654321098``: each character one more (or less) than the last."""
    steps = {ord(b) - ord(a) for a, b in zip(password, password[1:], strict=False)}
    return len(steps) == 1 and steps <= {1, -1}


def password_problems(password: str, email: str = "") -> list[str]:
    """Why this password is not good enough (empty when it is), in words for the person choosing it."""
    if len(password) < MIN_LENGTH:
        return [f"The password must be at least {MIN_LENGTH} characters long."]
    if len(password) > MAX_LENGTH:
        return [f"The password must be at most {MAX_LENGTH} characters long."]
    lowered = password.lower()
    squeezed = "".join(lowered.split())
    if len(set(lowered)) < MIN_DISTINCT or _is_run(squeezed):
        return ["The password is too easy to guess: use a few words that have nothing to do with each other."]
    if lowered in _common() or squeezed in _common():
        return ["That is one of the commonest passwords: choose another (a few unrelated words work well)."]
    local = email.lower().partition("@")[0]
    if local and len(local) >= 4 and local in lowered:
        return ["The password must not contain your email address."]
    return []
