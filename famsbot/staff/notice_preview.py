"""What a family-day notice will look like, cost and reach, shown to PACT staff as they type.

The previews are the texts as delivered (``broadcasts.wording``): on SMS after typographic
characters are made plain (``sms_text.sms_safe``), so the segment count is what will be billed.
Characters that are changed are listed with what they become and what they would have cost;
characters kept as typed that make the SMS go as UCS-2 (70 characters a segment instead of 160)
are named, so staff can choose other wording. The counts are the families who would get the notice
if it went now, per channel; the timing says when it starts (after quiet hours) and roughly how
long sending takes at the configured rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.broadcasts.compose import MAX_BODY
from famsbot.broadcasts.schedule import SendPlan, sending_time
from famsbot.broadcasts.wording import as_delivered, notice_text
from famsbot.config import Settings
from famsbot.content.loader import Content
from famsbot.policy.quiet_hours import QuietHours
from famsbot.sms_text import non_gsm7_chars, replaced_chars, segments, sms_safe
from famsbot.staff.preview import MessagePreview
from famsbot.store.subscriptions import subscriber_counts

__all__ = ["NoticePreview", "notice_preview"]


@dataclass(frozen=True)
class NoticePreview:
    prison_id: str
    prison: str
    sms: MessagePreview
    telegram: MessagePreview
    unconverted_segments: int  # what the SMS would cost if the changed characters were kept
    replacements: list[tuple[str, str]]  # (typed, sent) for each typographic character made plain
    kept: str  # characters sent as typed that make the SMS go as UCS-2 (Welsh ŵ, Urdu, emoji)
    recipients: dict[str, int]
    plan: SendPlan | None
    duration: timedelta
    quiet: QuietHours

    @property
    def total(self) -> int:
        return sum(self.recipients.values())

    @property
    def runs_into_quiet_hours(self) -> bool:
        """Would sending, started as planned, still be going when quiet hours begin (it then pauses)?"""
        if self.plan is None:
            return False
        begins = self.quiet.next_start(self.plan.at)
        return begins is not None and begins < self.plan.at + self.duration


def _shown(char: str) -> str:
    return {"\n": "a new line", "\t": "a tab", "\u00a0": "a non-breaking space"}.get(char, char)


async def notice_preview(
    session: AsyncSession,
    content: Content,
    settings: Settings,
    *,
    prison_id: str,
    body: str,
    plan: SendPlan | None,
    quiet: QuietHours,
) -> NoticePreview:
    body = body.strip()
    raw_sms = notice_text(content, prison_id, body, "sms")
    sms_text = as_delivered(content, prison_id, body, "sms")
    changed = sorted(replaced_chars(body))
    kept = "".join(sorted(non_gsm7_chars(sms_safe(body)) - {"\n"}))
    sms = MessagePreview(text=sms_text, channel="sms", characters=len(body), limit=MAX_BODY,
                         segments=segments(sms_text), changed="".join(changed))  # fmt: skip
    telegram_text = as_delivered(content, prison_id, body, "telegram")
    telegram = MessagePreview(text=telegram_text, channel="telegram", characters=len(body), limit=MAX_BODY,
                              segments=1, changed="")  # fmt: skip
    recipients = await subscriber_counts(session, prison_id)
    return NoticePreview(
        prison_id=prison_id, prison=content.prison_name(prison_id), sms=sms, telegram=telegram,
        unconverted_segments=segments(raw_sms),
        replacements=[(_shown(char), sms_safe(char) or "left out") for char in changed], kept=kept,
        recipients=recipients, plan=plan, duration=sending_time(recipients, sms.segments, settings), quiet=quiet,
    )  # fmt: skip
