"""``famsbot prisons find|show|list``: the directory as staff check it (DESIGN.md §2), run in-process."""

from __future__ import annotations

import io
import json
import re

import pytest

from famsbot.cli import main

REQUIRED = {"id", "nomis_id", "name", "country", "booking", "sessions", "source", "as_of", "missing"}


def test_find_names_one_prison_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prisons", "find", "my son is in the prison in Wrexham", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found == {"id": "berwyn", "nomis_id": "BWI", "name": "HMP/YOI Berwyn"}


def test_find_a_shared_name_gives_the_candidates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prisons", "find", "bullingdon", "--json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert found["id"] is None
    assert [c["id"] for c in found["candidates"]] == ["bullingdon-convicted", "bullingdon-remand"]
    assert {c["nomis_id"] for c in found["candidates"]} == {"BNI"}


def test_find_reads_one_text_a_line_and_prints_one_line_each(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("HMP Maidstone\nCarchar Caerdydd\nhello\nMSI\nfeltham\n"))
    assert main(["prisons", "find", "--json"]) == 0  # batch mode exits 0 even when a line names none
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == ["maidstone", "cardiff", None, "maidstone", None]
    assert lines[2]["candidates"] == []
    assert len(lines[4]["candidates"]) == 2


def test_find_in_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prisons", "find", "wandsworth"]) == 0
    assert capsys.readouterr().out.strip() == "wandsworth\tWWI\tHMP/YOI Wandsworth"


def test_list_gives_every_prison_with_the_contract_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prisons", "list", "--json"]) == 0
    prisons = json.loads(capsys.readouterr().out)
    assert len(prisons) >= 130
    for prison in prisons:
        assert set(prison) >= REQUIRED, prison["id"]
        assert set(prison["booking"]) == {"phone", "email", "online"}
        for session in prison["sessions"]:
            assert session["day"] in {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
            assert re.fullmatch(r"\d\d:\d\d", session["start"])
            assert re.fullmatch(r"\d\d:\d\d", session["end"])
        assert prison["source"]
        assert prison["as_of"]
    by_id = {p["id"]: p for p in prisons}
    assert by_id["maidstone"]["booking"] == {"phone": "01622 775621", "online": True,
                                             "email": "socialvisits.maidstone@justice.gov.uk"}
    assert by_id["cardiff"]["country"] == "wales"
    assert by_id["cardiff"]["booking"]["email"] is None
    assert "booking.email" in by_id["cardiff"]["missing"]
    assert {"day": "tue", "start": "14:00", "end": "16:00"} in by_id["maidstone"]["sessions"]


def test_show_takes_an_id_or_a_nomis_code_and_gives_sources_dates_and_gaps(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prisons", "show", "MSI", "--json"]) == 0
    maidstone = json.loads(capsys.readouterr().out)
    assert maidstone["id"] == "maidstone"
    assert maidstone["switchboard"] == "01622 775300"
    assert maidstone["facts"]["switchboard"]["source"] == ["hmp-maidstone-family-strategy.txt"]
    assert main(["prisons", "show", "cardiff"]) == 0
    text = capsys.readouterr().out
    assert "booking line: 0300 303 2301" in text
    assert "source: https://github.com/ministryofjustice/prison-visits-2/blob/" in text
    assert "(as of 2026-07-31)" in text
    assert "missing: booking.email" in text


def test_show_an_unknown_prison_fails_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prisons", "show", "narnia"]) == 1
    assert "no prison" in capsys.readouterr().err
