"""Where a concern's alerts go, what they say, and queueing them in the outbox.

Targets are configuration (``FAMSBOT_ALERT_TARGETS`` and ``FAMSBOT_DUTY_TARGETS``): per prison id, a
Telegram staff chat and/or an SMS number. The key ``"*"`` is the national triage target: for any
prison without its own entry and for a concern whose prison the family has not named yet (the
service's own team, ``FAMSBOT_TRIAGE_TEAM``). With neither, as on the embedded default, an alert is
still queued, on the ``console`` channel to ``safer-custody:<prison>`` (or ``duty:<prison>``), so
that no concern is ever stored without an alert row; but it reaches nobody's phone, only the
console's triage inbox.

Where an alert really went is the concern's *route* (:func:`alert_route`, kept in
``Concern.routed_to``): ``prison``, ``national`` or ``console``. The family is told exactly that
(``concerns.record``): "the safer custody team has it" only when that team was alerted.

An alert is read on a phone by whoever holds the staff chat or the duty phone, outside the console's
login, so it carries no personal data: no name, no prison number, not the family's words. It says
how urgent, the reference, the prison, when it was raised, and where to open it in the console.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.clock import to_london
from famsbot.config import AlertTarget, Settings
from famsbot.content.language import STAFF
from famsbot.content.loader import Content, get_content
from famsbot.store.models import Concern
from famsbot.store.outbox import enqueue

__all__ = [
    "ANY_PRISON",
    "NO_PRISON",
    "Routing",
    "Target",
    "alert_route",
    "alert_text",
    "console_link",
    "duty_targets",
    "queue_alerts",
    "routing_gaps",
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


def _own(targets: Mapping[str, AlertTarget], prison_id: str | None) -> AlertTarget | None:
    """A prison's own entry, keyed by its directory id (``wandsworth``) or its NOMIS code (``WWI``)."""
    if not prison_id:
        return None
    if prison_id in targets:
        return targets[prison_id]
    place = get_content().place(prison_id)
    if place is None:
        return None
    sites = [p.id for p in get_content().directory if p.nomis_id == place.nomis_id]  # one team per prison
    for key in (place.id, place.nomis_id, place.nomis_id.lower(), *sites):
        if key in targets:
            return targets[key]
    return None


def _configured(targets: Mapping[str, AlertTarget], prison_id: str | None) -> list[Target]:
    return _targets_of(_own(targets, prison_id)) or _targets_of(targets.get(ANY_PRISON))


@dataclass(frozen=True, slots=True)
class Routing:
    """Who a concern's alerts reach: ``prison`` (its own team), ``national`` (``"*"``) or ``console``."""

    route: str
    targets: list[Target]


def _targets_of(target: AlertTarget | None) -> list[Target]:
    if target is None:
        return []
    found = []
    if target.telegram_chat_id:
        found.append(Target("telegram", target.telegram_chat_id))
    if target.sms:
        found.append(Target("sms", target.sms))
    return found


def alert_route(settings: Settings, prison_id: str | None) -> Routing:
    """Where a concern about ``prison_id`` is alerted, and whether that is the prison's own team."""
    if own := _targets_of(_own(settings.alert_targets, prison_id)):
        return Routing("prison", own)
    if national := _targets_of(settings.alert_targets.get(ANY_PRISON)):
        return Routing("national", national)
    return Routing("console", [Target("console", f"safer-custody:{prison_id or NO_PRISON}")])


def safer_custody_targets(settings: Settings, prison_id: str | None) -> list[Target]:
    """Where a prison's safer custody alerts go; the console when none is configured."""
    return alert_route(settings, prison_id).targets


def routing_gaps(settings: Settings, prison_ids: Iterable[str]) -> list[str]:
    """What ``famsbot serve`` warns about at start-up: concerns that would reach no prison team."""
    missing = sorted(p for p in prison_ids if not _targets_of(_own(settings.alert_targets, p)))
    national = bool(_targets_of(settings.alert_targets.get(ANY_PRISON)))
    gaps = []
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        where = "the national triage target" if national else "nobody but the console's triage inbox"
        gaps.append(f"{len(missing)} prison(s) have no safer custody alert target ({shown}): their concerns "
                     f"go to {where}, and families are told so")  # fmt: skip
    if not national:
        gaps.append('no national triage target ("*" in FAMSBOT_ALERT_TARGETS): a concern whose prison has no '
                    "target, or is not known, alerts nobody's phone")  # fmt: skip
    return gaps


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
        return content.text("concern.ago_now", lang=STAFF)
    if minutes < 120:
        return content.text("concern.ago_minutes", n=minutes, lang=STAFF)
    if minutes < 48 * 60:
        return content.text("concern.ago_hours", n=minutes // 60, lang=STAFF)
    return content.text("concern.ago_days", n=minutes // (24 * 60), lang=STAFF)


def alert_text(
    content: Content, settings: Settings, concern: Concern, text_key: str, now: datetime, since: datetime | None = None
) -> str:
    """The wording of one alert about ``concern``; ``since`` is when the wait being reported began."""
    assert concern.id is not None  # noqa: S101 - alerts are written after the concern is flushed
    prison = content.prison_name(concern.prison_id) if concern.prison_id else None  # any prison in the directory
    started = since or concern.created_at
    return content.text(
        text_key,
        lang=STAFF,
        reference=concern.reference,
        prison=prison or content.text("concern.alert_no_prison", lang=STAFF),
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
