"""The PACT broadcast pages: who may compose and see what, the live preview, the check, send, cancel.

A Maidstone PACT account can neither send to Chelmsford's families nor learn that Chelmsford sent
anything (404, exactly as for a broadcast that does not exist); safer custody accounts have no part
in notices at all (403).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.store.database import Database
from famsbot.store.models import Broadcast, Outbox
from tests.support.broadcasts import BODY, add_subscriber, add_subscribers, phone, queue_broadcast
from tests.support.concerns import add_staff
from tests.support.console import Console, console
from tests.support.rows import all_rows

CURLY = "Family day on Sat 5 Dec \u2013 don\u2019t miss it \U0001f389"  # an en dash, a curly quote, an emoji


def form(body: str = BODY, **fields: str) -> dict[str, str]:
    return {"body": body, "send": "now", **fields}


async def send_via_console(staff: Console, **fields: str) -> str:
    """Compose, check, confirm: the broadcast page's path."""
    check = await staff.post("/staff/broadcasts/check", form(**fields))
    assert check.status_code == 200, check.text
    key = re.search(r'name="request_key" value="([^"]+)"', check.text)
    assert key, "the check page carries the form's key"
    sent = await staff.post("/staff/broadcasts", {**form(**fields), "request_key": key.group(1)})
    assert sent.status_code == 303, sent.text
    return sent.headers["location"]


async def test_pact_lands_on_notices_and_sends_one_to_their_prison(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "pact@maidstone.test", role="pact", prison="maidstone")
    await add_subscribers(db, sms=2, telegram=3)
    async with console(settings, clock) as staff:
        await staff.login("pact@maidstone.test")
        composer = await staff.get("/staff/broadcasts/new")
        assert "To the families at <strong>HMP Maidstone</strong>" in composer.text
        assert '<select id="prison"' not in composer.text  # PACT's prison is fixed
        location = await send_via_console(staff)
        page = await staff.get(location)

    [broadcast] = await all_rows(db, Broadcast)
    assert location == f"/staff/broadcasts/{broadcast.id}"
    assert (broadcast.prison_id, broadcast.recipients, broadcast.body) == ("maidstone", 5, BODY)
    assert len(await all_rows(db, Outbox)) == 5
    assert 'id="sent-by">pact@maidstone.test' in page.text
    assert "5 (2 by SMS, 3 on Telegram)" in page.text
    assert 'hx-trigger="every 3s"' in page.text  # live while sending
    assert re.search(r'id="count-waiting"><th scope="row">Waiting to send</th><td class="number">5<', page.text)


async def test_maidstone_pact_can_neither_send_to_nor_see_chelmsford(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "pact@maidstone.test", role="pact", prison="maidstone")
    chelmsford_pact = await add_staff(db, "pact@chelmsford.test", role="pact", prison="chelmsford")
    await add_subscribers(db, sms=2, prison="chelmsford")
    theirs = await queue_broadcast(db, chelmsford_pact, clock.now(), prison="chelmsford", body="Chelmsford only")
    async with console(settings, clock) as staff:
        await staff.login("pact@maidstone.test")
        for path in ("/staff/broadcasts/preview", "/staff/broadcasts/check", "/staff/broadcasts/new"):
            refused = await staff.post(path, form(prison="chelmsford"))
            assert refused.status_code == 403, path
            assert "2 by SMS" not in refused.text  # not even Chelmsford's numbers
        refused = await staff.post("/staff/broadcasts", {**form(prison="chelmsford"), "request_key": "x" * 24})
        assert refused.status_code == 403
        assert (await staff.get("/staff/broadcasts/new?prison=chelmsford")).status_code == 403
        listing = await staff.get("/staff/broadcasts")
        assert "HMP/YOI Chelmsford" not in listing.text
        missing = await staff.get("/staff/broadcasts/999999")
        hidden = await staff.get(f"/staff/broadcasts/{theirs.id}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.text == missing.text
        assert (await staff.get(f"/staff/broadcasts/{theirs.id}/progress")).status_code == 404
        assert (await staff.post(f"/staff/broadcasts/{theirs.id}/cancel")).status_code == 404

    assert [b.id for b in await all_rows(db, Broadcast)] == [theirs.id]
    assert {row.status for row in await all_rows(db, Outbox)} == {"queued"}  # not cancelled by them
    [stored] = await all_rows(db, Broadcast)
    assert (stored.status, stored.cancelled_by) != ("cancelled", None)
    assert stored.cancelled_at is None


async def test_safer_custody_has_no_part_in_notices(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "sc@maidstone.test", prison="maidstone")
    await add_subscribers(db, sms=1)
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        inbox = await staff.get("/staff/concerns")
        assert 'href="/staff/broadcasts"' not in inbox.text
        for path in ("/staff/broadcasts", "/staff/broadcasts/new"):
            assert (await staff.get(path)).status_code == 403
        for path in ("/staff/broadcasts/preview", "/staff/broadcasts/check", "/staff/broadcasts"):
            assert (await staff.post(path, {**form(), "request_key": "x" * 24})).status_code == 403
    assert await all_rows(db, Broadcast) == []


async def test_an_admin_chooses_any_prison(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "admin@famsbot.test", role="admin")
    await add_subscribers(db, telegram=2, prison="stoke-heath")
    async with console(settings, clock) as staff:
        await staff.login("admin@famsbot.test")
        composer = await staff.get("/staff/broadcasts/new")
        assert all(f'<option value="{pid}"' in composer.text for pid in ("maidstone", "stoke-heath", "chelmsford"))
        await send_via_console(staff, prison="stoke-heath")

    [broadcast] = await all_rows(db, Broadcast)
    assert (broadcast.prison_id, broadcast.recipients) == ("stoke-heath", 2)


async def test_an_admin_sends_to_any_prison_in_the_directory(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "admin@famsbot.test", role="admin")
    await add_subscribers(db, sms=1, telegram=1, prison="wandsworth")
    async with console(settings, clock) as staff:
        await staff.login("admin@famsbot.test")
        composer = await staff.get("/staff/broadcasts/new")
        assert '<option value="wandsworth"' in composer.text
        assert '<option value="berwyn"' in composer.text
        assert '<option value="dartmoor"' not in composer.text  # closed: no families to tell
        await send_via_console(staff, prison="wandsworth")

    [broadcast] = await all_rows(db, Broadcast)
    assert (broadcast.prison_id, broadcast.recipients) == ("wandsworth", 2)


async def test_the_live_preview_counts_segments_warns_of_costly_characters_and_counts_families(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "pact@maidstone.test", role="pact", prison="maidstone")
    await add_subscribers(db, sms=4, telegram=7)
    await add_subscriber(db, "sms", phone(50), active=False)  # stopped: not counted
    async with console(settings, clock) as staff:
        await staff.login("pact@maidstone.test")
        plain = await staff.post("/staff/broadcasts/preview", form("Family day on Sat 5 Dec."), htmx=True)
        costly = await staff.post("/staff/broadcasts/preview", form(CURLY), htmx=True)
        long = await staff.post("/staff/broadcasts/preview", form("x" * 601), htmx=True)

    assert plain.status_code == 200
    assert plain.text.lstrip().startswith('<div id="notice-preview"')  # a fragment, not a page
    assert "<strong>1 segment</strong>" in plain.text
    assert 'id="ucs2-warning"' not in plain.text
    assert "<strong>11 families</strong>" in plain.text
    assert "4 by SMS, 7 on Telegram" in plain.text
    assert 'id="ucs2-warning"' in costly.text
    assert "costly encoding" in costly.text
    assert "<code>\u2019</code> becomes <code>&#39;</code>" in costly.text
    assert "<code>\u2013</code> becomes <code>-</code>" in costly.text
    # The emoji is the family's to read: kept, and named as what makes the SMS cost more.
    assert 'Sent as typed, so every SMS goes in the costly encoding: <code>\U0001f389</code>' in costly.text
    # The emoji is kept, so the SMS goes as UCS-2 (70 a segment): 142 characters cost 3, counted as sent.
    assert "<strong>3 segments</strong>" in costly.text
    sms = re.search(r'<pre class="sent" id="sms-preview">(.*?)</pre>', costly.text, re.S)
    telegram = re.search(r'<pre class="sent" id="telegram-preview">(.*?)</pre>', costly.text, re.S)
    assert sms
    assert telegram
    assert "Family day on Sat 5 Dec - don&#39;t miss it \U0001f389" in sms.group(1)
    assert sms.group(1).rstrip().endswith("Reply STOP to stop all messages.")
    assert CURLY.replace("\u2019", "&#39;") in telegram.group(1).replace("\u2019", "&#39;")
    assert "/stop" in telegram.group(1)
    assert "Too long: please shorten it." in long.text


@pytest.mark.parametrize(
    ("now", "fields", "says"),
    [
        (datetime(2026, 11, 23, 22, 30, tzinfo=UTC), {}, "sending will start at <strong>Tue 24 Nov 2026, 08:00"),
        (datetime(2026, 11, 23, 10, 0, tzinfo=UTC), {"send": "later", "day": "2026-11-25", "time": "21:30"},
         "sending will start at <strong>Thu 26 Nov 2026, 08:00"),
        (datetime(2026, 11, 23, 10, 0, tzinfo=UTC), {"send": "later", "day": "2026-11-25", "time": "09:15"},
         "Sending starts at <strong>Wed 25 Nov 2026, 09:15"),
    ],
)
async def test_the_composer_says_when_it_will_go_quiet_hours_included(
    db: Database, settings: Settings, clock: FixedClock, now: datetime, fields: dict[str, str], says: str
) -> None:
    await add_staff(db, "pact@maidstone.test", role="pact", prison="maidstone")
    await add_subscribers(db, sms=1)
    clock.set(now)
    async with console(settings, clock) as staff:
        await staff.login("pact@maidstone.test")
        preview = await staff.post("/staff/broadcasts/preview", form(**fields), htmx=True)
        check = await staff.post("/staff/broadcasts/check", form(**fields))
        location = await send_via_console(staff, **fields)

    assert says in preview.text
    assert says in check.text  # said again before confirming
    assert ("Quiet hours." in check.text) is ("will start" in says)
    [broadcast] = await all_rows(db, Broadcast)
    assert location.endswith(str(broadcast.id))
    starts = re.search(r"(\w{3} \d+ \w{3} 2026), (\d\d:\d\d)", says)
    assert starts
    assert f"{broadcast.send_at:%H:%M}" == starts.group(2)  # GMT in November: London time is UTC


async def test_a_notice_that_cannot_go_is_refused_with_the_reason(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "pact@maidstone.test", role="pact", prison="maidstone")
    await add_subscribers(db, sms=1)
    async with console(settings, clock) as staff:
        await staff.login("pact@maidstone.test")
        empty = await staff.post("/staff/broadcasts/check", form("  "))
        too_long = await staff.post("/staff/broadcasts/check", form("x" * 601))
        past = await staff.post("/staff/broadcasts/check", form(send="later", day="2026-11-20", time="09:00"))
        garbled = await staff.post("/staff/broadcasts", {**form(send="later", day="soon", time=""),
                                                         "request_key": "k" * 24})  # fmt: skip

    assert [r.status_code for r in (empty, too_long, past, garbled)] == [422] * 4
    assert "Write the notice first." in empty.text
    assert "the most is 600" in too_long.text
    assert "already passed" in past.text
    assert "Please give the date and time" in garbled.text
    assert await all_rows(db, Broadcast) == []


async def test_nobody_to_send_to_is_said_plainly(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "pact@maidstone.test", role="pact", prison="maidstone")
    async with console(settings, clock) as staff:
        await staff.login("pact@maidstone.test")
        check = await staff.post("/staff/broadcasts/check", form())
        sent = await staff.post("/staff/broadcasts", {**form(), "request_key": "k" * 24})

    assert "No families have asked for HMP Maidstone's notices yet" in check.text
    assert re.search(r"<button type=\"submit\" disabled>", check.text)
    assert sent.status_code == 422
    assert "No families have asked for HMP Maidstone&#39;s notices yet" in sent.text
    assert await all_rows(db, Broadcast) == []


async def test_confirming_twice_sends_once(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "pact@maidstone.test", role="pact", prison="maidstone")
    await add_subscribers(db, sms=3)
    async with console(settings, clock) as staff:
        await staff.login("pact@maidstone.test")
        check = await staff.post("/staff/broadcasts/check", form())
        key = re.search(r'name="request_key" value="([^"]+)"', check.text)
        assert key
        first = await staff.post("/staff/broadcasts", {**form(), "request_key": key.group(1)})
        second = await staff.post("/staff/broadcasts", {**form(), "request_key": key.group(1)})

    assert first.headers["location"] == second.headers["location"]
    assert len(await all_rows(db, Broadcast)) == 1
    assert len(await all_rows(db, Outbox)) == 3


async def test_progress_and_cancel_from_the_broadcast_page(db: Database, settings: Settings,
                                                           clock: FixedClock) -> None:  # fmt: skip
    pact = await add_staff(db, "pact@maidstone.test", role="pact", prison="maidstone")
    await add_subscribers(db, sms=4)
    broadcast = await queue_broadcast(db, pact, clock.now())
    [first, *_] = sorted(await all_rows(db, Outbox), key=lambda row: row.id or 0)
    async with db.transaction() as session:  # one family's message has gone already
        row = await session.get(Outbox, first.id)
        assert row is not None
        row.status, row.sent_at = "sent", clock.now()
        session.add(row)
    async with console(settings, clock) as staff:
        await staff.login("pact@maidstone.test")
        live = await staff.get(f"/staff/broadcasts/{broadcast.id}/progress", headers={"HX-Request": "true"})
        cancelled = await staff.post(f"/staff/broadcasts/{broadcast.id}/cancel")
        page = await staff.get(cancelled.headers["location"])
        again = await staff.post(f"/staff/broadcasts/{broadcast.id}/cancel")

    assert live.text.lstrip().startswith('<section id="progress"')
    assert re.search(r'id="count-sent"><th scope="row">Sent</th><td class="number">1<', live.text)
    assert cancelled.status_code == 303
    assert "3 waiting messages were withdrawn" in page.text
    assert re.search(r'id="count-cancelled"><th scope="row">Cancelled</th><td class="number">3<', page.text)
    assert 'id="phase">Cancelled' in page.text
    assert "hx-trigger" not in page.text.split('id="progress"')[1].split(">")[0]  # nothing left to watch
    assert "by pact@maidstone.test" in page.text
    assert "Cancel what has not been sent" not in page.text
    assert again.status_code == 422
    assert "already cancelled" in again.text
    [stored] = await all_rows(db, Broadcast)
    assert (stored.status, stored.cancelled_by) == ("cancelled", pact.id)
