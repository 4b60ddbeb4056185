"""The spool: where a message is kept when the database cannot take it, until it can.

A family's message must never be lost because the database is down, locked or cut off, least of
all an urgent one. When a turn cannot be stored, and the message cannot even be kept as a failed
inbound row, the engine writes it here: one small JSON file per message in ``FAMSBOT_SPOOL_DIR``,
written to a temporary name, ``fsync``'d, renamed into place and the directory ``fsync``'d, so a
message the family was told is kept survives a crash or a power cut of this machine.

A file is named by the message's channel and provider id (a hash, not the id itself), so a provider
that retries the same message while the database is still down finds it already kept: the engine
then knows the emergency route was given and does not send it again. Once the database takes the
message (the web app's replayer, ``famsbot.web.replay``, or the provider's own retry, whichever comes
first), the file is removed; the database's de-duplication makes the other one a no-op.

What a file holds is the family's own words: the directory is created ``0700`` and each file
``0600``. It must be on a persistent disk of the machine that runs ``famsbot serve`` (not a
platform's ephemeral filesystem, where a restart empties it).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from famsbot.dialogue.messages import Inbound

__all__ = ["Spool", "Spooled"]

log = logging.getLogger(__name__)
SUFFIX = ".json"
Kept = Literal["new", "again"]


@dataclass(frozen=True, slots=True)
class Spooled:
    """A message kept in the spool: the message, when it came, and whether the route was given."""

    inbound: Inbound
    received_at: datetime
    route_given: bool
    path: Path


def _name(channel: str, provider_id: str) -> str:
    return hashlib.sha256(f"{channel}:{provider_id}".encode()).hexdigest()[:40] + SUFFIX


class Spool:
    """A directory of kept messages. Safe for several processes on one machine to share."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def keep(self, inbound: Inbound, received_at: datetime, *, route_given: bool) -> tuple[Kept, Inbound]:
        """Write ``inbound`` durably; ``"again"`` if this message is kept already (a provider retry).

        A message without a provider id (the console) is given one, so that replaying it is
        de-duplicated like any other. Returns the message as kept. Raises ``OSError`` if the disk
        will not take it either.
        """
        if inbound.provider_id is None:
            inbound = Inbound(inbound.channel, inbound.address, inbound.text, f"spool:{uuid.uuid4().hex}",
                              inbound.option)  # fmt: skip
        assert inbound.provider_id is not None  # noqa: S101 - set just above
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.directory / _name(inbound.channel, inbound.provider_id)
        if path.exists():
            return "again", inbound
        record = {
            "channel": inbound.channel, "address": inbound.address, "text": inbound.text,
            "provider_id": inbound.provider_id, "option": inbound.option,
            "received_at": received_at.isoformat(), "route_given": route_given,
        }  # fmt: skip
        temporary = self.directory / f".{path.name}.{uuid.uuid4().hex}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(descriptor, json.dumps(record).encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
        self._sync_directory()
        return "new", inbound

    def find(self, channel: str, provider_id: str | None) -> Spooled | None:
        """The kept copy of this message, if there is one."""
        if provider_id is None:
            return None
        path = self.directory / _name(channel, provider_id)
        return _read(path) if path.exists() else None

    def remove(self, entry: Spooled) -> None:
        """The database has the message now: forget the kept copy."""
        with contextlib.suppress(FileNotFoundError):
            entry.path.unlink()
            self._sync_directory()

    def pending(self) -> list[Spooled]:
        """Every kept message, oldest first (so one person's messages are replayed in order)."""
        if not self.directory.is_dir():
            return []
        entries = [entry for path in self.directory.glob(f"*{SUFFIX}") if (entry := _read(path)) is not None]
        return sorted(entries, key=lambda entry: (entry.received_at, entry.path.name))

    @contextlib.contextmanager
    def claimed(self, entry: Spooled) -> Iterator[bool]:
        """Hold the entry while it is replayed: ``False`` if another process is replaying it."""
        try:
            descriptor = os.open(entry.path, os.O_RDONLY)
        except FileNotFoundError:
            yield False
            return
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(descriptor)

    def _sync_directory(self) -> None:
        descriptor = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _read(path: Path) -> Spooled | None:
    try:
        record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None  # replayed by another process meanwhile
    except (OSError, ValueError):
        log.exception("a spooled message cannot be read: %s", path.name)
        return None
    inbound = Inbound(record["channel"], record["address"], record["text"], record["provider_id"], record["option"])
    received_at = datetime.fromisoformat(record["received_at"])
    return Spooled(inbound, received_at, bool(record["route_given"]), path)
