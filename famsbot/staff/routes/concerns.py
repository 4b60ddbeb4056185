"""The safer custody inbox, the concern page, and the actions on it.

Routes stay thin: scope checks and rules live in ``famsbot.concerns`` (``access``, ``inbox``,
``actions``). Every action form works as a plain POST (then redirects back to the page) and, with
htmx, swaps the concern section in place; a refusal is shown next to the form with status 422.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.responses import RedirectResponse, Response

from famsbot.concerns import actions
from famsbot.concerns.access import concern_for, require_concern_role
from famsbot.concerns.family import family_route
from famsbot.concerns.inbox import STATUS_FILTERS, TRIAGE_QUEUE, ack_deadline, is_overdue
from famsbot.content.prison_contact import prison_names
from famsbot.staff.assignment import assign
from famsbot.staff.casework import SHOWS, SORTS, find, search_from
from famsbot.staff.concern_view import concern_view
from famsbot.staff.preview import preview
from famsbot.staff.sessions import Signed
from famsbot.staff.templating import is_htmx, render
from famsbot.staff.web import CsrfDep, PassiveDep, SignedDep, StaffRoute
from famsbot.web.deps import ClockDep, ContentDep, DbDep, SettingsDep

__all__ = ["router"]

router = APIRouter(route_class=StaffRoute)

FormText = Annotated[str, Form()]
POLL_SECONDS = 15


async def _inbox_context(request: Request, db: DbDep, signed: Signed, clock: ClockDep, content: ContentDep,
                         settings: SettingsDep) -> dict[str, Any]:
    require_concern_role(signed.staff)
    search = search_from(request.query_params, signed.staff)
    now = clock.now()
    async with db.transaction() as session:
        found = await find(session, signed.staff, search, now=now, settings=settings)
    return {
        "found": found, "rows": found.rows, "search": found.search, "status": found.search.status,
        "prison": found.search.prison, "now": now, "statuses": list(STATUS_FILTERS), "shows": SHOWS, "sorts": SORTS,
        "prisons": {TRIAGE_QUEUE: "National triage queue", **prison_names(content)},
        "poll_seconds": POLL_SECONDS,
        "overdue": {row.concern.id: is_overdue(row.concern, now, settings) for row in found.rows},
        "due": {row.concern.id: ack_deadline(row.concern, settings) for row in found.rows},
        "outcomes": actions.OUTCOMES,
    }


@router.get("/concerns")
async def inbox_page(request: Request, signed: SignedDep, db: DbDep, clock: ClockDep, content: ContentDep,
                     settings: SettingsDep) -> Response:
    context = await _inbox_context(request, db, signed, clock, content, settings)
    return render(request, "inbox.html", signed=signed, **context)


@router.get("/concerns/rows")
async def inbox_rows(request: Request, signed: PassiveDep, db: DbDep, clock: ClockDep, content: ContentDep,
                     settings: SettingsDep) -> Response:
    """The inbox's rows alone, for the background refresh (which does not keep an idle session alive)."""
    context = await _inbox_context(request, db, signed, clock, content, settings)
    return render(request, "_inbox_rows.html", signed=signed, **context)


async def _concern_page(request: Request, signed: Signed, db: DbDep, clock: ClockDep, content: ContentDep,
                        settings: SettingsDep, concern_id: int, *, fragment: bool, status_code: int = 200,
                        notice: str | None = None, error: str | None = None, form: dict[str, str] | None = None,
                        audit_view: bool = False, error_field: str | None = None) -> Response:
    now = clock.now()
    async with db.transaction() as session:
        if audit_view:
            await actions.record_view(session, signed.staff, await concern_for(session, signed.staff, concern_id),
                                      now=now)
            await session.flush()
        view = await concern_view(session, signed.staff, concern_id, now=now, content=content, settings=settings)
    form = form or {}
    message = form.get("body", view.draft)
    channel = view.family.contact.channel if view.family.contact else None
    return render(
        request, "_concern.html" if fragment else "concern.html", signed=signed, status_code=status_code,
        view=view, concern=view.concern, now=now, notice=notice, error=error, form=form, message=message,
        error_field=error_field,
        preview=preview(content, view.concern, message, channel, view.family.language),
        nonce=secrets.token_urlsafe(16),
    )


@router.get("/concerns/{concern_id:staffid}")
async def concern_page(request: Request, concern_id: int, signed: SignedDep, db: DbDep, clock: ClockDep,
                       content: ContentDep, settings: SettingsDep) -> Response:
    return await _concern_page(request, signed, db, clock, content, settings, concern_id, fragment=False,
                               audit_view=True)


Action = Callable[[AsyncSession], Awaitable[object]]


async def _act(request: Request, signed: Signed, db: DbDep, clock: ClockDep, content: ContentDep,
               settings: SettingsDep, concern_id: int, action: Action, *, notice: str,
               form: dict[str, str]) -> Response:
    """Run one action in its own transaction, then show the concern again (or why it was refused)."""
    try:
        async with db.transaction() as session:
            await action(session)
    except actions.ActionRefused as exc:
        return await _concern_page(request, signed, db, clock, content, settings, concern_id,
                                   fragment=is_htmx(request), status_code=422, error=str(exc), form=form,
                                   error_field=exc.field)
    if not is_htmx(request):
        return RedirectResponse(f"/staff/concerns/{concern_id}", status_code=303)
    return await _concern_page(request, signed, db, clock, content, settings, concern_id, fragment=True,
                               notice=notice)


@router.post("/concerns/{concern_id:staffid}/acknowledge")
async def acknowledge(request: Request, concern_id: int, signed: CsrfDep, db: DbDep, clock: ClockDep,
                      content: ContentDep, settings: SettingsDep) -> Response:
    async def run(session: AsyncSession) -> object:
        return await actions.acknowledge(session, signed.staff, concern_id, now=clock.now(), content=content)

    return await _act(request, signed, db, clock, content, settings, concern_id, run, form={},
                      notice="Acknowledged: you now have this concern.")


@router.post("/concerns/{concern_id:staffid}/notes")
async def add_note(request: Request, concern_id: int, signed: CsrfDep, db: DbDep, clock: ClockDep,
                   content: ContentDep, settings: SettingsDep, note: FormText = "") -> Response:
    async def run(session: AsyncSession) -> object:
        return await actions.add_note(session, signed.staff, concern_id, note, now=clock.now())

    return await _act(request, signed, db, clock, content, settings, concern_id, run, form={"note": note},
                      notice="Note added. It is internal: the family does not see it.")


@router.post("/concerns/{concern_id:staffid}/outcome")
async def record_outcome(request: Request, concern_id: int, signed: CsrfDep, db: DbDep, clock: ClockDep,
                         content: ContentDep, settings: SettingsDep, outcome: FormText = "",
                         reasons: FormText = "", outcome_note: FormText = "") -> Response:
    async def run(session: AsyncSession) -> object:
        return await actions.record_outcome(session, signed.staff, concern_id, outcome, reasons=reasons,
                                            note=outcome_note, now=clock.now())

    form = {"outcome": outcome, "reasons": reasons, "outcome_note": outcome_note}
    return await _act(request, signed, db, clock, content, settings, concern_id, run, form=form,
                      notice="Outcome recorded.")


@router.post("/concerns/{concern_id:staffid}/messages")
async def send_message(request: Request, concern_id: int, signed: CsrfDep, db: DbDep, clock: ClockDep,
                       content: ContentDep, settings: SettingsDep, body: FormText = "",
                       nonce: FormText = "") -> Response:
    async def run(session: AsyncSession) -> object:
        return await actions.send_message(session, signed.staff, concern_id, body, now=clock.now(),
                                          content=content, nonce=nonce)

    return await _act(request, signed, db, clock, content, settings, concern_id, run, form={"body": body},
                      notice="Message queued for the family. It appears in the timeline below.")


@router.post("/concerns/{concern_id:staffid}/messages/preview")
async def message_preview(request: Request, concern_id: int, signed: CsrfDep, db: DbDep, content: ContentDep,
                          body: FormText = "") -> Response:
    """The live character and SMS-segment count under the message box."""
    async with db.transaction() as session:
        concern = await concern_for(session, signed.staff, concern_id)
        route = await family_route(session, concern)
    channel = route.contact.channel if route.contact else None
    shown = preview(content, concern, body, channel, route.language)
    return render(request, "_message_preview.html", signed=signed, preview=shown, oob=True)


@router.post("/concerns/{concern_id:staffid}/close")
async def close(request: Request, concern_id: int, signed: CsrfDep, db: DbDep, clock: ClockDep,
                content: ContentDep, settings: SettingsDep, close_note: FormText = "") -> Response:
    async def run(session: AsyncSession) -> object:
        return await actions.close(session, signed.staff, concern_id, note=close_note, now=clock.now())

    return await _act(request, signed, db, clock, content, settings, concern_id, run,
                      form={"close_note": close_note}, notice="Concern closed.")



@router.post("/concerns/{concern_id:staffid}/owner")
async def change_owner(request: Request, concern_id: int, signed: CsrfDep, db: DbDep, clock: ClockDep,
                       content: ContentDep, settings: SettingsDep, owner: FormText = "") -> Response:
    """Assign, hand over, or hand back (``owner`` empty): recorded in the timeline."""
    to_id = int(owner) if owner.isdigit() and len(owner) < 10 else None
    if owner and to_id is None:
        to_id = -1  # not a person: refused below like anyone else who may not hold it

    async def run(session: AsyncSession) -> object:
        return await assign(session, signed.staff, concern_id, to_id, now=clock.now())

    notice = "Handed back: nobody has this concern now." if to_id is None else "Done: the concern has a new owner."
    return await _act(request, signed, db, clock, content, settings, concern_id, run, form={"owner": owner},
                      notice=notice)
