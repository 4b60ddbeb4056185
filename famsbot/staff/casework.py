"""Finding concerns in the console: search, filters, sorting and pages, always within the person's scope.

The safer custody inbox (``famsbot.concerns.inbox``) answers "what is waiting, most urgent first";
this answers the officer's other questions: *where is the concern about Daniel Evans?*, *what have
I got?*, *what has nobody picked up?*, *what came in last week?*. Every query starts from
:func:`famsbot.concerns.access.visible_to`, so a search can never reach another prison.

A phone number is matched however it was typed (``07700 900123``, ``+44 7700 900123``): on its
last ten digits, against the family's contact and the call-back number they gave.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from sqlalchemy import and_, false, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.clock import LONDON
from famsbot.concerns.access import in_triage, require_concern_role, visible_to
from famsbot.concerns.inbox import STATUS_FILTERS, TRIAGE_QUEUE, InboxRow
from famsbot.config import Settings
from famsbot.content.loader import get_content
from famsbot.staff.roles import ADMIN
from famsbot.store.models import Concern, Contact, StaffUser

__all__ = ["PAGE_SIZE", "SHOWS", "SORTS", "Found", "Search", "find", "find_all", "parse_day", "search_from"]

PAGE_SIZE: Final = 50
MAX_EXPORT: Final = 50_000
MAX_QUERY: Final = 100
SORTS: Final = {
    "priority": "Urgent first, then longest waiting",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "reference": "Reference",
}
SHOWS: Final = {
    "everyone": "Everyone's",
    "mine": "Mine",
    "unassigned": "Nobody's yet",
    "overdue": "Overdue",
}
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class Search:
    """What the officer asked for; unknown values fall back to the defaults rather than failing."""

    q: str = ""
    status: str = "open"
    show: str = "everyone"
    sort: str = "priority"
    prison: str | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1

    def cleaned(self) -> Search:
        return replace(
            self, q=self.q.strip()[:MAX_QUERY], status=self.status if self.status in STATUS_FILTERS else "open",
            show=self.show if self.show in SHOWS else "everyone", sort=self.sort if self.sort in SORTS else "priority",
            page=min(max(self.page, 1), 100_000),
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The query string for this search (with ``changes``), for links and the refresh."""
        chosen = replace(self, **changes)
        values = {"q": chosen.q, "status": chosen.status, "show": chosen.show, "sort": chosen.sort,
                  "prison": chosen.prison or "", "since": chosen.since.isoformat() if chosen.since else "",
                  "until": chosen.until.isoformat() if chosen.until else "", "page": str(chosen.page)}
        defaults = {"show": "everyone", "sort": "priority", "page": "1"}
        return {k: v for k, v in values.items() if v and defaults.get(k) != v}


@dataclass(frozen=True)
class Found:
    rows: list[InboxRow]
    total: int
    search: Search

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.search.page - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return min(self.total, self.search.page * PAGE_SIZE)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _prison_filter(prison: str | None) -> str | None:
    """The triage queue, or any prison in the directory by id or NOMIS code (``WWI`` → ``wandsworth``)."""
    if prison == TRIAGE_QUEUE:
        return prison
    place = get_content().place(prison) if prison else None
    return place.id if place else None


def search_from(params: Mapping[str, str], staff: StaffUser) -> Search:
    """The search in an address's query string; anything unknown falls back to a default, never an error."""
    prison = params.get("prison")
    page = params.get("page", "1")
    return Search(
        q=params.get("q", ""), status=params.get("status", "open"), show=params.get("show", "everyone"),
        sort=params.get("sort", "priority"),
        prison=_prison_filter(prison) if staff.role == ADMIN else None,
        since=parse_day(params.get("since")), until=parse_day(params.get("until")),
        page=int(page) if page.isdigit() and len(page) < 7 else 1,
    ).cleaned()


def parse_day(value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` date from a form, or ``None`` for anything else."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


def _text_match(q: str, owner: Any) -> Any:
    like = f"%{q.lower()}%"
    matches = [func.lower(Concern.reference).like(like), func.lower(col(Concern.prisoner_name)).like(like),
               func.lower(col(Concern.prisoner_number)).like(like), func.lower(owner.email).like(like)]
    digits = "".join(_DIGITS.findall(q))
    if len(digits) >= 6:
        tail = f"%{digits[-10:]}%"
        spaced = func.replace(func.replace(func.replace(col(Concern.callback), " ", ""), "-", ""), "+", "")
        matches += [col(Contact.address).like(tail), spaced.like(tail)]
    return or_(*matches)


def _overdue(now: datetime, settings: Settings) -> Any:
    return and_(
        col(Concern.status) == "new",
        or_(
            and_(col(Concern.urgent).is_(True),
                 col(Concern.created_at) < now - timedelta(minutes=settings.urgent_ack_minutes)),
            and_(col(Concern.urgent).is_(False),
                 col(Concern.created_at) < now - timedelta(hours=settings.concern_ack_hours)),
        ),
    )


def _order(sort: str, status: str) -> list[Any]:
    if sort == "newest":
        return [col(Concern.created_at).desc(), col(Concern.id).desc()]
    if sort == "oldest":
        return [col(Concern.created_at), col(Concern.id)]
    if sort == "reference":
        return [col(Concern.reference)]
    if status == "closed":
        return [col(Concern.closed_at).desc(), col(Concern.id).desc()]
    return [col(Concern.urgent).desc(), col(Concern.created_at), col(Concern.id)]


def _matching(staff: StaffUser, search: Search, now: datetime, settings: Settings) -> Any:
    require_concern_role(staff)
    owner = aliased(StaffUser)
    where: list[Any] = [visible_to(staff), col(Concern.status).in_(STATUS_FILTERS[search.status])]
    if search.prison == TRIAGE_QUEUE:
        where.append(in_triage())
    elif search.prison:
        where.append(Concern.prison_id == search.prison)
    if search.q:
        where.append(_text_match(search.q, owner))
    if search.show == "mine":
        where.append(Concern.owner_id == staff.id if staff.id is not None else false())
    elif search.show == "unassigned":
        where.append(col(Concern.owner_id).is_(None))
    elif search.show == "overdue":
        where.append(_overdue(now, settings))
    if search.since:
        where.append(col(Concern.created_at) >= _london_midnight(search.since))
    if search.until:
        where.append(col(Concern.created_at) < _london_midnight(search.until + timedelta(days=1)))
    return (
        select(Concern, owner.email)
        .outerjoin(owner, col(owner.id) == Concern.owner_id)
        .outerjoin(Contact, col(Contact.id) == Concern.contact_id)
        .where(*where)
    )


async def find(session: AsyncSession, staff: StaffUser, search: Search, *, now: datetime,
               settings: Settings) -> Found:
    """One page of the concerns ``staff`` may see that match ``search``, and how many match in all."""
    search = search.cleaned()
    base = _matching(staff, search, now, settings)
    total = (await session.exec(select(func.count()).select_from(base.subquery()))).one()
    query = base.order_by(*_order(search.sort, search.status))
    query = query.offset((search.page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    rows = [InboxRow(concern, email) for concern, email in (await session.exec(query)).all()]
    return Found(rows, int(total), search)


async def find_all(session: AsyncSession, staff: StaffUser, search: Search, *, now: datetime, settings: Settings,
                   limit: int = MAX_EXPORT) -> list[InboxRow]:
    """Every match (up to ``limit``), oldest first: for the CSV export and the report."""
    search = search.cleaned()
    query = _matching(staff, search, now, settings).order_by(col(Concern.created_at), col(Concern.id)).limit(limit)
    return [InboxRow(concern, email) for concern, email in (await session.exec(query)).all()]
