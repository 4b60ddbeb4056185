"""Provider errors mapped into famsbot's tree, as the real client libraries raise them."""

from __future__ import annotations

import warnings
from datetime import timedelta

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from twilio.base.exceptions import TwilioRestException

from famsbot.channels.buttons import MAX_CALLBACK_DATA, callback_data, keyboard, read_tap
from famsbot.delivery.telegram import retry_after_seconds, telegram_error
from famsbot.delivery.twilio import twilio_error
from famsbot.dialogue.messages import Option
from famsbot.errors import MaybeSent, PermanentChannelError, RateLimited, TransientChannelError, Unreachable


@pytest.mark.parametrize("timedelta_env", ["true", None])
def test_retry_after_is_read_in_seconds_either_way(monkeypatch: pytest.MonkeyPatch, timedelta_env: str | None) -> None:
    if timedelta_env:
        monkeypatch.setenv("PTB_TIMEDELTA", timedelta_env)
    else:
        monkeypatch.delenv("PTB_TIMEDELTA", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB's own warning, raised while it builds the error
        error = RetryAfter(timedelta(seconds=12))

    assert retry_after_seconds(error) == 12.0
    mapped = telegram_error(error)
    assert isinstance(mapped, RateLimited)
    assert mapped.retry_after == 12.0


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), Unreachable),
        (Forbidden("Forbidden: user is deactivated"), Unreachable),
        (BadRequest("Bad Request: chat not found"), Unreachable),
        (BadRequest("Bad Request: message is too long"), PermanentChannelError),
        (TimedOut("timed out"), MaybeSent),  # it may have gone: never retried blind
        (NetworkError("Bad Gateway"), TransientChannelError),
    ],
)
def test_telegram_errors(error: Exception, expected: type[Exception]) -> None:
    mapped = telegram_error(error)  # type: ignore[arg-type]

    assert type(mapped) is expected


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (TimeoutError(), MaybeSent),
        (aiohttp.ServerDisconnectedError(), MaybeSent),  # the request went; the answer did not come
        (aiohttp.ClientConnectorError(ConnectionKey("api.twilio.com", 443, True, True, None, None, None),
                                      OSError(111, "refused")), TransientChannelError),  # never connected
    ],
)
def test_twilio_network_errors(error: Exception, expected: type[Exception]) -> None:
    assert type(twilio_error(error)) is expected


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (429, 20429, RateLimited),
        (500, 20500, TransientChannelError),
        (401, 20003, TransientChannelError),  # our credentials: fixable, so the message waits
        (400, 21211, Unreachable),
        (400, 21610, Unreachable),
        (400, 21617, PermanentChannelError),  # the body is too long: nothing to do with the person
    ],
)
def test_twilio_errors(status: int, code: int, expected: type[Exception]) -> None:
    mapped = twilio_error(TwilioRestException(status, "/Messages.json", "refused", code))

    assert type(mapped) is expected


def test_callback_data_fits_telegrams_64_bytes() -> None:
    short = Option("visits", "Visits")
    long = Option("k" * 70, "A very long key")

    assert callback_data(short, 0) == "o:visits"
    assert callback_data(long, 3) == "i:3"
    markup = keyboard([short, long])
    assert markup is not None
    assert all(len(str(b.callback_data).encode()) <= MAX_CALLBACK_DATA for row in markup.inline_keyboard for b in row)


def test_a_tap_reads_back_the_option_and_its_label() -> None:
    markup = keyboard([Option("visits", "Visits"), Option("k" * 70, "Something long")])

    assert read_tap("o:visits", markup) == read_tap("o:visits", markup)
    assert (read_tap("o:visits", markup).option, read_tap("o:visits", markup).label) == ("visits", "Visits")
    assert (read_tap("i:1", markup).option, read_tap("i:1", markup).label) == (None, "Something long")
    assert read_tap("o:stale", None).option == "stale"  # an old keyboard: the key still says what it meant
