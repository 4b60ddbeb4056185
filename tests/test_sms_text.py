"""SMS text rules: typographic characters made plain, every other character kept, segments counted."""

from __future__ import annotations

import pytest

from famsbot.channels.packing import sms_messages
from famsbot.channels.render import sms_text
from famsbot.dialogue.messages import Option, Reply
from famsbot.sms_text import MAX_SEGMENTS, encoding, segments, sms_safe

URDU_WORRY = "میرا بیٹا بہت پریشان ہے اور کھانا نہیں کھا رہا"
CYRILLIC_WORRY = "Мой сын не ест и не спит"


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("He\u2019s safe \u2013 we\u2019ve seen him\u2026", "He's safe - we've seen him..."),
        ("\u201cVisits\u201d\u00a0on Sat", '"Visits" on Sat'),
        ("zero\u200bwidth", "zerowidth"),
    ],
)
def test_typographic_characters_become_plain_so_the_sms_stays_gsm7(typed: str, sent: str) -> None:
    assert sms_safe(typed) == sent
    assert encoding(sms_safe(typed)) == "GSM-7"


@pytest.mark.parametrize("words", [URDU_WORRY, CYRILLIC_WORRY, "Dw i'n poeni am fy ŵyr", "Mój syn 😢"])
def test_a_familys_words_are_never_deleted(words: str) -> None:
    """The old ``to_gsm7`` reduced these to ASCII or nothing: an Urdu worry came back blank."""
    body = sms_text(Reply(f"Your words: {words}"))
    assert body == f"Your words: {words}"
    assert encoding(body) == "UCS-2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x" * 160, 1), ("x" * 161, 2), ("x" * 306, 2), ("x" * 307, 3),  # GSM-7: 160, then 153 a part
        ("ŵ" * 70, 1), ("ŵ" * 71, 2), ("ŵ" * 134, 2), ("ŵ" * 135, 3),  # UCS-2: 70, then 67 a part
        ("x" * 159 + "ŷ", 3),  # one Welsh letter makes all 160 characters UCS-2
        ("[" * 80, 1), ("[" * 81, 2),  # GSM-7 escapes cost two septets
    ],
)  # fmt: skip
def test_segments_are_counted_as_carriers_bill_them(text: str, expected: int) -> None:
    assert segments(text) == expected


def test_welsh_replies_are_packed_within_the_budget_in_ucs2() -> None:
    """Joining two Welsh replies must not make a message over 3 UCS-2 segments (201 characters)."""
    first = Reply("Iawn, byddaf yn ateb yn Gymraeg. " + "Mae'r ymweliad yn ôl. " * 4)
    second = Reply("Gyda beth mae angen help arnoch chi?", (Option("a", "Ymweliadau"), Option("b", "Ansicr")))
    bodies = sms_messages([first, second])
    assert all(segments(body) <= MAX_SEGMENTS for body in bodies)
    assert sum(segments(b) for b in bodies) <= segments(sms_text(first)) + segments(sms_text(second))
    assert "ôl" in bodies[0]
