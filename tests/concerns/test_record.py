"""A concern and its alerts are one transaction; alerts go where settings say, or to the console."""

from __future__ import annotations

import pytest

from famsbot.clock import FixedClock
from famsbot.concerns import record
from famsbot.concerns.alerts import duty_targets, safer_custody_targets
from famsbot.config import AlertTarget, Settings
from famsbot.dialogue.engine import Engine
from famsbot.store.database import Database
from famsbot.store.models import Concern, ConcernEvent, InboundMessage, Outbox
from tests.support.chat import Chat
from tests.support.rows import all_rows

URGENT = "hes going to hang himself tonight"


async def test_a_failure_after_the_concern_is_inserted_leaves_neither_concern_nor_alert(
    chat: Chat, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> list[str]:
        raise RuntimeError("outbox unavailable")

    await chat.say("/start maidstone")
    monkeypatch.setattr(record, "queue_alerts", broken)
    text = await chat.say(URGENT)
    assert "Sorry, something went wrong" in text
    assert await all_rows(db, Concern) == []
    assert await all_rows(db, ConcernEvent) == []
    assert await all_rows(db, Outbox) == []
    [failed] = await all_rows(db, InboundMessage, status="failed")
    assert failed.text == URGENT  # kept, so staff can see it

    monkeypatch.undo()
    await chat.say(URGENT)  # the family tries again: both are written, together
    [concern] = await all_rows(db, Concern)
    [alert] = await all_rows(db, Outbox)
    assert alert.concern_id == concern.id


async def test_a_failed_alert_insert_rolls_the_concern_back_too(
    chat: Chat, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from famsbot.concerns import alerts

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("insert failed")

    await chat.say("/start maidstone")
    monkeypatch.setattr(alerts, "enqueue", broken)
    await chat.say(URGENT)
    assert await all_rows(db, Concern) == []
    assert await all_rows(db, Outbox) == []


def _engine(db: Database, clock: FixedClock, **settings: object) -> Engine:
    return Engine(db, Settings(environment="test", database_url=db.url, **settings), clock=clock)  # type: ignore[arg-type]


async def test_alerts_go_to_the_prisons_telegram_chat_and_sms_number(db: Database, clock: FixedClock) -> None:
    engine = _engine(
        db, clock, public_url="https://famsbot.example.org",
        alert_targets={"maidstone": AlertTarget(telegram_chat_id="-100777", sms="+447700900999")},
    )
    chat = Chat(engine)
    await chat.say("/start maidstone")
    await chat.say(URGENT)
    [concern] = await all_rows(db, Concern)
    alerts = await all_rows(db, Outbox)
    assert sorted((a.kind, a.channel, a.address, a.dedupe_key) for a in alerts) == [
        ("alert", "sms", "+447700900999", f"alert:{concern.id}:sms:+447700900999"),
        ("alert", "telegram", "-100777", f"alert:{concern.id}:telegram:-100777"),
    ]
    for alert in alerts:
        assert alert.body.startswith("URGENT")
        assert concern.reference in alert.body
        assert "HMP Maidstone" in alert.body
        assert f"https://famsbot.example.org/staff/concerns/{concern.id}" in alert.body
        assert "10:00 Mon 23 Nov" in alert.body  # when it was raised, London time
        assert alert.contact_id is None
    [alerted] = await all_rows(db, ConcernEvent, kind="alerted")
    assert sorted(alerted.data["targets"]) == ["sms:+447700900999", "telegram:-100777"]


async def test_a_prison_without_targets_is_alerted_on_the_console(db: Database, clock: FixedClock) -> None:
    engine = _engine(db, clock, alert_targets={"maidstone": AlertTarget(sms="+447700900999")})
    chat = Chat(engine)
    await chat.say("/start chelmsford")
    await chat.say(URGENT)
    [alert] = await all_rows(db, Outbox)
    assert (alert.channel, alert.address) == ("console", "safer-custody:chelmsford")
    assert alert.body.startswith("URGENT")
    assert "/staff/concerns/" in alert.body


async def test_the_star_target_takes_prisons_without_their_own_and_unnamed_prisons(
    db: Database, clock: FixedClock
) -> None:
    engine = _engine(db, clock, alert_targets={"*": AlertTarget(telegram_chat_id="-100999")})
    await Chat(engine, address="+447700900001").say(URGENT)  # no prison known yet
    [alert] = await all_rows(db, Outbox)
    assert (alert.channel, alert.address) == ("telegram", "-100999")
    assert "a prison not named yet" in alert.body


def test_targets_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    targets = '{"stoke-heath": {"telegram_chat_id": "-1001", "sms": "+447700900111"}}'
    monkeypatch.setenv("FAMSBOT_ALERT_TARGETS", targets)
    monkeypatch.setenv("FAMSBOT_DUTY_TARGETS", '{"*": {"sms": "+447700900222"}}')
    settings = Settings(environment="test")
    assert [str(t) for t in safer_custody_targets(settings, "stoke-heath")] == ["telegram:-1001", "sms:+447700900111"]
    assert [str(t) for t in safer_custody_targets(settings, "maidstone")] == ["console:safer-custody:maidstone"]
    assert [str(t) for t in duty_targets(settings, "maidstone")] == ["sms:+447700900222"]
    nothing = Settings(environment="test", duty_targets={})
    assert [str(t) for t in duty_targets(nothing, None)] == ["console:duty:unknown"]
