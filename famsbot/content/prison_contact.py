"""What a welfare concern needs to know of a prison, for any prison in England and Wales.

A concern can be about any prison in the national directory, not only the three seed prisons with
their hand-written files. This is the one view of a prison that concerns, alerts, the urgent
route and the check-backs read: its name, the code its concern references start with, and the
lines a source gives (switchboard, safer custody). The seed file's facts win where there is one.

Only 4 of the directory's prisons have a sourced switchboard, so :func:`ring_prison` words "the
prison's number" honestly when none is known: the prison's gov.uk page, where the number is
published, or the Prisoners' Families Helpline, who can find it. A number is never made up.
"""

from __future__ import annotations

from dataclasses import dataclass

from famsbot.content.loader import Content
from famsbot.content.schema import Fact, Phone

__all__ = ["PrisonContact", "establishment", "one_establishment", "prison_contact", "prison_names", "ring_prison"]


@dataclass(frozen=True, slots=True)
class PrisonContact:
    """One prison as a concern sees it: a seed prison or any directory entry."""

    id: str
    name: str
    code: str  # the concern reference prefix: the seed file's code (MAI), else the NOMIS code (WWI)
    switchboard: Phone | None
    safer_custody: Phone | None
    page: str | None  # the prison's gov.uk page, where its own numbers are published
    care_leavers: Fact | None = None


def prison_contact(content: Content, prison_id: object) -> PrisonContact | None:
    """The prison an id or NOMIS code names (``wandsworth``, ``WWI``, ``maidstone``), or ``None``."""
    if not isinstance(prison_id, str) or not prison_id:
        return None
    place = content.place(prison_id)
    seed = content.prisons.get(place.id if place else prison_id)
    page = place.gov_uk_page if place else None
    if seed is not None:
        return PrisonContact(seed.id, seed.name, seed.code, seed.switchboard, seed.safer_custody, page,
                             seed.care_leavers)
    if place is None:
        return None
    return PrisonContact(place.id, place.name, place.nomis_id, place.switchboard, place.safer_custody, page)


def ring_prison(content: Content, prison: PrisonContact) -> str:
    """The ``{switchboard}`` of "ring {prison} on {switchboard}": the number, or where to find it."""
    if prison.switchboard is not None:
        return prison.switchboard.number
    helpline = content.phone("families_helpline").number
    if prison.page:
        return content.text("concern.switchboard_on_page", page=prison.page, families_helpline=helpline)
    return content.text("concern.switchboard_unknown", families_helpline=helpline)


def prison_names(content: Content) -> dict[str, str]:
    """Every prison a concern (or a staff account) can be about, id to name, in name order: the
    console's filters and labels, for all of England and Wales, not only the seed prisons."""
    names = {place.id: content.prison_name(place.id) for place in content.directory}
    names.update({pid: prison.name for pid, prison in content.prisons.items()})
    return dict(sorted(names.items(), key=lambda item: _sortable(item[1])))


def _sortable(name: str) -> str:
    """"HMP/YOI Wandsworth" sorts under W, as staff look for it."""
    words = name.split()
    while len(words) > 1 and words[0].upper().replace("/", "") in {"HMP", "HMPYOI", "HMYOI", "YOI", "HMIRC", "IRC"}:
        words = words[1:]
    return " ".join(words).lower()


def establishment(content: Content, prison_id: str | None) -> list[str]:
    """Every directory id of one establishment: the bookable sites that share its NOMIS code
    (Bullingdon convicted / remand, Liverpool and its closed visits). One safer custody team."""
    place = content.place(prison_id) if prison_id else None
    if place is None:
        return [prison_id] if prison_id else []
    return [p.id for p in content.directory if p.nomis_id == place.nomis_id]


def one_establishment(content: Content, prison_ids: list[str]) -> str | None:
    """The first id when these few all name one establishment (a concern need not ask which site)."""
    places = [content.place(i) for i in prison_ids]
    codes = {p.nomis_id for p in places if p is not None}
    return prison_ids[0] if prison_ids and len(codes) == 1 and None not in places else None
