"""``famsbot prisons find|show|list`` and ``famsbot content import-prisons``: the national directory
from the command line, as staff check what the bot will say (DESIGN.md §2).

Only argument parsing and printing live here; the directory is ``content/directory.py``, its import
``content/importer.py`` and recognition ``policy/prisons.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from famsbot.content.directory import DirectoryPrison

__all__ = ["add_import_command", "add_prisons_commands", "prison_json"]

_DAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
         "sat": "Saturday", "sun": "Sunday"}


def add_import_command(content: Any) -> None:
    """Register ``content import-prisons`` on the ``content`` sub-command group."""
    command = content.add_parser("import-prisons", help="rebuild the prison directory from public data (deterministic)")
    command.add_argument("--from", dest="source", required=True, metavar="DIR",
                         help="the public data folder (../shared/reference/prisons)")
    command.set_defaults(run=_import)


def add_prisons_commands(commands: Any) -> None:
    prisons = commands.add_parser("prisons", help="the national prison directory").add_subparsers(
        dest="prisons_command", required=True)
    find = prisons.add_parser("find", help="the prison a text names, as a family would type it")
    find.add_argument("text", nargs="?", help="the text; without it, one text a line from stdin")
    find.add_argument("--json", action="store_true")
    find.set_defaults(run=_find)
    show = prisons.add_parser("show", help="everything the bot says about one prison, with sources")
    show.add_argument("id", help="prison id or NOMIS code (maidstone, MSI)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=_show)
    listing = prisons.add_parser("list", help="every prison or bookable site")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)


def _import(args: argparse.Namespace) -> int:
    from famsbot.content.directory import DIRECTORY_FILE
    from famsbot.content.importer import import_prisons

    before = DIRECTORY_FILE.read_bytes() if DIRECTORY_FILE.exists() else b""
    count = import_prisons(Path(args.source))
    changed = DIRECTORY_FILE.read_bytes() != before
    print(f"{count} prisons and sites; {DIRECTORY_FILE} {'updated' if changed else 'unchanged'}")
    return 0


# --- find -------------------------------------------------------------------------------------


def _find(args: argparse.Namespace) -> int:
    from famsbot.content import get_content

    content = get_content()
    if args.text is not None:
        found = _found(content, args.text)
        print(_found_line(found, args.json))
        return 0 if found.get("id") else 1
    for line in sys.stdin:
        print(_found_line(_found(content, line.rstrip("\n")), args.json), flush=False)
    sys.stdout.flush()
    return 0


def _found(content: Any, text: str) -> dict[str, Any]:
    match = content.prison_index.match(text)
    places = [content.directory.get(i) for i in match.candidates]
    if match.id is not None and places[0] is not None:
        return _brief(places[0])
    return {"id": None, "nomis_id": None, "name": None, "candidates": [_brief(p) for p in places if p]}


def _brief(prison: DirectoryPrison) -> dict[str, Any]:
    return {"id": prison.id, "nomis_id": prison.nomis_id, "name": prison.name}


def _found_line(found: dict[str, Any], as_json: bool) -> str:
    if as_json:
        return json.dumps(found, ensure_ascii=False)
    if found["id"]:
        return f"{found['id']}\t{found['nomis_id']}\t{found['name']}"
    if found["candidates"]:
        return "several: " + ", ".join(c["id"] for c in found["candidates"])
    return "none"


# --- show and list ----------------------------------------------------------------------------


def prison_json(prison: DirectoryPrison) -> dict[str, Any]:
    """One prison as the ★ list contract shapes it, with every sourced fact kept in ``facts``."""
    booking = prison.booking
    sessions = prison.sessions.sessions if prison.sessions else []
    return {
        "id": prison.id,
        "nomis_id": prison.nomis_id,
        "name": prison.name,
        "name_cy": prison.name_cy,
        "site": prison.site,
        "status": prison.status,
        "country": prison.country,
        "operator": prison.operator,
        "contracted": prison.contracted,
        "gov_uk_page": prison.gov_uk_page,
        "booking": {
            "phone": booking.phone.number if booking.phone else None,
            "email": booking.email.text if booking.email else None,
            "online": booking.online.value if booking.online else None,
        },
        "sessions": [{"day": s.day, "start": f"{s.start:%H:%M}", "end": f"{s.end:%H:%M}"} for s in sessions],
        "switchboard": prison.switchboard.number if prison.switchboard else None,
        "safer_custody": prison.safer_custody.number if prison.safer_custody else None,
        "adult_age": prison.adult_age.value if prison.adult_age else None,
        "lead_days": prison.lead_days.value if prison.lead_days else None,
        "booking_window": prison.booking_window.value if prison.booking_window else None,
        "source": prison.source,
        "as_of": prison.as_of,
        "missing": prison.missing,
        "gaps": prison.gaps,
        "facts": prison.model_dump(mode="json", exclude_none=True,
                                   exclude={"missing", "gaps", "source", "as_of", "aliases", "towns", "weak_names"}),
    }


def _show(args: argparse.Namespace) -> int:
    from famsbot.content import get_content

    content = get_content()
    places = content.directory.resolve(args.id)
    if not places:
        print(f"error: no prison with id or NOMIS code {args.id!r} (try `famsbot prisons find`)", file=sys.stderr)
        return 1
    if args.json:
        data = [prison_json(p) for p in places]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=1, ensure_ascii=False))
        return 0
    print("\n\n".join(_describe(p) for p in places))
    return 0


def _list(args: argparse.Namespace) -> int:
    from famsbot.content import get_content

    content = get_content()
    if args.json:
        print(json.dumps([prison_json(p) for p in content.directory], indent=1, ensure_ascii=False))
        return 0
    for prison in content.directory:
        booking = prison.booking
        print(f"{prison.id}\t{prison.nomis_id}\t{prison.name}\t{prison.country}\t{prison.status}\t"
              f"{booking.phone.number if booking.phone else '-'}\t"
              f"{'online' if booking.online and booking.online.value else 'not online'}")
    return 0


def _describe(prison: DirectoryPrison) -> str:
    welsh = f" / {prison.name_cy}" if prison.name_cy else ""
    lines = [f"{prison.name} ({prison.id}, NOMIS {prison.nomis_id}){welsh}",
             f"status: {prison.status}; country: {prison.country}; operator: {prison.operator or 'not known'}"
             f"{' (privately run)' if prison.contracted else ''}"]
    if prison.gov_uk_page:
        lines.append(f"gov.uk page: {prison.gov_uk_page}")

    def fact(label: str, value: str, sourced: Any) -> None:
        lines.append(f"{label}: {value}")
        lines.append(f"    source: {', '.join(sourced.source)} (as of {sourced.as_of or 'undated'})")
        if sourced.note:
            lines.append(f"    note: {sourced.note}")

    if prison.closed_note:
        fact("closed", prison.closed_note.text, prison.closed_note)
    if prison.address:
        fact("address", prison.address.text, prison.address)
    if prison.address_cy:
        fact("address (Welsh)", prison.address_cy.text, prison.address_cy)
    booking = prison.booking
    if booking.online:
        fact("online booking", "yes" if booking.online.value else "no", booking.online)
    if booking.phone:
        fact("booking line", booking.phone.number, booking.phone)
    if booking.email:
        fact("booking email", booking.email.text, booking.email)
    if prison.sessions:
        times = "; ".join(f"{_DAYS[s.day]} {s.start:%H:%M}-{s.end:%H:%M}" for s in prison.sessions.sessions)
        fact("visiting times", times, prison.sessions)
    if prison.visiting_times_text:
        fact("visiting times (words)", prison.visiting_times_text.text, prison.visiting_times_text)
    if prison.unbookable:
        fact("dates with no visits", ", ".join(prison.unbookable.dates), prison.unbookable)
    for label, number in (("book at least this many days ahead", prison.lead_days),
                          ("bookings open this many days ahead", prison.booking_window),
                          ("visitors count as adults from age", prison.adult_age)):
        if number:
            fact(label, str(number.value), number)
    for label, phone in (("switchboard", prison.switchboard), ("safer custody", prison.safer_custody)):
        if phone:
            fact(label, phone.number + (f" ({phone.hours})" if phone.hours else ""), phone)
    if prison.visitors_centre:
        fact("visitors' centre", prison.visitors_centre.text, prison.visitors_centre)
    if prison.seed:
        lines.append(f"more: the hand-written file prisons/{prison.seed}.yaml (family days, ID, video calls...)")
    missing = [f"{m} ({prison.gaps[m]})" if m in prison.gaps else m for m in prison.missing]
    lines.append(f"missing: {', '.join(missing) if missing else 'nothing from the checked list'}")
    return "\n".join(lines)
