"""Records that leave the console: a CSV of concerns, and a simple report per prison.

The CSV is for the prison's own systems (ACCT and NOMIS notes), subject access requests and FOI
answers: one row per concern, the times in UK time, and nothing a spreadsheet would run as a
formula (a cell starting ``=``, ``+``, ``-`` or ``@`` is prefixed with ``'``).

The report answers the questions a safer custody lead is asked: how many concerns, how quickly
they were acknowledged and given an outcome, and how many missed the acknowledgement deadline.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.clock import to_london
from famsbot.concerns.actions import OUTCOMES
from famsbot.concerns.inbox import InboxRow, ack_deadline
from famsbot.config import Settings
from famsbot.store.models import Concern, ConcernEvent

__all__ = ["COLUMNS", "PrisonReport", "concerns_csv", "report"]

COLUMNS = ("reference", "prison", "urgent", "status", "raised", "acknowledged", "owner", "outcome",
           "outcome reasons or note", "closed", "prisoner name", "prison number")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _when(at: datetime | None) -> str:
    return f"{to_london(at):%Y-%m-%d %H:%M}" if at else ""


def concerns_csv(rows: Iterable[InboxRow], prison_names: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        c = row.concern
        writer.writerow([_cell(v) for v in (
            c.reference, prison_names.get(c.prison_id or "", c.prison_id or "not known"), "yes" if c.urgent else "no",
            c.status, _when(c.created_at), _when(c.acknowledged_at), row.owner or "",
            OUTCOMES.get(c.outcome or "", c.outcome or ""), c.outcome_note or "", _when(c.closed_at),
            c.prisoner_name or "", c.prisoner_number or "",
        )])
    return out.getvalue()


@dataclass(frozen=True)
class PrisonReport:
    prison_id: str | None
    total: int
    urgent: int
    closed: int
    median_to_acknowledge: timedelta | None
    median_to_outcome: timedelta | None
    late: int  # acknowledged after the deadline, or still waiting past it


def _median(values: Sequence[timedelta]) -> timedelta | None:
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values)) if values else None


async def _first_outcomes(session: AsyncSession, ids: list[int]) -> dict[int, datetime]:
    if not ids:
        return {}
    query = select(ConcernEvent.concern_id, ConcernEvent.at).where(
        col(ConcernEvent.concern_id).in_(ids), ConcernEvent.kind == "outcome"
    )
    first: dict[int, datetime] = {}
    for concern_id, at in (await session.exec(query)).all():
        first[concern_id] = min(at, first.get(concern_id, at))
    return first


async def report(session: AsyncSession, concerns: Sequence[Concern], *, now: datetime,
                 settings: Settings) -> list[PrisonReport]:
    """One line per prison for ``concerns`` (already scoped and filtered by the caller)."""
    outcomes = await _first_outcomes(session, [c.id for c in concerns if c.id is not None])
    by_prison: dict[str | None, list[Concern]] = {}
    for concern in concerns:
        by_prison.setdefault(concern.prison_id, []).append(concern)
    lines = []
    for prison_id, group in sorted(by_prison.items(), key=lambda item: item[0] or "~"):
        to_ack = [c.acknowledged_at - c.created_at for c in group if c.acknowledged_at]
        to_outcome = [outcomes[c.id] - c.created_at for c in group if c.id in outcomes]
        late = sum(1 for c in group if (c.acknowledged_at or now) > ack_deadline(c, settings))
        lines.append(PrisonReport(prison_id, len(group), sum(c.urgent for c in group),
                                  sum(c.status == "closed" for c in group), _median(to_ack), _median(to_outcome),
                                  late))
    return lines
