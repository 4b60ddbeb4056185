"""The urgent route: what the very next reply says when a message shows imminent risk to life.

Numbers first, before any question: 999 if anyone is in immediate danger; the prison's
switchboard, asking for the Orderly Officer (only when we already know the prison: we never make
a frightened person answer "which prison?" before they have the route); Samaritans. The wording
is content; the numbers are sourced facts from ``national.yaml`` and the prison's file.
"""

from __future__ import annotations

from famsbot.content.directory import DirectoryPrison
from famsbot.content.loader import Content
from famsbot.content.schema import Prison
from famsbot.dialogue.messages import Reply

__all__ = ["urgent_route"]


def urgent_route(
    content: Content, prison: Prison | DirectoryPrison | None, signals: list[str] | None = None
) -> Reply:
    """The emergency reply, for a known prison or in general; never shortened on any channel.

    Any prison in the national directory whose switchboard a source gives is named with it; a
    prison with no sourced switchboard gets the general route and its gov.uk page, where the
    number is published (never a guessed number).
    """
    values = {
        "emergency": content.phone("emergency").number,
        "samaritans": content.phone("samaritans").number,
        "shout": content.fact("shout").text,
    }
    signals = signals or []
    if "sender_at_risk" in signals:
        return Reply(content.text("urgent.route_sender", **values), urgent=True)
    if "threat_to_sender" in signals:
        values["unwanted_contact"] = content.phone("unwanted_contact").number
        return Reply(content.text("urgent.route_threat", **values), urgent=True)
    if prison is None or prison.switchboard is None:
        text = content.text("urgent.route", **values)
        place = content.place(prison.id) if prison is not None else None
        if place is not None and place.gov_uk_page:  # the page that publishes its number, never a guess
            text += "\n\n" + content.text("concern.prison_page", prison=place.name, page=place.gov_uk_page)
        return Reply(text, urgent=True)
    return Reply(
        content.text("urgent.route_prison", prison=prison.name, switchboard=prison.switchboard.number, **values),
        urgent=True,
    )
