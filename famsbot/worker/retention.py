"""Forgetting what is no longer needed: every copy of a family's words, after a set time.

The periods live here, in ``PERIODS``, and nowhere else (the README's "Retention" section lists
them). What is cleared, and why it may be:

* ``inbound``: the text of a *handled* inbound message, after 7 days. The row (provider id, time)
  stays for de-duplication and counts; the replies stored with it (which may repeat the family's
  words) go with the text. Telegram redelivers an update for at most 24 hours and
  Twilio retries a webhook within seconds. Messages whose handling *failed* keep their text: it is
  the record staff need to follow up, and all there is.
* ``answers``: what the person typed in reply to a question (``Answer.reply``), after 30 days; the
  value understood from it stays. A conversation needs it only while it lasts.
* ``outbox``: the body of an outbox row that is finished (sent, delivered, failed, skipped…), after
  7 days. Rows linked to a concern keep theirs: the concern is the prison's safeguarding record and
  its timeline shows what was sent. A broadcast's text stays on the broadcast itself.

Seven days follows GOV.UK Notify's default retention of message content and RapidPro's channel
logs (messaging-platforms §3, §4.4). A concern keeps the family's words verbatim; "forget me"
(``store.privacy``) removes a person's rows whatever their age.

Each purge works in small batches found through a partial index that holds only the rows still to
be cleared (migration 0005), each batch its own short transaction: the cost does not grow with
history, and the SQLite writer lock is never held for long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text, update
from sqlmodel import col, select

from famsbot.store.database import Database
from famsbot.store.models import ANSWER_REPLY_KEPT, INBOUND_TEXT_KEPT, OUTBOX_BODY_KEPT, Answer, InboundMessage, Outbox

__all__ = ["BATCH", "PERIODS", "purge"]

PERIODS = {"inbound": timedelta(days=7), "answers": timedelta(days=30), "outbox": timedelta(days=7)}
BATCH = 500  # rows cleared per transaction
MAX_BATCHES = 200  # per round and kind: the rest waits a minute, so one round never runs for long


@dataclass(frozen=True, slots=True)
class _Kind:
    table: Any
    kept: str  # the partial index's predicate: the rows still holding words
    at: Any  # the time the period runs from
    clear: dict[str, Any]
    also: tuple[Any, ...] = ()


_KINDS = {
    "inbound": _Kind(InboundMessage, INBOUND_TEXT_KEPT, col(InboundMessage.received_at),
                     {"text": "", "replies": None}),
    "answers": _Kind(Answer, ANSWER_REPLY_KEPT, col(Answer.at), {"reply": ""}),
    "outbox": _Kind(Outbox, OUTBOX_BODY_KEPT, col(Outbox.created_at), {"body": ""},
                    (col(Outbox.concern_id).is_(None),)),
}  # fmt: skip


async def _purge_one(db: Database, kind: _Kind, cutoff: datetime, batch: int) -> int:
    table = kind.table
    chosen = select(table.id).where(text(kind.kept), kind.at < cutoff, *kind.also).limit(batch)
    cleared = 0
    for _ in range(MAX_BATCHES):
        async with db.transaction() as session:
            ids = list((await session.exec(chosen)).all())
            if ids:
                await session.exec(update(table).where(col(table.id).in_(ids)).values(**kind.clear))
        cleared += len(ids)
        if len(ids) < batch:
            break
    return cleared


async def purge(db: Database, now: datetime, *, batch: int = BATCH) -> dict[str, int]:
    """Clear every kind of kept words older than its period; how many rows of each were cleared."""
    cleared = {}
    for name, kind in _KINDS.items():
        cleared[name] = await _purge_one(db, kind, now - PERIODS[name], batch)
    return cleared
