"""The tables famsbot keeps, and why each exists.

Every timestamp is timezone-aware UTC (sqlmodel 0.0.50 refuses naive ones). JSON columns hold only
genuinely free-form data; anything we filter on (prison, status, channel) is a real column with an
index. JSON values are reassigned, never mutated in place: in-place edits are silently lost.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine
from sqlmodel import Field, SQLModel

__all__ = [
    "Answer",
    "Broadcast",
    "Concern",
    "ConcernEvent",
    "ConsentRecord",
    "Contact",
    "Conversation",
    "InboundMessage",
    "Outbox",
    "PeriodicLease",
    "RateSlot",
    "SecurityEvent",
    "StaffSession",
    "StaffUser",
    "Subscription",
    "WorkerBeat",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


def portable_json() -> TypeEngine[Any]:
    """JSON on SQLite, JSONB on PostgreSQL; a new type object per column (shared ones misbehave)."""
    return JSON().with_variant(JSONB(), "postgresql")


def json_column() -> Any:
    return Column(portable_json(), nullable=False)


def text_column(nullable: bool = True) -> Any:
    return Column(Text(), nullable=nullable)


class Contact(SQLModel, table=True):
    """One person on one channel: a phone number on SMS, a chat on Telegram, a console session.

    Kept to what the service needs: no names, no birth dates. ``opted_out_at`` means nothing more is
    sent to them but the confirmation; ``unreachable_at`` means the provider told us they cannot be
    reached (a blocked bot, an invalid number).
    """

    __table_args__ = (UniqueConstraint("channel", "address", name="uq_contact_channel_address"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16, index=True)
    address: str = Field(max_length=64)
    prison_id: str | None = Field(default=None, max_length=32, index=True)
    language: str = Field(default="en", max_length=8)
    opted_out_at: datetime | None = None
    unreachable_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)


class Conversation(SQLModel, table=True):
    """Where a contact is in a conversation: the flow, its state, the answers so far, and the way back.

    One per contact. This row is read and written under a lock (``BEGIN IMMEDIATE`` on SQLite,
    ``SELECT … FOR UPDATE`` on PostgreSQL) so two messages from one person never interleave.
    """

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", unique=True, ondelete="CASCADE")
    flow: str = Field(default="menu", max_length=32)
    state: str = Field(default="start", max_length=64)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    history: list[str] = Field(default_factory=list, sa_column=json_column())
    # An engine-level question waiting for an answer, outside any flow: "carry on or start again?"
    # after a long silence, or "switch to help with travel costs?" after an off-topic message.
    pending: dict[str, Any] | None = Field(default=None, sa_column=Column(portable_json(), nullable=True))
    version: int = 0
    started_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Answer(SQLModel, table=True):
    """One question and the reply to it, as the person saw and typed it, with the value understood."""

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    flow: str = Field(max_length=32)
    state: str = Field(max_length=64)
    question: str = Field(sa_column=text_column(nullable=False))
    reply: str = Field(sa_column=text_column(nullable=False))
    value: Any = Field(default=None, sa_column=Column(portable_json(), nullable=True))
    at: datetime = Field(default_factory=utcnow, index=True)


class InboundMessage(SQLModel, table=True):
    """Every message received: the provider's id de-duplicates retries; the text means nothing is lost.

    ``status`` is ``handled`` once the engine committed its work, or ``failed`` when handling
    raised: the text is then kept so staff can see it (never silently dropped). ``provider_id`` is
    a SHA-256 of the channel and the provider's id (``store.conversations.provider_key``); after
    "forget me" the row stays, unlinked and emptied, so a replayed old request is still recognised.
    ``replies`` are the replies the turn produced, sent again if the provider retries after a
    crash between commit and reply; ``replayed`` marks a message replayed from the spool, whose
    replies went out through the outbox (a provider's later retry then gets nothing more).
    """

    __table_args__ = (UniqueConstraint("channel", "provider_id", name="uq_inbound_channel_provider_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    provider_id: str | None = Field(default=None, max_length=128)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True, ondelete="CASCADE")
    text: str = Field(default="", sa_column=text_column(nullable=False))
    status: str = Field(default="handled", max_length=16)
    error: str | None = Field(default=None, sa_column=text_column())
    received_at: datetime = Field(default_factory=utcnow, index=True)
    replies: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(portable_json(), nullable=True))
    replayed: bool = False


class Subscription(SQLModel, table=True):
    """A contact's current choice about a prison's family-day and events notices."""

    __table_args__ = (UniqueConstraint("contact_id", "prison_id", "topic", name="uq_subscription"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    prison_id: str = Field(max_length=32, index=True)
    topic: str = Field(default="family_days", max_length=32)
    active: bool = True
    opted_in_at: datetime = Field(default_factory=utcnow)
    opted_out_at: datetime | None = None


class ConsentRecord(SQLModel, table=True):
    """An append-only record of consent given or withdrawn: when, on which channel, and the exact wording.

    Charity event messages are direct marketing under UK rules, so the proof of consent is kept
    as durably as the opt-out.
    """

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True, ondelete="SET NULL")
    subject: str = Field(max_length=64)  # e.g. "notices:maidstone", "all_messages"
    action: str = Field(max_length=16)  # "opt_in" | "opt_out"
    channel: str = Field(max_length=16)
    wording: str = Field(sa_column=text_column(nullable=False))
    at: datetime = Field(default_factory=utcnow, index=True)


class StaffUser(SQLModel, table=True):
    """A member of staff: safer custody or PACT for one prison, or an admin for all."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=256)
    role: str = Field(max_length=16)  # "safer_custody" | "pact" | "admin"
    prison_id: str | None = Field(default=None, max_length=32, index=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None
    totp_secret: str | None = Field(default=None, max_length=64)  # set once two-factor sign-in is confirmed
    must_change_password: bool = False  # signed in with a one-time code from an admin: choose a password first


class StaffSession(SQLModel, table=True):
    """A server-side login session: only the SHA-256 of the cookie token is stored, so it can be revoked."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    staff_id: int = Field(foreign_key="staffuser.id", index=True, ondelete="CASCADE")
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class SecurityEvent(SQLModel, table=True):
    """The console's security audit trail: sign-ins, failures, slow-downs and account changes.

    ``email`` is the account concerned (as typed, for a failed sign-in to an unknown one), ``actor``
    who did it (the same person, or the admin who changed their account), ``address`` where from.
    The login throttle counts recent failures here, so every web worker sees the same counts.
    """

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    kind: str = Field(max_length=32, index=True)
    email: str = Field(default="", max_length=254, index=True)
    actor: str = Field(default="", max_length=254)
    address: str = Field(default="", max_length=64, index=True)
    detail: str | None = Field(default=None, sa_column=text_column())


class Concern(SQLModel, table=True):
    """A welfare concern raised by a family, routed to one prison's safer custody team.

    The family's own words are kept verbatim. ``urgent`` concerns come from the risk gate or from
    "someone is in danger right now". The contact link is cleared if the family asks to be forgotten;
    the concern itself is the prison's safeguarding record and stays.
    """

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=16, unique=True)
    prison_id: str | None = Field(default=None, max_length=32, index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True, ondelete="SET NULL")
    channel: str = Field(max_length=16)
    urgent: bool = Field(default=False, index=True)
    source: str = Field(default="flow", max_length=16)  # "flow" | "risk_gate"
    status: str = Field(default="new", max_length=16, index=True)  # new | acknowledged | closed
    prisoner_name: str | None = Field(default=None, max_length=200)
    prisoner_number: str | None = Field(default=None, max_length=16)
    verbatim: str = Field(default="", sa_column=text_column(nullable=False))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    signals: list[str] = Field(default_factory=list, sa_column=json_column())
    danger_now: bool | None = None
    consent_to_share: bool | None = None
    callback: str | None = Field(default=None, max_length=200)
    owner_id: int | None = Field(default=None, foreign_key="staffuser.id", ondelete="SET NULL")
    outcome: str | None = Field(default=None, max_length=32)
    outcome_note: str | None = Field(default=None, sa_column=text_column())
    created_at: datetime = Field(default_factory=utcnow, index=True)
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None
    escalated_at: datetime | None = None
    last_alert_at: datetime | None = None
    # Who was alerted: "prison" (its own safer custody target), "national" (the national triage
    # target, "*"), or "console" (no target configured: only the console's triage inbox sees it).
    routed_to: str | None = Field(default=None, max_length=16, index=True)


class ConcernEvent(SQLModel, table=True):
    """The append-only audit trail of a concern: who did what, and when."""

    id: int | None = Field(default=None, primary_key=True)
    concern_id: int = Field(foreign_key="concern.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = Field(default=None, foreign_key="staffuser.id", ondelete="SET NULL")
    actor: str = Field(default="bot", max_length=254)  # staff email, "bot", "family", "system"
    kind: str = Field(max_length=32)  # created, alerted, acknowledged, note, outcome, message, closed, escalated
    note: str | None = Field(default=None, sa_column=text_column())
    data: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


class Broadcast(SQLModel, table=True):
    """A family-day notice sent by PACT staff to the families who opted in for one prison.

    The permanent record of who sent what, when, to how many: kept after every message has gone
    (its outbox rows say what happened to each family). ``send_at`` is when sending starts, after
    any quiet-hours deferral; ``request_key`` comes from the composer's form, so a double click or a
    retried request creates one broadcast, not two.
    """

    id: int | None = Field(default=None, primary_key=True)
    prison_id: str = Field(max_length=32, index=True)
    body: str = Field(sa_column=text_column(nullable=False))
    created_by: int | None = Field(default=None, foreign_key="staffuser.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    send_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default="scheduled", max_length=16)  # scheduled | sending | done | cancelled
    recipients: int = 0
    cancelled_at: datetime | None = None
    cancelled_by: int | None = Field(default=None, foreign_key="staffuser.id", ondelete="SET NULL")
    finished_at: datetime | None = None
    request_key: str | None = Field(default=None, max_length=64, unique=True)


class Outbox(SQLModel, table=True):
    """One message to send that is not the direct reply: alerts, feedback to families, broadcasts.

    Written in the same transaction as the business change, so a concern is never stored without
    its alert. ``dedupe_key`` makes re-running safe; the lease lets several workers share the work
    without sending a row twice; ``provider_id`` and ``status`` hold the delivery receipt.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True)  # alert | escalation | feedback | broadcast | followup
    channel: str = Field(max_length=16)
    address: str = Field(max_length=64)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True, ondelete="CASCADE")
    body: str = Field(sa_column=text_column(nullable=False))
    options: list[dict[str, str]] = Field(default_factory=list, sa_column=json_column())
    dedupe_key: str = Field(max_length=128, unique=True)
    status: str = Field(default="queued", max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    provider_id: str | None = Field(default=None, max_length=64, index=True)
    segments: int | None = None
    error: str | None = Field(default=None, sa_column=text_column())
    broadcast_id: int | None = Field(default=None, foreign_key="broadcast.id", index=True, ondelete="CASCADE")
    concern_id: int | None = Field(default=None, foreign_key="concern.id", index=True, ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    # Set just before the provider is called, cleared when the outcome is recorded: a row claimed
    # again with it still set was being sent when its worker stopped (``delivery.ambiguous``).
    send_started_at: datetime | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None


class RateSlot(SQLModel, table=True):
    """The next free sending slot of one rate limit, shared by every worker (PostgreSQL).

    ``key`` names the limit: ``telegram`` (overall) or ``telegram:<chat>`` (one chat). Booking a slot
    is one ``INSERT … ON CONFLICT DO UPDATE`` on this row, so concurrent workers queue on its lock
    and each gets its own slot (``delivery.slots``). Rows of idle keys are pruned every minute.
    """

    key: str = Field(primary_key=True, max_length=160)
    next_at: datetime


class WorkerBeat(SQLModel, table=True):
    """A running ``famsbot worker``, touched every few seconds: is anyone delivering? (``/readyz``)"""

    name: str = Field(primary_key=True, max_length=64)
    host: str = Field(max_length=128)
    pid: int
    started_at: datetime
    beat_at: datetime


class PeriodicLease(SQLModel, table=True):
    """When a periodic job is next due, and which worker took it last: it runs once across workers.

    A worker runs the job only if it moves ``due_at`` forward itself (one conditional ``UPDATE``),
    so two workers polling at the same moment cannot both win (``worker.periodic``).
    """

    name: str = Field(primary_key=True, max_length=64)
    owner: str | None = Field(default=None, max_length=64)
    due_at: datetime


def _partial(name: str, column: Any, where: str) -> Index:
    return Index(name, column, postgresql_where=sql(where), sqlite_where=sql(where))


# Partial indexes for what the periodic jobs and the dispatcher look for (migration 0005): each holds
# only the rows still to be dealt with, so the jobs cost the same at a thousand rows or a million.
# Queries repeat the predicate word for word (SQLite uses a partial index only when it can see that).
OUTBOX_DUE = "status = 'queued'"
OUTBOX_BODY_KEPT = "status <> 'queued' AND body <> ''"
INBOUND_TEXT_KEPT = "status = 'handled' AND text <> ''"
ANSWER_REPLY_KEPT = "reply <> ''"
CONCERN_UNACKNOWLEDGED = "acknowledged_at IS NULL AND closed_at IS NULL"
PARTIAL_INDEXES = (
    _partial("ix_outbox_due", Outbox.__table__.c.next_attempt_at, OUTBOX_DUE),  # type: ignore[attr-defined]
    _partial("ix_outbox_body_kept", Outbox.__table__.c.created_at, OUTBOX_BODY_KEPT),  # type: ignore[attr-defined]
    _partial("ix_inboundmessage_text_kept", InboundMessage.__table__.c.received_at, INBOUND_TEXT_KEPT),  # type: ignore[attr-defined]
    _partial("ix_answer_reply_kept", Answer.__table__.c.at, ANSWER_REPLY_KEPT),  # type: ignore[attr-defined]
    _partial("ix_concern_unacknowledged", Concern.__table__.c.created_at, CONCERN_UNACKNOWLEDGED),  # type: ignore[attr-defined]
)
