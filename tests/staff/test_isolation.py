"""Scope: safer custody staff see only their own prison, PACT staff see no concerns, admins see all.

Another prison's concern answers 404 exactly like one that does not exist, so the console never
reveals that it is there.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from famsbot.clock import FixedClock
from famsbot.concerns import actions
from famsbot.concerns.access import ConcernNotFound
from famsbot.config import Settings
from famsbot.content.loader import get_content
from famsbot.errors import AccessDenied
from famsbot.store.database import Database
from famsbot.store.models import Concern, ConcernEvent, Outbox
from tests.support.concerns import add_concern, add_contact, add_staff
from tests.support.console import console
from tests.support.rows import all_rows

ACTIONS = [
    ("acknowledge", {}),
    ("notes", {"note": "Looking into it."}),
    ("outcome", {"outcome": "seen_safe"}),
    ("messages", {"body": "Hello"}),
    ("messages/preview", {"body": "Hello"}),
    ("close", {}),
]


async def test_maidstone_safer_custody_cannot_list_open_or_act_on_a_chelmsford_concern(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "sc@maidstone.test", prison="maidstone")
    contact = await add_contact(db)
    await add_concern(db, clock.now() - timedelta(hours=1), prison="maidstone", reference="MAI-AAAA")
    theirs = await add_concern(db, clock.now() - timedelta(hours=2), prison="chelmsford", reference="CHE-BBBB",
                               contact=contact, urgent=True)
    async with console(settings, clock) as staff:
        await staff.login("sc@maidstone.test")
        for status in ("open", "all", "new"):
            inbox = await staff.get(f"/staff/concerns?status={status}&prison=chelmsford")
            assert "MAI-AAAA" in inbox.text
            assert "CHE-BBBB" not in inbox.text
        assert "CHE-BBBB" not in (await staff.get("/staff/concerns/rows")).text
        missing = await staff.get("/staff/concerns/999999")
        hidden = await staff.get(f"/staff/concerns/{theirs.id}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.text == missing.text
        assert "CHE-BBBB" not in hidden.text
        for path, data in ACTIONS:
            for htmx in (False, True):
                response = await staff.post(f"/staff/concerns/{theirs.id}/{path}", data, htmx=htmx)
                assert response.status_code == 404, path
    events = await all_rows(db, ConcernEvent, concern_id=theirs.id)
    assert [e for e in events if e.actor_id is not None] == []  # no staff event of any kind, not even "viewed"
    assert [o for o in await all_rows(db, Outbox) if o.kind == "feedback"] == []
    [stored] = await all_rows(db, Concern, id=theirs.id)
    assert stored.status == "new"
    assert stored.owner_id is None


async def test_the_service_functions_enforce_scope_themselves(db: Database, clock: FixedClock) -> None:
    staff = await add_staff(db, "sc@maidstone.test", prison="maidstone")
    pact = await add_staff(db, "pact@maidstone.test", role="pact", prison="maidstone")
    theirs = await add_concern(db, clock.now(), prison="chelmsford")
    ours = await add_concern(db, clock.now(), prison="maidstone")
    assert theirs.id is not None
    assert ours.id is not None
    async with db.transaction() as session:
        with pytest.raises(ConcernNotFound):
            await actions.acknowledge(session, staff, theirs.id, now=clock.now(), content=get_content())
        with pytest.raises(ConcernNotFound):
            await actions.add_note(session, staff, theirs.id, "x", now=clock.now())
        with pytest.raises(AccessDenied):
            await actions.add_note(session, pact, ours.id, "x", now=clock.now())


async def test_pact_staff_see_no_concerns_at_all(db: Database, settings: Settings, clock: FixedClock) -> None:
    await add_staff(db, "pact@maidstone.test", role="pact", prison="maidstone")
    concern = await add_concern(db, clock.now(), prison="maidstone")
    async with console(settings, clock) as pact:
        await pact.login("pact@maidstone.test")
        home = await pact.get("/staff/", follow_redirects=True)
        assert home.url.path == "/staff/broadcasts"  # PACT's part of the console: family-day notices
        assert 'href="/staff/concerns"' not in home.text
        assert (await pact.get("/staff/concerns")).status_code == 403
        assert (await pact.get("/staff/concerns/rows")).status_code == 403
        page = await pact.get(f"/staff/concerns/{concern.id}")
        assert page.status_code == 403
        assert concern.reference not in page.text
        assert (await pact.post(f"/staff/concerns/{concern.id}/acknowledge")).status_code == 403
    [stored] = await all_rows(db, Concern)
    assert stored.status == "new"


async def test_admins_see_every_prison_and_concerns_whose_prison_is_not_known(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    await add_staff(db, "admin@famsbot.test", role="admin")
    for reference, prison in [("MAI-AAAA", "maidstone"), ("CHE-BBBB", "chelmsford"), ("STO-CCCC", "stoke-heath"),
                              ("UNK-DDDD", None)]:
        await add_concern(db, clock.now(), prison=prison, reference=reference)
    async with console(settings, clock) as admin:
        await admin.login("admin@famsbot.test")
        inbox = await admin.get("/staff/concerns")
        for reference in ("MAI-AAAA", "CHE-BBBB", "STO-CCCC", "UNK-DDDD"):
            assert reference in inbox.text
        assert "Not known yet" in inbox.text
        only = await admin.get("/staff/concerns?prison=chelmsford")
        assert "CHE-BBBB" in only.text
        assert "MAI-AAAA" not in only.text
