"""Signing in: the right person gets in, everyone else gets one plain refusal, and guessing is slowed down."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.store.database import Database
from famsbot.store.models import StaffSession
from tests.support.concerns import PASSWORD, add_staff
from tests.support.console import console
from tests.support.rows import all_rows

REFUSED = "That email and password do not match an active account."


async def test_staff_sign_in_and_land_on_their_inbox(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        response = await staff.login("SC@Maidstone.test ")
        assert response.status_code == 303
        page = await staff.get("/staff/", follow_redirects=True)
    assert page.status_code == 200
    assert "<h1>Welfare concerns</h1>" in page.text
    assert "sc@maidstone.test" in page.text
    assert "HMP Maidstone" in page.text


async def test_the_cookie_is_httponly_and_lax_and_only_its_hash_is_stored(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        response = await staff.login("sc@maidstone.test")
        token = staff.session_token
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("famsbot_staff="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/staff" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test
    assert token is not None
    assert len(token) >= 43
    [stored] = await all_rows(db, StaffSession)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (stored.token_hash, stored.csrf_token)
    assert stored.expires_at == clock.now() + timedelta(hours=12)


async def test_in_production_the_cookie_is_secure_and_hsts_is_sent_whatever_the_scheme_seen(
    db: Database, clock: FixedClock
) -> None:
    """Behind a platform's router the app sees http: Secure and HSTS follow production, not the scheme."""
    await add_staff(db, "sc@maidstone.test")
    settings = Settings(environment="production", database_url=db.url, public_url="https://famsbot.example.org",
                        secret_key="kR2x9-Qv7LmZ_pW4tYb8NcE1uJ6hGdF3aSo0")  # fmt: skip
    async with console(settings, clock, base_url="https://famsbot.example.org") as staff:
        form = await staff.get("/staff/login")
        response = await staff.login("sc@maidstone.test")
        health = await staff.get("/healthz")
    assert "Secure" in form.headers["set-cookie"]  # the login form's CSRF cookie too
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("famsbot_staff="))
    assert "Secure" in cookie
    for page in (form, response, health):
        assert page.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


async def test_outside_production_an_https_url_alone_sets_neither(db: Database, clock: FixedClock) -> None:
    await add_staff(db, "sc@maidstone.test")
    settings = Settings(environment="test", database_url=db.url, public_url="https://famsbot.example.org")
    async with console(settings, clock, base_url="https://famsbot.example.org") as staff:
        response = await staff.login("sc@maidstone.test")
    assert response.status_code == 303
    assert "Secure" not in response.headers["set-cookie"]
    assert "strict-transport-security" not in response.headers


async def test_wrong_password_unknown_email_and_deactivated_account_get_the_same_refusal(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    await add_staff(db, "left@maidstone.test", active=False)
    async with console(settings, clock) as staff:
        for email, password in [("sc@maidstone.test", "wrong password here"), ("nobody@maidstone.test", PASSWORD),
                                ("left@maidstone.test", PASSWORD)]:
            response = await staff.login(email, password)
            assert response.status_code == 401
            assert f'<p class="error" role="alert">{REFUSED}</p>' in response.text
            assert staff.session_token is None
    assert await all_rows(db, StaffSession) == []


async def test_five_failures_slow_the_email_down_but_the_right_password_gets_in_after_a_second(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    """Issue 13 S1: it used to lock the account for 15 minutes, right password or not (see test_security)."""
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        for _ in range(5):
            assert (await staff.login("sc@maidstone.test", "not the password")).status_code == 401
        slowed = await staff.login("sc@maidstone.test")
        assert slowed.status_code == 429
        assert "Too many failed attempts for this account or computer. Wait 1 second, then try again." in slowed.text
        assert int(slowed.headers["retry-after"]) == 1
        clock.advance(timedelta(seconds=1, milliseconds=1))
        assert (await staff.login("sc@maidstone.test")).status_code == 303


async def test_a_login_form_without_its_csrf_token_is_refused(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        response = await staff.client.post("/staff/login", data={"email": "sc@maidstone.test", "password": PASSWORD})
    assert response.status_code == 403
    assert "The sign-in form had expired" in response.text
    assert await all_rows(db, StaffSession) == []


async def test_after_login_staff_return_to_the_page_they_asked_for_but_never_off_site(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        asked = await staff.get("/staff/concerns?status=closed")
        assert asked.status_code == 303
        assert asked.headers["location"] == "/staff/login?next=%2Fstaff%2Fconcerns%3Fstatus%3Dclosed"
        back = await staff.login("sc@maidstone.test", next_="/staff/concerns?status=closed")
        assert back.headers["location"] == "/staff/concerns?status=closed"
    async with console(settings, clock) as staff:
        for target in ("https://evil.example/staff/", "//evil.example/staff/", "/staff/..//evil.example"):
            response = await staff.login("sc@maidstone.test", next_=target)
            assert response.headers["location"] == "/staff/"


async def test_console_pages_are_never_cached_or_framed(db: Database, settings: Settings, clock: FixedClock) -> None:
    async with console(settings, clock) as staff:
        page = await staff.get("/staff/login")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
