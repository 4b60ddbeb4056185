"""The national prison directory: what the import makes of the public data, and what is committed.

The committed file (``content/directory/prisons.json``) is what the bot reads; the import command
makes it from ``../shared/reference/prisons``. These tests check both: the committed directory says
the right things (and only sourced things), and a re-import changes nothing that is committed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from famsbot.cli import main
from famsbot.content.directory import DIRECTORY_FILE, load_directory
from famsbot.content.importer import PVB_COMMIT, build_directory, normalise_phone, render_directory
from famsbot.content.loader import load_content

REPO = Path(__file__).resolve().parents[2]
_CANDIDATES = [REPO.parent / "shared", REPO.parent.parent / "shared"]
SHARED = next((p / "reference" / "prisons" for p in _CANDIDATES if (p / "reference" / "prisons").is_dir()), None)
needs_shared = pytest.mark.skipif(
    SHARED is None, reason="../shared/reference/prisons is not beside this checkout: nothing to re-import from"
)
DIRECTORY = load_directory()


def test_the_directory_is_national_and_holds_every_open_prison() -> None:
    ids = set(DIRECTORY.ids)
    assert len({p.nomis_id for p in DIRECTORY}) >= 125
    # the union: register-active, plus booking-data-open prisons the register misses
    assert {"fosse-way", "millsike", "wormwood-scrubs", "wandsworth", "parc", "parc-yoi", "berwyn"} <= ids
    assert "medway" not in ids  # closed in both sources
    dartmoor = DIRECTORY.get("dartmoor")
    assert dartmoor is not None
    assert dartmoor.status == "closed"
    assert dartmoor.closed_note is not None
    # bookable sites keep their own entries
    assert {"bullingdon-convicted", "bullingdon-remand", "highpoint-north", "highpoint-south",
            "norwich-a-b-c-e-m", "norwich-f-g-h-l", "norwich-britannia-house", "feltham-a", "feltham-b"} <= ids


def test_ids_and_nomis_codes_name_the_same_prison() -> None:
    assert DIRECTORY.canonical("MSI") == "maidstone"
    assert DIRECTORY.canonical("msi") == "maidstone"
    assert DIRECTORY.canonical("maidstone") == "maidstone"
    assert [p.id for p in DIRECTORY.resolve("BNI")] == ["bullingdon-convicted", "bullingdon-remand"]
    assert DIRECTORY.get("BNI") is None  # two sites: the caller must ask which


def test_booking_lines_are_written_as_dialled_and_the_change_is_noted() -> None:
    assert normalise_phone("0162 277 5621") == "01622 775621"
    assert normalise_phone("0300 060 6513") == "0300 060 6513"
    assert normalise_phone("029 2092 3327") == "029 2092 3327"
    assert normalise_phone("0113 203 2570") == "0113 203 2570"
    assert normalise_phone("Unavailable") is None
    stocken = DIRECTORY.get("stocken")
    assert stocken is not None
    assert stocken.booking.phone is not None
    assert stocken.booking.phone.number == "01780 795156"
    assert "0178 079 5156" in (stocken.booking.phone.note or "")


def test_a_missing_fact_is_missing_not_invented() -> None:
    cardiff = DIRECTORY.get("cardiff")
    assert cardiff is not None
    assert cardiff.booking.email is None
    assert "booking.email" in cardiff.missing
    assert "Unavailable" in cardiff.gaps["booking.email"]
    wetherby = DIRECTORY.get("wetherby")
    assert wetherby is not None
    assert wetherby.booking.email is None
    altcourse = DIRECTORY.get("altcourse")
    assert altcourse is not None
    assert altcourse.contracted
    assert altcourse.booking.phone is None
    assert altcourse.sessions is None
    assert {"booking.phone", "sessions"} <= set(altcourse.missing)


def test_welsh_prisons_carry_their_welsh_names_and_country() -> None:
    cardiff = DIRECTORY.get("CFI")
    assert cardiff is not None
    assert cardiff.country == "wales"
    assert cardiff.name_cy == "Carchar Caerdydd"
    assert cardiff.address_cy is not None
    assert "Caerdydd" in cardiff.address_cy.text
    assert {p.id for p in DIRECTORY if p.country == "wales"} >= {"berwyn", "cardiff", "parc", "swansea", "usk",
                                                                  "prescoed"}


def test_every_fact_names_its_source_with_the_commit_and_a_date() -> None:
    for prison in DIRECTORY:
        assert prison.source
        assert prison.as_of
        phone = prison.booking.phone
        if phone is not None and prison.seed is None:
            assert any(PVB_COMMIT in s or "gov.uk" in s for s in phone.source), prison.id
            assert phone.as_of


def test_where_the_booking_data_and_an_old_gov_uk_copy_disagree_the_newer_wins_and_says_so() -> None:
    cardiff = DIRECTORY.get("cardiff")
    assert cardiff is not None
    assert cardiff.booking.phone is not None
    assert cardiff.booking.phone.number == "0300 303 2301"
    assert "029 2092 3327" in (cardiff.booking.phone.note or "")
    assert "newer" in (cardiff.booking.phone.note or "")


def test_a_gov_uk_copy_used_as_the_only_source_says_so_with_its_date() -> None:
    wetherby = DIRECTORY.get("wetherby")
    assert wetherby is not None
    assert wetherby.switchboard is not None
    assert wetherby.switchboard.number == "01937 544200"
    assert "Only source" in (wetherby.switchboard.note or "")
    assert wetherby.switchboard.as_of


def test_the_seed_prisons_keep_their_hand_written_facts() -> None:
    content = load_content()
    for prison_id, seed in content.prisons.items():
        entry = content.directory.get(prison_id)
        assert entry is not None
        assert entry.seed == prison_id
        assert entry.name == seed.name
        assert entry.switchboard is not None
        assert entry.switchboard.number == seed.switchboard.number
        assert entry.booking.phone is not None
        assert entry.booking.phone.number == seed.booking.phone.number
    maidstone = content.directory.get("maidstone")
    assert maidstone is not None
    assert maidstone.safer_custody is not None
    assert maidstone.safer_custody.number == "01622 775615"


@needs_shared
def test_reimporting_the_shared_data_changes_nothing_committed() -> None:
    assert SHARED is not None
    assert render_directory(build_directory(SHARED)) == DIRECTORY_FILE.read_text(encoding="utf-8")


@needs_shared
def test_the_import_command_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert SHARED is not None
    before = DIRECTORY_FILE.read_bytes()
    assert main(["content", "import-prisons", "--from", str(SHARED)]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert DIRECTORY_FILE.read_bytes() == before


@needs_shared
def test_a_hand_written_override_wins_over_imported_data(tmp_path: Path) -> None:
    assert SHARED is not None
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(yaml.safe_dump({"wandsworth": {
        "switchboard": {"number": "020 7946 0000", "source": "https://www.gov.uk/guidance/wandsworth-prison",
                        "as_of": "2026-09-01", "note": "test correction"},
        "booking": {"email": None},
    }}), encoding="utf-8")
    entries = {e["id"]: e for e in build_directory(SHARED, overrides=overrides)}
    wandsworth = entries["wandsworth"]
    assert wandsworth["switchboard"]["number"] == "020 7946 0000"
    assert "switchboard" not in wandsworth["missing"]
    assert "booking.email" in wandsworth["missing"]
    assert wandsworth["booking"]["phone"]["number"] == "0300 060 6509"  # the rest is untouched


def test_content_check_validates_the_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from famsbot.content.loader import CONTENT_DIR

    draft = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, draft, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    broken = (draft / "directory" / "prisons.json").read_text(encoding="utf-8").replace('"country": "wales"',
                                                                                           '"country": "narnia"', 1)
    (draft / "directory" / "prisons.json").write_text(broken, encoding="utf-8")
    assert main(["content", "check", "--root", str(draft)]) == 1
    assert "country" in capsys.readouterr().err


def test_odd_values_in_the_booking_data_are_read_and_noted() -> None:
    hull = DIRECTORY.get("hull")
    assert hull is not None
    assert hull.booking.online is not None
    assert hull.booking.online.value is True
    assert "'enable'" in (hull.booking.online.note or "")  # the data says "enable", not true


def test_sites_keep_their_own_booking_facts() -> None:
    wings = [DIRECTORY.get(i) for i in ("norwich-a-b-c-e-m", "norwich-f-g-h-l", "norwich-britannia-house")]
    assert all(w is not None and w.nomis_id == "NWI" and w.group == "norwich" for w in wings)
    assert len({w.site for w in wings if w is not None}) == 3
    belmarsh = DIRECTORY.get("belmarsh")
    assert belmarsh is not None
    assert belmarsh.lead_days is not None
    assert belmarsh.lead_days.value == 3
    assert belmarsh.booking_window is not None
    assert belmarsh.booking_window.value == 21
