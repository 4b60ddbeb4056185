"""Every message the concern side sends fits the SMS budget and keeps personal data out of alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from famsbot.channels.render import sms_text
from famsbot.concerns.alerts import alert_text
from famsbot.concerns.escalation import _follow_up_text
from famsbot.config import Settings
from famsbot.content import get_content
from famsbot.sms_text import MAX_SEGMENTS, is_gsm7, segments
from famsbot.store.models import Concern
from tests.support.chat import Chat

CONTENT = get_content()
PRISONS = [*sorted(CONTENT.prisons), None]
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ALERTS = ["alert_new", "alert_urgent", "alert_now_urgent", "alert_reminder_urgent", "alert_duty_urgent",
          "alert_reminder_overdue", "alert_duty_overdue"]


def _concern(prison: str | None) -> Concern:
    return Concern(id=123456, reference="MAI-7K3Q", prison_id=prison, channel="sms", urgent=True,
                   prisoner_name="John Smith", prisoner_number="A1234BC", verbatim="he is not ok",
                   created_at=NOW - timedelta(minutes=16))


@pytest.mark.parametrize("prison", PRISONS)
def test_alerts_and_check_backs_fit_the_sms_budget(prison: str | None) -> None:
    settings = Settings(environment="test", public_url="https://famsbot.example.org.uk")
    concern = _concern(prison)
    texts = [alert_text(CONTENT, settings, concern, f"concern.{key}", NOW) for key in ALERTS]
    texts += [_follow_up_text(CONTENT, concern, level) for level in ("urgent", "overdue")]
    for text in texts:
        assert is_gsm7(text), text
        assert segments(text) <= MAX_SEGMENTS, text
    for text in texts[: len(ALERTS)]:
        assert "John" not in text
        assert "A1234BC" not in text
        assert "not ok" not in text
        assert "https://famsbot.example.org.uk/staff/concerns/123456" in text


@pytest.mark.parametrize("prison", sorted(CONTENT.prisons))
@pytest.mark.parametrize("contact", ["1", "2", "3"])
async def test_the_reference_and_what_happens_next_fit_the_sms_budget(chat: Chat, prison: str, contact: str) -> None:
    await chat.say(f"/start {prison}")
    await chat.say("he hasnt rung for a week and his cellmate said he was crying")
    for answer in ("Johnathan Alexander Smith-Whitfield", "A1234BC", "no", "yes", "yes", contact):
        await chat.say(answer)
    if contact == "2":
        await chat.say("+447700900456")
    summary = chat.last
    await chat.say("1")
    for reply in [*summary, *chat.last]:
        assert segments(sms_text(reply)) <= MAX_SEGMENTS, reply.text


async def test_a_long_worry_is_shortened_in_the_summary_but_kept_in_full(chat: Chat) -> None:
    long = "he is not himself " * 60
    await chat.say("/start maidstone")
    await chat.say("menu")
    await chat.say("3")
    for answer in ("John", "dont know", long, "no", "no", "no", "1"):
        await chat.say(answer)
    [summary] = chat.last
    assert segments(sms_text(summary)) <= MAX_SEGMENTS
    assert "..." in summary.text
