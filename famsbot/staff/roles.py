"""Staff roles, and which prisons each may see.

``safer_custody`` and ``pact`` staff belong to one prison; an ``admin`` belongs to none and sees
all; ``triage`` staff belong to none and work the national triage queue: the concerns no prison
team was alerted to (``Concern.routed_to`` is ``national`` or ``console``). Keeping the rule here
(not in each query) means a new role cannot quietly widen access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from famsbot.content.loader import PRISON_IDS

if TYPE_CHECKING:
    from famsbot.store.models import StaffUser

__all__ = [
    "ADMIN",
    "PACT",
    "PRISON_IDS",
    "ROLES",
    "SAFER_CUSTODY",
    "TRIAGE",
    "account_problems",
    "sees_concerns",
    "sends_notices",
]

SAFER_CUSTODY: Final = "safer_custody"
PACT: Final = "pact"
ADMIN: Final = "admin"
TRIAGE: Final = "triage"
ROLES: Final = (SAFER_CUSTODY, PACT, ADMIN, TRIAGE)


def account_problems(role: str, prison_id: str | None) -> list[str]:
    """Why this role/prison combination is not allowed (empty when it is)."""
    if role not in ROLES:
        return [f"role must be one of {', '.join(ROLES)}, not {role!r}"]
    if role == ADMIN:
        return [] if prison_id is None else ["an admin sees every prison: give no --prison"]
    if role == TRIAGE:
        return [] if prison_id is None else ["triage works the national queue of every prison: give no --prison"]
    if prison_id is None:
        return [f"a {role} account belongs to one prison: give --prison ({', '.join(PRISON_IDS)})"]
    if prison_id not in PRISON_IDS:
        return [f"prison must be one of {', '.join(PRISON_IDS)}, not {prison_id!r}"]
    return []


def sees_concerns(staff: StaffUser) -> bool:
    """PACT staff send family-day notices; welfare concerns are for safer custody and admins only."""
    return staff.role in (SAFER_CUSTODY, ADMIN, TRIAGE)


def sends_notices(staff: StaffUser) -> bool:
    """Family-day notices are PACT's (for their own prison) and admins' (for any): safer custody
    staff, who hold families' welfare concerns, do not market events to them."""
    return staff.active and staff.role in (PACT, ADMIN)
