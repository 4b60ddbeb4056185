"""Sessions end when they should: logout, a new login, idleness, the end of a shift, or an admin's say-so."""

from __future__ import annotations

from datetime import timedelta

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.staff.accounts import set_active
from famsbot.store.database import Database
from famsbot.store.models import StaffSession, StaffUser
from tests.support.concerns import add_staff
from tests.support.console import Console, console
from tests.support.rows import all_rows


async def signed_in(staff: Console) -> bool:
    response = await staff.get("/staff/concerns")
    if response.status_code == 200:
        return True
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/login")
    return False


async def test_logging_out_revokes_the_session_on_the_server(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        token = staff.session_token
        assert token is not None
        response = await staff.post("/staff/logout")
        assert response.status_code == 303
        assert response.headers["location"] == "/staff/login"
        staff.client.cookies.set("famsbot_staff", token, path="/staff")  # a copied cookie is worthless now
        assert not await signed_in(staff)
    [session] = await all_rows(db, StaffSession)
    assert session.revoked_at == clock.now()


async def test_logging_in_again_replaces_the_old_token(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        first = staff.session_token
        await staff.login("sc@maidstone.test")
        assert staff.session_token != first
        assert await signed_in(staff)
        staff.client.cookies.set("famsbot_staff", first or "", path="/staff")
        assert not await signed_in(staff)


async def test_an_idle_session_ends_after_an_hour_but_activity_keeps_it_alive(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        for _ in range(3):
            clock.advance(timedelta(minutes=50))
            assert await signed_in(staff)
        clock.advance(timedelta(minutes=61))
        assert not await signed_in(staff)


async def test_the_inbox_refreshing_itself_does_not_count_as_activity(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        htmx = {"HX-Request": "true"}
        clock.advance(timedelta(minutes=50))
        assert (await staff.get("/staff/concerns/rows", headers=htmx)).status_code == 200
        clock.advance(timedelta(minutes=11))
        expired = await staff.get("/staff/concerns/rows", headers=htmx)
    assert expired.status_code == 401
    assert expired.headers["hx-redirect"] == "/staff/login"  # htmx loads the login page instead of stale rows


async def test_signing_in_again_after_an_idle_timeout_returns_to_the_same_inbox_view(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        clock.advance(timedelta(minutes=61))
        view = "http://famsbot.test/staff/concerns?q=evans&show=mine"
        expired = await staff.get("/staff/concerns/rows?q=evans&show=mine",
                                  headers={"HX-Request": "true", "HX-Current-URL": view})
        assert expired.headers["hx-redirect"] == "/staff/login?next=%2Fstaff%2Fconcerns%3Fq%3Devans%26show%3Dmine"
        back = await staff.login("sc@maidstone.test", next_="/staff/concerns?q=evans&show=mine")
        assert back.headers["location"] == "/staff/concerns?q=evans&show=mine"
        clock.advance(timedelta(minutes=61))
        elsewhere = await staff.get("/staff/concerns/rows", headers={
            "HX-Request": "true", "HX-Current-URL": "https://evil.example/staff/x"})
    assert elsewhere.headers["hx-redirect"] == "/staff/login"  # another site is never a return address


async def test_every_session_ends_twelve_hours_after_login(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        for _ in range(14):
            clock.advance(timedelta(minutes=50))
            assert await signed_in(staff)
        clock.advance(timedelta(minutes=60))  # 12 h 20 min after login, active throughout
        assert not await signed_in(staff)


async def test_a_deactivated_account_is_signed_out_at_its_next_request(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    user = await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        assert await signed_in(staff)
        async with db.transaction() as session:
            await set_active(session, await session.get(StaffUser, user.id), False, clock.now())  # type: ignore[arg-type]
        assert not await signed_in(staff)


async def test_an_admin_can_sign_someone_out_everywhere(db: Database, settings: Settings, clock: FixedClock) -> None:
    user = await add_staff(db, "sc@maidstone.test")
    await add_staff(db, "admin@famsbot.test", role="admin")
    async with console(settings, clock) as phone, console(settings, clock) as desk, \
            console(settings, clock) as admin:
        await phone.login("sc@maidstone.test")
        await desk.login("sc@maidstone.test")
        await admin.login("admin@famsbot.test")
        page = await admin.get("/staff/users")
        assert f'<tr id="user-{user.id}">' in page.text
        assert (await admin.post(f"/staff/users/{user.id}/revoke")).status_code == 303
        assert not await signed_in(phone)
        assert not await signed_in(desk)
        assert await signed_in(admin)
        assert (await phone.login("sc@maidstone.test")).status_code == 303  # the account itself still works


async def test_an_admin_can_deactivate_and_reactivate_an_account_but_not_their_own(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    user = await add_staff(db, "sc@maidstone.test")
    admin_user = await add_staff(db, "admin@famsbot.test", role="admin")
    async with console(settings, clock) as staff, console(settings, clock) as admin:
        await staff.login("sc@maidstone.test")
        await admin.login("admin@famsbot.test")
        await admin.post(f"/staff/users/{user.id}/deactivate")
        assert not await signed_in(staff)
        assert (await staff.login("sc@maidstone.test")).status_code == 401
        await admin.post(f"/staff/users/{user.id}/reactivate")
        assert (await staff.login("sc@maidstone.test")).status_code == 303
        own = await admin.post(f"/staff/users/{admin_user.id}/deactivate")
        assert own.status_code == 422
        assert "You cannot deactivate your own account" in own.text


async def test_only_admins_manage_accounts(db: Database, settings: Settings, clock: FixedClock) -> None:
    user = await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        assert (await staff.get("/staff/users")).status_code == 403
        assert (await staff.post(f"/staff/users/{user.id}/revoke")).status_code == 403
        assert "Staff accounts" not in (await staff.get("/staff/concerns")).text  # not in their navigation
