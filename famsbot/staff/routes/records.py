"""Records for outside the console: a CSV of concerns, a print view of one, and the report per prison.

Each uses the same scoped search as the inbox, so nobody can export or count another prison's
concerns. An export is noted in the security trail (who took which records, when, from where).
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from starlette.responses import Response

from famsbot.concerns.access import require_concern_role
from famsbot.content.prison_contact import prison_names
from famsbot.staff.audit import record
from famsbot.staff.casework import find_all, search_from
from famsbot.staff.concern_view import concern_view
from famsbot.staff.records import concerns_csv, report
from famsbot.staff.templating import render
from famsbot.staff.web import SignedDep, StaffRoute, client_address
from famsbot.web.deps import ClockDep, ContentDep, DbDep, SettingsDep

__all__ = ["router"]

router = APIRouter(route_class=StaffRoute)


@router.get("/concerns/export.csv")
async def export_csv(request: Request, signed: SignedDep, db: DbDep, clock: ClockDep, content: ContentDep,
                     settings: SettingsDep) -> Response:
    """Every concern matching the inbox's search (dates, status, prison), as a spreadsheet."""
    require_concern_role(signed.staff)
    params = dict(request.query_params)
    params.setdefault("status", "all")
    search = search_from(params, signed.staff)
    now = clock.now()
    async with db.transaction() as session:
        rows = await find_all(session, signed.staff, search, now=now, settings=settings)
        record(session, "concerns_exported", email=signed.staff.email, address=client_address(request), now=now,
               detail=f"{len(rows)} concern(s); {search.since or 'any date'} to {search.until or 'today'}")
    names = prison_names(content)
    filename = f"concerns-{search.since or 'start'}-to-{search.until or now.date()}.csv"
    return Response(concerns_csv(rows, names), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/concerns/{concern_id:staffid}/print")
async def print_view(request: Request, concern_id: int, signed: SignedDep, db: DbDep, clock: ClockDep,
                     content: ContentDep, settings: SettingsDep) -> Response:
    """One concern on paper (or saved as PDF from the browser's print dialog): details and the whole timeline."""
    now = clock.now()
    async with db.transaction() as session:
        view = await concern_view(session, signed.staff, concern_id, now=now, content=content, settings=settings)
    return render(request, "concern_print.html", signed=signed, view=view, concern=view.concern, now=now)


@router.get("/reports")
async def reports(request: Request, signed: SignedDep, db: DbDep, clock: ClockDep, content: ContentDep,
                  settings: SettingsDep) -> Response:
    require_concern_role(signed.staff)
    params = dict(request.query_params)
    params["status"] = "all"
    search = search_from(params, signed.staff)
    now = clock.now()
    async with db.transaction() as session:
        rows = await find_all(session, signed.staff, search, now=now, settings=settings)
        lines = await report(session, [r.concern for r in rows], now=now, settings=settings)
    return render(request, "reports.html", signed=signed, lines=lines, search=search, now=now,
                  today=now.date(), first_of_month=date(now.year, now.month, 1))
