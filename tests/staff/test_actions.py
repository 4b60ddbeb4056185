"""What staff do with a concern (``famsbot.concerns.actions``): every step an event, the family told once.

These call the service functions directly, in a transaction, as the routes do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from famsbot.clock import FixedClock
from famsbot.concerns import actions
from famsbot.concerns.actions import ActionRefused
from famsbot.content.loader import get_content
from famsbot.store.database import Database
from famsbot.store.models import Concern, ConcernEvent, Contact, Outbox, StaffUser
from tests.support.concerns import add_concern, add_contact, add_staff
from tests.support.rows import all_rows

CONTENT = get_content()


async def feedback(db: Database) -> list[Outbox]:
    return [row for row in await all_rows(db, Outbox) if row.kind == "feedback"]


async def staff_events(db: Database, concern: Concern) -> list[tuple[str, str]]:
    return [(e.kind, e.actor) for e in await all_rows(db, ConcernEvent, concern_id=concern.id) if e.actor_id]


async def setup(db: Database, clock: FixedClock, **concern: object) -> tuple[StaffUser, Concern, Contact]:
    staff = await add_staff(db, "sc@maidstone.test")
    contact = await add_contact(db, "+447700900123")
    made = await add_concern(db, clock.now() - timedelta(minutes=20), contact=contact, reference="MAI-7K3Q",
                             **concern)  # type: ignore[arg-type]
    return staff, made, contact


async def acknowledge(db: Database, staff: StaffUser, concern: Concern, now: datetime) -> ConcernEvent:
    assert concern.id is not None
    async with db.transaction() as session:
        return await actions.acknowledge(session, staff, concern.id, now=now, content=CONTENT)


async def test_acknowledging_takes_ownership_and_tells_the_family_exactly_once(db: Database, clock: FixedClock) -> None:
    staff, concern, contact = await setup(db, clock)
    event = await acknowledge(db, staff, concern, clock.now())
    with pytest.raises(ActionRefused, match="MAI-7K3Q has already been acknowledged"):
        await acknowledge(db, staff, concern, clock.now() + timedelta(minutes=1))
    [stored] = await all_rows(db, Concern)
    assert (stored.status, stored.owner_id, stored.acknowledged_at) == ("acknowledged", staff.id, clock.now())
    assert (event.kind, event.actor, event.actor_id, event.at) == ("acknowledged", "sc@maidstone.test", staff.id,
                                                                   clock.now())
    [row] = await feedback(db)
    assert (row.channel, row.address, row.contact_id, row.concern_id) == ("sms", "+447700900123", contact.id,
                                                                          concern.id)
    assert row.body.startswith(
        "Your concern MAI-7K3Q has been received by the safer custody team at HMP Maidstone."
    )
    assert "call 999" in row.body
    assert event.data == {"family_told": True, "outbox_id": row.id}


@pytest.mark.parametrize(
    ("family", "why"),
    [
        ("forgotten", "asked famsbot to forget their details"),
        ("stopped", "sent STOP"),
        ("unreachable", "can no longer be delivered"),
        ("no_contact_wanted", "asked not to be contacted"),
    ],
)
async def test_a_family_who_cannot_be_messaged_is_not_sent_anything_and_staff_are_told_why(
    db: Database, clock: FixedClock, family: str, why: str
) -> None:
    staff = await add_staff(db, "sc@maidstone.test")
    when = datetime(2026, 11, 1, tzinfo=UTC)
    contact = None if family == "forgotten" else await add_contact(
        db, opted_out_at=when if family == "stopped" else None,
        unreachable_at=when if family == "unreachable" else None,
    )
    details = {"contact": "none"} if family == "no_contact_wanted" else {"acct_requested": False}
    concern = await add_concern(db, clock.now(), contact=contact, details=details)
    event = await acknowledge(db, staff, concern, clock.now())
    assert event.data["family_told"] is False
    assert why in event.data["why_not"]
    assert concern.id is not None
    with pytest.raises(ActionRefused, match=why):
        async with db.transaction() as session:
            await actions.send_message(session, staff, concern.id, "Hello", now=clock.now(), content=CONTENT)
    assert await feedback(db) == []


async def test_a_note_is_internal_and_never_sent(db: Database, clock: FixedClock) -> None:
    staff, concern, _ = await setup(db, clock)
    assert concern.id is not None
    async with db.transaction() as session:
        await actions.add_note(session, staff, concern.id, "  Spoke to wing staff.  ", now=clock.now())
    with pytest.raises(ActionRefused, match="Please write the note"):
        async with db.transaction() as session:
            await actions.add_note(session, staff, concern.id, "   ", now=clock.now())
    [note] = await all_rows(db, ConcernEvent, kind="note")
    assert (note.note, note.actor) == ("Spoke to wing staff.", "sc@maidstone.test")
    assert await all_rows(db, Outbox) == []


async def record(db: Database, staff: StaffUser, concern: Concern, outcome: str, now: datetime,
                 **kwargs: str) -> ConcernEvent:
    assert concern.id is not None
    async with db.transaction() as session:
        return await actions.record_outcome(session, staff, concern.id, outcome, now=now, **kwargs)


async def test_an_outcome_needs_an_acknowledged_concern_and_acct_not_opened_needs_reasons(
    db: Database, clock: FixedClock
) -> None:
    staff, concern, _ = await setup(db, clock)
    now = clock.now()
    with pytest.raises(ActionRefused, match="Acknowledge MAI-7K3Q first"):
        await record(db, staff, concern, "seen_safe", now)
    await acknowledge(db, staff, concern, now)
    with pytest.raises(ActionRefused, match="Please write the reasons an ACCT was not opened"):
        await record(db, staff, concern, "acct_not_opened", now, reasons="  ")
    with pytest.raises(ActionRefused, match="Please write the note about the outcome"):
        await record(db, staff, concern, "other", now)
    with pytest.raises(ActionRefused, match="Please choose an outcome"):
        await record(db, staff, concern, "sorted", now)
    [unchanged] = await all_rows(db, Concern)
    assert unchanged.outcome is None
    event = await record(db, staff, concern, "acct_not_opened", now,
                         reasons="Assessed by the duty governor: no current risk indicators.")
    assert event.data == {"outcome": "acct_not_opened", "label": "ACCT not opened",
                          "reasons": "Assessed by the duty governor: no current risk indicators."}
    [stored] = await all_rows(db, Concern)
    assert stored.outcome == "acct_not_opened"
    assert stored.outcome_note == "Assessed by the duty governor: no current risk indicators."


async def test_closing_needs_an_outcome_and_a_closed_concern_takes_no_new_outcome(
    db: Database, clock: FixedClock
) -> None:
    staff, concern, _ = await setup(db, clock)
    assert concern.id is not None
    now = clock.now()
    await acknowledge(db, staff, concern, now)
    with pytest.raises(ActionRefused, match="Record an outcome before closing MAI-7K3Q"):
        async with db.transaction() as session:
            await actions.close(session, staff, concern.id, now=now)
    await record(db, staff, concern, "seen_safe", now)
    async with db.transaction() as session:
        await actions.close(session, staff, concern.id, note="Seen on the wing.", now=now + timedelta(hours=1))
    with pytest.raises(ActionRefused, match="MAI-7K3Q is closed"):
        await record(db, staff, concern, "other", now, note="x")
    [stored] = await all_rows(db, Concern)
    assert (stored.status, stored.closed_at) == ("closed", now + timedelta(hours=1))


async def test_a_message_reaches_the_family_with_who_sent_it_and_a_double_submit_sends_once(
    db: Database, clock: FixedClock
) -> None:
    staff, concern, contact = await setup(db, clock)
    assert concern.id is not None
    for _ in range(2):
        async with db.transaction() as session:
            await actions.send_message(session, staff, concern.id, "We have seen him today and he is safe.",
                                       now=clock.now(), content=CONTENT, nonce="form-nonce-1")
    [row] = await feedback(db)
    assert (row.address, row.contact_id) == ("+447700900123", contact.id)
    assert row.body == (
        "Message from the safer custody team at HMP Maidstone about your concern MAI-7K3Q:\n"
        "We have seen him today and he is safe.\n"
        "(Prison staff can't read replies to this chat.)"
    )
    [event] = await all_rows(db, ConcernEvent, kind="message")
    assert event.note == "We have seen him today and he is safe."
    assert event.data["body"] == row.body
    assert event.data["outbox_id"] == row.id
    with pytest.raises(ActionRefused, match="the limit is 1000"):
        async with db.transaction() as session:
            await actions.send_message(session, staff, concern.id, "x" * 1001, now=clock.now(), content=CONTENT)


async def test_every_action_is_an_event_with_who_did_it(db: Database, clock: FixedClock) -> None:
    staff, concern, _ = await setup(db, clock)
    assert concern.id is not None
    now = clock.now()
    await acknowledge(db, staff, concern, now)
    async with db.transaction() as session:
        await actions.add_note(session, staff, concern.id, "Checked the wing.", now=now)
    await record(db, staff, concern, "acct_opened", now)
    async with db.transaction() as session:
        await actions.send_message(session, staff, concern.id, "An ACCT has been opened.", now=now, content=CONTENT)
    async with db.transaction() as session:
        await actions.close(session, staff, concern.id, now=now)
    who = "sc@maidstone.test"
    assert await staff_events(db, concern) == [
        ("acknowledged", who), ("note", who), ("outcome", who), ("message", who), ("closed", who),
    ]
    assert len(await feedback(db)) == 2  # the acknowledgement and the message; notes and outcomes stay inside
