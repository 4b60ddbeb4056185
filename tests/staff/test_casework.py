"""Casework an officer misses (issue 13): find a concern, own and hand it over, deadlines, Farmer 14.4.

Every test goes through the console over HTTP as the officer would, and reads what the page shows.
"""

from __future__ import annotations

import re
from datetime import timedelta

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.store.database import Database
from famsbot.store.models import Concern, ConcernEvent
from tests.support.concerns import add_concern, add_contact, add_staff
from tests.support.console import Console, console
from tests.support.rows import all_rows

REF = re.compile(r'<a id="open-\d+" href="/staff/concerns/\d+">([^<]+)</a>')


async def refs(staff: Console, query: str = "") -> list[str]:
    page = await staff.get(f"/staff/concerns?{query}")
    assert page.status_code == 200
    return REF.findall(page.text)


async def test_search_by_reference_name_number_and_the_familys_phone_however_typed(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    now = clock.now()
    family = await add_contact(db, "+447700900555")
    await add_concern(db, now, reference="MAI-AAAA", prisoner_name="Daniel Evans", prisoner_number="A1234BC",
                      contact=family)
    await add_concern(db, now, reference="MAI-BBBB", prisoner_name="Lee Morgan", prisoner_number="B9876ZZ",
                      callback="ring me on 07700 900777 after six")
    await add_concern(db, now, prison="chelmsford", reference="CHE-CCCC", prisoner_name="Daniel Evans")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        assert await refs(staff, "q=mai-aaaa") == ["MAI-AAAA"]
        assert await refs(staff, "q=daniel") == ["MAI-AAAA"]  # never Chelmsford's Daniel Evans
        assert await refs(staff, "q=b9876") == ["MAI-BBBB"]
        assert await refs(staff, "q=07700+900555") == ["MAI-AAAA"]  # the contact, typed the national way
        assert await refs(staff, "q=%2B44+7700+900777") == ["MAI-BBBB"]  # the call-back number, typed +44
        nothing = await staff.get("/staff/concerns?q=nobody+at+all")
    assert "No concerns match." in nothing.text


async def test_filters_mine_nobodys_overdue_and_a_date_range(db: Database, settings: Settings,
                                                            clock: FixedClock) -> None:
    me = await add_staff(db, "sc@maidstone.test")
    colleague = await add_staff(db, "colleague@maidstone.test")
    now = clock.now()
    await add_concern(db, now - timedelta(hours=2), reference="MAI-MINE", status="acknowledged", owner_id=me.id,
                      acknowledged_at=now)
    await add_concern(db, now - timedelta(days=3), reference="MAI-THRS", status="acknowledged",
                      owner_id=colleague.id, acknowledged_at=now)
    await add_concern(db, now - timedelta(minutes=20), urgent=True, reference="MAI-LATE")
    await add_concern(db, now - timedelta(days=9), reference="MAI-OLDN")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        assert await refs(staff, "show=mine") == ["MAI-MINE"]
        assert sorted(await refs(staff, "show=unassigned")) == ["MAI-LATE", "MAI-OLDN"]
        assert await refs(staff, "show=overdue") == ["MAI-LATE", "MAI-OLDN"]  # urgent after 15 min, others 24 h
        assert sorted(await refs(staff, "since=2026-11-20&until=2026-11-23")) == ["MAI-LATE", "MAI-MINE",
                                                                                 "MAI-THRS"]
        assert await refs(staff, "until=2026-11-15") == ["MAI-OLDN"]
        assert await refs(staff, "sort=newest") == ["MAI-LATE", "MAI-MINE", "MAI-THRS", "MAI-OLDN"]
        assert await refs(staff, "sort=oldest") == ["MAI-OLDN", "MAI-THRS", "MAI-MINE", "MAI-LATE"]
        assert len(await refs(staff, "show=nonsense&sort=nonsense&since=yesterday&page=x")) == 4  # defaults


async def test_paging_goes_past_two_hundred_rows(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "sc@maidstone.test")
    start = clock.now() - timedelta(days=30)
    async with db.transaction() as session:
        for n in range(230):
            session.add(Concern(reference=f"MAI-{n:04d}", prison_id="maidstone", channel="sms",
                                created_at=start + timedelta(minutes=n)))
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        first = await staff.get("/staff/concerns?sort=oldest")
        assert "Showing 1 to 50 of 230 concerns." in first.text
        assert "Page 1 of 5" in first.text
        last = await staff.get("/staff/concerns?sort=oldest&page=5")
        assert "Showing 201 to 230 of 230 concerns." in last.text
        assert REF.findall(last.text)[-1] == "MAI-0229"
        assert 'rel="prev" href="/staff/concerns?status=open&amp;sort=oldest&amp;page=4"' in last.text
        assert 'rel="next"' not in last.text


async def test_assign_hand_over_and_hand_back_are_recorded_and_only_to_the_prisons_team(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    colleague = await add_staff(db, "colleague@maidstone.test")
    elsewhere = await add_staff(db, "sc@chelmsford.test", prison="chelmsford")
    concern = await add_concern(db, clock.now())
    base = f"/staff/concerns/{concern.id}"
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        page = await staff.get(base)
        assert "sc@chelmsford.test" not in page.text  # not offered
        refused = await staff.post(f"{base}/owner", {"owner": str(elsewhere.id)}, htmx=True)
        assert refused.status_code == 422
        assert 'id="owner-error" tabindex="-1" role="alert">That person cannot hold this concern' in refused.text
        assert 'aria-invalid="true"' in refused.text
        given = await staff.post(f"{base}/owner", {"owner": str(colleague.id)}, htmx=True)
        assert '<dd id="concern-owner">colleague@maidstone.test</dd>' in given.text
        assert "Now with colleague@maidstone.test." in given.text
        me = re.search(r'<option value="(\d+)"[^>]*>sc@maidstone.test \(you\)', given.text)
        assert me
        taken = await staff.post(f"{base}/owner", {"owner": me.group(1)}, htmx=True)
        assert "From colleague@maidstone.test to sc@maidstone.test." in taken.text
        back = await staff.post(f"{base}/owner", {"owner": ""}, htmx=True)
        assert '<dd id="concern-owner">Nobody yet</dd>' in back.text
        assert "Handed back: nobody has it now" in back.text
    kinds = [e.kind for e in await all_rows(db, ConcernEvent) if e.actor == "sc@maidstone.test"]
    assert [k for k in kinds if k != "viewed"] == ["assigned", "reassigned", "unassigned"]


async def test_the_acknowledgement_countdown_shows_from_the_start(db: Database, settings: Settings,
                                                                  clock: FixedClock) -> None:
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now() - timedelta(minutes=3), urgent=True, reference="MAI-URGT")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        inbox = await staff.get("/staff/concerns")
        assert "Mon 23 Nov, 10:12, <span class=\"countdown\">12 min left</span>" in inbox.text
        page = await staff.get(f"/staff/concerns/{concern.id}")
        assert "<strong>12 min left</strong>" in page.text
        clock.advance(timedelta(minutes=20))
        page = await staff.get(f"/staff/concerns/{concern.id}")
        assert "<strong>8 min late</strong>" in page.text


async def test_no_acct_cannot_be_closed_until_the_written_reasons_went_to_the_family(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    """Farmer recommendation 14.4: the family is given the reasons in writing when no ACCT is opened."""
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now(), contact=await add_contact(db))
    base = f"/staff/concerns/{concern.id}"
    reasons = "Seen by the duty governor today, no current risk indicators"
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        await staff.get(base)
        await staff.post(f"{base}/acknowledge", htmx=True)
        recorded = await staff.post(f"{base}/outcome", {"outcome": "acct_not_opened", "reasons": reasons}, htmx=True)
        assert "Close concern" not in recorded.text
        assert "can be closed once the family has been sent the reasons" in recorded.text
        assert f'<textarea id="reasons" name="reasons" rows="3">{reasons}</textarea>' in recorded.text  # amend
        refused = await staff.post(f"{base}/close", {"close_note": "done"}, htmx=True)
        assert refused.status_code == 422
        assert "must be given the reasons in writing before this is closed" in refused.text
        await staff.post(f"{base}/messages", {"body": f"No ACCT was opened. {reasons}.",
                                              "nonce": staff.nonce or ""}, htmx=True)
        closed = await staff.post(f"{base}/close", {"close_note": ""}, htmx=True)
    assert '<dd id="concern-status">Closed</dd>' in closed.text


async def test_without_a_way_to_message_the_family_the_closing_note_says_how_reasons_were_given(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now(), details={"contact": "none"})
    base = f"/staff/concerns/{concern.id}"
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        await staff.get(base)
        await staff.post(f"{base}/acknowledge", htmx=True)
        await staff.post(f"{base}/outcome", {"outcome": "acct_not_opened", "reasons": "Seen, settled"}, htmx=True)
        refused = await staff.post(f"{base}/close", {"close_note": ""}, htmx=True)
        assert refused.status_code == 422
        assert 'id="close_note-error"' in refused.text
        closed = await staff.post(f"{base}/close", {"close_note": "Letter posted 23 Nov"}, htmx=True)
    assert '<dd id="concern-status">Closed</dd>' in closed.text


async def test_the_timeline_says_what_the_family_changed_and_tel_links_call_them_back(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now(), contact=await add_contact(db, "+447700900555"),
                                callback="07700 900777, evenings")
    async with db.transaction() as session:
        for kind, data in [("details", {"fields": ["prisoner_name", "callback"]}),
                           ("rerouted", {"previous": None, "prison": "maidstone"}),
                           ("rerouted", {"previous": "maidstone", "prison": "chelmsford"})]:
            session.add(ConcernEvent(concern_id=concern.id or 0, at=clock.now(), actor="family", kind=kind,
                                     data=data))
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        page = await staff.get(f"/staff/concerns/{concern.id}")
    assert "Family changed the prisoner&#39;s name and the call-back number" in page.text
    assert "Family named the prison: HMP Maidstone" in page.text
    assert "Routed to another prison: HMP Maidstone to HMP/YOI Chelmsford" in page.text
    assert '<a href="tel:+447700900777">07700 900777</a>' in page.text
    assert '<a href="tel:+447700900555">+447700900555</a>' in page.text


async def test_a_colleague_who_opened_the_concern_in_the_last_hour_is_named(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    await add_staff(db, "colleague@maidstone.test")
    concern = await add_concern(db, clock.now())
    async with console(settings, clock) as colleague:
        await colleague.login("colleague@maidstone.test")
        await colleague.get(f"/staff/concerns/{concern.id}")
    clock.advance(timedelta(minutes=5))
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        page = await staff.get(f"/staff/concerns/{concern.id}")
        assert "Also opened in the last hour by\n    colleague@maidstone.test (Mon 23 Nov, 10:00)" in page.text
        clock.advance(timedelta(minutes=56))
        await staff.login("sc@maidstone.test")
        later = await staff.get(f"/staff/concerns/{concern.id}")
    assert 'id="also-open"' not in later.text
