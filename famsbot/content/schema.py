"""The shape of famsbot's content, validated when it is loaded.

Every fact a family is told (a phone number, a time, a list, a rule) carries ``source``: a seed
document's file name or a public page's URL. ``as_of`` says when that source was published, so a
reply can say how old the information is; ``note`` records where sources disagree or are dated.
A missing optional fact is ``None``: the bot then says it does not know and gives the booking line,
it never fills the gap.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "SEEDS",
    "Booking",
    "Event",
    "REQUIRED_FACTS",
    "REQUIRED_PHONES",
    "Fact",
    "FamilyDays",
    "National",
    "Phone",
    "Prison",
    "Session",
    "Timetable",
    "VisitAllowance",
]

# The source documents in ../shared/seeds/, cited by file name.
SEEDS = frozenset(
    {
        "farmer-review-recommendations-update-2019.txt",
        "hmp-maidstone-family-strategy.txt",
        "hmpps-family-strategy-guidance.txt",
        "hmpyoi-chelmsford-children-families-pathway.txt",
        "hmpyoi-stoke-heath-family-strategy-2022.txt",
    }
)
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Country = Literal["england", "wales", "scotland", "northern_ireland", "jersey", "guernsey", "isle_of_man"]
_UK_PHONE = re.compile(r"^(\+44 ?|0)[0-9 ]{9,13}$|^[0-9]{3}$|^[0-9]{3} [0-9]{3}$|^[0-9]{5}$")


def _check_source(value: str) -> str:
    if value in SEEDS or value.startswith(("https://", "http://")):
        return value
    raise ValueError(f"source {value!r} is neither a seed file ({', '.join(sorted(SEEDS))}) nor a URL")


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


Sources = Annotated[list[str], Field(min_length=1)]


class Sourced(BaseModel):
    """Anything stated to a family: where it comes from, when that was published, and any caveat."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Sources
    as_of: str | None = None
    note: str | None = None

    @field_validator("source", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return _as_list(value)

    @field_validator("source")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return [_check_source(v) for v in value]


class Fact(Sourced):
    """A short piece of plain-English information, as it will be said to a family."""

    text: str = Field(min_length=1)


class Phone(Sourced):
    """A phone line: the number as people dial it, and when it is answered."""

    number: str
    hours: str | None = None
    hours_cy: str | None = None  # the same hours worded in Welsh, for Welsh replies

    @field_validator("number")
    @classmethod
    def _uk_number(cls, value: str) -> str:
        if not _UK_PHONE.match(value):
            raise ValueError(f"{value!r} does not look like a UK phone number")
        return value


class Session(BaseModel):
    """One weekly visiting session."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day: Day
    start: time
    end: time
    label: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Session:
        if self.end <= self.start:
            raise ValueError(f"session on {self.day} ends ({self.end}) before it starts ({self.start})")
        return self


class Timetable(Sourced):
    """A weekly timetable (social visits, legal visits, video calls), in Europe/London time."""

    sessions: list[Session] = Field(min_length=1)


class Booking(BaseModel):
    """How to book a social visit at this prison."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    online: Fact
    phone: Phone
    email: Fact | None = None
    needs: Fact


class VisitAllowance(Sourced):
    """Social visits a month by incentive (IEP) level."""

    basic: int = Field(ge=0)
    standard: int = Field(ge=0)
    enhanced: int = Field(ge=0)


class Event(Sourced):
    """A dated family day or event."""

    date: str  # ISO date, YYYY-MM-DD
    title: str

    @field_validator("date")
    @classmethod
    def _iso(cls, value: str) -> str:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(f"event date {value!r} is not YYYY-MM-DD")
        return value


class FamilyDays(BaseModel):
    """Family days: what they are, who may come, how to apply, and any dated events."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    about: Fact
    run_by: Fact  # who runs them and sends the notices: consent must name the sender (ICO)
    eligibility: Fact | None = None
    how_to_apply: Fact | None = None
    events: list[Event] = Field(default_factory=list)


class Prison(BaseModel):
    """One prison's facts. Required fields are the ones every reply can fall back on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z-]*$")
    name: str
    code: str = Field(pattern=r"^[A-Z]{3}$")  # concern reference prefix, e.g. MAI-7K3Q
    aliases: list[str] = Field(default_factory=list)
    towns: list[str] = Field(default_factory=list)
    country: Country
    published: Fact  # what the main seed is and when it was published
    address: Fact
    switchboard: Phone  # for imminent risk: ask for the Orderly Officer
    safer_custody: Phone | None = None
    booking: Booking
    visiting_times: Timetable | None = None
    visitors_centre: Fact | None = None
    id_rules: Fact | None = None
    arrive_early: Fact | None = None
    visits_per_month: VisitAllowance | None = None
    video_calls: Fact | None = None
    legal_visits: Fact | None = None
    family_days: FamilyDays | None = None
    first_visit: Fact | None = None
    care_leavers: Fact | None = None
    family_services: Fact | None = None


class National(BaseModel):
    """Facts that hold for every prison: emergency and support lines, national booking and ID rules.

    Kept as named maps so that a flow asks for ``phones["samaritans"]`` and the loader can check
    that every name a flow relies on exists (``REQUIRED_PHONES``, ``REQUIRED_FACTS``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    phones: dict[str, Phone]
    facts: dict[str, Fact]


REQUIRED_PHONES = frozenset(
    {"emergency", "samaritans", "families_helpline", "unwanted_contact", "nhs_mental_health"}
)
REQUIRED_FACTS = frozenset({"book_online", "id_rules", "shout", "apvs_claim"})
