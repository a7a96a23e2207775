"""Finding 5 of issue 27: plate text typed into --reason, --requester or --user never reaches the ledger;
plate-like runs in free-text fields become the ledger's keyed plate token before the entry is written."""

from __future__ import annotations

import json

import pytest

from edge.audit.events import Actor
from edge.audit.ledger import Ledger
from edge.audit.plates import scrub_detail, scrub_text
from tests.support.audit import GOOD, cli


def _tok(text: str) -> str:
    return "T" + "".join(c for c in text.upper() if c.isalnum())


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Vehicle ZZT4821 reported stolen", "Vehicle [plate:TZZT4821] reported stolen"),
        ("plate ZZT 4821, seen twice", "plate [plate:TZZT4821], seen twice"),
        ("zzt-4821", "[plate:TZZT4821]"),
        ("7ABC123 near the bank", "[plate:T7ABC123] near the bank"),
        ("12-AB-34 and AB 12 CD", "[plate:T12AB34] and [plate:TAB12CD]"),
        ("ZZT4821", "[plate:TZZT4821]"),
    ],
)
def test_plate_like_text_is_replaced(text, want):
    assert scrub_text(text, _tok) == want


@pytest.mark.parametrize(
    "text",
    [
        "Vehicle reported stolen from Elm St lot",
        "AMBER alert near I-90, case 2026-00123, at 10pm on the 21st",
        "Seen at 1234 Elm St doing 120mph",
        "white F150 4x4, RAV4 behind it; route 66, unit 12",
        "officer1",
        "jsmith12",
        "SPRINGFIELD-PD",
        "COVID19 checkpoint",
    ],
)
def test_ordinary_text_is_kept(text):
    assert scrub_text(text, _tok) == text


def test_only_free_text_fields_are_scrubbed():
    detail = {"reason": "ZZT4821 seen", "read_ids": ["ABC12345"], "plate_token": "ab12cd34ef", "case": "AB-1234"}
    assert scrub_detail(detail, _tok) == {
        "reason": "[plate:TZZT4821] seen",
        "read_ids": ["ABC12345"],
        "plate_token": "ab12cd34ef",
        "case": "[plate:TAB1234]",
    }


def test_the_ledger_writes_the_keyed_token_not_the_plate(tmp_path):
    with Ledger(tmp_path / "a.db", tmp_path / "k") as ledger:
        e = ledger.append("search", Actor("ZZT 4821", "SPD"), {"reason": "Follow ZZT4821 near Elm St lot"})
        token = ledger.plate_token("ZZT4821")
    assert e.actor.user == f"[plate:{token}]"
    assert e.detail_obj()["reason"] == f"Follow [plate:{token}] near Elm St lot"
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("a.db*"))
    assert b"ZZT4821" not in raw
    assert b"ZZT 4821" not in raw


def test_plates_typed_into_reason_requester_and_user_never_reach_the_ledger(site, monkeypatch, capsys):
    args = list(GOOD)
    args[args.index("Vehicle reported stolen from Elm St lot")] = "Vehicle ZZT4821 reported stolen from Elm St lot"
    args[args.index("officer1")] = "ZZT-4821"
    code, _, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", "QRX7702", *args)
    assert code == 0, err
    args[args.index("SPRINGFIELD-PD")] = "ZZT 4821"  # an unknown requester: denied, and recorded
    code, _, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", "QRX7702", *args)
    assert code == 3
    data = site.parent / "data"
    raw = b"".join(p.read_bytes() for p in data.glob("audit.db*"))
    for typed in (b"ZZT4821", b"ZZT-4821", b"ZZT 4821", b"QRX7702"):
        assert typed not in raw.upper()
    code, out, _ = cli(monkeypatch, capsys, "audit", "log", "--config", str(site), "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    search, denied = rows[2], rows[-1]
    assert (search["action"], denied["action"]) == ("search", "search_denied")
    assert search["user"].startswith("[plate:")
    assert "[plate:" in search["detail"]["reason"]
    assert denied["detail"]["requester"].startswith("[plate:")
    assert denied["agency"] == denied["detail"]["requester"]
