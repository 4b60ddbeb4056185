"""What operators' logs hold: one JSON object per line, one line per message turn with its timing,
libraries only at warnings, and never a family's words, number or chat id."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from famsbot.channels.sms import INBOUND_PATH
from famsbot.config import Settings
from famsbot.dialogue.engine import Engine
from famsbot.dialogue.messages import Inbound
from famsbot.logs import LIBRARIES, configure_logging
from famsbot.store.database import Database
from tests.support.fake_twilio import FakeTwilio, sign_twilio_request
from tests.support.processes import serving
from tests.support.webhooks import PUBLIC_URL, twiml_messages

FAMILY = "+447700900123"
# The sender's number as it might be written anywhere, and the words of a worry naming a person.
ADDRESSES = ("+447700900123", "447700900123", "7700900123", "07700 900123", "07700900123")
URGENT = "my brother Daniel Okafor at HMP Maidstone says he will kill himself tonight, ring me on 07700 900456"
BOT_TOKEN = "7012345678:AAHk3ZqvWm9PLrtXYZW9876abcdEFGHijkl"  # noqa: S105 - made up, to look for
WORDS = ("Okafor", "Daniel", "kill himself", "900456", "ring me")


def _text_in(url: str, twilio: FakeTwilio, body: str) -> list[str]:
    fields = twilio.user_sms(FAMILY, body)
    signature = sign_twilio_request(PUBLIC_URL + INBOUND_PATH, fields, twilio.auth_token)
    response = httpx.post(url + INBOUND_PATH, data=fields, headers={"X-Twilio-Signature": signature}, timeout=60)
    assert response.status_code == 200, response.text
    return twiml_messages(response.text)


def test_a_served_sms_conversation_logs_json_turns_without_words_or_numbers(tmp_path: Path) -> None:
    messages = ["hello", "1", "1", URGENT]
    with FakeTwilio() as twilio:
        env = {
            "FAMSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/logs.db", "FAMSBOT_LOG_FORMAT": "json",
            "FAMSBOT_PUBLIC_URL": PUBLIC_URL, "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token, "TWILIO_FROM": twilio.number, "TWILIO_API_URL": twilio.url,
            # Asked for, but their optional packages are not installed: said once, and nothing stops.
            "SENTRY_DSN": "https://public@127.0.0.1:9/1", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9",
        }  # fmt: skip
        with serving(env) as served:
            replies = [_text_in(served.url, twilio, body) for body in messages]

    assert "call 999" in "\n".join(replies[-1])  # the conversation really happened, urgent route included
    lines = [json.loads(line) for line in served.output.splitlines() if line.strip()]  # every line is JSON
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)

    turns = [line for line in lines if line["logger"] == "famsbot.turn"]
    assert [(t["channel"], t["outcome"]) for t in turns] == [("sms", "replied")] * len(messages)
    assert all(isinstance(t["ms"], float) and t["ms"] > 0 for t in turns)

    noisy = [line for line in lines if line["logger"].split(".")[0] in LIBRARIES and line["level"] == "INFO"]
    assert noisy == []  # transitions alone wrote 3-6 INFO lines per message

    for secret in (*ADDRESSES, *WORDS):
        assert secret not in served.output, f"{secret!r} is in the log"
    missing = [line["message"] for line in lines if "is not installed" in line["message"]]
    assert missing == [
        "SENTRY_DSN is set but sentry_sdk is not installed (pip install 'famsbot[sentry]'): carrying on without it",
        "OTEL_EXPORTER_OTLP_ENDPOINT is set but opentelemetry.instrumentation.fastapi is not installed "
        "(pip install 'famsbot[otel]'): carrying on without it",
    ]


def test_unset_sentry_and_opentelemetry_import_nothing() -> None:
    # FastAPI itself imports opentelemetry's API; the SDK, exporters and instrumentation are ours to load.
    probe = (
        "import sys; from famsbot.server import app_factory; app_factory(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sentry_sdk' "
        "or m.startswith(('opentelemetry.sdk', 'opentelemetry.instrumentation', 'opentelemetry.exporter'))))"
    )
    env = {"PATH": "/usr/bin:/bin", "FAMSBOT_DATABASE_URL": "sqlite+aiosqlite:///:memory:"}
    run = subprocess.run(  # noqa: S603 - our own code
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


async def test_an_urgent_message_that_cannot_be_stored_is_not_logged_verbatim(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The database has no tables (a failed migration): every step fails, with SQL errors that used to
    carry the statement's parameters, the sender's number and words among them, into the traceback."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    engine = Engine(db, Settings(environment="test", database_url=db.url))
    for library in LIBRARIES:  # as `famsbot serve` logs: libraries at WARNING, famsbot at INFO
        caplog.set_level(logging.WARNING, logger=library)
    caplog.set_level(logging.INFO)  # last: it sets the capturing handler's level too
    try:
        replies = await engine.handle(Inbound(channel="sms", address=FAMILY, text=URGENT, provider_id="SM1"))
    finally:
        await db.dispose()

    assert "call 999" in replies[0].text  # the person still got the emergency route
    logged = "\n".join(caplog.text.splitlines())
    assert "is kept in the spool until the database is back" in logged  # said, without the words
    assert "famsbot.turn" in [record.name for record in caplog.records]
    for secret in (*ADDRESSES, *WORDS):
        assert secret not in logged, f"{secret!r} is in the log"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide loggers: put them back for the tests after this one."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name in (*LIBRARIES, "uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    logging.getLogger("uvicorn.access").filters.clear()


@pytest.mark.usefixtures("restore_logging")
def test_text_logs_take_numbers_out_of_library_messages_and_query_strings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("text")
    try:
        logging.getLogger("famsbot.delivery").warning("twilio 400 error 21211: The 'To' number %s is invalid", FAMILY)
        logging.getLogger("telegram.ext").error("chat %d blocked the bot", 5012345678)
        logging.getLogger("telegram.ext").error("The token `%s` was rejected by the server.", BOT_TOKEN)
        logging.getLogger("famsbot.channels").warning("POST https://api.telegram.org/bot%s/getMe failed", BOT_TOKEN)
        logging.getLogger("transitions.core").info("entered state ask_prison")
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET",
                                                 "/staff/?q=Okafor", "1.1", 200)  # fmt: skip
    finally:
        err = capsys.readouterr().err
    assert "The 'To' number [number] is invalid" in err
    assert "chat [number] blocked" in err
    assert "The token `[bot token]` was rejected" in err
    assert "/bot[bot token]/getMe" in err
    assert BOT_TOKEN.split(":")[1][:8] not in err
    assert "entered state" not in err
    assert '"GET /staff/ HTTP/1.1" 200' in err
    assert "Okafor" not in err
    assert FAMILY not in err
