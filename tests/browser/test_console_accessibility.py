"""The console for keyboard, screen-reader and small-screen users (WCAG 2.2 AA), in a real browser.

One chromium for the module (the machine is shared): an admin, who can open every console page, walks
through them at 1280 px and at 375 px. On each page axe-core (vendored, ``tests/browser/vendor``) must
report no serious or critical violation and nothing may scroll sideways (reflow). Then what only a
browser shows: focus moves to the field at fault after an htmx form, the inbox refresh keeps focus,
and the message box's live region holds only the count.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from famsbot.app import create_app
from famsbot.clock import SystemClock
from famsbot.config import Settings
from famsbot.store.database import Database
from famsbot.store.models import Broadcast, Concern
from tests.browser.test_staff_console import chromium, run
from tests.support.broadcasts import add_subscribers, queue_broadcast
from tests.support.concerns import PASSWORD, add_concern, add_contact, add_staff
from tests.support.servers import ServerThread

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCAN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                                     where: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""
WIDTHS = {"desktop": (1280, 900), "phone": (375, 740)}


def scan(page: Page) -> list[dict[str, Any]]:
    """Every axe violation on the page (the script is added per page; its CSP is bypassed for this only)."""
    page.add_script_tag(path=str(AXE))
    violations: list[dict[str, Any]] = page.evaluate(SCAN, WCAG)
    return violations


def sideways_scroll(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def seed(db: Database) -> Any:
    async def make(db: Database) -> tuple[Concern, Broadcast]:
        now = SystemClock().now()
        await add_staff(db, "admin@famsbot.test", role="admin")
        await add_staff(db, "sc@maidstone.test")
        contact = await add_contact(db, "+447700900555")
        concern = await add_concern(db, now - timedelta(minutes=5), urgent=True, contact=contact,
                                    reference="MAI-A11Y", callback="07700 900777, evenings")
        for n in range(3):
            await add_concern(db, now - timedelta(hours=n + 1), reference=f"MAI-ROW{n}")
        await add_concern(db, now - timedelta(days=2), reference="MAI-SHUT", status="closed")
        pact = await add_staff(db, "pact@maidstone.test", role="pact")
        await add_subscribers(db, sms=2, telegram=1)
        broadcast = await queue_broadcast(db, pact, now)
        return concern, broadcast

    return make(db)


def test_every_console_page_passes_axe_and_reflows_and_focus_follows_the_work(settings: Settings, db: Database,
                                                                              tmp_path: Path) -> None:
    if not db.is_sqlite:
        pytest.skip("the console's markup is the same on both databases: scanned once, on SQLite")
    concern, broadcast = run(seed, settings.database_url)
    pages = ["/staff/login", "/staff/concerns", "/staff/concerns?status=closed", f"/staff/concerns/{concern.id}",
             f"/staff/concerns/{concern.id}/print", "/staff/reports", "/staff/account", "/staff/security",
             "/staff/users", "/staff/broadcasts", "/staff/broadcasts/new", f"/staff/broadcasts/{broadcast.id}",
             "/staff/no-such-page"]
    found: dict[str, list[str]] = {}
    with chromium() as browser, ServerThread(create_app(settings)) as server:
        for name, (width, height) in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
            page = context.new_page()
            page.goto(f"{server.url}/staff/login")
            page.get_by_label("Email").fill("admin@famsbot.test")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Welfare concerns")).to_be_visible()
            for path in pages:
                if path == "/staff/login":
                    continue
                page.goto(f"{server.url}{path}")
                serious = [f"{v['id']} ({v['impact']}) at {v['where']}" for v in scan(page)
                           if v["impact"] in ("serious", "critical")]
                if serious:
                    found[f"{name} {path}"] = serious
                assert sideways_scroll(page) <= 0, f"{path} scrolls sideways at {width} px"
            context.close()
        login = browser.new_page(bypass_csp=True)
        login.goto(f"{server.url}/staff/login")
        if serious := [v["id"] for v in scan(login) if v["impact"] in ("serious", "critical")]:
            found["login"] = serious
        login.close()
        assert found == {}, found

        # Focus follows the work: a refused htmx form puts focus on the field at fault, described by its error.
        page = browser.new_page()
        page.goto(f"{server.url}/staff/login")
        page.get_by_label("Email").fill("admin@famsbot.test")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{server.url}/staff/concerns/{concern.id}")
        page.get_by_role("button", name="Add note").click()
        note = page.locator("#note")
        expect(note).to_be_focused()
        expect(note).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#note-error")).to_have_text("Please write the note.")
        note.fill("Rang the wing; officer going to see him.")
        page.get_by_role("button", name="Add note").click()
        expect(page.locator("#concern-notice")).to_be_focused()

        # The message box: only the count is live, and it is a different element from the whole preview.
        box = page.get_by_label("Message to the family")
        box.fill("We have spoken to him today.")
        expect(page.locator("#message-count")).to_contain_text("28 of 1000 characters")
        assert page.locator("[aria-live]").count() == 1
        assert page.locator("#message-preview[aria-live]").count() == 0
        expect(page.locator('a[href="tel:+447700900777"]')).to_have_text("07700 900777")

        # The inbox refresh updates rows in place: the focused link keeps focus, new concerns appear.
        page.goto(f"{server.url}/staff/concerns")
        page.locator(f"#open-{concern.id}").focus()
        page.evaluate("window.notReloaded = true")
        expect(page).to_have_title("(1 urgent) Concerns - famsbot staff")
        run(lambda db: add_concern(db, SystemClock().now(), urgent=True, reference="MAI-NEWR"), settings.database_url)
        page.evaluate("htmx.ajax('GET', document.querySelector('#inbox-rows').getAttribute('hx-get'), "
                      "{target: '#inbox-rows', swap: 'outerHTML'})")
        expect(page.locator("#inbox-rows")).to_contain_text("MAI-NEWR")
        expect(page.locator(f"#open-{concern.id}")).to_be_focused()
        expect(page).to_have_title("(2 urgent) Concerns - famsbot staff")  # noticed from another tab
        assert page.evaluate("window.notReloaded") is True
        assert re.search(r"\d+ min", page.locator(f"#concern-{concern.id}").inner_text())

        # The notice composer announces the segment count only, not the whole preview after every pause.
        page.goto(f"{server.url}/staff/broadcasts/new")
        page.get_by_label("The notice").fill("Family day on Saturday 5 December.")
        expect(page.locator("#notice-count")).to_have_text("34 of 600 characters, 1 SMS segment each.")
        assert page.locator("[aria-live]").count() == 1
        page.close()
