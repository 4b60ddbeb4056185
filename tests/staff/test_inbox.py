"""The inbox: urgent first then the longest waiting, how long each has waited, who has it, what is overdue."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.store.database import Database
from tests.support.concerns import add_concern, add_contact, add_staff
from tests.support.console import Console, console

ROW = re.compile(
    r'<tr id="concern-\d+" class="([^"]*)"[^>]*>\s*<th scope="row"><a [^>]*href="[^"]+">([^<]+)</a>.*?</tr>', re.S
)


async def inbox(staff: Console, query: str = "") -> list[tuple[str, str]]:
    """``(reference, row text)`` in the order shown."""
    page = await staff.get(f"/staff/concerns{query}")
    assert page.status_code == 200
    return [(m.group(2), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(0))).strip())
            for m in ROW.finditer(page.text)]


async def test_urgent_concerns_come_first_then_the_oldest(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "sc@maidstone.test")
    now = clock.now()
    await add_concern(db, now - timedelta(hours=1), reference="MAI-NEW1")
    await add_concern(db, now - timedelta(minutes=5), urgent=True, reference="MAI-URG2")
    await add_concern(db, now - timedelta(days=2), reference="MAI-OLD1")
    await add_concern(db, now - timedelta(minutes=30), urgent=True, reference="MAI-URG1")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        assert [ref for ref, _ in await inbox(staff)] == ["MAI-URG1", "MAI-URG2", "MAI-OLD1", "MAI-NEW1"]


async def test_overdue_is_marked_after_the_urgent_and_normal_deadlines(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    start = clock.now()
    await add_concern(db, start - timedelta(minutes=14), urgent=True, reference="MAI-URGT")
    await add_concern(db, start - timedelta(hours=23), reference="MAI-SLOW")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        rows = dict(await inbox(staff))
        assert "Overdue" not in rows["MAI-URGT"]
        assert "14 min" in rows["MAI-URGT"]
        assert "Overdue" not in rows["MAI-SLOW"]
        assert "23 h" in rows["MAI-SLOW"]
        clock.advance(timedelta(minutes=2))  # urgent: 16 min > urgent_ack_minutes (15)
        rows = dict(await inbox(staff))
        assert "16 min Overdue" in rows["MAI-URGT"]
        assert "Overdue" not in rows["MAI-SLOW"]
        clock.advance(timedelta(hours=1))  # normal: 24 h 2 min > concern_ack_hours (24)
        await staff.login("sc@maidstone.test")  # an hour away from the console signs you out
        rows = dict(await inbox(staff))
        assert "1 day Overdue" in rows["MAI-SLOW"]


async def test_the_deadlines_come_from_settings(db: Database, clock: FixedClock) -> None:
    settings = Settings(environment="test", database_url=db.url, urgent_ack_minutes=5, concern_ack_hours=1)
    await add_staff(db, "sc@maidstone.test")
    await add_concern(db, clock.now() - timedelta(minutes=6), urgent=True, reference="MAI-URGT")
    await add_concern(db, clock.now() - timedelta(minutes=61), reference="MAI-SLOW")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        rows = dict(await inbox(staff))
    assert "Overdue" in rows["MAI-URGT"]
    assert "Overdue" in rows["MAI-SLOW"]


async def test_an_acknowledged_concern_shows_who_has_it_and_is_never_overdue(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now() - timedelta(minutes=40), urgent=True, contact=await add_contact(db),
                                reference="MAI-ACKD")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        assert "Nobody yet" in dict(await inbox(staff))["MAI-ACKD"]
        await staff.post(f"/staff/concerns/{concern.id}/acknowledge")
        clock.advance(timedelta(days=3))
        await staff.login("sc@maidstone.test")
        row = dict(await inbox(staff))["MAI-ACKD"]
    assert "sc@maidstone.test" in row
    assert "acknowledged after 40 min" in row
    assert "Overdue" not in row


async def test_times_are_shown_in_london_time(db: Database, settings: Settings, clock: FixedClock) -> None:
    clock.set(datetime(2026, 7, 1, 9, 30, tzinfo=UTC))  # British Summer Time: 10:30 in London
    await add_staff(db, "sc@maidstone.test")
    await add_concern(db, datetime(2026, 7, 1, 8, 0, tzinfo=UTC), reference="MAI-SUMR")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        row = dict(await inbox(staff))["MAI-SUMR"]
    assert "Wed 1 Jul 2026, 09:00" in row
    assert "1 h 30 min" in row


async def test_the_status_filter_shows_closed_concerns_only_when_asked(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    await add_concern(db, clock.now(), reference="MAI-OPEN")
    await add_concern(db, clock.now() - timedelta(days=1), reference="MAI-SHUT", status="closed")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        assert [r for r, _ in await inbox(staff)] == ["MAI-OPEN"]
        assert [r for r, _ in await inbox(staff, "?status=closed")] == ["MAI-SHUT"]
        assert sorted(r for r, _ in await inbox(staff, "?status=all")) == ["MAI-OPEN", "MAI-SHUT"]
        assert [r for r, _ in await inbox(staff, "?status=nonsense")] == ["MAI-OPEN"]


async def test_the_rows_refresh_in_place_with_new_concerns(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "sc@maidstone.test")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        page = await staff.get("/staff/concerns")
        assert 'hx-get="/staff/concerns/rows?status=open"' in page.text
        assert 'hx-trigger="every 15s"' in page.text
        assert "No concerns to show." in page.text
        await add_concern(db, clock.now(), urgent=True, reference="MAI-LIVE")
        rows = await staff.get("/staff/concerns/rows?status=open", headers={"HX-Request": "true"})
    assert rows.text.lstrip().startswith('<tbody id="inbox-rows"')
    assert "<html" not in rows.text
    assert "MAI-LIVE" in rows.text
    assert "Urgent" in rows.text
