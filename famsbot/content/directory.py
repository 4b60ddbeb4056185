"""The national prison directory: every prison (or bookable site) in England and Wales.

Made by ``famsbot content import-prisons`` (``content/importer.py``) from public Ministry of Justice
data, with hand-written facts (the three seed prisons' files, ``directory/overrides.yaml``) taking
precedence. It is the project's own derived data, in its own schema: every fact carries ``source``
and ``as_of``, and ``missing`` names what no source gives, so nothing is ever filled in by guesswork.

Read at start-up as one JSON file (fast: no YAML parsing of 130 records on every process start).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from famsbot.content.schema import Fact, Phone, Sourced, Timetable

__all__ = [
    "DIRECTORY_FILE",
    "Directory",
    "DirectoryBooking",
    "DirectoryPrison",
    "Flag",
    "Number",
    "UnbookableDates",
    "load_directory",
]

DIRECTORY_FILE = Path(__file__).parent / "directory" / "prisons.json"
Country = Literal["england", "wales"]


class Flag(Sourced):
    """A yes/no fact, e.g. whether the prison takes bookings through the online service."""

    value: bool


class Number(Sourced):
    """A whole-number fact: adult age, days' notice needed, how far ahead bookings open."""

    value: int = Field(ge=0)


class UnbookableDates(Sourced):
    """Dates with no social visits (ISO dates), as the booking data lists them."""

    dates: list[str]


class DirectoryBooking(BaseModel):
    """How a social visit is booked. Any part may be unknown (``None``): then it is in ``missing``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    online: Flag | None = None
    phone: Phone | None = None
    email: Fact | None = None


class DirectoryPrison(BaseModel):
    """One prison, or one bookable site of a prison (Bullingdon convicted / remand)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z-]*$")
    nomis_id: str = Field(pattern=r"^[A-Z][A-Z0-9]{2,4}$")
    name: str
    short_name: str
    group: str = Field(pattern=r"^[a-z][a-z-]*$")  # shared by the sites of one prison ("bullingdon")
    site: str | None = None
    name_cy: str | None = None
    status: Literal["open", "closed"]
    country: Country
    types: list[str] = Field(default_factory=list)
    operator: str | None = None
    contracted: bool = False
    aliases: list[str] = Field(default_factory=list)
    towns: list[str] = Field(default_factory=list)
    weak_names: list[str] = Field(default_factory=list)  # everyday words ("send"): need "HMP"/"prison" beside
    site_words: list[str] = Field(default_factory=list)  # pick this site among its group ("remand")
    finder_slug: str | None = None
    address: Fact | None = None
    address_cy: Fact | None = None
    booking: DirectoryBooking = DirectoryBooking()
    sessions: Timetable | None = None
    visiting_times_text: Fact | None = None  # only a gov.uk copy gives times, as words
    unbookable: UnbookableDates | None = None
    lead_days: Number | None = None
    booking_window: Number | None = None
    adult_age: Number | None = None
    switchboard: Phone | None = None
    safer_custody: Phone | None = None
    visitors_centre: Fact | None = None
    closed_note: Fact | None = None
    seed: str | None = None  # id of the hand-written prisons/<id>.yaml that says more
    missing: list[str] = Field(default_factory=list)
    gaps: dict[str, str] = Field(default_factory=dict)  # why a fact is missing, where a source says
    source: list[str] = Field(min_length=1)
    as_of: str

    @property
    def gov_uk_page(self) -> str | None:
        return f"https://www.gov.uk/guidance/{self.finder_slug}" if self.finder_slug else None

    @property
    def open(self) -> bool:
        return self.status == "open"


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    about: str
    prisons: list[DirectoryPrison]


class Directory:
    """Every prison by id, with NOMIS codes and shared names resolved; built once per process."""

    def __init__(self, prisons: list[DirectoryPrison]) -> None:
        self._by_id = {p.id: p for p in prisons}
        self._by_code: dict[str, list[DirectoryPrison]] = {}
        self._by_group: dict[str, list[DirectoryPrison]] = {}
        for prison in prisons:
            self._by_code.setdefault(prison.nomis_id, []).append(prison)
            self._by_group.setdefault(prison.group, []).append(prison)

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[DirectoryPrison]:
        return iter(self._by_id.values())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)

    def resolve(self, key: str) -> list[DirectoryPrison]:
        """Every entry ``key`` names: an id, a NOMIS code (any case), or a prison's shared group id."""
        key = key.strip()
        if key in self._by_id:
            return [self._by_id[key]]
        code = key.upper()
        if code in self._by_code:
            return list(self._by_code[code])
        return list(self._by_group.get(key.lower(), []))

    def get(self, key: str) -> DirectoryPrison | None:
        """The one entry ``key`` names, or ``None`` when it names none or several sites."""
        found = self.resolve(key)
        return found[0] if len(found) == 1 else None

    def canonical(self, key: str) -> str | None:
        """The id for an id or NOMIS code (``MSI`` → ``maidstone``), or ``None``."""
        prison = self.get(key)
        return prison.id if prison else None

    def siblings(self, prison: DirectoryPrison) -> list[DirectoryPrison]:
        return list(self._by_group.get(prison.group, [prison]))


def load_directory(path: Path = DIRECTORY_FILE, problems: list[str] | None = None) -> Directory:
    """Read and validate the directory; problems are appended to ``problems`` (or raised)."""
    collected: list[str] = [] if problems is None else problems
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        parsed = _File.model_validate(data)
    except (OSError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            collected.extend(
                f"directory/{path.name}: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
                for err in exc.errors()
            )
        else:
            collected.append(f"directory/{path.name}: cannot be read: {exc}")
        if problems is None:
            from famsbot.errors import ContentError

            raise ContentError(collected) from exc
        return Directory([])
    ids = [p.id for p in parsed.prisons]
    if len(set(ids)) != len(ids):
        collected.append("directory/prisons.json: prison ids must be unique")
    return Directory(parsed.prisons)
