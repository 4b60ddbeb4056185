"""PACT's family-day notices: the list, the composer, the check before sending, and the live page.

Compose → check → send, like GOV.UK Notify: nothing is sent from the composer itself, and the check
page says how many families, on which channels, when (quiet hours included) and exactly what they
will read. The rules live in ``famsbot.broadcasts`` (who may send where, what is queued, cancel);
these routes only translate HTTP. Another prison's broadcast answers 404, as if it did not exist.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from famsbot.broadcasts import Draft, cancel_broadcast, history, plan_send, progress, send_broadcast
from famsbot.broadcasts.access import broadcast_for, prisons_for, require_sender, require_sender_for
from famsbot.broadcasts.compose import MAX_BODY, checked_body
from famsbot.broadcasts.progress import BUCKETS
from famsbot.broadcasts.schedule import SendPlan, london_time
from famsbot.broadcasts.wording import as_delivered
from famsbot.delivery.setup import quiet_hours
from famsbot.errors import ActionRefused
from famsbot.staff.notice_preview import notice_preview
from famsbot.staff.sessions import Signed
from famsbot.staff.templating import render
from famsbot.staff.web import CsrfDep, PassiveDep, SignedDep, StaffRoute
from famsbot.store.models import StaffUser
from famsbot.web.deps import ClockDep, ContentDep, DbDep, SettingsDep

__all__ = ["router"]

router = APIRouter(route_class=StaffRoute)
POLL_SECONDS = 3


@dataclass(frozen=True)
class ComposerForm:
    """What the composer posts: the prison (admins choose), the words, and now or a London time."""

    prison: str = ""
    body: str = ""
    send: str = "now"
    day: str = ""
    time: str = ""


def composer_form(prison: Annotated[str, Form()] = "", body: Annotated[str, Form()] = "",
                  send: Annotated[str, Form()] = "now", day: Annotated[str, Form()] = "",
                  time: Annotated[str, Form()] = "") -> ComposerForm:  # fmt: skip
    return ComposerForm(prison.strip(), body, send, day.strip(), time.strip())


FormDep = Annotated[ComposerForm, Depends(composer_form)]


def _prison(staff: StaffUser, form: ComposerForm) -> str:
    """The prison asked for (an admin's choice; PACT's own by default). Another prison is refused (403)."""
    prison = form.prison or next(iter(prisons_for(staff)), "")
    require_sender_for(staff, prison)
    return prison


def _plan(form: ComposerForm, now: datetime, settings: SettingsDep) -> SendPlan:
    requested = london_time(form.day, form.time) if form.send == "later" else None
    return plan_send(requested, now, quiet_hours(settings))


async def _composer(request: Request, signed: Signed, db: DbDep, clock: ClockDep, content: ContentDep,
                    settings: SettingsDep, form: ComposerForm, *, template: str = "broadcast_new.html",
                    error: str | None = None, status_code: int = 200, **extra: Any) -> Response:
    """The composer (or its live preview, or the check page) for ``form``."""
    staff = signed.staff
    prison = _prison(staff, form)
    now = clock.now()
    try:
        plan: SendPlan | None = _plan(form, now, settings)
        plan_error = None
    except ActionRefused as exc:
        plan, plan_error = None, str(exc)
    async with db.transaction() as session:
        preview = await notice_preview(session, content, settings, prison_id=prison, body=form.body, plan=plan,
                                       quiet=quiet_hours(settings))  # fmt: skip
    return render(
        request, template, signed=signed, status_code=status_code, form=asdict(form) | {"prison": prison},
        prisons={pid: content.prison_name(pid) for pid in prisons_for(staff)}, preview=preview,
        plan_error=plan_error, error=error, now=now, max_body=MAX_BODY, settings=settings, **extra,
    )  # fmt: skip


@router.get("/broadcasts")
async def broadcasts_page(request: Request, signed: SignedDep, db: DbDep, clock: ClockDep,
                          settings: SettingsDep) -> Response:
    require_sender(signed.staff)
    async with db.transaction() as session:
        summaries = await history(session, signed.staff, clock.now(), quiet_hours(settings))
    return render(request, "broadcasts.html", signed=signed, summaries=summaries)


@router.get("/broadcasts/new")
async def new_page(request: Request, signed: SignedDep, db: DbDep, clock: ClockDep, content: ContentDep,
                   settings: SettingsDep, prison: str = "") -> Response:
    return await _composer(request, signed, db, clock, content, settings, ComposerForm(prison=prison))


@router.post("/broadcasts/new")
async def edit_page(request: Request, signed: CsrfDep, db: DbDep, clock: ClockDep, content: ContentDep,
                    settings: SettingsDep, form: FormDep) -> Response:
    """Back from the check page to change the notice: the composer, filled in."""
    return await _composer(request, signed, db, clock, content, settings, form)


@router.post("/broadcasts/preview")
async def preview_fragment(request: Request, signed: CsrfDep, db: DbDep, clock: ClockDep, content: ContentDep,
                           settings: SettingsDep, form: FormDep) -> Response:
    """The live counter, warnings, family counts, timing and previews under the composer."""
    return await _composer(request, signed, db, clock, content, settings, form, template="_notice_preview.html",
                           oob=True)


@router.post("/broadcasts/check")
async def check_page(request: Request, signed: CsrfDep, db: DbDep, clock: ClockDep, content: ContentDep,
                     settings: SettingsDep, form: FormDep) -> Response:
    """Everything the notice will do, one last time, with the button that sends it."""
    try:
        checked_body(form.body)
        _plan(form, clock.now(), settings)
    except ActionRefused as exc:
        return await _composer(request, signed, db, clock, content, settings, form, error=str(exc), status_code=422)
    return await _composer(request, signed, db, clock, content, settings, form, template="broadcast_check.html",
                           request_key=secrets.token_urlsafe(24))  # fmt: skip


@router.post("/broadcasts")
async def send(request: Request, signed: CsrfDep, db: DbDep, clock: ClockDep, content: ContentDep,
               settings: SettingsDep, form: FormDep, request_key: Annotated[str, Form()] = "") -> Response:
    now = clock.now()
    prison = _prison(signed.staff, form)
    try:
        draft = Draft(prison, checked_body(form.body), _plan(form, now, settings))
        broadcast = await send_broadcast(db, signed.staff, draft, content=content, now=now, request_key=request_key)
    except ActionRefused as exc:
        return await _composer(request, signed, db, clock, content, settings, form, error=str(exc), status_code=422)
    return RedirectResponse(f"/staff/broadcasts/{broadcast.id}", status_code=303)


async def _page_context(signed: Signed, db: DbDep, clock: ClockDep, content: ContentDep, settings: SettingsDep,
                        broadcast_id: int) -> dict[str, Any]:
    now = clock.now()
    async with db.transaction() as session:
        broadcast = await broadcast_for(session, signed.staff, broadcast_id)
        sent_by = await session.get(StaffUser, broadcast.created_by) if broadcast.created_by else None
        cancelled_by = await session.get(StaffUser, broadcast.cancelled_by) if broadcast.cancelled_by else None
        done = await progress(session, broadcast, now, quiet_hours(settings))
    live = done.phase != "finished" and not (done.phase == "cancelled" and done.remaining == 0)
    return {
        "broadcast": broadcast, "progress": done, "buckets": BUCKETS, "live": live, "poll_seconds": POLL_SECONDS,
        "sent_by": sent_by.email if sent_by else "a deleted account",
        "cancelled_by": cancelled_by.email if cancelled_by else None,
        "texts": {channel: as_delivered(content, broadcast.prison_id, broadcast.body, channel)
                  for channel in ("sms", "telegram")},
        "prison": content.prison_name(broadcast.prison_id), "now": now,
    }  # fmt: skip


@router.get("/broadcasts/{broadcast_id:staffid}")
async def broadcast_page(request: Request, broadcast_id: int, signed: SignedDep, db: DbDep, clock: ClockDep,
                         content: ContentDep, settings: SettingsDep, cancelled: int | None = None) -> Response:
    context = await _page_context(signed, db, clock, content, settings, broadcast_id)
    return render(request, "broadcast.html", signed=signed, withdrawn=cancelled, **context)


@router.get("/broadcasts/{broadcast_id:staffid}/progress")
async def progress_fragment(request: Request, broadcast_id: int, signed: PassiveDep, db: DbDep, clock: ClockDep,
                            content: ContentDep, settings: SettingsDep) -> Response:
    """The progress section alone, for the page's refresh (which does not keep an idle session alive)."""
    context = await _page_context(signed, db, clock, content, settings, broadcast_id)
    return render(request, "_broadcast_progress.html", signed=signed, **context)


@router.post("/broadcasts/{broadcast_id:staffid}/cancel")
async def cancel(request: Request, broadcast_id: int, signed: CsrfDep, db: DbDep, clock: ClockDep,
                 content: ContentDep, settings: SettingsDep) -> Response:
    try:
        async with db.transaction() as session:
            withdrawn = await cancel_broadcast(session, signed.staff, broadcast_id, now=clock.now())
    except ActionRefused as exc:
        context = await _page_context(signed, db, clock, content, settings, broadcast_id)
        return render(request, "broadcast.html", signed=signed, status_code=422, error=str(exc), **context)
    return RedirectResponse(f"/staff/broadcasts/{broadcast_id}?cancelled={withdrawn}", status_code=303)
