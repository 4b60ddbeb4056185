"""What SMS costs: every reply within 3 segments, GSM-7 only, and packing that never costs more.

Run with ``-s`` to see the distribution of segments over every reply the bot can give.
"""

from __future__ import annotations

from collections import Counter

import pytest

from famsbot.channels.packing import MAX_SEGMENTS, sms_messages
from famsbot.channels.render import sms_text
from famsbot.content.loader import get_content
from famsbot.dialogue.messages import Option, Reply
from famsbot.sms_text import is_gsm7, segments
from tests.conftest import DEFAULT_NOW
from tests.support.replies import every_reply


def test_every_reply_fits_in_three_segments_of_gsm7() -> None:
    rendered = [(where, sms_text(reply)) for where, reply in every_reply(get_content(), DEFAULT_NOW)]

    over = [(where, segments(body), body) for where, body in rendered if segments(body) > MAX_SEGMENTS]
    distribution = Counter(segments(body) for _, body in rendered)
    longest = sorted(rendered, key=lambda item: len(item[1]), reverse=True)[:5]
    shares = ", ".join(f"{count} x {n} segment{'s' * (n > 1)}" for n, count in sorted(distribution.items()))
    print(f"\nSMS segments over {len(rendered)} replies: {shares}")  # noqa: T201
    for where, body in longest:
        print(f"  longest: {len(body)} chars, {segments(body)} segments: {where}")  # noqa: T201
    assert not over, over
    assert all(is_gsm7(body) for _, body in rendered)


def _reply(length: int, options: tuple[Option, ...] = ()) -> Reply:
    return Reply("x" * length, options)


@pytest.mark.parametrize(
    ("lengths", "expected"),
    [
        ([60, 60], [122]),  # two short replies fit one SMS
        ([150, 150], [302]),  # two segments either way: one message keeps them in order
        ([160, 160], [160, 160]),  # joined would be three segments, separately two
        ([300, 300, 10], [300, 312]),
    ],
)
def test_replies_are_joined_only_when_that_costs_no_more(lengths: list[int], expected: list[int]) -> None:
    bodies = sms_messages([_reply(n) for n in lengths])

    assert [len(body) for body in bodies] == expected
    assert sum(segments(b) for b in bodies) <= sum(segments("x" * n) for n in lengths)


def test_urgent_replies_go_first_and_alone() -> None:
    urgent = Reply("Call 999 now.", urgent=True)

    bodies = sms_messages([Reply("Hello."), urgent, Reply("Which prison?", (Option("a", "HMP A"),))])

    assert bodies == ["Call 999 now.", "Hello.\n\nWhich prison?\n1 HMP A"]


def test_sms_text_is_made_gsm7() -> None:
    assert sms_messages([Reply("It\u2019s \u201cfine\u201d \u2013 really\u2026")]) == ['It\'s "fine" - really...']
