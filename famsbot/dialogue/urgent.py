"""The urgent route: what the very next reply says when a message shows imminent risk to life.

Numbers first, before any question: 999 if anyone is in immediate danger; the prison's
switchboard, asking for the Orderly Officer (only when we already know the prison: we never make
a frightened person answer "which prison?" before they have the route); Samaritans. The wording
is content; the numbers are sourced facts from ``national.yaml`` and the prison's file.
"""

from __future__ import annotations

from famsbot.content.loader import Content
from famsbot.content.schema import Prison
from famsbot.dialogue.messages import Reply
from famsbot.policy.answers import address_as

__all__ = ["urgent_route"]


def urgent_route(
    content: Content, prison: Prison | None, signals: list[str] | None = None, subject: str | None = None
) -> Reply:
    """The emergency reply, for a known prison or in general; never shortened on any channel.

    ``subject`` "female" says "her name" where the words are about a woman in prison ("my daughter").
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
    if prison is None:
        return Reply(address_as(content.text("urgent.route", **values), subject), urgent=True)
    text = content.text("urgent.route_prison", prison=prison.name, switchboard=prison.switchboard.number, **values)
    return Reply(address_as(text, subject), urgent=True)
