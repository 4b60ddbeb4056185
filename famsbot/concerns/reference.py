"""Concern references: short enough to read out on the phone, impossible to misread.

A reference is the prison's three-letter code and four characters, ``MAI-7K3Q``. The four come
from 22 characters, dropping those easily confused on a screen or over a bad line (0 O D, 1 I L,
2 Z, 5 S, B G, U V): a family member may read it out to a switchboard operator. That leaves
234,256 references per prison; a clash with an existing one is simply drawn again.
"""

from __future__ import annotations

import secrets

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.errors import FamsbotError
from famsbot.store.models import Concern

__all__ = ["ALPHABET", "NO_PRISON_CODE", "make_reference", "new_reference"]

ALPHABET = "ACEFHJKMNPQRTWXY346789"
NO_PRISON_CODE = "FAM"  # a concern recorded before the family said which prison (the code stays)
_TRIES = 20


def make_reference(code: str) -> str:
    """A random reference for a prison code (no uniqueness check)."""
    return f"{code}-{''.join(secrets.choice(ALPHABET) for _ in range(4))}"


async def new_reference(session: AsyncSession, code: str) -> str:
    """A reference not yet used by any concern."""
    for _ in range(_TRIES):
        reference = make_reference(code)
        taken = (await session.exec(select(Concern.id).where(Concern.reference == reference))).first()
        if taken is None:
            return reference
    raise FamsbotError(f"no free concern reference for {code} after {_TRIES} tries")
