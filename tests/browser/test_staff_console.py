"""A safer custody officer works a new concern in a real browser, and the family's phone receives it.

Playwright (sync API, in a plain sync test: it cannot run inside pytest-asyncio's loop) drives
Debian's ``/usr/bin/chromium``, never a downloaded browser. The real app is served over HTTP by
``ServerThread``, with SMS pointed at our fake of Twilio's REST API, so the last step is what a
family member would see: the acknowledgement and the officer's message arrive at their number.
The delivery is driven both ways it happens in production: by the app's own in-process dispatcher
on SQLite, and by running the dispatcher here as ``famsbot worker`` would on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from famsbot.app import create_app
from famsbot.clock import SystemClock
from famsbot.config import Settings
from famsbot.delivery.dispatcher import Dispatcher
from famsbot.delivery.setup import open_delivery
from famsbot.store.database import Database
from famsbot.store.models import Concern, Outbox
from tests.support.concerns import PASSWORD, add_concern, add_contact, add_staff
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, NUMBER, FakeTwilio
from tests.support.rows import all_rows
from tests.support.servers import ServerThread

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
FAMILY = "+447700900123"
REASONS = "Seen by the duty governor today, no current risk indicators"
MESSAGE = "We have looked into your concern and spoken to him today. He knows you are thinking of him."
T = TypeVar("T")


def run(make: Callable[[Database], Coroutine[Any, Any, T]], url: str) -> T:
    """Run database work in its own thread and event loop, away from the browser's and pytest's."""
    async def body() -> T:
        db = Database(url, null_pool=True)
        try:
            return await make(db)
        finally:
            await db.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, body()).result()


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's chromium, headless. Started inside the test, after pytest-asyncio's fixtures have run:
    the sync API keeps an event loop running in this thread while it is open."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium is required in CI: apt-get install -y chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium); never `playwright install`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_for(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/staff/concerns")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill("sc@maidstone.test")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("That email and password do not match an active account.")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welfare concerns")).to_be_visible()


def test_officer_acknowledges_records_an_outcome_and_messages_the_family(settings: Settings, tmp_path: Path) -> None:
    now = SystemClock().now()

    async def seed(db: Database) -> Concern:
        await add_staff(db, "sc@maidstone.test", prison="maidstone")
        await add_concern(db, now - timedelta(days=3), prison="chelmsford", reference="CHE-NOPE")
        contact = await add_contact(db, FAMILY)
        return await add_concern(db, now - timedelta(minutes=2), urgent=True, contact=contact, reference="MAI-7K3Q",
                                 verbatim="He said on the phone he cant do this anymore. Please check on him.")

    concern = run(seed, settings.database_url)
    with chromium() as browser, FakeTwilio() as twilio:
        app_settings = settings.model_copy(update={
            "twilio_account_sid": ACCOUNT_SID, "twilio_auth_token": AUTH_TOKEN, "twilio_from": NUMBER,
            "twilio_api_url": twilio.url, "public_url": "http://famsbot.test",
        })
        with ServerThread(create_app(app_settings)) as server:
            page = browser.new_page()
            sign_in(page, server.url)

            # The inbox shows this prison's new urgent concern, and nothing of another prison's.
            row = page.locator("#inbox-rows tr", has_text="MAI-7K3Q")
            expect(row).to_contain_text("Urgent")
            expect(row).to_contain_text("Nobody yet")
            expect(page.locator("#inbox-rows")).not_to_contain_text("CHE-NOPE")

            # A concern raised while the inbox is open appears without reloading the page (the request
            # the 15-second poll makes, issued now rather than waited for).
            page.evaluate("window.notReloaded = true")
            run(lambda db: add_concern(db, SystemClock().now(), reference="MAI-LATE"), settings.database_url)
            page.evaluate("htmx.ajax('GET', '/staff/concerns/rows?status=open', "
                          "{target: '#inbox-rows', swap: 'outerHTML'})")
            expect(page.locator("#inbox-rows")).to_contain_text("MAI-LATE")
            assert page.evaluate("window.notReloaded") is True

            # Open it: the family's own words, then acknowledge (htmx swaps the section in place).
            page.get_by_role("link", name="MAI-7K3Q").click()
            expect(page.get_by_role("heading", name="Concern MAI-7K3Q")).to_be_visible()
            expect(page.locator("blockquote.verbatim")).to_have_text(
                "He said on the phone he cant do this anymore. Please check on him.")
            page.get_by_role("button", name="Acknowledge").click()
            expect(page.get_by_role("status")).to_have_text("Acknowledged: you now have this concern.")
            expect(page.locator("#concern-status")).to_have_text("Acknowledged")
            expect(page.locator("#concern-owner")).to_have_text("sc@maidstone.test")

            # "ACCT not opened" needs reasons (Farmer 14.4); then the draft to the family uses them.
            page.get_by_role("radio", name="ACCT not opened").check()
            page.get_by_role("button", name="Record outcome").click()
            expect(page.get_by_role("alert")).to_have_text("Please write the reasons an ACCT was not opened.")
            page.get_by_label("Reasons an ACCT was not opened").fill(REASONS)
            page.get_by_role("button", name="Record outcome").click()
            expect(page.locator("#concern-outcome")).to_have_text("ACCT not opened")
            expect(page.get_by_role("note")).to_contain_text("Farmer recommendation 14.4")
            box = page.get_by_label("Message to the family")
            expect(box).to_have_value(re.compile(rf"^Thank you for telling us\..*Our reasons: {re.escape(REASONS)}\."))

            # Send a message through the bot: staff see what the family will read, and the count.
            box.fill(MESSAGE)
            expect(page.locator("#message-count")).to_contain_text(f"{len(MESSAGE)} of 1000 characters")
            expect(page.locator("#message-count")).to_contain_text("SMS segment")
            page.get_by_role("button", name="Send to family").click()
            expect(page.locator("#timeline")).to_contain_text("Message sent to the family")
            expect(page.locator("#timeline")).to_contain_text(MESSAGE)
            page.screenshot(path=str(tmp_path / "concern.png"), full_page=True)

            # The outbox holds exactly what the family is owed: the acknowledgement and the message.
            rows = [r for r in run(lambda db: all_rows(db, Outbox), settings.database_url) if r.kind == "feedback"]
            assert [(r.channel, r.address, r.concern_id) for r in rows] == [("sms", FAMILY, concern.id)] * 2
            assert rows[0].body.startswith("Your concern MAI-7K3Q has been received by the safer custody team")
            assert MESSAGE in rows[1].body

            # And the family's phone receives both (the app delivers on SQLite; a worker does on PostgreSQL).
            async def deliver(db: Database) -> None:
                async with open_delivery(db, app_settings) as delivery:
                    await Dispatcher(delivery).drain()

            run(deliver, settings.database_url)
            wait_for(lambda: len(twilio.sent_to(FAMILY)) == 2, "both messages to reach the family's phone")
            received = twilio.sent_to(FAMILY)
            assert received[0].startswith("Your concern MAI-7K3Q has been received by the safer custody team at "
                                          "HMP Maidstone.")
            assert received[1] == (
                f"Message from the safer custody team at HMP Maidstone about your concern MAI-7K3Q:\n{MESSAGE}\n"
                "(Prison staff can't read replies to this chat.)"
            )
            page.close()
