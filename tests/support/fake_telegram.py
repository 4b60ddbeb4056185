"""A local fake of the Telegram Bot API that the real python-telegram-bot talks to over HTTP.

Point PTB at it exactly as at a "Local Bot API Server"::

    with FakeTelegram() as tg:                     # or: async with FakeTelegram() as tg
        bot = Bot(tg.token, base_url=tg.bot_url)   # ApplicationBuilder().base_url(tg.bot_url) alike
        ...
        assert tg.sent(777) == ["Hello"]

Why a fake and not a mock: the wire format is where bugs hide. PTB posts form-encoded bodies whose
nested objects (``reply_markup``, ``commands``) are JSON strings, and maps HTTP statuses to its own
exceptions (403 → ``Forbidden``, 429 with ``retry_after`` → ``RetryAfter``, 401/404 →
``InvalidToken``, 5xx → ``NetworkError``). See engineering-notes §1.4.

What is modelled, because famsbot's code has to cope with it:

* the token (a wrong one answers 401 ``Unauthorized``);
* flood limits (messaging-platforms §4.1): ``sendMessage`` is limited by a global token bucket
  (``rate_per_second``, default 30, holding one second's worth) and one bucket per chat
  (``per_chat_per_second``, default 1, holding ``per_chat_burst`` messages: Telegram tolerates short
  bursts, such as a reply sent as three messages). Exceeding either answers 429
  ``Too Many Requests: retry after N``. Raise both limits for benchmarks;
* users who blocked the bot (403), chats that do not exist (400), transient 5xx and forced 429s;
* the usual 400s: empty or over-long text, ``callback_data`` over 64 bytes, editing a message that
  does not exist or would not change, ``getUpdates`` while a webhook is set (409).

Every call is recorded, failures included, so tests can assert what a user would have seen and
benchmarks can count 429s and duplicate sends. ``user_message``/``user_callback`` build the updates
a person's phone would cause, for posting to our webhook or queueing for ``getUpdates``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.servers import LocalService

__all__ = ["TOKEN", "BotCall", "FakeTelegram"]

TOKEN = "123456789:TEST-famsbot-telegram-token"

MAX_TEXT = 4096  # characters in one message
MAX_CALLBACK_DATA = 64  # bytes of callback_data on one button
MAX_POLL = 1.0  # seconds a getUpdates long poll may wait here (shorter than Telegram, so tests end fast)
JSON_FIELDS = frozenset(
    {"reply_markup", "entities", "link_preview_options", "reply_parameters", "commands", "scope",
     "allowed_updates"}
)  # fmt: skip
COMMAND = re.compile(r"[a-z0-9_]{1,32}")
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


@dataclass(frozen=True)
class BotCall:
    """One request the fake answered: what was asked, and the HTTP status it got back."""

    method: str
    params: Mapping[str, Any]  # nested JSON strings already parsed
    status: int
    error: str | None  # the ``description`` of a refusal
    at: datetime
    monotonic: float

    @property
    def chat_id(self) -> str | None:
        chat_id = self.params.get("chat_id")
        return None if chat_id is None else str(chat_id)

    @property
    def text(self) -> str | None:
        return self.params.get("text")

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.params.get("reply_markup")


class _Refusal(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    @classmethod
    def flood(cls, retry_after: int) -> _Refusal:
        return cls(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class _Bucket:
    """A token bucket: ``capacity`` sends at once, refilled at ``rate`` per second."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate, self.capacity, self.tokens, self.updated = rate, capacity, capacity, now

    def wait(self, now: float) -> float:
        """Seconds until one send is allowed (0 when it is allowed now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


@dataclass(frozen=True)
class _Failure:
    status: int
    method: str | None
    retry_after: int


class FakeTelegram(LocalService):
    """The Bot API for one bot, served on 127.0.0.1 once started.

    Args:
        token: the only token accepted; the bot's id is the number before the colon, as on Telegram.
        rate_per_second: global ``sendMessage`` limit; ``None`` switches it off.
        per_chat_per_second: per-chat ``sendMessage`` limit; ``None`` switches it off.
        per_chat_burst: how many messages one chat may receive at once before its limit bites.
        latency: seconds to wait before answering each request, to model a real network round trip.
        answer_delay: seconds between doing what a request asks (the message is sent) and answering:
            a client that gives up or dies meanwhile has sent a message it never heard about.
    """

    def __init__(
        self,
        token: str = TOKEN,
        *,
        rate_per_second: float | None = 30.0,
        per_chat_per_second: float | None = 1.0,
        per_chat_burst: int = 3,
        latency: float = 0.0,
        answer_delay: float = 0.0,
    ) -> None:
        super().__init__()
        self.token = token
        self.answer_delay = answer_delay
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = "famsbot_test_bot"
        self.rate_per_second, self.per_chat_per_second = rate_per_second, per_chat_per_second
        self.per_chat_burst, self.latency = per_chat_burst, latency
        self._lock = threading.Lock()
        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getUpdates": self._get_updates,
        }
        self.app = Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])])
        self.reset()

    @property
    def bot_url(self) -> str:
        """What PTB takes as ``base_url``: it appends ``<token>/<method>``."""
        return f"{self.url}/bot"

    def reset(self) -> None:
        """Forget every call, message, chat state, injected failure and rate-limit bucket."""
        with self._lock:
            self._calls: list[BotCall] = []
            self._messages: dict[tuple[str, int], dict[str, Any]] = {}
            self._last_message_id: dict[str, int] = {}
            self._texts: dict[str, list[str]] = {}
            self._seen: set[tuple[str, str]] = set()
            self._duplicates = self._too_many_requests = 0
            self._blocked: set[str] = set()
            self._not_found: set[str] = set()
            self._failures: deque[_Failure] = deque()
            rate = self.rate_per_second
            self._global = _Bucket(rate, max(1.0, rate), time.monotonic()) if rate else None
            self._chat_buckets: dict[str, _Bucket] = {}
            self._updates: deque[dict[str, Any]] = deque()
            self._update_ids = itertools.count(1)
            self._message_ids = itertools.count(1)
            self._callback_ids = itertools.count(1)
            self._webhook: dict[str, Any] | None = None
            self._commands: list[dict[str, Any]] = []

    # -- failure injection ---------------------------------------------------------------------

    def block(self, chat_id: int | str) -> None:
        """The person blocked the bot: sends to them answer 403 ``Forbidden: bot was blocked by the user``."""
        with self._lock:
            self._blocked.add(str(chat_id))

    def unblock(self, chat_id: int | str) -> None:
        with self._lock:
            self._blocked.discard(str(chat_id))

    def mark_not_found(self, chat_id: int | str) -> None:
        """The chat does not exist (a typo, a deleted account): sends answer 400 ``chat not found``."""
        with self._lock:
            self._not_found.add(str(chat_id))

    def fail_next(
        self, n: int = 1, *, status: int = 502, method: str | None = None, retry_after: int = 5
    ) -> None:
        """Answer the next ``n`` calls (of ``method``, or of any method) with ``status``.

        A 5xx models Telegram's front end having a bad moment (PTB raises ``NetworkError``); 429 forces
        a flood answer with ``retry_after`` regardless of the rate limits (PTB raises ``RetryAfter``).
        """
        with self._lock:
            self._failures.extend(_Failure(status, method, retry_after) for _ in range(n))

    # -- what the bot did ------------------------------------------------------------------------

    @property
    def calls(self) -> list[BotCall]:
        """Every request answered so far, failures included, oldest first."""
        with self._lock:
            return list(self._calls)

    def calls_for(self, method: str) -> list[BotCall]:
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def sent(self, chat_id: int | str) -> list[str]:
        """Texts successfully sent to a chat with ``sendMessage``, oldest first (edits not applied)."""
        with self._lock:
            return list(self._texts.get(str(chat_id), []))

    def last_message(self, chat_id: int | str) -> dict[str, Any] | None:
        """The bot's latest message in a chat as the person sees it now (edits applied)."""
        with self._lock:
            message_id = self._last_message_id.get(str(chat_id))
            return None if message_id is None else dict(self._messages[(str(chat_id), message_id)])

    def last_keyboard(self, chat_id: int | str) -> dict[str, Any] | None:
        """The ``reply_markup`` on the bot's latest message in a chat, or ``None``."""
        message = self.last_message(chat_id)
        return None if message is None else message.get("reply_markup")

    def buttons(self, chat_id: int | str) -> dict[str, str]:
        """Label → callback data (or URL) of the inline buttons on the latest message, in order."""
        keyboard = self.last_keyboard(chat_id) or {}
        return {
            button["text"]: button.get("callback_data", button.get("url", ""))
            for row in keyboard.get("inline_keyboard", [])
            for button in row
        }

    @property
    def recipients(self) -> set[str]:
        """Chats that received at least one message."""
        with self._lock:
            return set(self._texts)

    @property
    def sent_count(self) -> int:
        with self._lock:
            return sum(len(texts) for texts in self._texts.values())

    @property
    def duplicates(self) -> int:
        """Successful sends of a text a chat had already received: a broadcast should have none."""
        with self._lock:
            return self._duplicates

    @property
    def too_many_requests(self) -> int:
        """How many 429 answers were given (enforced limits and forced ones)."""
        with self._lock:
            return self._too_many_requests

    @property
    def webhook(self) -> dict[str, Any] | None:
        """The webhook as last set (``url``, ``secret_token``, ...), or ``None``."""
        with self._lock:
            return None if self._webhook is None else dict(self._webhook)

    @property
    def commands(self) -> list[dict[str, Any]]:
        """The command menu as last set with ``setMyCommands``."""
        with self._lock:
            return list(self._commands)

    # -- what people do --------------------------------------------------------------------------

    def user_message(self, chat_id: int, text: str, *, first_name: str = "Sam") -> dict[str, Any]:
        """An ``Update`` for a person typing ``text`` in their private chat with the bot.

        A leading ``/command`` gets its ``bot_command`` entity, which PTB's ``CommandHandler`` needs.
        """
        with self._lock:
            message: dict[str, Any] = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": _chat(str(chat_id), first_name),
                "from": _person(chat_id, first_name),
                "text": text,
            }
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            return {"update_id": next(self._update_ids), "message": message}

    def user_callback(
        self, chat_id: int, data: str, *, message_id: int | None = None, first_name: str = "Sam"
    ) -> dict[str, Any]:
        """An ``Update`` for a person pressing an inline button (by default on the bot's latest message)."""
        with self._lock:
            message_id = message_id or self._last_message_id.get(str(chat_id))
            message = self._messages.get((str(chat_id), message_id or 0))
            query: dict[str, Any] = {
                "id": str(next(self._callback_ids)),
                "from": _person(chat_id, first_name),
                "chat_instance": f"instance-{chat_id}",
                "data": data,
            }
            if message is not None:
                query["message"] = _api_view(message)
            return {"update_id": next(self._update_ids), "callback_query": query}

    def queue_update(self, update: Mapping[str, Any]) -> None:
        """Make ``update`` available to ``getUpdates`` (the polling mode)."""
        with self._lock:
            self._updates.append(dict(update))

    # -- HTTP ------------------------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> JSONResponse:
        if self.latency:
            await asyncio.sleep(self.latency)
        token, method = request.path_params["token"], request.path_params["method"]
        try:
            params = await _read_params(request)
        except _Refusal as refusal:
            params, status, body = {}, refusal.status, refusal.body()
        else:
            status, body = self._answer(token, method, params)
            deadline = time.monotonic() + min(_number(params.get("timeout", 0)), MAX_POLL)
            while _empty_poll(method, status, body) and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
                status, body = self._answer(token, method, params)
        self._record(method, params, status, body)
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        return JSONResponse(body, status_code=status)

    def _answer(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            try:
                if token != self.token:
                    raise _Refusal(401, "Unauthorized")
                handler = self._methods.get(method)
                if handler is None:
                    raise _Refusal(404, "Not Found")
                self._injected_failure(method)
                return 200, {"ok": True, "result": handler(params)}
            except _Refusal as refusal:
                return refusal.status, refusal.body()

    def _record(self, method: str, params: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        call = BotCall(method, params, status, body.get("description"), datetime.now(UTC), time.monotonic())
        with self._lock:
            self._calls.append(call)
            self._too_many_requests += status == 429

    def _injected_failure(self, method: str) -> None:
        for failure in self._failures:
            if failure.method in (None, method):
                self._failures.remove(failure)
                if failure.status == 429:
                    raise _Refusal.flood(failure.retry_after)
                raise _Refusal(failure.status, HTTPStatus(failure.status).phrase)

    # -- methods (called with the lock held) -----------------------------------------------------

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.bot_id, "is_bot": True, "first_name": "Famsbot", "username": self.bot_username,
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False,
        }  # fmt: skip

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        text = _checked_text(params)
        markup = _checked_markup(params)
        self._take_send_allowance(chat)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(chat),
            "from": self._get_me(params),
            "text": text,
        }
        if markup is not None:
            message["reply_markup"] = markup
        self._messages[(chat, message["message_id"])] = message
        self._last_message_id[chat] = message["message_id"]
        self._texts.setdefault(chat, []).append(text)
        self._duplicates += (chat, text) in self._seen
        self._seen.add((chat, text))
        return _api_view(message)

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        changes = {"text": _checked_text(params), "reply_markup": _checked_markup(params)}
        return self._edit(message, changes)

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        return self._edit(message, {"reply_markup": _checked_markup(params)})

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise _Refusal(400, "Bad Request: query ID is invalid")
        return True

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if not url:
            return self._delete_webhook(params)
        if not url.startswith("https://"):
            raise _Refusal(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not SECRET_TOKEN.fullmatch(secret):
            raise _Refusal(400, "Bad Request: secret token contains unallowed characters")
        if _flag(params.get("drop_pending_updates")):
            self._updates.clear()
        self._webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": int(params.get("max_connections", 40)),
            "allowed_updates": params.get("allowed_updates"),
        }
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        if _flag(params.get("drop_pending_updates")):
            self._updates.clear()
        self._webhook = None
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": "", "has_custom_certificate": False, "pending_update_count": len(self._updates),
        }  # fmt: skip
        if self._webhook is not None:
            info["url"] = self._webhook["url"]
            info["max_connections"] = self._webhook["max_connections"]
            if self._webhook["allowed_updates"] is not None:
                info["allowed_updates"] = self._webhook["allowed_updates"]
        return info

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _Refusal(400, 'Bad Request: parameter "commands" is required')
        for command in commands:
            if not COMMAND.fullmatch(str(command.get("command", ""))):
                raise _Refusal(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _Refusal(400, "Bad Request: command description must be non-empty")
        self._commands = list(commands)
        return True

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise _Refusal(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()  # confirmed by the client
        return list(itertools.islice(self._updates, int(params.get("limit") or 100)))

    # -- helpers (lock held) ---------------------------------------------------------------------

    def _chat(self, params: dict[str, Any]) -> str:
        """The chat a call is for, or the refusal Telegram would give for it."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _Refusal(400, "Bad Request: chat_id is empty")
        chat = str(chat_id)
        if chat in self._not_found or not chat.lstrip("-").isdigit():
            raise _Refusal(400, "Bad Request: chat not found")
        if chat in self._blocked:
            raise _Refusal(403, "Forbidden: bot was blocked by the user")
        return chat

    def _take_send_allowance(self, chat: str) -> None:
        """Enforce the global and per-chat flood limits, or refuse with 429 and the wait needed."""
        now = time.monotonic()
        buckets = [self._global] if self._global else []
        if self.per_chat_per_second:
            if chat not in self._chat_buckets:
                self._chat_buckets[chat] = _Bucket(self.per_chat_per_second, self.per_chat_burst, now)
            buckets.append(self._chat_buckets[chat])
        wait = max((bucket.wait(now) for bucket in buckets), default=0.0)
        if wait > 0:
            raise _Refusal.flood(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.tokens -= 1

    def _message_to_edit(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        message = self._messages.get((chat, int(params.get("message_id") or 0)))
        if message is None:
            raise _Refusal(400, "Bad Request: message to edit not found")
        return message

    def _edit(self, message: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        if all(message.get(field) == value for field, value in changes.items()):
            raise _Refusal(400, NOT_MODIFIED)
        for field, value in changes.items():
            if value is None:
                message.pop(field, None)  # an edit without reply_markup removes the keyboard
            else:
                message[field] = value
        message["edit_date"] = int(time.time())
        return _api_view(message)


async def _read_params(request: Request) -> dict[str, Any]:
    """Query string plus body (form-encoded as PTB sends it, or JSON), with nested JSON decoded."""
    params: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        raw = await request.body()
        try:
            params.update(json.loads(raw) if raw else {})
        except json.JSONDecodeError as exc:
            raise _Refusal(400, "Bad Request: can't parse JSON body") from exc
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        params.update({name: value for name, value in form.items() if isinstance(value, str)})
    for name in JSON_FIELDS & params.keys():
        if isinstance(params[name], str):
            try:
                params[name] = json.loads(params[name])
            except json.JSONDecodeError as exc:
                raise _Refusal(400, f"Bad Request: can't parse {name} JSON object") from exc
    return params


def _empty_poll(method: str, status: int, body: dict[str, Any]) -> bool:
    """A successful ``getUpdates`` with nothing to return yet: a long poll keeps waiting."""
    return method == "getUpdates" and status == 200 and not body["result"]


def _checked_text(params: dict[str, Any]) -> str:
    text = params.get("text")
    if not text or not str(text).strip():
        raise _Refusal(400, "Bad Request: message text is empty")
    if len(str(text)) > MAX_TEXT:
        raise _Refusal(400, "Bad Request: message is too long")
    return str(text)


def _checked_markup(params: dict[str, Any]) -> dict[str, Any] | None:
    markup = params.get("reply_markup")
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            if len(button.get("callback_data", "").encode()) > MAX_CALLBACK_DATA:
                raise _Refusal(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _api_view(message: dict[str, Any]) -> dict[str, Any]:
    """A stored message as the Bot API returns it: only inline keyboards appear on a ``Message``."""
    view = dict(message)
    if "inline_keyboard" not in (view.get("reply_markup") or {}):
        view.pop("reply_markup", None)
    return view


def _chat(chat: str, first_name: str = "Sam") -> dict[str, Any]:
    chat_id = int(chat)
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": first_name}
    kind = "supergroup" if chat.startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Chat {chat}"}


def _person(chat_id: int, first_name: str) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": "en"}


def _flag(value: Any) -> bool:
    return value in (True, "true", "True", "1", 1)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
