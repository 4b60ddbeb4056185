"""A re-ask after an answer that was not understood costs one SMS, and a second one offers a person."""

from __future__ import annotations

from famsbot.channels.render import sms_text
from famsbot.content.loader import get_content
from famsbot.dialogue.reprompt import reprompt
from famsbot.sms_text import segments
from tests.conftest import DEFAULT_NOW
from tests.support.replies import every_reply

CONTENT = get_content()
HELPLINE = CONTENT.phone("families_helpline").number


def test_every_first_re_ask_in_every_flow_is_one_sms_segment() -> None:
    re_asks = [(where, sms_text(reply)) for where, reply in every_reply(CONTENT, DEFAULT_NOW)
               if where.endswith("re-asked (1)")]  # fmt: skip
    assert len(re_asks) > 20  # every question of every flow, for each unreadable answer
    over = [(where, segments(body), body) for where, body in re_asks if segments(body) > 1]
    assert not over, over


def test_the_second_miss_offers_the_helpline_and_a_number_to_reply() -> None:
    from famsbot.dialogue.messages import Option, Reply
    from famsbot.dialogue.steps import Rejected

    question = Reply("Is anyone in danger right now?", (Option("yes", "Yes"), Option("no", "No")))
    (sms,) = reprompt(CONTENT, "sms", Rejected(), question, 2)
    assert HELPLINE in sms.text
    assert "1 Yes, 2 No" in sms.text
    (telegram,) = reprompt(CONTENT, "telegram", Rejected(), question, 2)
    assert HELPLINE in telegram.text
    assert [o.key for o in telegram.options] == ["yes", "no"]  # the buttons stay
