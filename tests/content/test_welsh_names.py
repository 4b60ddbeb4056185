"""Prison names in Welsh replies use the directory's Welsh form where it has one."""

from __future__ import annotations

from famsbot.content import get_content

CONTENT = get_content()


def test_a_welsh_prison_is_named_in_welsh_for_welsh_readers() -> None:
    cardiff = CONTENT.place("cardiff")
    assert cardiff is not None
    assert cardiff.name_cy == "Carchar Caerdydd"
    prison = CONTENT.prisons["maidstone"].model_copy(update={"id": "cardiff", "name": cardiff.name})

    assert CONTENT.prison_name(prison, "cy") == "Carchar Caerdydd"
    assert CONTENT.prison_name(prison, "en") == cardiff.name


def test_a_prison_without_a_welsh_form_keeps_its_name() -> None:
    maidstone = CONTENT.prisons["maidstone"]
    assert CONTENT.prison_name(maidstone, "cy") == maidstone.name
