"""Records (CSV export, print view, report per prison) and accounts managed in the console (issue 13)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.store.database import Database
from famsbot.store.models import ConcernEvent, SecurityEvent, StaffSession, StaffUser
from tests.support.broadcasts import add_subscribers, queue_broadcast
from tests.support.concerns import add_concern, add_staff
from tests.support.console import console
from tests.support.rows import all_rows

NEW_PASSWORD = "plum kettle orbit marsh"


async def test_csv_export_of_a_date_range_is_scoped_and_safe_to_open_in_a_spreadsheet(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    now = clock.now()
    await add_concern(db, now - timedelta(days=1), reference="MAI-IN01", prisoner_name="=HYPERLINK(\"x\")")
    await add_concern(db, now - timedelta(days=2), reference="MAI-IN02", status="closed")
    await add_concern(db, now - timedelta(days=20), reference="MAI-OLD1")
    await add_concern(db, now - timedelta(days=1), prison="chelmsford", reference="CHE-XXXX")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        response = await staff.get("/staff/concerns/export.csv?since=2026-11-15&until=2026-11-23")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="concerns-2026-11-15-to-2026-11-23.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["reference"] for r in rows] == ["MAI-IN02", "MAI-IN01"]  # not Chelmsford's, not the old one
    assert rows[1]["prisoner name"] == "'=HYPERLINK(\"x\")"  # never run as a formula
    assert rows[0]["outcome"] == "Prisoner seen and safe"
    assert rows[0]["raised"] == "2026-11-21 10:00"
    [exported] = [e for e in await all_rows(db, SecurityEvent) if e.kind == "concerns_exported"]
    assert exported.detail == "2 concern(s); 2026-11-15 to 2026-11-23"


async def test_print_view_has_the_record_and_timeline_without_forms(db: Database, settings: Settings,
                                                                    clock: FixedClock) -> None:
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now(), reference="MAI-PRNT")
    other = await add_concern(db, clock.now(), prison="chelmsford")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        page = await staff.get(f"/staff/concerns/{concern.id}/print")
        hidden = await staff.get(f"/staff/concerns/{other.id}/print")
    assert page.status_code == 200
    assert "<h1>Welfare concern MAI-PRNT</h1>" in page.text
    assert "Concern raised" in page.text
    assert "nobody would miss him" in page.text
    assert "<textarea" not in page.text
    assert hidden.status_code == 404


async def test_report_per_prison_counts_volumes_medians_and_late_acknowledgements(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "admin@famsbot.test", role="admin")
    now = clock.now()
    start = now - timedelta(days=3)
    quick = await add_concern(db, start, urgent=True, status="acknowledged",
                              acknowledged_at=start + timedelta(minutes=10))
    await add_concern(db, start, status="acknowledged", acknowledged_at=start + timedelta(hours=30))  # late
    await add_concern(db, start)  # still waiting after 3 days: overdue
    await add_concern(db, start, prison="chelmsford", status="acknowledged", acknowledged_at=start + timedelta(hours=1))
    async with db.transaction() as session:
        session.add(ConcernEvent(concern_id=quick.id or 0, at=start + timedelta(hours=2), actor="sc", kind="outcome"))
    async with console(settings, clock) as staff:
        await staff.login("admin@famsbot.test")
        page = await staff.get("/staff/reports?since=2026-11-01&until=2026-11-23")
    row = re.search(r'<tr id="report-maidstone">(.*?)</tr>', page.text, re.S)
    assert row
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)]
    assert cells == ["HMP Maidstone", "3", "1", "0", "15 h 5 min", "2 h", "2"]
    assert '<tr id="report-chelmsford">' in page.text


async def test_admin_creates_an_account_whose_one_time_code_only_lets_them_choose_a_password(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "admin@famsbot.test", role="admin")
    async with console(settings, clock) as admin:
        await admin.login("admin@famsbot.test")
        await admin.get("/staff/users")
        bad = await admin.post("/staff/users", {"email": "new@maidstone.test", "role": "safer_custody", "prison": ""})
        assert bad.status_code == 422
        assert "belongs to one prison" in bad.text
        made = await admin.post("/staff/users", {"email": "new@maidstone.test", "role": "safer_custody",
                                                 "prison": "maidstone"})
        code = re.search(r'<code class="code">([A-Z0-9-]{19})</code>', made.text)
        assert code
        again = await admin.get("/staff/users")
        assert code.group(1) not in again.text  # shown once
    async with console(settings, clock) as newcomer:
        signed = await newcomer.login("new@maidstone.test", code.group(1))
        assert signed.headers["location"] == "/staff/account/password"
        assert (await newcomer.get("/staff/concerns")).headers["location"] == "/staff/account/password"
        weak = await newcomer.post("/staff/account/password", {"new": "a" * 12, "confirm": "a" * 12})
        assert weak.status_code == 422
        chosen = await newcomer.post("/staff/account/password", {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert chosen.status_code == 303
        assert (await newcomer.get("/staff/concerns")).status_code == 200
    async with console(settings, clock) as reuse:
        assert (await reuse.login("new@maidstone.test", code.group(1))).status_code == 401  # used up


async def test_reset_and_role_changes_are_recorded_and_end_sessions(db: Database, settings: Settings,
                                                                    clock: FixedClock) -> None:
    me = await add_staff(db, "admin@famsbot.test", role="admin")
    officer = await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        async with console(settings, clock) as admin:
            await admin.login("admin@famsbot.test")
            await admin.get("/staff/users")
            reset = await admin.post(f"/staff/users/{officer.id}/reset")
            assert "One-time code for <strong>sc@maidstone.test</strong>" in reset.text
            moved = await admin.post(f"/staff/users/{officer.id}/role", {"role": "safer_custody",
                                                                         "prison": "chelmsford"})
            assert "sc@maidstone.test is now: safer_custody (chelmsford)." in moved.text
            own = await admin.post(f"/staff/users/{me.id}/role", {"role": "pact", "prison": "maidstone"})
            assert own.status_code == 422
        assert (await staff.get("/staff/concerns")).status_code == 303  # the reset signed them out
    [stored] = [u for u in await all_rows(db, StaffUser) if u.email == "sc@maidstone.test"]
    assert (stored.prison_id, stored.must_change_password) == ("chelmsford", True)
    assert all(s.revoked_at for s in await all_rows(db, StaffSession) if s.staff_id == officer.id)
    trail = {(e.kind, e.actor, e.detail) for e in await all_rows(db, SecurityEvent) if e.email == "sc@maidstone.test"}
    assert ("role_changed", "admin@famsbot.test", "safer_custody (maidstone) → safer_custody (chelmsford)") in trail
    assert ("password_reset", "admin@famsbot.test", "1 session(s) ended") in trail


async def test_the_notices_list_shows_an_excerpt_of_each_notice(db: Database, settings: Settings,
                                                                clock: FixedClock) -> None:
    pact = await add_staff(db, "pact@maidstone.test", role="pact")
    await add_subscribers(db, sms=1)
    await queue_broadcast(db, pact, clock.now(), body="Family day on Saturday 5 December, 10am to 2pm. " * 3)
    async with console(settings, clock) as staff:
        await staff.login("pact@maidstone.test")
        page = await staff.get("/staff/broadcasts")
    excerpt = re.search(r'<td data-label="Notice" class="excerpt">([^<]+)</td>', page.text)
    assert excerpt
    assert excerpt.group(1).startswith("Family day on Saturday 5 December, 10am to 2pm.")
    assert excerpt.group(1).endswith("…")
    assert len(excerpt.group(1)) <= 80
