"""Fixtures only: the fakes of Telegram and Twilio, settings pointing at them, and a ``Delivery`` on them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.delivery.deliver import Delivery
from famsbot.delivery.setup import open_senders, rate_limits
from famsbot.store.database import Database
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import FakeTwilio
from tests.support.webhooks import with_telegram, with_twilio

FAST = {"telegram_per_second": 1000.0, "telegram_per_chat_per_second": 1000.0, "sms_per_second": 1000.0}


@pytest.fixture(scope="module")
def served_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(rate_per_second=None, per_chat_per_second=None) as fake:
        yield fake


@pytest.fixture(scope="module")
def served_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def telegram(served_telegram: FakeTelegram) -> FakeTelegram:
    served_telegram.reset()
    return served_telegram


@pytest.fixture
def twilio(served_twilio: FakeTwilio) -> FakeTwilio:
    served_twilio.reset()
    return served_twilio


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta durations, as ``famsbot`` does at start (PTB warns otherwise)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def channel_settings(settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio) -> Settings:
    """Both channels on, pointed at the fakes; limits high (tests about limits set their own)."""
    return with_twilio(with_telegram(settings, telegram), twilio, **FAST)


@pytest.fixture
async def delivery(db: Database, channel_settings: Settings, clock: FixedClock) -> AsyncIterator[Delivery]:
    """Delivery on the test clock (moved by hand), no quiet hours unless a test asks for them."""
    async with open_senders(channel_settings) as senders:
        yield Delivery(db, senders, limits=rate_limits(channel_settings), clock=clock)
