"""Staff roles, and which prisons each may see.

``safer_custody`` and ``pact`` staff belong to one prison; an ``admin`` belongs to none and sees
all; ``triage`` staff belong to none and work the national triage queue: the concerns no prison
team was alerted to (``Concern.routed_to`` is ``national`` or ``console``). Keeping the rule here
(not in each query) means a new role cannot quietly widen access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from famsbot.content.loader import PRISON_IDS, get_content

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
    "canonical_prison",
    "sees_concerns",
    "sends_notices",
]

SAFER_CUSTODY: Final = "safer_custody"
PACT: Final = "pact"
ADMIN: Final = "admin"
TRIAGE: Final = "triage"
ROLES: Final = (SAFER_CUSTODY, PACT, ADMIN, TRIAGE)


def account_problems(role: str, prison_id: str | None) -> list[str]:
    """Why this role/prison combination is not allowed (empty when it is).

    Any prison in the national directory may have staff, named by its id or NOMIS code (store
    :func:`canonical_prison` of it); a code shared by several bookable sites must name one site.
    """
    if role not in ROLES:
        return [f"role must be one of {', '.join(ROLES)}, not {role!r}"]
    if role == ADMIN:
        return [] if prison_id is None else ["an admin sees every prison: give no --prison"]
    if role == TRIAGE:
        return [] if prison_id is None else ["triage works the national queue of every prison: give no --prison"]
    if prison_id is None:
        return [f"a {role} account belongs to one prison: give --prison (a prison id like maidstone, or its "
                f"NOMIS code like MSI; see `famsbot prisons list`)"]
    directory = get_content().directory
    if directory.canonical(prison_id) is None:
        sites = directory.resolve(prison_id)
        if sites:
            return [f"{prison_id!r} has several sites: give one of {', '.join(p.id for p in sites)}"]
        return [f"no prison {prison_id!r} in England and Wales (try `famsbot prisons find`)"]
    return []


def canonical_prison(prison_id: str | None) -> str | None:
    """The directory id for an id or NOMIS code (``MSI`` → ``maidstone``); ``None`` stays ``None``."""
    if prison_id is None:
        return None
    return get_content().directory.canonical(prison_id) or prison_id


def sees_concerns(staff: StaffUser) -> bool:
    """PACT staff send family-day notices; welfare concerns are for safer custody and admins only."""
    return staff.role in (SAFER_CUSTODY, ADMIN, TRIAGE)


def sends_notices(staff: StaffUser) -> bool:
    """Family-day notices are PACT's (for their own prison) and admins' (for any): safer custody
    staff, who hold families' welfare concerns, do not market events to them."""
    return staff.active and staff.role in (PACT, ADMIN)
