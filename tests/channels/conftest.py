"""Fixtures only: the fakes of the Telegram Bot API and the Twilio API the channel tests talk to over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import FakeTwilio


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_chat_burst=50) as fake:
        yield fake


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake
