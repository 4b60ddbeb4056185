"""After "forget me": nothing of the person is left, and replaying their old signed requests does nothing.

Twilio's signature has no expiry and Telegram's secret is the same for every update, so anyone who
captured a request (a proxy's log, say) can post it again at any time. Before, the records that
recognised a message were deleted with the person: a replay re-created the contact, raised the
concern again and alerted safer custody a second time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from famsbot.channels.sms import INBOUND_PATH
from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.store.database import Database
from famsbot.store.models import Concern, Contact, InboundMessage, Outbox, RateSlot
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import FakeTwilio
from tests.support.rows import all_rows
from tests.support.servers import ServerThread
from tests.support.webhooks import post_signed, post_update, served_app, with_telegram, with_twilio

FAMILY = "+447700900777"
CHAT = 6200
URGENT = "my son says he will kill himself tonight"


@pytest.fixture
async def server(
    settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio, clock: FixedClock
) -> AsyncIterator[ServerThread]:
    async with served_app(with_twilio(with_telegram(settings, telegram), twilio), clock) as server:
        yield server


async def test_replaying_old_signed_requests_after_forget_me_creates_nothing(
    server: ServerThread, telegram: FakeTelegram, twilio: FakeTwilio, db: Database, clock: FixedClock
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:

        async def text(fields: dict[str, str]) -> httpx.Response:
            return await post_signed(http, server, INBOUND_PATH, fields, auth_token=twilio.auth_token)

        sms_requests = [twilio.user_sms(FAMILY, words) for words in (URGENT, "forget me", "yes")]
        tg_requests = [telegram.user_message(CHAT, words) for words in (URGENT, "forget me", "yes")]
        await text(sms_requests[0])
        assert (await post_update(http, server, tg_requests[0])).status_code == 200
        await _family_gave_their_number_and_was_paced(db, clock)

        for request in sms_requests[1:]:
            assert (await text(request)).status_code == 200
        for update in tg_requests[1:]:
            assert (await post_update(http, server, update)).status_code == 200
        forgotten = await _what_is_left(db)

        for request in sms_requests:  # the replay: every old request, exactly as signed then
            replayed = await text(request)
            assert replayed.status_code == 200
        for update in tg_requests:
            assert (await post_update(http, server, update)).status_code == 200

    assert await all_rows(db, Contact) == []
    assert len(await all_rows(db, Concern)) == 2  # not raised again
    assert len(await all_rows(db, Outbox, kind="alert")) == 2  # nor alerted again
    assert await _what_is_left(db) == forgotten
    assert forgotten == {"callbacks": [None, None], "rows to them": [], "rate slots": [],
                         "message texts": ["", "", "", "", "", ""], "linked messages": []}  # fmt: skip


async def _family_gave_their_number_and_was_paced(db: Database, clock: FixedClock) -> None:
    """The concern holds the family's number to ring back on (as the flow's "ring me" stores it),
    and the Telegram chat has its own pacing slot (as PostgreSQL's shared limiter books one)."""
    async with db.transaction() as session:
        for concern in (await session.exec(Concern.__table__.select())).all():  # type: ignore[attr-defined]
            row = await session.get(Concern, concern.id)
            assert row is not None
            row.callback = FAMILY if row.channel == "sms" else "07700900888"
            session.add(row)
        session.add(RateSlot(key=f"telegram:{CHAT}", next_at=clock.now() + timedelta(seconds=1)))


async def _what_is_left(db: Database) -> dict[str, list[object]]:
    outbox = await all_rows(db, Outbox)
    return {
        "callbacks": [concern.callback for concern in await all_rows(db, Concern)],
        "rows to them": [row.address for row in outbox if row.address in (FAMILY, str(CHAT))],
        "rate slots": [slot.key for slot in await all_rows(db, RateSlot) if str(CHAT) in slot.key],
        "message texts": [message.text for message in await all_rows(db, InboundMessage)],
        "linked messages": [m.contact_id for m in await all_rows(db, InboundMessage) if m.contact_id is not None],
    }
