"""Builders for the staff side: staff accounts, family contacts and concerns, written straight to the store.

Concerns are normally created by the concern flow and the risk gate; staff tests build them
directly so that they do not depend on a conversation, only on the ``concern`` table's contract.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from famsbot.staff.passwords import hash_password
from famsbot.store.database import Database
from famsbot.store.models import Concern, ConcernEvent, Contact, StaffUser

__all__ = ["PASSWORD", "add_concern", "add_contact", "add_staff"]

PASSWORD = "correct horse battery staple"
CODES = {"maidstone": "MAI", "stoke-heath": "STO", "chelmsford": "CHE"}
_serial = itertools.count(1)


@lru_cache(maxsize=8)
def _hash(password: str) -> str:
    return hash_password(password)  # argon2 is slow on purpose: hash each test password once


async def add_staff(db: Database, email: str, role: str = "safer_custody", prison: str | None = "maidstone", *,
                    password: str = PASSWORD, active: bool = True) -> StaffUser:
    staff = StaffUser(email=email, password_hash=_hash(password), role=role,
                      prison_id=None if role == "admin" else prison, active=active)
    async with db.transaction() as session:
        session.add(staff)
    return staff


async def add_contact(db: Database, address: str = "+447700900123", channel: str = "sms", *,
                      opted_out_at: datetime | None = None, unreachable_at: datetime | None = None,
                      language: str = "en") -> Contact:
    contact = Contact(channel=channel, address=address, prison_id=None, opted_out_at=opted_out_at,
                      unreachable_at=unreachable_at, language=language)
    async with db.transaction() as session:
        session.add(contact)
    return contact


async def add_concern(
    db: Database,
    created_at: datetime,
    *,
    prison: str | None = "maidstone",
    urgent: bool = False,
    contact: Contact | None = None,
    verbatim: str = "He sounded really low on the phone last night and said nobody would miss him.",
    reference: str | None = None,
    status: str = "new",
    **fields: Any,
) -> Concern:
    """A concern as the concern flow would store it, with its ``created`` event.

    ``status="closed"`` makes one that staff already dealt with (seen and safe, closed an hour later).
    """
    if status == "closed":
        fields = {"outcome": "seen_safe", "acknowledged_at": created_at, "closed_at": created_at + timedelta(hours=1),
                  **fields}
    values: dict[str, Any] = {
        "prisoner_name": "Daniel Evans", "prisoner_number": "A1234BC", "danger_now": urgent,
        "consent_to_share": True, "callback": "this number, evenings",
        "details": {"acct_requested": True, "relationship": "mother"}, **fields,
    }
    concern = Concern(
        reference=reference or f"{CODES.get(prison or '', 'UNK')}-{next(_serial):04d}",
        prison_id=prison, contact_id=contact.id if contact else None,
        channel=contact.channel if contact else "sms", urgent=urgent, status=status, verbatim=verbatim,
        created_at=created_at, **values,
    )
    async with db.transaction() as session:
        session.add(concern)
        await session.flush()
        assert concern.id is not None
        session.add(ConcernEvent(concern_id=concern.id, at=created_at, actor="family", kind="created"))
    return concern
