"""The concern page: the family's own words, the details, the timeline, and the actions as staff use them."""

from __future__ import annotations

from datetime import timedelta

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.store.database import Database
from famsbot.store.models import Concern, ConcernEvent, Outbox
from tests.support.concerns import add_concern, add_contact, add_staff
from tests.support.console import console
from tests.support.rows import all_rows


async def test_the_page_shows_the_verbatim_message_safely_and_the_details(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now() - timedelta(minutes=3), urgent=True, contact=await add_contact(db),
                                verbatim="he said <script>alert('x')</script> he cant do this anymore",
                                reference="MAI-7K3Q")
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        page = await staff.get(f"/staff/concerns/{concern.id}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "he said &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; he cant do this anymore" in page.text
    for expected in ("Concern MAI-7K3Q", "Urgent", "Daniel Evans", "A1234BC",
                     "<dt>Someone in danger right now</dt><dd>Yes</dd>",
                     "<dt>Family agrees he may be told they raised it</dt><dd>Yes</dd>",
                     "<dt>Family asked for an ACCT to be opened</dt><dd>Yes</dd>",
                     "<dt>How to reach the family back</dt><dd>this number, evenings</dd>",
                     "Concern raised", '<dt>Acknowledge by</dt><dd id="concern-due">Mon 23 Nov 2026, 10:12:'):
        assert expected in page.text, expected


async def test_what_the_risk_gate_noticed_is_named_in_plain_words(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    listed = await add_concern(db, clock.now(), urgent=True, signals=["suicide", "self_harm"])
    learned = await add_concern(db, clock.now(), urgent=True, signals=["possible_risk"])
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        first = await staff.get(f"/staff/concerns/{listed.id}")
        second = await staff.get(f"/staff/concerns/{learned.id}")
    assert "<dt>Risk words noticed</dt><dd>suicide, self-harm</dd>" in first.text
    noticed = "possible risk (no listed phrase matched: read the message)"
    assert f"<dt>Risk words noticed</dt><dd>{noticed}</dd>" in second.text


async def test_opening_a_concern_is_audited_once_an_hour(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now())
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        await staff.get(f"/staff/concerns/{concern.id}")
        clock.advance(timedelta(minutes=30))
        page = await staff.get(f"/staff/concerns/{concern.id}")
        assert "Who has opened this concern (1)" in page.text
        clock.advance(timedelta(minutes=31))
        await staff.get(f"/staff/concerns/{concern.id}")
    views = await all_rows(db, ConcernEvent, kind="viewed")
    assert [(v.actor, v.at) for v in views] == [
        ("sc@maidstone.test", clock.now() - timedelta(minutes=61)), ("sc@maidstone.test", clock.now()),
    ]


async def test_working_a_concern_through_htmx_from_acknowledgement_to_closing(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    contact = await add_contact(db, "+447700900555")
    concern = await add_concern(db, clock.now() - timedelta(minutes=10), contact=contact, reference="MAI-7K3Q")
    base = f"/staff/concerns/{concern.id}"
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        await staff.get(base)

        acknowledged = await staff.post(f"{base}/acknowledge", htmx=True)
        assert acknowledged.status_code == 200
        assert acknowledged.text.lstrip().startswith('<section id="concern"')  # a fragment, swapped in place
        assert 'role="status">Acknowledged: you now have this concern.' in acknowledged.text
        assert '<dd id="concern-owner">sc@maidstone.test</dd>' in acknowledged.text
        assert "The family was told it reached the team." in acknowledged.text

        refused = await staff.post(f"{base}/outcome", {"outcome": "acct_not_opened", "reasons": ""}, htmx=True)
        assert refused.status_code == 422
        assert 'role="alert">Please write the reasons an ACCT was not opened.' in refused.text
        assert 'value="acct_not_opened" checked' in refused.text  # the choice is kept for the retry

        reasons = "Seen by the duty governor; no current risk indicators"
        recorded = await staff.post(f"{base}/outcome", {"outcome": "acct_not_opened", "reasons": reasons}, htmx=True)
        assert recorded.status_code == 200
        assert "Outcome: ACCT not opened" in recorded.text
        assert "Farmer recommendation 14.4" in recorded.text  # the written reasons are still owed
        assert f"Our reasons: {reasons}. If you are still worried" in recorded.text  # a draft to edit

        sent = await staff.post(f"{base}/messages", {"body": f"We decided not to open an ACCT. {reasons}.",
                                                     "nonce": staff.nonce or ""}, htmx=True)
        assert sent.status_code == 200
        assert "Message sent to the family" in sent.text
        assert "Delivery: waiting to be sent" in sent.text  # SMS is not configured here: it stays queued
        assert "Farmer recommendation 14.4" not in sent.text  # the reasons have been sent
        assert "If you are still worried" not in sent.text  # and the draft is not offered again

        closed = await staff.post(f"{base}/close", {"close_note": "Family told."}, htmx=True)
        assert '<dd id="concern-status">Closed</dd>' in closed.text
        assert "Record outcome" not in closed.text
        assert "Close concern" not in closed.text

    [stored] = await all_rows(db, Concern)
    assert (stored.status, stored.outcome) == ("closed", "acct_not_opened")
    rows = [row for row in await all_rows(db, Outbox) if row.kind == "feedback"]
    assert [row.address for row in rows] == ["+447700900555", "+447700900555"]
    assert rows[0].body.startswith("Your concern MAI-7K3Q has been received")
    assert "We decided not to open an ACCT." in rows[1].body


async def test_plain_forms_work_without_javascript(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now(), contact=await add_contact(db))
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        await staff.get(f"/staff/concerns/{concern.id}")
        done = await staff.post(f"/staff/concerns/{concern.id}/acknowledge")
        assert (done.status_code, done.headers["location"]) == (303, f"/staff/concerns/{concern.id}")
        refused = await staff.post(f"/staff/concerns/{concern.id}/close")
    assert refused.status_code == 422
    assert "<html" in refused.text
    assert 'role="alert">Record an outcome before closing' in refused.text


async def test_close_needs_an_outcome_first(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now(), contact=await add_contact(db))
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        await staff.post(f"/staff/concerns/{concern.id}/acknowledge")
        page = await staff.get(f"/staff/concerns/{concern.id}")
        assert "Record an outcome before closing this concern." in page.text
        assert (await staff.post(f"/staff/concerns/{concern.id}/close", htmx=True)).status_code == 422
    [stored] = await all_rows(db, Concern)
    assert stored.status == "acknowledged"


async def test_the_message_box_warns_and_counts_sms_segments(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now(), contact=await add_contact(db))
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        page = await staff.get(f"/staff/concerns/{concern.id}")
        assert "The family will read exactly this text" in page.text
        plain = await staff.post(f"/staff/concerns/{concern.id}/messages/preview", {"body": "He is safe."}, htmx=True)
        curly = await staff.post(f"/staff/concerns/{concern.id}/messages/preview",
                                 {"body": "He’s safe – we’ve seen him. " * 5}, htmx=True)
        straight = await staff.post(f"/staff/concerns/{concern.id}/messages/preview",
                                    {"body": "He's safe - we've seen him. " * 5}, htmx=True)
    assert "11 of 1000 characters" in plain.text
    assert "1 SMS segment with the heading" in plain.text
    # SMS delivery sends GSM-7: the preview shows the straightened text, counted as sent, and says so.
    assert "SMS cannot carry these characters, so they are changed or left out: <code>–’</code>" in curly.text
    assert "He&#39;s safe - we&#39;ve seen him." in curly.text
    assert "2 SMS segments" in curly.text
    assert "2 SMS segments" in straight.text
    assert "SMS cannot carry" not in straight.text


async def test_a_family_who_asked_to_be_forgotten_cannot_be_messaged(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now(), contact=None)
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        page = await staff.get(f"/staff/concerns/{concern.id}")
        assert "The family asked famsbot to forget their details, so they cannot be messaged." in page.text
        assert "Send to family" not in page.text
        refused = await staff.post(f"/staff/concerns/{concern.id}/messages", {"body": "Hello"}, htmx=True)
    assert refused.status_code == 422
    assert [row for row in await all_rows(db, Outbox) if row.kind == "feedback"] == []


async def test_a_family_reading_welsh_is_shown_and_told_in_welsh(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now(), contact=await add_contact(db, language="cy"))
    base = f"/staff/concerns/{concern.id}"
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        page = await staff.get(base)
        preview = await staff.post(f"{base}/messages/preview", {"body": "Mae e'n ddiogel."}, htmx=True)
        await staff.post(f"{base}/acknowledge", htmx=True)
        sent = await staff.post(f"{base}/messages", {"body": "He is safe.", "nonce": staff.nonce or ""}, htmx=True)
    assert '<dd id="family-language">Welsh (Cymraeg)</dd>' in page.text
    # The officer writes in either language; famsbot's own heading is in Welsh, and the preview says so.
    assert "The family reads famsbot in Welsh" in preview.text
    assert "Neges gan staff dalfa ddiogelach" in preview.text
    assert sent.status_code == 200
    rows = [row for row in await all_rows(db, Outbox) if row.kind == "feedback"]
    welsh_ack = f"Mae staff dalfa ddiogelach HMP Maidstone wedi cael eich pryder {concern.reference}"
    assert rows[0].body.startswith(welsh_ack)
    assert rows[1].body.startswith("Neges gan staff dalfa ddiogelach HMP Maidstone")
    assert "He is safe." in rows[1].body


async def test_an_english_reading_familys_preview_has_no_welsh_note(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test")
    concern = await add_concern(db, clock.now(), contact=await add_contact(db))
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        page = await staff.get(f"/staff/concerns/{concern.id}")
        preview = await staff.post(f"/staff/concerns/{concern.id}/messages/preview", {"body": "Hi"}, htmx=True)
    assert '<dd id="family-language">English</dd>' in page.text
    assert "reads famsbot in Welsh" not in preview.text
    assert "Message from the safer custody team" in preview.text
