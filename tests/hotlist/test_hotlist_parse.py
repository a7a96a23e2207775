"""Reading hotlist files: CSV with and without header, JSON forms, bad rows refuse the whole file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from edge.errors import InputError
from edge.hotlist.parse import parse_expiry, parse_file


def test_csv_with_header_normalises_plates_and_merges_duplicates(tmp_path: Path) -> None:
    f = tmp_path / "l.csv"
    f.write_text("plate,note,expires\nab-12 3,grey van,\nAB123,,\nKX77,,2026-12-31\n")
    parsed = parse_file(f)
    assert [e.plate for e in parsed.entries] == ["AB123", "KX77"]
    assert parsed.entries[0].note == "grey van"
    assert parsed.entries[1].expires == datetime(2027, 1, 1, tzinfo=UTC)
    assert parsed.duplicates == 1
    assert parsed.rows == 3
    assert len(parsed.sha256) == 64


def test_headerless_csv(tmp_path: Path) -> None:
    f = tmp_path / "l.txt"
    f.write_text("KX7731\nMM2049,note here\n")
    parsed = parse_file(f)
    assert [(e.plate, e.note) for e in parsed.entries] == [("KX7731", None), ("MM2049", "note here")]


@pytest.mark.parametrize(
    "data",
    [["KX7731", "MM2049"], [{"plate": "KX7731"}, {"plate": "MM2049", "note": "x", "expires": "2030-01-01"}]],
)
def test_json_list_forms(tmp_path: Path, data: object) -> None:
    f = tmp_path / "l.json"
    f.write_text(json.dumps({"entries": data}))
    assert [e.plate for e in parse_file(f).entries] == ["KX7731", "MM2049"]


def test_bad_rows_refuse_the_file_naming_them(tmp_path: Path) -> None:
    f = tmp_path / "l.csv"
    f.write_text("plate,note\nKX7731,\nNOT A PLATE!!,\nMM2049,\n,empty\n")
    with pytest.raises(InputError, match=r"2 bad row\(s\).*row 3.*row 5"):
        parse_file(f)


def test_unknown_column_and_json_key_refused(tmp_path: Path) -> None:
    f = tmp_path / "l.csv"
    f.write_text("plate,owner\nKX7731,someone\n")
    with pytest.raises(InputError, match="unknown column"):
        parse_file(f)
    j = tmp_path / "l.json"
    j.write_text(json.dumps([{"plate": "KX7731", "owner": "x"}]))
    with pytest.raises(InputError, match="unknown key"):
        parse_file(j)


def test_missing_empty_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        parse_file(tmp_path / "nope.csv")
    (tmp_path / "e.csv").write_text("plate\n")
    with pytest.raises(InputError, match="no plates"):
        parse_file(tmp_path / "e.csv")
    (tmp_path / "b.csv").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(InputError, match="UTF-8"):
        parse_file(tmp_path / "b.csv")


def test_expiry_forms() -> None:
    assert parse_expiry("2026-12-31") == datetime(2027, 1, 1, tzinfo=UTC)
    assert parse_expiry("2026-12-31T18:00:00Z") == datetime(2026, 12, 31, 18, tzinfo=UTC)
    with pytest.raises(ValueError, match="zone"):
        parse_expiry("2026-12-31T18:00:00")
