"""References are short, unambiguous and unique."""

from __future__ import annotations

import re

import pytest

from famsbot.concerns import reference
from famsbot.concerns.reference import ALPHABET, make_reference, new_reference
from famsbot.errors import FamsbotError
from famsbot.store.database import Database
from famsbot.store.models import Concern


def test_a_reference_is_the_prison_code_and_four_unambiguous_characters() -> None:
    for _ in range(200):
        assert re.fullmatch(rf"MAI-[{ALPHABET}]{{4}}", make_reference("MAI"))
    assert not set("0O1IL2Z5SBGUVD") & set(ALPHABET)
    assert len(ALPHABET) == 22


async def test_a_reference_already_used_is_drawn_again(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    async with db.transaction() as session:
        session.add(Concern(reference="MAI-AAAA", channel="sms"))
    drawn = iter(["MAI-AAAA", "MAI-AAAA", "MAI-7K3Q"])
    monkeypatch.setattr(reference, "make_reference", lambda code: next(drawn))
    async with db.transaction() as session:
        assert await new_reference(session, "MAI") == "MAI-7K3Q"


async def test_it_gives_up_rather_than_loop_forever(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    async with db.transaction() as session:
        session.add(Concern(reference="MAI-AAAA", channel="sms"))
    monkeypatch.setattr(reference, "make_reference", lambda code: "MAI-AAAA")
    with pytest.raises(FamsbotError):
        async with db.transaction() as session:
            await new_reference(session, "MAI")
