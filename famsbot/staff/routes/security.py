"""The security audit trail, for admins: who signed in or failed, from where, and what changed.

An admin can also lift a sign-in slow-down here (for an account, or for an address such as a
prison office's), which takes effect at once in every web worker: the throttle reads the trail.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from famsbot.errors import AccessDenied
from famsbot.staff.audit import KINDS, UNLOCKED, recent, record
from famsbot.staff.auth import normalise_email
from famsbot.staff.roles import ADMIN
from famsbot.staff.sessions import Signed
from famsbot.staff.templating import render
from famsbot.staff.web import CsrfDep, SignedDep, StaffRoute, client_address
from famsbot.web.deps import ClockDep, DbDep

__all__ = ["router"]

router = APIRouter(route_class=StaffRoute)
FormText = Annotated[str, Form()]


def _admin(signed: Signed) -> None:
    if signed.staff.role != ADMIN:
        raise AccessDenied("the security trail is for admins")


@router.get("/security")
async def security_page(request: Request, signed: SignedDep, db: DbDep, email: str = "") -> Response:
    _admin(signed)
    async with db.transaction() as session:
        events = await recent(session, email=normalise_email(email) or None)
    return render(request, "security.html", signed=signed, events=events, kinds=KINDS, email=email,
                  lifted=request.query_params.get("lifted"))


@router.post("/security/unlock")
async def unlock(request: Request, signed: CsrfDep, db: DbDep, clock: ClockDep, email: FormText = "",
                 address: FormText = "") -> Response:
    """Lift the slow-down for one account or one address."""
    _admin(signed)
    email, address = normalise_email(email)[:254], address.strip()[:64]
    if email or address:
        async with db.transaction() as session:
            record(session, UNLOCKED, email=email, address=address, now=clock.now(), actor=signed.staff.email,
                   detail=f"by {signed.staff.email} from {client_address(request)}")
    return RedirectResponse(f"/staff/security?lifted={email or address}", status_code=303)
