"""Faults inside one turn: an urgent message is never lost.

A sender address the database cannot store as given (PostgreSQL refuses NUL bytes and over-long
values; SQLite took them), and a turn that fails for any other reason while the database works:
the message is kept, and an urgent one is still recorded as a concern with its alert.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from famsbot.clock import FixedClock
from famsbot.concerns.record import SaveConcern
from famsbot.config import Settings
from famsbot.dialogue.engine import Engine
from famsbot.dialogue.messages import Inbound
from famsbot.store.database import Database
from famsbot.store.models import Concern, Contact, InboundMessage, Outbox
from tests.support.chat import Chat
from tests.support.rows import all_rows

URGENT = "my son says he will kill himself tonight"


@pytest.mark.parametrize(
    "sender", ["+44770\x000900123", "+44" + "7" * 90, "\x00"], ids=["nul-byte", "too-long", "only-nul"]
)
async def test_an_urgent_message_from_an_unstorable_address_is_recorded_and_alerted(
    engine: Engine, db: Database, sender: str
) -> None:
    outcome = await engine.take(Inbound("sms", sender, URGENT, provider_id="SMweird"))

    assert outcome.stored
    assert "call 999" in outcome.replies[0].text
    assert not any("saved" in reply.text for reply in outcome.replies)
    [concern] = await all_rows(db, Concern)
    assert concern.verbatim == URGENT
    assert [row.concern_id for row in await all_rows(db, Outbox, kind="alert")] == [concern.id]
    [contact] = await all_rows(db, Contact)
    assert "\x00" not in contact.address
    assert len(contact.address) <= 64


async def test_two_over_long_addresses_stay_two_people(engine: Engine, db: Database) -> None:
    await engine.take(Inbound("sms", "+44" + "7" * 90 + "1", "hello"))
    await engine.take(Inbound("sms", "+44" + "7" * 90 + "2", "hello"))

    assert len({contact.address for contact in await all_rows(db, Contact)}) == 2


async def test_a_turn_that_fails_on_an_urgent_message_still_records_and_alerts_the_concern(
    chat: Chat, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await chat.say("/start maidstone")

    async def broken(*args: object) -> None:
        raise RuntimeError("a bug in a flow")

    monkeypatch.setattr(Engine, "_respond", broken)
    replies = await chat.send(URGENT)

    assert "call 999" in replies[0].text
    [concern] = await all_rows(db, Concern)
    assert (concern.verbatim, concern.prison_id, concern.urgent) == (URGENT, "maidstone", True)
    assert any(concern.reference in reply.text for reply in replies)  # the family has their reference
    assert [row.concern_id for row in await all_rows(db, Outbox, kind="alert")] == [concern.id]
    assert [m.text for m in await all_rows(db, InboundMessage, status="failed")] == [URGENT]


async def test_if_recording_the_concern_fails_too_the_message_is_still_kept(
    chat: Chat, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("a bug in a flow")

    monkeypatch.setattr(Engine, "_respond", broken)
    monkeypatch.setattr(SaveConcern, "apply", broken)
    replies = await chat.send(URGENT)

    assert "call 999" in replies[0].text
    assert await all_rows(db, Concern) == []
    assert [m.text for m in await all_rows(db, InboundMessage, status="failed")] == [URGENT]


@pytest.fixture
async def unreachable() -> AsyncIterator[Database]:
    """A database that is not there: nothing listens on port 1, so every connection is refused."""
    db = Database("postgresql+psycopg://postgres@127.0.0.1:1/famsbot")
    yield db
    await db.dispose()


async def test_with_the_database_away_the_message_is_spooled_and_nobody_told_saved(
    unreachable: Database, tmp_path: Path, clock: FixedClock
) -> None:
    settings = Settings(environment="test", database_url=unreachable.url, spool_dir=str(tmp_path / "spool"))
    engine = Engine(unreachable, settings, clock=clock)

    first = await engine.take(Inbound("telegram", "42", URGENT, provider_id="7"))
    again = await engine.take(Inbound("telegram", "42", URGENT, provider_id="7"))  # Telegram retries

    assert (first.kept, first.stored) == ("spool", False)
    assert "call 999" in first.replies[0].text
    assert "I have kept it and will pass it on" in first.replies[-1].text
    assert not any("saved" in reply.text for reply in first.replies)
    assert (again.kept, again.replies) == ("spool", [])  # kept once; the route is not sent again
    [entry] = engine.spool.pending()
    assert (entry.inbound.text, entry.route_given, entry.received_at) == (URGENT, True, clock.now())


async def test_with_the_disk_refusing_too_the_family_is_asked_to_send_it_again(
    unreachable: Database, tmp_path: Path, clock: FixedClock
) -> None:
    (tmp_path / "not-a-directory").write_text("")
    settings = Settings(environment="test", database_url=unreachable.url,
                        spool_dir=str(tmp_path / "not-a-directory" / "spool"))  # fmt: skip

    outcome = await Engine(unreachable, settings, clock=clock).take(Inbound("sms", "+447700900123", URGENT))

    assert outcome.kept == "nowhere"
    assert "call 999" in outcome.replies[0].text
    assert "could not keep your message. Please send it again" in outcome.replies[-1].text
    assert not any("saved" in reply.text for reply in outcome.replies)
