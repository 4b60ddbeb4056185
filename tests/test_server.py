"""``famsbot serve`` as a platform runs it: worker processes from WEB_CONCURRENCY, trusted proxies only."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from famsbot.config import Settings
from famsbot.store.database import Database
from tests.support.processes import serving

SPOOFED = "203.0.113.7"


def _sqlite(tmp_path: Path) -> dict[str, str]:
    return {"FAMSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/serve.db"}


@pytest.mark.postgres
def test_web_concurrency_runs_that_many_worker_processes_on_postgresql(request: pytest.FixtureRequest) -> None:
    database: Database = request.getfixturevalue("postgres_db")

    with serving({"FAMSBOT_DATABASE_URL": database.url, "WEB_CONCURRENCY": "2"}) as served:
        answers = [httpx.get(f"{served.url}/healthz").json() for _ in range(4)]

    assert answers == [{"status": "ok"}] * 4
    assert len(served.workers()) == 2, served.output
    assert served.process.pid not in served.workers()
    assert served.process.returncode == 0, served.output


def test_web_concurrency_on_sqlite_runs_one_process_and_says_why(tmp_path: Path) -> None:
    with serving({**_sqlite(tmp_path), "WEB_CONCURRENCY": "3"}) as served:
        health = httpx.get(f"{served.url}/healthz")

    assert health.json() == {"status": "ok"}
    assert served.workers() == {served.process.pid}  # uvicorn serves in the one process it started in
    assert "SQLite: running 1 web process, not 3" in served.output


@pytest.mark.parametrize(
    ("env", "believed"),
    [
        ({}, False),  # by default nobody's X-Forwarded-For is believed, not even loopback's
        ({"FAMSBOT_TRUSTED_PROXIES": "192.0.2.1, 10.0.0.0/8"}, False),  # a proxy, but not this caller
        ({"FAMSBOT_TRUSTED_PROXIES": "127.0.0.1"}, True),
        ({"FORWARDED_ALLOW_IPS": "127.0.0.0/8"}, True),  # uvicorn's own name for it works too
    ],
    ids=["nobody", "other-proxy", "trusted", "forwarded-allow-ips"],
)
def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(
    tmp_path: Path, env: dict[str, str], believed: bool
) -> None:
    with serving({**_sqlite(tmp_path), **env}) as served:
        response = httpx.get(f"{served.url}/healthz", headers={"X-Forwarded-For": SPOOFED})
    assert response.status_code == 200

    # uvicorn's access line for the last request shows the client address the app was given.
    access = [line for line in served.output.splitlines() if "uvicorn.access" in line][-1]
    assert (SPOOFED in access) is believed, access
    assert ("127.0.0.1" in access) is not believed, access


def test_a_mistyped_trusted_proxy_is_refused_not_silently_ignored() -> None:
    with pytest.raises(ValueError, match="'10.0.0.300' is not an IP address"):
        Settings(trusted_proxies="10.0.0.1, 10.0.0.300")
    assert Settings(trusted_proxies=" 10.0.0.1 , fd00::/8").trusted_proxies == ("10.0.0.1", "fd00::/8")
    assert Settings(trusted_proxies="*").trusted_proxies == ("*",)
    assert Settings().trusted_proxies == ()
