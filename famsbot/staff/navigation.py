"""The console's sections, and which roles see each.

A new section adds one ``NavItem`` here and includes its router in ``famsbot.staff.routes``.
A role's first section is where it lands after signing in (PACT: family-day notices).
"""

from __future__ import annotations

from dataclasses import dataclass

from famsbot.staff.roles import ADMIN, PACT, SAFER_CUSTODY, TRIAGE
from famsbot.store.models import StaffUser

__all__ = ["NAV", "NavItem", "nav_for"]


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: tuple[str, ...]


NAV: list[NavItem] = [
    NavItem("Concerns", "/staff/concerns", (SAFER_CUSTODY, ADMIN, TRIAGE)),
    NavItem("Reports", "/staff/reports", (SAFER_CUSTODY, ADMIN)),
    NavItem("Family-day notices", "/staff/broadcasts", (PACT, ADMIN)),
    NavItem("Staff accounts", "/staff/users", (ADMIN,)),
    NavItem("Security trail", "/staff/security", (ADMIN,)),
]


def nav_for(staff: StaffUser) -> list[NavItem]:
    return [item for item in NAV if staff.role in item.roles]
