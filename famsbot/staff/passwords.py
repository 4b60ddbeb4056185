"""Staff passwords: argon2id hashes, and a check that takes as long whether or not the account exists.

Without the dummy verification an attacker could tell real staff emails from unknown ones by how
quickly the login page answers.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["MIN_LENGTH", "hash_password", "needs_rehash", "verify_password", "waste_time"]

MIN_LENGTH = 12
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
