"""Every state-changing request must carry the session's CSRF token, as a form field or the htmx header."""

from __future__ import annotations

from datetime import timedelta

import pytest

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.store.database import Database
from famsbot.store.models import Concern, ConcernEvent
from tests.support.concerns import add_concern, add_contact, add_staff
from tests.support.console import console
from tests.support.rows import all_rows


@pytest.mark.parametrize("token", [None, "", "not-the-token"], ids=["missing", "empty", "wrong"])
async def test_an_action_without_the_right_token_is_refused_and_changes_nothing(
    db: Database, settings: Settings, clock: FixedClock, token: str | None
) -> None:
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now() - timedelta(minutes=5), contact=await add_contact(db))
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        for htmx in (False, True):
            response = await staff.post(f"/staff/concerns/{concern.id}/acknowledge", csrf=token, htmx=htmx)
            assert response.status_code == 403
            assert "This form had expired or did not come from the console" in response.text
    [stored] = await all_rows(db, Concern)
    assert stored.status == "new"
    assert await all_rows(db, ConcernEvent, kind="acknowledged") == []


async def test_another_sessions_token_does_not_work(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "sc@maidstone.test")
    await add_staff(db, "sc2@maidstone.test")
    concern = await add_concern(db, clock.now())
    async with console(settings, clock) as mine, console(settings, clock) as theirs:
        await mine.login("sc@maidstone.test")
        await theirs.login("sc2@maidstone.test")
        response = await mine.post(f"/staff/concerns/{concern.id}/notes", {"note": "x"}, csrf=theirs.csrf)
    assert response.status_code == 403
    assert await all_rows(db, ConcernEvent, kind="note") == []


async def test_the_token_works_as_a_form_field_and_as_the_htmx_header(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now())
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        plain = await staff.post(f"/staff/concerns/{concern.id}/notes", {"note": "Plain form."})
        htmx = await staff.post(f"/staff/concerns/{concern.id}/notes", {"note": "From htmx."}, htmx=True)
    assert plain.status_code == 303
    assert htmx.status_code == 200
    assert [e.note for e in await all_rows(db, ConcernEvent, kind="note")] == ["Plain form.", "From htmx."]


async def test_logging_out_needs_the_token_too(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        assert (await staff.post("/staff/logout", csrf=None)).status_code == 403
        assert (await staff.get("/staff/concerns")).status_code == 200
