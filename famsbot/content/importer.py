"""``famsbot content import-prisons --from DIR``: rebuild the national directory from public data.

Reads the Ministry of Justice prison register (``register.json``), the online visit-booking data
(``visit-booking/*.yml``, ``estates.yml``) and the stored gov.uk page excerpts
(``govuk-excerpts.jsonl``) and writes ``content/directory/prisons.json``: the project's own derived
copy, in its own schema (``content/directory.py``), never the source files as they are.

Precedence, weakest first: gov.uk excerpts (leads: used only where nothing else says, and then
said so with their date) < register < visit-booking data (newer than every gov.uk copy) < the seed
prisons' hand-written files (``prisons/*.yaml``) < ``directory/overrides.yaml`` (later corrections).
Where a weaker source disagrees, the fact's ``note`` says so. Same input, byte-identical output:
everything is sorted and nothing depends on the clock or on dictionary order of the input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from famsbot.content.directory import DIRECTORY_FILE, DirectoryPrison
from famsbot.content.schema import Prison
from famsbot.errors import ContentError

__all__ = ["build_directory", "import_prisons", "normalise_phone", "render_directory"]

REGISTER_URL = (
    "https://github.com/ministryofjustice/prison-register/tree/8dc0227fee2c48dcad4227aeb7bd9abc3c31f211"
    "/src/main/resources/db/migration"
)
REGISTER_AS_OF = "2026-08-18"
PVB_COMMIT = "a0f2a53844cb76de6426d088dd942205a3ebf7fa"
PVB_BASE = f"https://github.com/ministryofjustice/prison-visits-2/blob/{PVB_COMMIT}/db/seeds"
PVB_AS_OF = "2026-07-31"
OVERRIDES_FILE = DIRECTORY_FILE.parent / "overrides.yaml"
SEED_DIR = DIRECTORY_FILE.parent.parent / "prisons"

# Prisons with more than one bookable unit, or whose register names collide: file stem or NOMIS
# code -> (id, site label or None, short name, group). Everything else is derived from the name.
SITES: Mapping[str, tuple[str, str | None, str, str]] = {
    "BNI-bullingdon-convicted-only": ("bullingdon-convicted", "convicted prisoners", "Bullingdon", "bullingdon"),
    "BNI-bullingdon-remand-only": ("bullingdon-remand", "remand prisoners", "Bullingdon", "bullingdon"),
    "HPI-highpoint-north": ("highpoint-north", "North", "Highpoint", "highpoint"),
    "HPI-highpoint-south": ("highpoint-south", "South", "Highpoint", "highpoint"),
    "HDI-hatfield-lakes": ("hatfield-lakes", "Lakes", "Hatfield", "hatfield"),
    "HDI-hatfield-open": ("hatfield-open", "Open", "Hatfield", "hatfield"),
    "LPI-liverpool-closed-only": ("liverpool-closed-visits", "closed visits only", "Liverpool", "liverpool"),
    "LPI-liverpool-social-visits": ("liverpool", "social visits", "Liverpool", "liverpool"),
    "NWI-norwich-a-b-c-e-m-only": ("norwich-a-b-c-e-m", "A, B, C, E and M wings", "Norwich", "norwich"),
    "NWI-norwich-f-g-h-l-only": ("norwich-f-g-h-l", "F, G, H and L wings", "Norwich", "norwich"),
    "NWI-norwich-britannia-house": ("norwich-britannia-house", "Britannia House", "Norwich", "norwich"),
    "WCI-winchester-convicted-only": ("winchester-convicted", "convicted prisoners", "Winchester", "winchester"),
    "WCI-winchester-remand-only": ("winchester-remand", "remand prisoners", "Winchester", "winchester"),
    "FMI": ("feltham-b", None, "Feltham B", "feltham"),
    "FYI": ("feltham-a", None, "Feltham A", "feltham"),
    "PRI": ("parc", None, "Parc", "parc"),
    "PYI": ("parc-yoi", None, "Parc YOI", "parc"),
    "PBI": ("peterborough", None, "Peterborough", "peterborough"),
    "PFI": ("peterborough-female", None, "Peterborough Female", "peterborough"),
}
# Names that are everyday words: recognised only with "HMP", "prison"… beside them, or alone.
WEAK_NAMES: Mapping[str, list[str]] = {"SDI": ["send"], "FDI": ["ford"], "MTI": ["mount"]}
# Words that pick one site of a shared name ("bullingdon remand", "Parc YOI", "Norwich F wing").
# Single letters count only in a short reply (see policy/prisons.py).
SITE_WORDS: Mapping[str, list[str]] = {
    "bullingdon-convicted": ["convicted", "sentenced"], "bullingdon-remand": ["remand", "remanded"],
    "winchester-convicted": ["convicted", "sentenced"], "winchester-remand": ["remand", "remanded"],
    "highpoint-north": ["north"], "highpoint-south": ["south"],
    "hatfield-lakes": ["lakes", "lake"], "hatfield-open": ["open"],
    "liverpool": ["social"], "liverpool-closed-visits": ["closed"],
    "norwich-a-b-c-e-m": ["a", "b", "c", "e", "m"], "norwich-f-g-h-l": ["f", "g", "h", "l"],
    "norwich-britannia-house": ["britannia", "house"],
    "feltham-a": ["a", "children", "boys"], "feltham-b": ["b", "young adults"],
    "parc": ["adult", "adults", "men"], "parc-yoi": ["yoi", "young", "youth", "boys", "troseddwyr", "ifanc"],
    "peterborough": ["male", "men", "mens"], "peterborough-female": ["female", "women", "womens", "woman", "ladies"],
}
# Names families use that no directory source spells out, each with where it comes from.
NICKNAMES: Mapping[str, list[str]] = {
    "MRI": ["strangeways"],  # gov.uk Manchester page copy: "known as Strangeways until 1994"
    "IWI": ["parkhurst", "isle of white"],  # booking data file IWI-isle-of-wight-parkhurst.yml; a common spelling
    "WSI": ["the scrubs", "scrubs"],  # a shortening of the register's name
    "LEI": ["armley"],  # the district of Leeds the prison stands in, by which many know it
    "LPI": ["walton"],  # the district of Liverpool (Hornby Road, L9) it stands in, by which many know it
    "BMI": ["winson green"],  # its address in the register: Winson Green Road
}
# Places families name a prison by that the register's address does not: code -> places, with the source.
PLACES: Mapping[str, list[str]] = {
    # the gov.uk Elmley page copy: "Isle of Sheppey, Kent (one of 3 Sheppey prisons with Standford Hill
    # and Swaleside)"
    "EYI": ["Isle of Sheppey", "Sheppey"], "EHI": ["Isle of Sheppey", "Sheppey"], "SLI": ["Isle of Sheppey", "Sheppey"],
}
# Towns that are everyday words or another well-known place, never used to recognise a prison.
_NOT_TOWNS = {"march", "newport"}
_STREET = re.compile(r"\d|\b(road|street|lane|way|drive|avenue|close|park|hill|house|grange|box)\b", re.I)
_TYPES = {"HMP": "HMP", "HMP & YOI": "HMP/YOI", "HMYOI": "HMYOI"}
_EMPTY_EMAIL = {"unavailable", "unknown", ""}


# --- phone numbers ----------------------------------------------------------------------------


def normalise_phone(raw: str) -> str | None:
    """A UK number as people dial it ("0162 277 5621" → "01622 775621"), or ``None`` if it is not one."""
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    if len(digits) != 11 or not digits.startswith("0"):
        return None
    if digits.startswith("02"):
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if digits.startswith("01") and (digits[3] == "1" or digits[2] == "1"):
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    if digits.startswith("07") or digits.startswith("01"):
        return f"{digits[:5]} {digits[5:]}"
    return f"{digits[:4]} {digits[4:7]} {digits[7:]}"


def _first_phone(text: str) -> tuple[str | None, str]:
    """The first number in a gov.uk excerpt's phone field, and what else the field said."""
    match = re.search(r"0[\d ]{9,14}\d", text)
    if not match:
        return None, text
    number = normalise_phone(match.group())
    rest = (text[: match.start()] + text[match.end() :]).strip(" ;,")
    return number, rest


# --- reading the sources ----------------------------------------------------------------------


def _read_sources(root: Path) -> tuple[dict[str, Any], dict[str, list[tuple[str, dict[str, Any]]]],
                                        dict[str, Any], dict[str, Any]]:
    if not (root / "register.json").exists():
        raise ContentError([f"{root}: no register.json here (expected ../shared/reference/prisons)"])
    register = {p["prison_id"]: p for p in json.loads((root / "register.json").read_text(encoding="utf-8"))}
    booking: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for path in sorted((root / "visit-booking").glob("*.yml")):
        if path.name == "estates.yml":
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        booking.setdefault(data["nomis_id"], []).append((path.stem, data))
    estates = yaml.safe_load((root / "visit-booking" / "estates.yml").read_text(encoding="utf-8")) or {}
    govuk: dict[str, Any] = {}
    excerpts = root / "govuk-excerpts.jsonl"
    if excerpts.exists():
        for line in excerpts.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                govuk[row["nomis_id"]] = row
    return register, booking, estates, govuk


def _partial(text: str) -> bool:
    """An excerpt cut short in the stored copy: not said to families (half a timetable misleads)."""
    return "partial" in text.lower() or "cut off" in text.lower()


def _pvb_url(stem: str) -> str:
    return f"{PVB_BASE}/prisons/{stem}.yml"


def _title(text: str) -> str:
    return re.sub(r"\b(Of|On|Under|Upon)\b", lambda m: m.group().lower(), text)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z]+", "-", text.lower()).strip("-")


def _register_parts(entry: dict[str, Any] | None) -> tuple[str | None, str | None]:
    if not entry:
        return None, None
    match = re.fullmatch(r"(.*?) \((.*)\)", entry["name"])
    return (match.group(1), match.group(2)) if match else (entry["name"], None)


def _display_name(short: str, kind: str | None, site: str | None) -> str:
    name = f"{short} Secure Training Centre" if kind == "STC" else f"{_TYPES.get(kind or 'HMP', 'HMP')} {short}"
    return f"{name} ({site})" if site else name


# --- one entry --------------------------------------------------------------------------------


class _Builder:
    """Builds one directory entry, recording where every fact came from and what no source gives."""

    def __init__(self, code: str, reg: dict[str, Any] | None, stem: str | None, pvb: dict[str, Any] | None,
                 estate: dict[str, Any] | None, govuk: dict[str, Any] | None) -> None:
        self.code, self.reg, self.stem, self.pvb, self.estate = code, reg, stem, pvb, estate
        self.govuk = govuk if govuk and govuk.get("found") else None
        self.sources: set[str] = set()
        self.gaps: dict[str, str] = {}
        self.pvb_url = _pvb_url(stem) if stem else None

    def _reg_src(self) -> dict[str, Any]:
        self.sources.add(REGISTER_URL)
        return {"source": [REGISTER_URL], "as_of": REGISTER_AS_OF}

    def _pvb_src(self, note: str | None = None) -> dict[str, Any]:
        assert self.pvb_url is not None  # noqa: S101 - only called when there is booking data
        self.sources.add(self.pvb_url)
        return {"source": [self.pvb_url], "as_of": PVB_AS_OF, **({"note": note} if note else {})}

    def _govuk_src(self, what: str) -> dict[str, Any]:
        assert self.govuk is not None  # noqa: S101
        url = self.govuk["url"]
        self.sources.add(url)
        return {"source": [url], "as_of": self.govuk_date,
                "note": f"Only source: a stored copy of the gov.uk prison page ({self.govuk_date}) gives the "
                        f"{what}. Check the live page."}

    @property
    def govuk_date(self) -> str:
        text = json.dumps(self.govuk or {}).lower()
        return "gov.uk copy, 2020-21" if "covid" in text else "gov.uk copy, undated"

    def build(self) -> dict[str, Any]:
        reg, pvb, code = self.reg, self.pvb, self.code
        short, kind = _register_parts(reg)
        named = SITES.get(self.stem or "") or SITES.get(code)
        if named:
            prison_id, site, short, group = named
        else:
            short = _title(short or (pvb or {}).get("name") or (self.estate or {}).get("name") or code)
            prison_id, site, group = _slug(short), None, _slug(short)
        if reg is None:
            kind = "HMP"
        entry: dict[str, Any] = {
            "id": prison_id, "nomis_id": code, "name": _display_name(short, kind, site), "short_name": short,
            "group": group, "site": site,
        }
        self._identity(entry, kind)
        self._names(entry, short, site)
        self._address(entry)
        self._status(entry)
        self._booking(entry)
        self._times(entry)
        self._contacts(entry)
        return entry

    def _identity(self, entry: dict[str, Any], kind: str | None) -> None:
        reg, pvb = self.reg, self.pvb or {}
        if reg:
            self._reg_src()
            entry["types"] = sorted(reg.get("types") or ([kind] if kind else []))
            operators = [o for o in reg.get("operators") or [] if o != "PSP"]
            entry["operator"] = ", ".join(operators) if operators else "HM Prison and Probation Service"
            entry["contracted"] = bool(reg.get("contracted"))
        else:
            entry["contracted"] = bool(pvb.get("private"))
            entry["operator"] = None
        country = None
        for address in (reg or {}).get("addresses") or []:
            country = (address.get("country") or "").lower() or None
        if country is None:
            country = "wales" if pvb.get("translations", {}).get("cy") else "england"
            self.gaps["country"] = ("No source states the country; no Welsh translation in the booking data, "
                                    "which only prisons in Wales have, so England.")
        entry["country"] = country
        if self.estate and self.estate.get("finder_slug"):
            entry["finder_slug"] = self.estate["finder_slug"]
            self.sources.add(f"{PVB_BASE}/estates.yml")

    def _names(self, entry: dict[str, Any], short: str, site: str | None) -> None:
        reg, pvb = self.reg or {}, self.pvb or {}
        estate_name = (self.estate or {}).get("name", "")
        aliases: set[str] = {short.lower(), (pvb.get("name") or "").lower(), estate_name.lower()}
        if site:
            aliases.add(f"{short} {site}".lower())
            aliases.add(re.sub(r"\((.*)\)", r"\1", pvb.get("name", "")).lower())
        name_cy = reg.get("name_cy") or pvb.get("translations", {}).get("cy", {}).get("name")
        if name_cy:
            entry["name_cy"] = name_cy
            aliases.add(name_cy.lower())
            aliases.add(pvb.get("translations", {}).get("cy", {}).get("name", "").lower())
        towns: set[str] = set()
        for address in reg.get("addresses") or []:
            for key in ("town", "town_cy", "line2", "line2_cy"):
                for value in (address.get(key) or "").split(","):  # "Coety, Pen-y-bont": two places
                    value = value.strip()
                    if value and not _STREET.search(value) and value.lower() not in _NOT_TOWNS:
                        towns.add(_title(value))
            if address.get("postcode"):
                towns.add(address["postcode"].upper())
        for line in (pvb.get("address") or "").splitlines():
            if line and not _STREET.search(line) and line.lower() not in _NOT_TOWNS:
                towns.add(_title(line.strip()))
        if pvb.get("postcode"):
            towns.add(pvb["postcode"].upper())
        towns.update(PLACES.get(self.code, []))
        aliases.update(NICKNAMES.get(self.code, []))
        entry["aliases"] = sorted(a for a in aliases if a)
        entry["towns"] = sorted(t for t in towns if t.lower() not in {a for a in entry["aliases"]})
        entry["weak_names"] = WEAK_NAMES.get(self.code, [])
        entry["site_words"] = SITE_WORDS.get(entry["id"], [])

    def _address(self, entry: dict[str, Any]) -> None:
        addresses = (self.reg or {}).get("addresses") or []
        if addresses:
            a = addresses[0]
            parts = [a.get("line1"), a.get("line2"), a.get("town"), a.get("county")]
            text = ", ".join(p for p in parts if p)
            entry["address"] = {"text": f"{text} {a.get('postcode') or ''}".strip(), **self._reg_src()}
            if a.get("line1_cy") or a.get("town_cy"):
                cy = [a.get("line1_cy") or a.get("line1"), a.get("line2_cy") or a.get("line2"),
                      a.get("town_cy") or a.get("town"), a.get("county_cy") or a.get("county")]
                text_cy = ", ".join(p for p in cy if p)
                entry["address_cy"] = {"text": f"{text_cy} {a.get('postcode') or ''}".strip(), **self._reg_src()}
        elif self.pvb and self.pvb.get("address"):
            lines = [ln.strip() for ln in self.pvb["address"].splitlines() if ln.strip()]
            entry["address"] = {"text": ", ".join(lines) + f" {self.pvb.get('postcode') or ''}".rstrip(),
                                **self._pvb_src()}

    def _status(self, entry: dict[str, Any]) -> None:
        pvb = self.pvb or {}
        closed = bool(pvb.get("closed"))
        entry["status"] = "closed" if closed else "open"
        if closed:
            note = ("The Ministry of Justice register still lists it as active, but that list lags closures."
                    if (self.reg or {}).get("active") else None)
            entry["closed_note"] = {"text": f"{entry['short_name']} is closed: it takes no visits.",
                                    **self._pvb_src(note)}

    def _booking(self, entry: dict[str, Any]) -> None:
        pvb, govuk = self.pvb, self.govuk
        booking: dict[str, Any] = {}
        g_booking = (govuk or {}).get("visits_booking") or {}
        g_number, g_rest = _first_phone(g_booking.get("phone") or "")
        if pvb is not None and "enabled" in pvb:
            enabled = pvb["enabled"] in (True, "enable")
            odd = pvb["enabled"] == "enable"
            note = "The booking data says 'enable' (not true/false); read as yes." if odd else None
            if govuk and g_booking.get("online") is not None and bool(g_booking["online"]) != enabled:
                note = ((note + " ") if note else "") + (
                    f"DISAGREEMENT: the {self.govuk_date} says online booking is "
                    f"{'available' if g_booking['online'] else 'not available'}; the booking data "
                    f"(July 2026) is newer, so it is used.")
            booking["online"] = {"value": enabled, **self._pvb_src(note)}
        raw = str((pvb or {}).get("phone_no") or "").strip()
        number = normalise_phone(raw) if raw else None
        if number:
            notes = []
            if re.sub(r"\s", "", raw) == re.sub(r"\s", "", number) and raw != number or raw != number:
                notes.append(f'The booking data stores "{raw}"; written here as the number is dialled.')
            if g_number and g_number != number:
                notes.append(f"DISAGREEMENT: the {self.govuk_date} gives {g_number}; the booking data "
                             f"(July 2026) is newer, so it is used.")
            booking["phone"] = {"number": number, **self._pvb_src(" ".join(notes) or None)}
        elif g_number:
            src = self._govuk_src("booking line")
            if g_rest:
                src["note"] += f" The page also says: {g_rest}."
            methods = g_booking.get("methods") or []
            if methods:
                src["note"] += f" Ways to book it lists: {'; '.join(methods)}."
            # what the family must hear with the number: its limits ("reception visits only") and hours
            said = [g_rest.strip("() ")] if g_rest else []
            if g_booking.get("hours"):
                said.append(g_booking["hours"])
            booking["phone"] = {"number": g_number, **src, **({"hours": "; ".join(said)} if said else {})}
        else:
            self.gaps["booking.phone"] = (f'The booking data says "{raw}".' if raw else
                                          "No source gives a booking line.")
        email = str((pvb or {}).get("email_address") or "").strip()
        if email.lower() in _EMPTY_EMAIL:
            self.gaps["booking.email"] = (f'The booking data says "{email}".' if email else
                                          "No source gives a booking email.")
        elif "gsi.gov.uk" in email:
            self.gaps["booking.email"] = f"The booking data holds {email}, on a retired government domain."
        else:
            booking["email"] = {"text": email, **self._pvb_src()}
        entry["booking"] = booking

    def _times(self, entry: dict[str, Any]) -> None:
        pvb = self.pvb or {}
        sessions = [
            {"day": day, "start": f"{slot[:2]}:{slot[2:4]}", "end": f"{slot[5:7]}:{slot[7:9]}"}
            for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            for slot in sorted((pvb.get("recurring") or {}).get(day) or [])
        ]
        if sessions:
            note = "Usual weekly times from the booking data; check when you book."
            g_times = (self.govuk or {}).get("visiting_times")
            if g_times:
                note += f" The {self.govuk_date} said: {g_times}. The booking data is newer."
            entry["sessions"] = {"sessions": sessions, **self._pvb_src(note)}
        elif self.govuk and self.govuk.get("visiting_times") and not _partial(self.govuk["visiting_times"]):
            entry["visiting_times_text"] = {"text": self.govuk["visiting_times"], **self._govuk_src("visiting times")}
        dates = sorted(str(d) for d in pvb.get("unbookable") or [])
        if dates:
            entry["unbookable"] = {"dates": dates, **self._pvb_src()}
        for key in ("lead_days", "booking_window"):
            if pvb.get(key) is not None:
                entry[key] = {"value": int(pvb[key]), **self._pvb_src()}
        age = pvb.get("adult_age", pvb.get("adult age"))
        if age is not None:
            entry["adult_age"] = {"value": int(age), **self._pvb_src()}

    def _contacts(self, entry: dict[str, Any]) -> None:
        govuk = self.govuk
        if govuk is None:
            return
        switchboard = govuk.get("switchboard")
        if switchboard:
            number, rest = _first_phone(switchboard)
            if number:
                src = self._govuk_src("switchboard")
                src["note"] += f" The page says: {switchboard}."
                entry["switchboard"] = {"number": number, **src}
        safer = govuk.get("safer_custody")
        if isinstance(safer, dict) and safer.get("phone"):
            number = normalise_phone(safer["phone"])
            if number:
                src = self._govuk_src("safer custody line")
                src["note"] += f" {safer.get('label') or ''} {safer.get('note') or ''}".rstrip()
                entry["safer_custody"] = {"number": number, **src}
        centre = govuk.get("visitors_centre")
        if isinstance(centre, dict):
            parts = []
            if centre.get("run_by"):
                parts.append(f"Run by {centre['run_by']}.")
            if centre.get("phone"):
                parts.append(f"Phone {normalise_phone(centre['phone']) or centre['phone']}.")
            if centre.get("hours"):
                parts.append(f"Open {centre['hours']}.")
            if parts:
                entry["visitors_centre"] = {"text": "Visitors' centre: " + " ".join(parts),
                                            **self._govuk_src("visitors' centre")}


# --- seeds, overrides, missing ------------------------------------------------------------------


def _apply_seed(entry: dict[str, Any], seed: Prison) -> None:
    """The seed prison's hand-written facts win over imported ones (they were checked by hand)."""

    def sourced(model: Any) -> dict[str, Any]:
        data: dict[str, Any] = model.model_dump(mode="json", exclude_none=True)
        return data

    entry["seed"] = seed.id
    entry["name"] = seed.name
    entry["aliases"] = sorted({*entry["aliases"], *(a.lower() for a in seed.aliases)})
    entry["towns"] = sorted({*entry["towns"], *seed.towns})
    entry["address"] = sourced(seed.address)
    entry["switchboard"] = sourced(seed.switchboard)
    if seed.safer_custody is not None:
        entry["safer_custody"] = sourced(seed.safer_custody)
    booking = entry.setdefault("booking", {})
    booking["phone"] = sourced(seed.booking.phone)
    if seed.booking.email is not None:
        email = re.search(r"[\w.+-]+@[\w.-]+\w", seed.booking.email.text)
        if email:
            booking["email"] = {**sourced(seed.booking.email), "text": email.group()}
    if seed.visiting_times is not None:
        entry["sessions"] = {**sourced(seed.visiting_times),
                             "sessions": [{"day": s.day, "start": f"{s.start:%H:%M}", "end": f"{s.end:%H:%M}"}
                                          for s in seed.visiting_times.sessions]}
    if seed.visitors_centre is not None:
        entry["visitors_centre"] = sourced(seed.visitors_centre)


def _deep_merge(base: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict) and "source" not in value:
            _deep_merge(base[key], value)
        else:
            base[key] = value
    return base


_CHECKED = ("address", "booking.online", "booking.phone", "booking.email", "sessions", "adult_age",
            "switchboard", "safer_custody", "visitors_centre", "finder_slug")


def _missing(entry: dict[str, Any]) -> list[str]:
    def has(path: str) -> bool:
        value: Any = entry
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value is not None

    return [p for p in _CHECKED if not has(p) and not (p == "sessions" and "visiting_times_text" in entry)]


# --- the whole directory ----------------------------------------------------------------------


def build_directory(root: Path, seed_dir: Path = SEED_DIR, overrides: Path = OVERRIDES_FILE) -> list[dict[str, Any]]:
    """Every prison (or bookable site): register-active ∪ booking-data-open, Dartmoor shown closed."""
    register, booking, estates, govuk = _read_sources(root)
    codes = sorted(
        {c for c, p in register.items() if p.get("active")}
        | {c for c, files in booking.items() if any(not d.get("closed") for _, d in files)}
    )
    seeds = {p.stem: Prison.model_validate(yaml.safe_load(p.read_text(encoding="utf-8")))
             for p in sorted(seed_dir.glob("*.yaml"))}
    patches: dict[str, Any] = {}
    if overrides.exists():
        patches = yaml.safe_load(overrides.read_text(encoding="utf-8")) or {}
    entries: list[dict[str, Any]] = []
    for code in codes:
        files: list[tuple[str | None, dict[str, Any] | None]] = [(None, None)]
        if code in booking:
            files = [(stem, data) for stem, data in booking[code]]
        for stem, pvb in files:
            builder = _Builder(code, register.get(code), stem, pvb, estates.get(code), govuk.get(code))
            entry = builder.build()
            if entry["id"] in seeds:
                _apply_seed(entry, seeds[entry["id"]])
            patch = patches.get(entry["id"])
            if patch:
                _deep_merge(entry, patch)
            sources = set(builder.sources)
            for value in entry.values():
                if isinstance(value, dict):
                    for item in (value, *value.values()):
                        if isinstance(item, dict):
                            sources.update(item.get("source") or [])
            entry["source"] = sorted(sources)
            entry["as_of"] = REGISTER_AS_OF if REGISTER_URL in sources else PVB_AS_OF
            entry["missing"] = _missing(entry)
            gaps = builder.gaps
            if gaps:
                entry["gaps"] = dict(sorted(gaps.items()))
            entries.append(entry)
    entries.sort(key=lambda e: e["id"])
    problems: list[str] = []
    for entry in entries:
        try:
            DirectoryPrison.model_validate(entry)
        except ValueError as exc:
            problems.append(f"{entry['id']}: {exc}")
    if problems:
        raise ContentError(problems)
    return entries


def render_directory(entries: list[dict[str, Any]]) -> str:
    """The file's exact text: sorted keys, fixed indentation, a trailing newline."""
    document = {
        "about": "Generated by `famsbot content import-prisons`; do not edit by hand: put corrections in "
                 "directory/overrides.yaml and re-import. Sources and dates are on every fact.",
        "prisons": [{k: v for k, v in e.items() if v is not None} for e in entries],
    }
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def import_prisons(root: Path, out: Path = DIRECTORY_FILE) -> int:
    """Rebuild the directory file from ``root``; returns how many entries it holds."""
    entries = build_directory(root)
    text = render_directory(entries)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        out.write_text(text, encoding="utf-8")
    return len(entries)
