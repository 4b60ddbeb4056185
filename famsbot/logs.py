"""Logging for the commands that run the service (``serve``, ``worker``, ``telegram poll``).

One handler on the root logger, writing to stderr, as plain text or as one JSON object per line
(``FAMSBOT_LOG_FORMAT=json``) for platforms that index logs. Libraries are turned down to
warnings: ``transitions`` alone wrote 3-6 INFO lines per message, and the HTTP clients log every
request's URL, which holds a Telegram chat id or a phone number.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = ["LIBRARIES", "JsonFormatter", "LogFormat", "configure_logging", "redact"]

LogFormat = Literal["text", "json"]

# Loggers of libraries that are chatty at INFO. uvicorn's own start-up and access lines stay, and so
# do procrastinate's job lines in the worker (a job's name and outbox id: no person in them).
LIBRARIES = (
    "transitions", "httpx", "httpcore", "twilio", "telegram", "sqlalchemy", "aiosqlite",
    "alembic", "asyncio", "psycopg", "multipart", "python_multipart",
)  # fmt: skip

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Attributes every LogRecord has; anything else was passed with ``extra=`` and goes into the JSON.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}


# What a log line must never show, even from a library or an exception's text: phone numbers in
# international (+44 7700 900123) or UK national (07700 900123) form, and long digit runs (Telegram
# chat ids; an update id is caught too, which costs little).
_NUMBERS = re.compile(r"\+\d[\d\s-]{6,18}\d|(?<!\d)0\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)|(?<!\d)\d{9,}(?!\d)")
REDACTED = "[number]"
# A Telegram bot token, which PTB puts in some errors ("The token `...` was rejected") and in API URLs.
_BOT_TOKEN = re.compile(r"(?<!\d)\d{5,12}:[A-Za-z0-9_-]{30,}")


def redact(text: str) -> str:
    return _NUMBERS.sub(REDACTED, _BOT_TOKEN.sub("[bot token]", text))


class Redact(logging.Filter):
    """Takes phone numbers, chat ids and bot tokens out of the message and the traceback before any handler
    sees them."""

    _traceback = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self._traceback.formatException(record.exc_info))
        return True


class AccessPath(logging.Filter):
    """uvicorn's access lines without the query string (a staff search may carry a name or a number)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            record.args = (client, method, str(path).split("?", 1)[0], version, status)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, and any ``extra=`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(log_format: LogFormat = "text", *, level: int = logging.INFO) -> None:
    """(Re)configure the root logger. Safe to call twice: each web worker process calls it too."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(Redact())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # let uvicorn's lines reach our handler
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
        logging.getLogger(name).setLevel(level)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessPath) for f in access.filters):
        access.addFilter(AccessPath())
