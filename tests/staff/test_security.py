"""Issue 13's security findings, each reproduced as an attacker or a hurried officer would meet it.

S1 throttle without lock-out, S6 audit trail, S7 password strength and two-factor sign-in, S8 headers
and error pages, S9 a session cookie, S10 the broadcast request key, and issue 14 (argon2 off the
event loop and outside transactions).
"""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import timedelta

import httpx
import pytest

import famsbot.staff.passwords as passwords
import famsbot.staff.routes.records as records_routes
from famsbot.app import create_app
from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.staff.passwords import password_problems
from famsbot.staff.totp import current_code
from famsbot.store.database import Database
from famsbot.store.models import Broadcast, SecurityEvent, StaffSession, StaffUser
from tests.support.broadcasts import add_subscribers
from tests.support.concerns import PASSWORD, add_staff
from tests.support.console import OFFICE, Console, console
from tests.support.rows import all_rows

ATTACKER = "198.51.100.9"
NEW_PASSWORD = "plum kettle orbit marsh"


async def _fail(settings: Settings, clock: FixedClock, email: str, times: int, *, address: str = ATTACKER) -> None:
    """``times`` wrong passwords, each waiting out whatever slow-down the one before earned."""
    async with console(settings, clock, address=address) as other:
        for _ in range(times):
            response = await other.login(email, "a wrong guess here")
            if response.status_code == 429:
                clock.advance(timedelta(seconds=int(response.headers["retry-after"])))
                response = await other.login(email, "a wrong guess here")
            assert response.status_code == 401


# S1 ------------------------------------------------------------------------------------------------------------


async def test_guessing_slows_down_doubling_to_two_minutes_and_never_locks_out_the_right_password(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock, address=ATTACKER) as attacker:
        waits = []
        for _ in range(14):
            response = await attacker.login("sc@maidstone.test", "a wrong guess here")
            if response.status_code == 429:
                waits.append(int(response.headers["retry-after"]))
                clock.advance(timedelta(seconds=int(response.headers["retry-after"])))
                response = await attacker.login("sc@maidstone.test", "a wrong guess here")
            assert response.status_code == 401
    assert waits == [1, 2, 4, 8, 16, 32, 64, 120, 120]  # after five free tries; capped at two minutes
    noted = len([e for e in await all_rows(db, SecurityEvent) if e.kind == "login_throttled"])
    async with console(settings, clock, address=ATTACKER) as hammering:  # refused attempts cost no argon2 …
        for _ in range(20):
            assert (await hammering.login("sc@maidstone.test", "a wrong guess here")).status_code == 429
    throttled = [e for e in await all_rows(db, SecurityEvent) if e.kind == "login_throttled"]
    assert len(throttled) == noted + 1  # … so the trail notes a slow-down once a minute, not once per attempt
    async with console(settings, clock, address="192.0.2.44") as owner:  # the owner, on a new computer
        slowed = await owner.login("sc@maidstone.test")
        assert slowed.status_code == 429
        clock.advance(timedelta(seconds=120))
        assert (await owner.login("sc@maidstone.test")).status_code == 303


async def test_an_attacker_elsewhere_cannot_hold_an_officer_out_at_their_usual_computer(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as office:
        assert (await office.login("sc@maidstone.test")).status_code == 303  # signs in at the office, as usual
    await _fail(settings, clock, "sc@maidstone.test", 30)
    async with console(settings, clock, address=ATTACKER) as attacker:
        assert (await attacker.login("sc@maidstone.test", "a wrong guess here")).status_code == 429
    async with console(settings, clock) as office:
        assert (await office.login("sc@maidstone.test")).status_code == 303


async def test_spraying_from_one_address_does_not_lock_out_the_team_behind_it(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    """Twenty failures from one address used to lock every account behind it (a prison office shares one)."""
    await add_staff(db, "sc@maidstone.test")
    await add_staff(db, "colleague@maidstone.test")
    async with console(settings, clock) as office:
        assert (await office.login("colleague@maidstone.test")).status_code == 303
    for n in range(25):
        await _fail(settings, clock, f"guess{n}@maidstone.test", 1, address=OFFICE)
    async with console(settings, clock) as office:
        assert (await office.login("colleague@maidstone.test")).status_code == 303  # known here: not slowed
        stranger = await office.login("sc@maidstone.test")  # never signed in here: slowed, not locked
        assert stranger.status_code == 429
        assert int(stranger.headers["retry-after"]) <= 120


async def test_counts_are_shared_by_every_worker_and_an_admin_lifts_a_slow_down_at_once(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    await add_staff(db, "admin@famsbot.test", role="admin")
    await _fail(settings, clock, "sc@maidstone.test", 12)  # one worker (app) counts these …
    async with console(settings, clock, address=ATTACKER) as worker_two:  # … another one sees them
        slowed = await worker_two.login("sc@maidstone.test")
        assert slowed.status_code == 429
        assert int(slowed.headers["retry-after"]) == 120
    async with console(settings, clock, address="192.0.2.1") as admin:
        await admin.login("admin@famsbot.test")
        trail = await admin.get("/staff/security")
        assert "Sign-in slowed down (too many failures)" in trail.text
        lifted = await admin.post("/staff/security/unlock", {"email": "sc@maidstone.test"})
        assert lifted.status_code == 303
    async with console(settings, clock, address=ATTACKER) as officer:  # no restart, no waiting
        assert (await officer.login("sc@maidstone.test")).status_code == 303


# S6 ------------------------------------------------------------------------------------------------------------


async def test_admins_see_who_signed_in_failed_and_changed_accounts_when_and_from_where(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "admin@famsbot.test", role="admin")
    officer = await add_staff(db, "sc@maidstone.test")
    await _fail(settings, clock, "sc@maidstone.test", 5)
    async with console(settings, clock, address=ATTACKER) as attacker:
        assert (await attacker.login("sc@maidstone.test", "another guess")).status_code == 429
    clock.advance(timedelta(seconds=1))
    async with console(settings, clock) as staff:
        assert (await staff.login("sc@maidstone.test")).status_code == 303
        assert (await staff.get("/staff/security")).status_code == 403  # not for safer custody
        await staff.post("/staff/logout")
    async with console(settings, clock, address="192.0.2.1") as admin:
        await admin.login("admin@famsbot.test")
        await admin.post(f"/staff/users/{officer.id}/revoke")
        await admin.post(f"/staff/users/{officer.id}/deactivate")
        page = await admin.get("/staff/security?email=sc@maidstone.test")
    kinds = [e.kind for e in await all_rows(db, SecurityEvent) if e.email == "sc@maidstone.test"]
    assert kinds.count("login_failed") == 5
    assert kinds.count("login_throttled") == 1
    for kind in ("login_ok", "logout", "signed_out_everywhere", "deactivated"):
        assert kind in kinds
    for shown in ("Sign-in failed", "Sign-in slowed down", "Signed in", "Signed out everywhere",
                  "Account deactivated", ATTACKER, OFFICE, "admin@famsbot.test", "wrong password",
                  "Mon 23 Nov 2026, 10:00"):
        assert shown in page.text
    assert "admin@famsbot.test" not in re.sub(r"<header.*?</header>", "", page.text.split("Signed in")[-1],
                                              flags=re.S)  # the admin's own sign-in is filtered out


# S7 ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["a" * 12, "aaaaaaaaaaaaaaaaaaaa", "123456789012", "password1234", "Password2026",
                                  "qwertyuiop123", "short", "sc.officer.maidstone1"])
def test_weak_passwords_are_refused(weak: str) -> None:
    assert password_problems(weak, "sc.officer@maidstone.test")


def test_a_few_unrelated_words_are_accepted() -> None:
    assert password_problems(NEW_PASSWORD, "sc@maidstone.test") == []


async def test_changing_your_password_refuses_a_weak_one_by_its_field_and_signs_out_other_sessions(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as elsewhere:
        await elsewhere.login("sc@maidstone.test")
        async with console(settings, clock) as staff:
            await staff.login("sc@maidstone.test")
            await staff.get("/staff/account")
            weak = await staff.post("/staff/account/password", {"current": PASSWORD, "new": "a" * 12,
                                                                "confirm": "a" * 12})
            assert weak.status_code == 422
            assert re.search(r'<p class="error field-error" id="new-error">The password is too easy', weak.text)
            assert 'aria-invalid="true" aria-describedby="new-error new-hint"' in weak.text
            done = await staff.post("/staff/account/password", {"current": PASSWORD, "new": NEW_PASSWORD,
                                                                "confirm": NEW_PASSWORD})
            assert done.status_code == 303
            assert (await staff.get("/staff/concerns")).status_code == 200  # this session stays
        assert (await elsewhere.get("/staff/concerns")).status_code == 303  # the other one is gone
    async with console(settings, clock) as again:
        assert (await again.login("sc@maidstone.test")).status_code == 401
        assert (await again.login("sc@maidstone.test", NEW_PASSWORD)).status_code == 303


async def test_two_factor_sign_in_asks_for_the_authenticator_code_after_the_password(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        await staff.get("/staff/account")
        setup = await staff.post("/staff/account/totp/start")
        match = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', setup.text)
        assert match
        assert "otpauth://totp/" in setup.text
        secret = match.group(1)
        wrong = await staff.post("/staff/account/totp/confirm", {"secret": secret, "code": "000000"})
        assert wrong.status_code == 422
        on = await staff.post("/staff/account/totp/confirm", {"secret": secret,
                                                              "code": current_code(secret, clock.now())})
        assert on.status_code == 303
    async with console(settings, clock) as staff:
        step = await staff.login("sc@maidstone.test")
        assert step.status_code == 200
        assert "Enter your code" in step.text
        assert staff.session_token is None  # the password alone opens nothing
        pending = re.search(r'name="pending" value="([^"]+)"', step.text)
        token = re.search(r'name="csrf_token" value="([^"]+)"', step.text)
        assert pending
        assert token
        form = {"pending": pending.group(1), "csrf_token": token.group(1)}

        async def submit(**fields: str) -> httpx.Response:
            response = await staff.client.post("/staff/login/code", data={**form, **fields})
            if again := re.search(r'name="csrf_token" value="([^"]+)"', response.text):
                form["csrf_token"] = again.group(1)  # each page of the form carries a fresh token
            return response

        refused = await submit(code="123456")
        assert refused.status_code == 401
        assert 'aria-invalid="true"' in refused.text
        forged = await submit(pending="1.9999999999.00", code=current_code(secret, clock.now()))
        assert forged.status_code == 401
        assert staff.session_token is None
        done = await submit(code=current_code(secret, clock.now()))
        assert done.status_code == 303
        assert staff.session_token is not None


# S8 ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/staff/concerns/abc", "/staff/concerns/99999999999999999999",
                                  "/staff/broadcasts/1e9", "/staff/no-such-page", "/staff/static/README.md",
                                  "/staff/static/../templates/base.html"])
async def test_unknown_addresses_get_the_console_404_page_with_its_security_headers(
    db: Database, settings: Settings, clock: FixedClock, path: str
) -> None:
    await add_staff(db, "admin@famsbot.test", role="admin")
    async with console(settings, clock) as staff:
        await staff.login("admin@famsbot.test")
        response = await staff.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in response.text
    assert "Vendored files" not in response.text
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_static_files_carry_the_security_headers_too(db: Database, settings: Settings, clock: FixedClock) -> None:
    async with console(settings, clock) as staff:
        css = await staff.get("/staff/static/console.css")
    assert css.status_code == 200
    for header in ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"):
        assert header in css.headers


async def test_an_unexpected_failure_is_a_console_page_with_the_headers_not_a_bare_500(
    db: Database, settings: Settings, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_staff(db, "sc@maidstone.test")

    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the report query failed")

    monkeypatch.setattr(records_routes, "report", broken)
    app = create_app(settings, clock=clock)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(OFFICE, 51000))
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport,
                                                                    base_url="http://famsbot.test") as client:
        staff = Console(client, app)
        await staff.login("sc@maidstone.test")
        response = await staff.get("/staff/reports")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.text
    assert "the report query failed" not in response.text
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


# S9 ------------------------------------------------------------------------------------------------------------


async def test_the_session_cookie_goes_when_the_browser_closes_and_idles_out_on_the_server(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        response = await staff.login("sc@maidstone.test")
        cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("famsbot_staff="))
        assert "max-age" not in cookie.lower()
        assert "expires" not in cookie.lower()
        clock.advance(timedelta(minutes=61))
        assert (await staff.get("/staff/concerns")).status_code == 303


# S10 -----------------------------------------------------------------------------------------------------------


async def test_a_request_key_never_finds_another_senders_broadcast(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "pact@maidstone.test", role="pact", prison="maidstone")
    await add_staff(db, "other@maidstone.test", role="pact", prison="maidstone")
    await add_subscribers(db, sms=2)
    key = "k" * 24
    form = {"body": "Family day on Saturday", "send": "now", "request_key": key}
    async with console(settings, clock) as first:
        await first.login("pact@maidstone.test")
        await first.get("/staff/broadcasts/new")
        mine = await first.post("/staff/broadcasts", form)
    async with console(settings, clock) as second:
        await second.login("other@maidstone.test")
        await second.get("/staff/broadcasts/new")
        theirs = await second.post("/staff/broadcasts", {**form, "body": "A different notice"})
    assert mine.status_code == theirs.status_code == 303
    assert mine.headers["location"] != theirs.headers["location"]
    bodies = sorted(b.body for b in await all_rows(db, Broadcast))
    assert bodies == ["A different notice", "Family day on Saturday"]


# Issue 14 ------------------------------------------------------------------------------------------------------


async def test_argon2_runs_off_the_event_loop_and_outside_any_transaction(
    db: Database, settings: Settings, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A webhook's transaction completes while a sign-in is still hashing (it used to wait ~317 ms)."""
    await add_staff(db, "sc@maidstone.test")
    started, release = threading.Event(), threading.Event()
    order: list[str] = []
    real = passwords.verify_password

    def slow_verify(password_hash: str, password: str) -> bool:
        started.set()
        release.wait(timeout=5)
        order.append("hashed")
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", slow_verify)
    async with console(settings, clock) as staff:
        login = asyncio.create_task(staff.login("sc@maidstone.test"))
        assert await asyncio.to_thread(started.wait, 5)
        async with asyncio.timeout(2), db.transaction() as session:  # what a webhook does
            session.add(StaffUser(email="other@maidstone.test", password_hash="x", role="pact", prison_id="maidstone"))
        order.append("webhook committed")
        release.set()
        assert (await login).status_code == 303
    assert order == ["webhook committed", "hashed"]
    assert len(await all_rows(db, StaffSession)) == 1
