"""Subscriptions to a prison's family-day notices: the current choice, and the record of every yes and no."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from famsbot.store.database import Database
from famsbot.store.models import ConsentRecord, Contact, Subscription
from famsbot.store.subscriptions import (
    is_subscribed,
    opt_in,
    opt_out,
    subscribed_prisons,
    subscriber_counts,
    subscribers,
)
from tests.support.rows import all_rows

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=3)


async def add_contact(
    db: Database, channel: str, address: str, *, opted_out_at: datetime | None = None,
    unreachable_at: datetime | None = None,
) -> Contact:
    async with db.transaction() as session:
        contact = Contact(channel=channel, address=address, opted_out_at=opted_out_at, unreachable_at=unreachable_at)
        session.add(contact)
        await session.flush()
        return contact


async def subscribe(db: Database, contact: Contact, prison_id: str, at: datetime = NOW) -> bool:
    async with db.transaction() as session:
        return await opt_in(session, contact, prison_id, f"notices for {prison_id}?", at)


async def unsubscribe(db: Database, contact: Contact, prison_id: str | None, at: datetime = LATER) -> list[str]:
    async with db.transaction() as session:
        return await opt_out(session, contact, prison_id, "stopped", at)


async def records(db: Database, **where: object) -> list[ConsentRecord]:
    """Consent records in the order they were made."""
    return sorted(await all_rows(db, ConsentRecord, **where), key=lambda r: r.id or 0)


async def test_opt_in_stores_the_choice_and_the_words_agreed_to(db: Database) -> None:
    contact = await add_contact(db, "sms", "+447700900001")

    assert await subscribe(db, contact, "maidstone") is True

    [subscription] = await all_rows(db, Subscription)
    assert (subscription.prison_id, subscription.topic, subscription.active) == ("maidstone", "family_days", True)
    assert (subscription.opted_in_at, subscription.opted_out_at) == (NOW, None)
    [record] = await records(db)
    assert (record.contact_id, record.subject, record.action, record.channel) == (
        contact.id, "notices:maidstone", "opt_in", "sms",
    )
    assert (record.wording, record.at) == ("notices for maidstone?", NOW)


async def test_opting_in_again_changes_nothing_but_is_recorded(db: Database) -> None:
    contact = await add_contact(db, "sms", "+447700900001")
    await subscribe(db, contact, "maidstone")

    assert await subscribe(db, contact, "maidstone", at=LATER) is False

    [subscription] = await all_rows(db, Subscription)
    assert (subscription.active, subscription.opted_in_at) == (True, NOW)
    assert [r.action for r in await records(db)] == ["opt_in", "opt_in"]


async def test_opt_out_of_one_prison_keeps_the_others(db: Database) -> None:
    contact = await add_contact(db, "telegram", "4242")
    await subscribe(db, contact, "maidstone")
    await subscribe(db, contact, "chelmsford")

    assert await unsubscribe(db, contact, "maidstone") == ["maidstone"]

    async with db.transaction() as session:
        assert await subscribed_prisons(session, contact.id or 0) == ["chelmsford"]
    stopped = (await all_rows(db, Subscription, prison_id="maidstone"))[0]
    assert (stopped.active, stopped.opted_out_at) == (False, LATER)
    opt_outs = await records(db, action="opt_out")
    assert [(r.subject, r.channel, r.wording, r.at) for r in opt_outs] == [
        ("notices:maidstone", "telegram", "stopped", LATER)
    ]


async def test_opt_out_of_all_stops_every_prison_with_a_record_each(db: Database) -> None:
    contact = await add_contact(db, "sms", "+447700900001")
    await subscribe(db, contact, "maidstone")
    await subscribe(db, contact, "stoke-heath")

    assert await unsubscribe(db, contact, None) == ["maidstone", "stoke-heath"]

    assert not any(s.active for s in await all_rows(db, Subscription))
    subjects = sorted(r.subject for r in await records(db, action="opt_out"))
    assert subjects == ["notices:maidstone", "notices:stoke-heath"]


async def test_a_no_is_recorded_even_when_nothing_was_on(db: Database) -> None:
    contact = await add_contact(db, "sms", "+447700900001")

    assert await unsubscribe(db, contact, "chelmsford") == []
    assert await unsubscribe(db, contact, None) == []

    said = [(r.subject, r.action) for r in await records(db)]
    assert said == [("notices:chelmsford", "opt_out"), ("notices:all", "opt_out")]
    assert await all_rows(db, Subscription) == []


async def test_opting_in_after_opting_out_turns_the_same_subscription_back_on(db: Database) -> None:
    contact = await add_contact(db, "sms", "+447700900001")
    await subscribe(db, contact, "maidstone")
    await unsubscribe(db, contact, "maidstone")
    again = LATER + timedelta(days=1)

    assert await subscribe(db, contact, "maidstone", at=again) is True

    [subscription] = await all_rows(db, Subscription)
    assert (subscription.active, subscription.opted_in_at, subscription.opted_out_at) == (True, again, None)
    assert [r.action for r in await records(db)] == ["opt_in", "opt_out", "opt_in"]


async def test_subscribers_are_the_reachable_contacts_with_notices_on_for_that_prison(db: Database) -> None:
    on_sms = await add_contact(db, "sms", "+447700900001")
    on_telegram = await add_contact(db, "telegram", "4242")
    also_on_sms = await add_contact(db, "sms", "+447700900002")
    stopped_notices = await add_contact(db, "sms", "+447700900003")
    stopped_everything = await add_contact(db, "sms", "+447700900004", opted_out_at=NOW)
    unreachable = await add_contact(db, "telegram", "4343", unreachable_at=NOW)
    other_prison = await add_contact(db, "sms", "+447700900005")
    never_asked = await add_contact(db, "sms", "+447700900006")
    for contact in (on_sms, on_telegram, also_on_sms, stopped_notices, stopped_everything, unreachable):
        await subscribe(db, contact, "maidstone")
    await unsubscribe(db, stopped_notices, "maidstone")
    await subscribe(db, other_prison, "chelmsford")
    async with db.transaction() as session:
        session.add(Subscription(contact_id=never_asked.id or 0, prison_id="maidstone", topic="other", opted_in_at=NOW))

    async with db.transaction() as session:
        found = await subscribers(session, "maidstone")
        counts = await subscriber_counts(session, "maidstone")
        checks = {c.address: await is_subscribed(session, c.id or 0, "maidstone") for c in (
            on_sms, stopped_notices, stopped_everything, unreachable, other_prison, never_asked)}
        chelmsford = await subscribers(session, "chelmsford")
        nobody = await subscriber_counts(session, "stoke-heath")

    assert [c.id for c in found] == [on_sms.id, on_telegram.id, also_on_sms.id]
    assert counts == {"sms": 2, "telegram": 1}
    assert checks == {"+447700900001": True, "+447700900003": False, "+447700900004": False, "4343": False,
                      "+447700900005": False, "+447700900006": False}
    assert [c.id for c in chelmsford] == [other_prison.id]
    assert nobody == {}
