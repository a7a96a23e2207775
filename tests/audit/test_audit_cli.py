"""`edge-alpr audit ...` through the real entry point: verify exit codes, witnesses, report files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.support.audit import GOOD, attacker, cli


def _ledger(site_cfg: Path) -> Path:
    return site_cfg.parent / "data" / "audit.db"


def _activity(site_cfg, monkeypatch, capsys):
    cli(monkeypatch, capsys, "search", "--config", str(site_cfg), "--plate", "ZZT4821", *GOOD)
    bad = [a if a != "Vehicle reported stolen from Elm St lot" else "ICE WARRANT" for a in GOOD]
    cli(monkeypatch, capsys, "search", "--config", str(site_cfg), "--plate", "QRX7702", *bad)
    cli(monkeypatch, capsys, "search", "--config", str(site_cfg), "--plate", "QRX7702", "--on-behalf-of", "FBI", *GOOD)


def test_verify_exit_codes_and_json(site, monkeypatch, capsys):
    _activity(site, monkeypatch, capsys)
    code, out, _ = cli(monkeypatch, capsys, "audit", "verify", "--config", str(site))
    assert code == 0
    assert "intact" in out
    code, out, _ = cli(monkeypatch, capsys, "audit", "verify", "--config", str(site), "--json", "--no-record")
    doc = json.loads(out)
    assert code == 0
    assert doc["ok"]
    assert doc["entries"] == 5
    attacker(_ledger(site)).execute("UPDATE entries SET outcome = 'allowed' WHERE seq = 3")
    code, out, err = cli(monkeypatch, capsys, "audit", "verify", "--config", str(site), "--json", "--no-record")
    doc = json.loads(out)
    assert code == 4
    assert (doc["ok"], doc["first_bad_seq"], doc["problem"]) == (False, 3, "edited")
    assert "first bad entry 3" in err


def test_published_checkpoint_catches_a_truncation_as_a_witness(site, monkeypatch, capsys, tmp_path):
    _activity(site, monkeypatch, capsys)
    witness = tmp_path / "witness.txt"
    code, out, _ = cli(monkeypatch, capsys, "audit", "checkpoint", "--config", str(site), "--out", str(witness))
    assert code == 0
    assert out == witness.read_text()
    assert "\n\n\u2014 " in out
    conn = attacker(_ledger(site))
    conn.execute("DELETE FROM entries WHERE seq > 2")
    conn.execute("DELETE FROM checkpoints WHERE size > 2")
    code, _, _ = cli(monkeypatch, capsys, "audit", "verify", "--config", str(site), "--no-record")
    assert code == 0  # nothing left on the device shows it
    code, out, _ = cli(
        monkeypatch,
        capsys,
        "audit",
        "verify",
        "--config",
        str(site),
        "--no-record",
        "--json",
        "--witness",
        str(witness),
    )
    assert code == 4
    assert json.loads(out)["problem"] == "truncated"
    assert json.loads(out)["first_bad_seq"] == 3


def test_pinned_key_from_audit_key(site, monkeypatch, capsys):
    _activity(site, monkeypatch, capsys)
    code, out, _ = cli(monkeypatch, capsys, "audit", "key", "--config", str(site))
    vkey = out.strip()
    assert code == 0
    assert vkey.startswith("edge-alpr.local/springfield-1/audit+")
    code, _, _ = cli(monkeypatch, capsys, "audit", "verify", "--config", str(site), "--public-key", vkey)
    assert code == 0


def test_report_writes_html_with_charts_csv_and_json_without_plates(site, monkeypatch, capsys, tmp_path):
    _activity(site, monkeypatch, capsys)
    out_dir = tmp_path / "report"
    code, _out, err = cli(monkeypatch, capsys, "audit", "report", "--config", str(site), "--out", str(out_dir))
    assert code == 0, err
    html = (out_dir / "report.html").read_text()
    assert html.count("<svg") >= 4
    assert "Searches by purpose" in html
    assert "stolen-vehicle" in html
    assert "Ledger verified intact" in html
    assert "<script" not in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    data = json.loads((out_dir / "report.json").read_text())
    assert data["totals"]["searches"] == 1
    assert data["totals"]["denied"] == 2
    assert data["denials_by_rule"] == {"prohibited-use": 1, "agency-kind": 1}
    assert data["searches_by_agency"] == {"SPRINGFIELD-PD": 1}
    rows = list(csv.reader((out_dir / "denials_by_rule.csv").open()))
    assert rows[0] == ["rule", "denials"]
    assert sorted(r[0] for r in rows[1:]) == ["agency-kind", "prohibited-use"]
    for f in out_dir.iterdir():
        text = f.read_text()
        assert "ZZT4821" not in text
        assert "QRX7702" not in text


def test_report_since_filters_and_flags_a_tampered_ledger(site, monkeypatch, capsys, tmp_path):
    _activity(site, monkeypatch, capsys)
    attacker(_ledger(site)).execute("DELETE FROM entries WHERE seq = 2")
    code, _, _ = cli(
        monkeypatch,
        capsys,
        "audit",
        "report",
        "--config",
        str(site),
        "--out",
        str(tmp_path / "r"),
        "--since",
        "2999-01-01",
    )
    assert code == 0
    data = json.loads((tmp_path / "r" / "report.json").read_text())
    assert data["totals"]["entries"] == 0
    assert data["verification"]["ok"] is False
    assert data["verification"]["first_bad_seq"] == 2
    assert "LEDGER NOT INTACT" in (tmp_path / "r" / "report.html").read_text()


def test_actions_command_lists_every_action(monkeypatch, capsys):
    from edge.audit.events import Action

    code, out, _ = cli(monkeypatch, capsys, "audit", "actions")
    assert code == 0
    for action in Action:
        assert action.value in out


@pytest.mark.parametrize(
    "cmd",
    [
        ["search"],
        ["audit"],
        *[["audit", c] for c in ("verify", "report", "checkpoint", "key", "actions", "log", "find")],
    ],
)
def test_every_command_has_an_example(cmd, monkeypatch, capsys):
    code, out, _ = cli(monkeypatch, capsys, *cmd, "--help")
    assert code == 0
    assert "Example:" in out


def test_log_shows_entries_without_plate_text(site, monkeypatch, capsys):
    _activity(site, monkeypatch, capsys)
    code, out, _ = cli(monkeypatch, capsys, "audit", "log", "--config", str(site), "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["action"] for r in rows] == ["config_loaded", "search", "search_denied", "search_denied"]
    assert "ZZT4821" not in out


def test_find_lists_who_searched_a_plate(site, monkeypatch, capsys):
    _activity(site, monkeypatch, capsys)
    code, out, _ = cli(monkeypatch, capsys, "audit", "find", "--config", str(site), "--plate", "qrx 7702", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["outcome"], r["rule"]) for r in rows] == [("denied", "prohibited-use"), ("denied", "agency-kind")]
    code, out, _ = cli(monkeypatch, capsys, "audit", "find", "--config", str(site), "--plate", "ZZT4821")
    assert "1 search(es)" in out
    assert "officer1@SPRINGFIELD-PD" in out
