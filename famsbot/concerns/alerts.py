"""Where a concern's alerts go, what they say, and queueing them in the outbox.

Targets are configuration (``FAMSBOT_ALERT_TARGETS`` and ``FAMSBOT_DUTY_TARGETS``): per prison id, a
Telegram staff chat and/or an SMS number. The key ``"*"`` is the fallback for any prison without its
own entry and for a concern whose prison the family has not named yet (the service's own on-call,
say). With nothing configured, as on the embedded default, an alert is still queued, on the
``console`` channel to ``safer-custody:<prison>`` (or ``duty:<prison>``), so that it is visible
locally and no concern is ever stored without an alert row.

An alert is read on a phone by whoever holds the staff chat or the duty phone, outside the console's
login, so it carries no personal data: no name, no prison number, not the family's words. It says
how urgent, the reference, the prison, when it was raised, and where to open it in the console.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.clock import to_london
from famsbot.config import AlertTarget, Settings
from famsbot.content.loader import Content
from famsbot.store.models import Concern
from famsbot.store.outbox import enqueue

__all__ = [
    "ANY_PRISON",
    "NO_PRISON",
    "Target",
    "alert_text",
    "console_link",
    "duty_targets",
    "queue_alerts",
    "safer_custody_targets",
    "waited",
]

ANY_PRISON = "*"
NO_PRISON = "unknown"  # the console address suffix while the prison is not known
_DEDUPE_MAX = 128


@dataclass(frozen=True, slots=True)
class Target:
    """One place an alert is sent: a channel and an address on it."""

    channel: str
    address: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


def _configured(targets: Mapping[str, AlertTarget], prison_id: str | None) -> list[Target]:
    target = (targets.get(prison_id) if prison_id else None) or targets.get(ANY_PRISON)
    if target is None:
        return []
    found = []
    if target.telegram_chat_id:
        found.append(Target("telegram", target.telegram_chat_id))
    if target.sms:
        found.append(Target("sms", target.sms))
    return found


def safer_custody_targets(settings: Settings, prison_id: str | None) -> list[Target]:
    """Where a prison's safer custody alerts go; the console when none is configured."""
    return _configured(settings.alert_targets, prison_id) or [
        Target("console", f"safer-custody:{prison_id or NO_PRISON}")
    ]


def duty_targets(settings: Settings, prison_id: str | None) -> list[Target]:
    """Where escalations go when safer custody has not picked a concern up in time."""
    return _configured(settings.duty_targets, prison_id) or [Target("console", f"duty:{prison_id or NO_PRISON}")]


def console_link(settings: Settings, concern_id: int) -> str:
    """The concern's page in the staff console: a full URL when the public address is known."""
    path = f"/staff/concerns/{concern_id}"
    return f"{settings.public_url.rstrip('/')}{path}" if settings.public_url else path


def waited(content: Content, since: datetime, now: datetime) -> str:
    """How long ago, in words: "just now", "16 min", "3 hours", "2 days"."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 2:
        return content.text("concern.ago_now")
    if minutes < 120:
        return content.text("concern.ago_minutes", n=minutes)
    if minutes < 48 * 60:
        return content.text("concern.ago_hours", n=minutes // 60)
    return content.text("concern.ago_days", n=minutes // (24 * 60))


def alert_text(
    content: Content, settings: Settings, concern: Concern, text_key: str, now: datetime, since: datetime | None = None
) -> str:
    """The wording of one alert about ``concern``; ``since`` is when the wait being reported began."""
    assert concern.id is not None  # noqa: S101 - alerts are written after the concern is flushed
    prison = content.prisons.get(concern.prison_id) if concern.prison_id else None
    started = since or concern.created_at
    return content.text(
        text_key,
        reference=concern.reference,
        prison=prison.name if prison else content.text("concern.alert_no_prison"),
        ago=waited(content, started, now),
        when=f"{to_london(started):%H:%M %a %d %b}",
        link=console_link(settings, concern.id),
    )


async def queue_alerts(
    session: AsyncSession,
    concern: Concern,
    targets: list[Target],
    *,
    kind: str,
    body: str,
    dedupe: str,
    now: datetime,
) -> list[str]:
    """Queue ``body`` to every target, once each (``<dedupe>:<target>``); returns the targets queued."""
    assert concern.id is not None  # noqa: S101 - see alert_text
    queued = []
    for target in targets:
        row = await enqueue(
            session, kind=kind, channel=target.channel, address=target.address, body=body,
            dedupe_key=f"{dedupe}:{target}"[:_DEDUPE_MAX], concern_id=concern.id, now=now,
        )
        if row is not None:
            queued.append(str(target))
    return queued
