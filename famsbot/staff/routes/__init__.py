"""The console's routes, gathered into one router that ``create_app`` mounts at ``/staff``.

A new section adds its own ``APIRouter(route_class=StaffRoute)`` module here (as the PACT
broadcasts at ``/staff/broadcasts`` did), includes it below, and adds a ``NavItem`` in
``famsbot.staff.navigation``. Use ``SignedDep``/``CsrfDep`` from ``famsbot.staff.web`` and
``render`` from ``famsbot.staff.templating``; templates extend ``base.html``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from famsbot.staff.hardening import ConsoleStatic
from famsbot.staff.routes import account, auth, broadcasts, concerns, records, security, users

__all__ = ["STATIC", "router"]

STATIC = Path(__file__).resolve().parents[1] / "static"

router = APIRouter()
router.include_router(auth.router)
router.include_router(records.router)
router.include_router(concerns.router)
router.include_router(broadcasts.router)
router.include_router(users.router)
router.include_router(security.router)
router.include_router(account.router)
router.mount("/static", ConsoleStatic(directory=STATIC), name="staff-static")
