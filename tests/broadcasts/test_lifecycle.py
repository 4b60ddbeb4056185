"""A broadcast's own status, settled each minute: sending once due, done once nothing is left, and the
family-days menu then shows it as the prison's latest notice."""

from __future__ import annotations

from datetime import timedelta

from famsbot.broadcasts import cancel_broadcast
from famsbot.broadcasts.lifecycle import settle
from famsbot.clock import FixedClock
from famsbot.delivery.deliver import Delivery
from famsbot.delivery.dispatcher import Dispatcher
from famsbot.store.database import Database
from famsbot.store.models import Broadcast
from tests.support.broadcasts import add_subscriber, add_subscribers, queue_broadcast
from tests.support.chat import Chat
from tests.support.concerns import add_staff
from tests.support.rows import all_rows


async def status(db: Database) -> tuple[str, object]:
    [broadcast] = await all_rows(db, Broadcast)
    return broadcast.status, broadcast.finished_at


async def test_scheduled_then_sending_then_done(db: Database, delivery: Delivery, clock: FixedClock) -> None:
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    await add_subscribers(db, telegram=2)
    await queue_broadcast(db, staff, clock.now(), send_at=clock.now() + timedelta(hours=1))

    await settle(db, clock.now())
    assert await status(db) == ("scheduled", None)
    clock.advance(timedelta(hours=1))
    await settle(db, clock.now())
    assert await status(db) == ("sending", None)
    await Dispatcher(delivery).drain()
    assert await settle(db, clock.now()) == 1
    assert await status(db) == ("done", clock.now())


async def test_a_cancelled_broadcast_stays_cancelled_and_is_marked_finished(
    db: Database, clock: FixedClock
) -> None:
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    await add_subscribers(db, sms=2)
    broadcast = await queue_broadcast(db, staff, clock.now())
    async with db.transaction() as session:
        await cancel_broadcast(session, staff, broadcast.id or 0, now=clock.now())

    await settle(db, clock.now())

    assert await status(db) == ("cancelled", clock.now())


async def test_a_finished_broadcast_is_the_latest_notice_families_see(
    db: Database, delivery: Delivery, clock: FixedClock, chat: Chat
) -> None:
    staff = await add_staff(db, "pact@maidstone.test", role="pact")
    await add_subscriber(db, "telegram", "7001")
    await queue_broadcast(db, staff, clock.now(), body="Christmas family day on 20 Dec, book by 10 Dec.")
    await Dispatcher(delivery).drain()
    await settle(db, clock.now())

    await chat.say("hello")
    await chat.say("family days")
    await chat.say("maidstone")

    notice, page = chat.last
    assert page.text.startswith("Family days at HMP Maidstone.")
    assert notice.text == ("Latest notice for families at HMP Maidstone, sent 23 Nov 2026:\n"
                           "Christmas family day on 20 Dec, book by 10 Dec.")  # fmt: skip
