"""Creating a broadcast: the record and one outbox row per family, together, for the right families only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from famsbot.broadcasts import Draft, plan_send, send_broadcast
from famsbot.broadcasts.compose import MAX_BODY, checked_body
from famsbot.clock import FixedClock
from famsbot.content.loader import get_content
from famsbot.errors import AccessDenied, ActionRefused
from famsbot.policy.quiet_hours import QuietHours
from famsbot.store.database import Database
from famsbot.store.models import Broadcast, Outbox, StaffUser
from tests.support.broadcasts import add_subscriber, add_subscribers, chat, phone
from tests.support.concerns import add_staff
from tests.support.rows import all_rows

BODY = "Family day on Saturday 5 December, 10am to 2pm. Ask at the visitors' centre to book."
KEY = "k" * 24


def draft(clock: FixedClock, prison: str = "maidstone", body: str = BODY) -> Draft:
    return Draft(prison, body, plan_send(None, clock.now(), QuietHours.off()))


async def pact(db: Database, prison: str = "maidstone") -> StaffUser:
    return await add_staff(db, f"pact@{prison}.test", role="pact", prison=prison)


async def test_one_row_per_subscribed_family_is_queued_with_the_broadcast(db: Database, clock: FixedClock) -> None:
    sender = await pact(db)
    families = await add_subscribers(db, sms=2, telegram=2)
    await add_subscriber(db, "sms", phone(90), active=False)  # stopped the notices
    await add_subscriber(db, "sms", phone(91), opted_out_at=clock.now())  # STOP: nothing at all
    await add_subscriber(db, "telegram", chat(92), unreachable_at=clock.now())  # blocked the bot
    await add_subscriber(db, "sms", phone(93), prison="chelmsford")  # another prison's family

    broadcast = await send_broadcast(db, sender, draft(clock), content=get_content(), now=clock.now(), request_key=KEY)

    [stored] = await all_rows(db, Broadcast)
    assert (stored.id, stored.prison_id, stored.created_by, stored.recipients) == (broadcast.id, "maidstone",
                                                                                   sender.id, 4)
    assert (stored.created_at, stored.send_at, stored.status, stored.body) == (clock.now(), clock.now(),
                                                                               "scheduled", BODY)
    rows = sorted(await all_rows(db, Outbox), key=lambda row: row.contact_id or 0)
    assert [(row.contact_id, row.channel, row.address) for row in rows] == [
        (family.id, family.channel, family.address) for family in families
    ]
    assert {row.dedupe_key for row in rows} == {f"broadcast:{broadcast.id}:{family.id}" for family in families}
    assert {(row.kind, row.status, row.broadcast_id, row.next_attempt_at) for row in rows} == {
        ("broadcast", "queued", broadcast.id, clock.now())
    }


async def test_every_notice_says_who_it_is_from_and_ends_with_how_to_stop(db: Database, clock: FixedClock) -> None:
    sender = await pact(db)
    await add_subscribers(db, sms=1, telegram=1)

    await send_broadcast(db, sender, draft(clock), content=get_content(), now=clock.now(), request_key=KEY)

    bodies = {row.channel: row.body.splitlines() for row in await all_rows(db, Outbox)}
    assert bodies["sms"] == ["HMP Maidstone family news from PACT (Prison Advice and Care Trust):", BODY,
                             "Reply STOP to stop all messages."]  # fmt: skip
    assert bodies["telegram"][:2] == bodies["sms"][:2]
    assert "/stop" in bodies["telegram"][2]
    assert "Stop family day notices" in bodies["telegram"][2]


async def test_the_same_form_sent_twice_makes_one_broadcast(db: Database, clock: FixedClock) -> None:
    sender = await pact(db)
    await add_subscribers(db, sms=3)

    first = await send_broadcast(db, sender, draft(clock), content=get_content(), now=clock.now(), request_key=KEY)
    again = await send_broadcast(db, sender, draft(clock), content=get_content(), now=clock.now(), request_key=KEY)

    assert again.id == first.id
    assert len(await all_rows(db, Broadcast)) == 1
    assert len(await all_rows(db, Outbox)) == 3


async def test_nobody_subscribed_means_nothing_is_created(db: Database, clock: FixedClock) -> None:
    sender = await pact(db)
    await add_subscribers(db, sms=2, prison="chelmsford")

    with pytest.raises(ActionRefused, match="No families have asked for HMP Maidstone's notices"):
        await send_broadcast(db, sender, draft(clock), content=get_content(), now=clock.now(), request_key=KEY)

    assert await all_rows(db, Broadcast) == []


@pytest.mark.parametrize(("role", "prison", "target"), [("pact", "maidstone", "chelmsford"),
                                                         ("safer_custody", "maidstone", "maidstone")])
async def test_only_pact_for_their_own_prison_or_an_admin_may_send(
    db: Database, clock: FixedClock, role: str, prison: str, target: str
) -> None:
    staff = await add_staff(db, f"{role}@{prison}.test", role=role, prison=prison)
    await add_subscribers(db, sms=2, prison=target)

    with pytest.raises(AccessDenied):
        await send_broadcast(db, staff, draft(clock, target), content=get_content(), now=clock.now(), request_key=KEY)

    assert await all_rows(db, Outbox) == []
    admin = await add_staff(db, "admin@famsbot.test", role="admin")
    await send_broadcast(db, admin, draft(clock, target), content=get_content(), now=clock.now(), request_key=KEY)
    assert len(await all_rows(db, Outbox)) == 2


def test_the_notice_must_have_words_and_not_too_many() -> None:
    with pytest.raises(ActionRefused, match="Write the notice first"):
        checked_body("   \n ")
    with pytest.raises(ActionRefused, match=f"the most is {MAX_BODY}"):
        checked_body("x" * (MAX_BODY + 1))
    assert checked_body("  Family day soon.  ") == "Family day soon."


async def test_a_scheduled_broadcast_is_due_at_its_time(db: Database, clock: FixedClock) -> None:
    sender = await pact(db)
    await add_subscribers(db, telegram=2)
    later = clock.now() + timedelta(days=2)
    plan = plan_send(later, clock.now(), QuietHours.off())

    await send_broadcast(db, sender, Draft("maidstone", BODY, plan), content=get_content(), now=clock.now(),
                         request_key=KEY)  # fmt: skip

    [stored] = await all_rows(db, Broadcast)
    assert stored.send_at == later
    assert {row.next_attempt_at for row in await all_rows(db, Outbox)} == {later}
