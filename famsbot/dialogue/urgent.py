"""The urgent route: what the very next reply says when a message shows imminent risk to life.

Numbers first, before any question: 999 if anyone is in immediate danger; the prison's
switchboard, asking for the Orderly Officer (only when we already know the prison: we never make
a frightened person answer "which prison?" before they have the route); Samaritans. The wording
is content; the numbers are sourced facts from ``national.yaml`` and the prison's file.

In the person's language: Welsh (with the Welsh-language Samaritans line), or, for a message in
Polish, Urdu or Roman Urdu (languages the risk gate reads but the bot does not reply in), the route
in that language and one line saying which languages the bot replies in.
"""

from __future__ import annotations

from famsbot.content.directory import DirectoryPrison
from famsbot.content.language import EMERGENCY_ONLY, current
from famsbot.content.loader import Content
from famsbot.content.schema import Prison
from famsbot.dialogue.messages import Reply
from famsbot.policy.answers import address_as

__all__ = ["urgent_route"]


def urgent_route(
    content: Content, prison: Prison | DirectoryPrison | None, signals: list[str] | None = None,
    language: str | None = None, *, subject: str | None = None
) -> Reply:
    """The emergency reply, for a known prison or in general; never shortened on any channel.

    Any prison in the national directory whose switchboard a source gives is named with it; a
    prison with no sourced switchboard gets the general route and its gov.uk page, where the
    number is published (never a guessed number).

    ``subject`` "female" says "her name" where the words are about a woman in prison ("my daughter").
    ``language``: the message's own language when it is not the person's usual one (``pl``,
    ``ur``, ``ur-Latn``, ``cy``); by default the language this turn is spoken in.
    """
    lang = language or current()
    route = _route(content, prison, signals or [], lang, subject)
    lines = [route]
    if lang == "cy":
        welsh = content.phone("samaritans_welsh")
        lines.append(content.text("urgent.welsh_line", lang=lang, samaritans_welsh=welsh.number,
                                  hours=welsh.hours_cy or welsh.hours or ""))  # fmt: skip
    elif lang in EMERGENCY_ONLY:
        lines.append(content.text("urgent.languages", lang=lang))
    return Reply("\n\n".join(lines), urgent=True)


def _route(
    content: Content, prison: Prison | DirectoryPrison | None, signals: list[str], lang: str, subject: str | None
) -> str:
    values = {
        "emergency": content.phone("emergency").number,
        "samaritans": content.phone("samaritans").number,
        "shout": content.fact("shout").text,
    }
    if "sender_at_risk" in signals:
        return content.text("urgent.route_sender", lang=lang, **values)
    if "threat_to_sender" in signals:
        values["unwanted_contact"] = content.phone("unwanted_contact").number
        return content.text("urgent.route_threat", lang=lang, **values)
    if prison is None or prison.switchboard is None:
        text = address_as(content.text("urgent.route", lang=lang, **values), subject)
        place = content.place(prison.id) if prison is not None else None
        if place is not None and place.gov_uk_page:  # the page that publishes its number, never a guess
            text += "\n\n" + content.text("concern.prison_page", lang=lang, prison=content.prison_name(place, lang),
                                           page=place.gov_uk_page)
        return text
    text = content.text("urgent.route_prison", lang=lang, prison=content.prison_name(prison, lang),
                        switchboard=prison.switchboard.number, **values)  # fmt: skip
    return address_as(text, subject)
