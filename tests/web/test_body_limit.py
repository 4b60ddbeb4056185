"""Oversized posts to the open endpoints (webhooks, staff login) are refused from their headers, or as
soon as a streamed body passes the cap: over real HTTP to the real app, with the channels on."""

from __future__ import annotations

import json
import select
import socket
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from famsbot.channels.sms import INBOUND_PATH
from famsbot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH
from famsbot.clock import FixedClock
from famsbot.config import Settings
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import FakeTwilio
from tests.support.servers import ServerThread
from tests.support.webhooks import WEBHOOK_SECRET, served_app, with_telegram, with_twilio

MIB = 1024 * 1024
HUGE = 100 * MIB  # what an attacker declares or streams; the test never sends anywhere near all of it


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeTelegram, FakeTwilio]]:
    with FakeTelegram(per_chat_burst=50) as telegram, FakeTwilio() as twilio:
        yield telegram, twilio


@pytest.fixture
async def server(
    tmp_path: Path, fakes: tuple[FakeTelegram, FakeTwilio], clock: FixedClock
) -> AsyncIterator[ServerThread]:
    telegram, twilio = fakes
    settings = Settings(environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path}/limit.db")
    async with served_app(with_twilio(with_telegram(settings, telegram), twilio), clock) as server:
        yield server


def raw_post(url: str, path: str, headers: dict[str, str], chunks: Iterable[bytes]) -> tuple[int, int]:
    """POST over a plain socket, sending ``chunks`` until the server answers: (status, body bytes sent)."""
    parts = urlsplit(url)
    head = f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sent = 0
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n")
        for chunk in chunks:
            if select.select([sock], [], [], 0.001)[0]:
                break  # the answer came before the body was finished
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        answer = b""
        while b"\r\n" not in answer:
            data = sock.recv(4096)
            assert data, "the server closed the connection without answering"
            answer += data
    return int(answer.split()[1]), sent


def chunked(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """``total`` bytes in HTTP/1.1 chunked encoding: no Content-Length to refuse on."""
    for _ in range(total // size):
        yield f"{size:x}\r\n".encode() + b"A" * size + b"\r\n"
    yield b"0\r\n\r\n"


OPEN_POSTS = [
    (WEBHOOK_PATH, {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}),
    (INBOUND_PATH, {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"}),
    ("/staff/login", {"Content-Type": "application/x-www-form-urlencoded"}),
]


@pytest.mark.parametrize(("path", "headers"), OPEN_POSTS, ids=["telegram", "twilio", "staff-login"])
def test_a_declared_huge_body_is_refused_from_the_headers_alone(
    server: ServerThread, path: str, headers: dict[str, str]
) -> None:
    status, sent = raw_post(server.url, path, {**headers, "Content-Length": str(HUGE)}, [])

    assert (status, sent) == (413, 0)
    assert httpx.get(f"{server.url}/healthz").status_code == 200


@pytest.mark.parametrize(("path", "headers"), OPEN_POSTS, ids=["telegram", "twilio", "staff-login"])
def test_a_streamed_body_is_refused_once_it_passes_the_cap(
    server: ServerThread, path: str, headers: dict[str, str]
) -> None:
    status, sent = raw_post(server.url, path, {**headers, "Transfer-Encoding": "chunked"}, chunked(HUGE))

    assert status == 413
    assert sent < 4 * MIB  # about 0.2 MiB here: what loopback buffers took before the 413 was seen
    assert httpx.get(f"{server.url}/healthz").status_code == 200


async def test_the_largest_real_telegram_update_still_goes_through(
    server: ServerThread, fakes: tuple[FakeTelegram, FakeTwilio]
) -> None:
    telegram, _ = fakes
    # Telegram's longest message, every character escaped in the JSON: about 25 KiB.
    update = json.dumps(telegram.user_message(4242, "é" * 4096), ensure_ascii=True).encode()
    assert len(update) > 24 * 1024
    async with httpx.AsyncClient(timeout=30) as http:
        headers = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
        response = await http.post(server.url + WEBHOOK_PATH, content=update, headers=headers)
    assert response.status_code == 200
    assert telegram.sent(4242)  # and it was answered


def test_a_content_length_that_is_not_a_number_is_refused(server: ServerThread) -> None:
    status, _ = raw_post(server.url, "/staff/login", {"Content-Length": "12abc"}, [])
    assert status == 400
