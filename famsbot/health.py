"""Is the service ready, and is anyone delivering? What ``/readyz`` answers and ``famsbot status`` prints.

Ready means the database answers and its schema is at the code's migration head: a web process can
serve. Beside that verdict, what an operator needs to see at a glance: the version and git commit
running, how long the oldest message due for sending has waited (a growing age means delivery is
stuck or behind), and how long ago a worker last said it was alive (``worker.heartbeat``). Those two
are reported, not judged: the web can serve while the worker restarts.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from famsbot.delivery.status import QUEUED
from famsbot.store.database import Database
from famsbot.store.migrate import migration_head, migration_state
from famsbot.store.models import Outbox
from famsbot.worker.heartbeat import latest_beat

__all__ = ["Readiness", "check", "git_commit", "running_version"]

COMMIT_VARIABLES = ("FAMSBOT_GIT_COMMIT", "SOURCE_VERSION", "GIT_COMMIT")  # ours, Heroku's, common CI


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    version: str
    commit: str | None
    database: str  # "ok" or "unreachable"
    migration: str | None  # the database's revision
    migration_head: str
    oldest_undelivered_age_seconds: float | None  # the oldest outbox row due and not yet sent
    worker_heartbeat_age_seconds: float | None  # since a worker last beat; None: no worker has run

    def as_json(self) -> dict[str, Any]:
        return {"status": "ready" if self.ready else "unavailable", **asdict(self)}


def running_version() -> str:
    try:
        return version("famsbot")
    except PackageNotFoundError:
        return "unknown"


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit deployed: from the platform's variable, else from the checkout (once), else ``None``."""
    for name in COMMIT_VARIABLES:
        if value := os.environ.get(name, "").strip():
            return value[:40]
    try:
        found = subprocess.run(  # noqa: S603 - a fixed command, no input
            ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH, as a developer runs it
            cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=2, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout.strip() or None


async def _ages(db: Database, now: datetime) -> tuple[float | None, float | None]:
    due = select(func.min(col(Outbox.created_at))).where(
        col(Outbox.status) == QUEUED, col(Outbox.next_attempt_at) <= now
    )  # the partial index ix_outbox_due holds just these rows
    async with db.transaction() as session:
        oldest = (await session.exec(due)).first()
    beat = await latest_beat(db)
    return (
        (now - oldest).total_seconds() if oldest is not None else None,
        (now - beat.beat_at).total_seconds() if beat is not None else None,
    )


async def check(db: Database, now: datetime) -> Readiness:
    """Look at the database once; never raises (an unreachable database is the answer "not ready")."""
    current: str | None = None
    head = migration_head()
    oldest = beat = None
    try:
        current, head = await migration_state(db)
        if current == head:
            oldest, beat = await _ages(db, now)
        reachable = True
    except Exception:  # noqa: BLE001 - any failure to ask means "not ready"
        reachable = False
    return Readiness(
        ready=reachable and current == head, version=running_version(), commit=git_commit(),
        database="ok" if reachable else "unreachable", migration=current, migration_head=head,
        oldest_undelivered_age_seconds=oldest, worker_heartbeat_age_seconds=beat,
    )  # fmt: skip
