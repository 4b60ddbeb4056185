"""Honest routing: a family is told who really has their urgent concern, and staff see the same.

A prison whose safer custody team has an alert target is alerted as before. Otherwise the concern
goes to the national triage target ("*") if there is one, or to nobody's phone (the console's
triage inbox only), and the family is told so, with the number to ring. Never "I'm passing this to
the safer custody team" when no such team was alerted.
"""

from __future__ import annotations

import logging

import pytest

from famsbot.clock import FixedClock
from famsbot.concerns.inbox import TRIAGE_QUEUE, inbox
from famsbot.config import AlertTarget, Settings
from famsbot.content import get_content
from famsbot.dialogue.engine import Engine
from famsbot.staff.concern_view import concern_view
from famsbot.store.database import Database
from famsbot.store.models import Concern, Outbox
from tests.support.chat import Chat
from tests.support.concerns import add_staff
from tests.support.rows import all_rows
from tests.support.webhooks import served_app

URGENT = "my son says he will kill himself tonight"
MAIDSTONE_TEAM = {"maidstone": AlertTarget(telegram_chat_id="-1001")}
NATIONAL = {"*": AlertTarget(sms="+447700900999")}
PRISONS = len(get_content().directory)  # a concern can be about any prison in England and Wales
UNTRUE = ("passing this to HMP", "logged this as urgent for the safer custody team", "on its way to")


async def _urgent(db: Database, settings: Settings, clock: FixedClock, prison: str | None) -> tuple[str, Concern]:
    chat = Chat(Engine(db, settings, clock=clock))
    if prison:
        await chat.say(f"/start {prison}")
    text = await chat.say(URGENT)
    [concern] = await all_rows(db, Concern)
    return text, concern


async def test_a_connected_prison_is_alerted_and_the_family_told_so(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    configured = settings.model_copy(update={"alert_targets": {**MAIDSTONE_TEAM, **NATIONAL}})
    text, concern = await _urgent(db, configured, clock, "maidstone")

    assert "I'm passing this to HMP Maidstone's safer custody team now as urgent" in text
    assert concern.routed_to == "prison"
    assert [(a.channel, a.address) for a in await all_rows(db, Outbox, kind="alert")] == [("telegram", "-1001")]


async def test_an_unconnected_prison_goes_to_national_triage_and_the_family_rings_the_prison(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    configured = settings.model_copy(update={"alert_targets": {**MAIDSTONE_TEAM, **NATIONAL},
                                             "triage_team": "the Example Trust's triage team"})  # fmt: skip
    text, concern = await _urgent(db, configured, clock, "chelmsford")

    assert "HMP/YOI Chelmsford's safer custody team is not connected to famsbot" in text
    assert "ring HMP/YOI Chelmsford on 01245 552000 and ask for the Orderly Officer" in text
    assert "I've also passed this to the Example Trust's triage team as urgent" in text
    assert not any(untrue in text for untrue in UNTRUE)
    assert concern.routed_to == "national"
    assert [(a.channel, a.address) for a in await all_rows(db, Outbox, kind="alert")] == [("sms", "+447700900999")]
    admin = await add_staff(db, "admin@example.org", role="admin")
    async with db.transaction() as session:
        view = await concern_view(session, admin, concern.id or 0, now=clock.now(), content=get_content(),
                                  settings=configured)  # fmt: skip
    labels = [entry.label for entry in view.entries]
    assert "Passed to national triage: this prison's team is not connected" in labels
    assert "Safer custody alerted" not in labels


@pytest.mark.parametrize("prison", ["stoke-heath", None])
async def test_with_no_target_at_all_nobody_is_said_to_be_alerted(
    db: Database, settings: Settings, clock: FixedClock, prison: str | None
) -> None:
    text, concern = await _urgent(db, settings, clock, prison)

    assert "nobody is alerted automatically" in text
    assert "passed this to" not in text
    assert not any(untrue in text for untrue in UNTRUE)
    assert concern.routed_to == "console"
    assert len(await all_rows(db, Outbox, kind="alert")) == 1  # still an alert row: the console's log
    triage = await add_staff(db, "triage@example.org", role="triage", prison=None)
    admin = await add_staff(db, "admin@example.org", role="admin")
    async with db.transaction() as session:
        assert [row.concern.id for row in await inbox(session, triage)] == [concern.id]
        assert [row.concern.id for row in await inbox(session, admin, prison_id=TRIAGE_QUEUE)] == [concern.id]


async def test_an_unknown_prison_with_a_national_target_is_passed_to_the_service(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    text, concern = await _urgent(db, settings.model_copy(update={"alert_targets": NATIONAL}), clock, None)

    assert "ring the prison's main number and ask for the Orderly Officer" in text
    assert "I've also passed this to the famsbot duty team as urgent" in text
    assert concern.routed_to == "national"


async def test_triage_staff_see_only_the_triage_queue(db: Database, settings: Settings, clock: FixedClock) -> None:
    configured = settings.model_copy(update={"alert_targets": MAIDSTONE_TEAM})
    await _urgent(db, configured, clock, "maidstone")  # maidstone's own team has this one
    triage = await add_staff(db, "triage@example.org", role="triage", prison=None)
    async with db.transaction() as session:
        assert await inbox(session, triage) == []


@pytest.mark.parametrize(
    ("targets", "warnings"),
    [
        ({}, [f"{PRISONS} prison(s) have no safer custody alert target", "no national triage target"]),
        ({**MAIDSTONE_TEAM, **NATIONAL}, [f"{PRISONS - 1} prison(s) have no safer custody alert target"]),
    ],
)
async def test_serve_warns_at_start_up_about_concerns_that_would_reach_no_prison_team(
    settings: Settings, clock: FixedClock, caplog: pytest.LogCaptureFixture,
    targets: dict[str, AlertTarget], warnings: list[str],
) -> None:  # fmt: skip
    caplog.set_level(logging.WARNING, logger="famsbot.app")
    async with served_app(settings.model_copy(update={"alert_targets": targets}), clock):
        pass

    said = [record.getMessage() for record in caplog.records if record.name == "famsbot.app"]
    assert len(said) == len(warnings)
    for line, warning in zip(said, warnings, strict=True):
        assert warning in line
