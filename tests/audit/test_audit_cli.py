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
    assert doc["entries"] == 7  # genesis, config, 3 searches, what the allowed one returned, verify
    attacker(_ledger(site)).execute("UPDATE entries SET outcome = 'allowed' WHERE seq = 4")  # a denial
    code, out, err = cli(monkeypatch, capsys, "audit", "verify", "--config", str(site), "--json", "--no-record")
    doc = json.loads(out)
    assert code == 4
    assert (doc["ok"], doc["first_bad_seq"], doc["problem"]) == (False, 4, "edited")
    assert "first bad entry 4" in err


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
    companion = site.parent / "data" / "audit-ed25519.key.anchor.json"
    companion.unlink()  # and the device's own copy of its latest signed head
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
        *[["audit", c] for c in ("verify", "report", "checkpoint", "key", "actions", "log", "find", "tlog", "witness")],
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
    assert [r["action"] for r in rows] == [
        "genesis",
        "config_loaded",
        "search",
        "search_result",
        "search_denied",
        "search_denied",
    ]
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


def test_report_reads_as_a_council_member_would_read_it(site, monkeypatch, capsys, tmp_path):
    import re
    from datetime import UTC, datetime

    _activity(site, monkeypatch, capsys)
    month = datetime.now(UTC).strftime("%Y-%m")
    out_dir = tmp_path / "report"
    code, _out, err = cli(
        monkeypatch, capsys, "audit", "report", "--config", str(site), "--out", str(out_dir), "--month", month
    )
    assert code == 0, err
    html = (out_dir / "report.html").read_text()
    now = datetime.now(UTC)
    assert f"Period: {now:%B %Y}.</b>" in html  # a calendar month, in words
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d{3,}", html)  # no raw timestamps with fractions
    assert "intact: intact" not in html
    assert re.search(r"Ledger verified intact: \d+ entries", html), re.findall(r"<p class=.ok.>[^<]*", html)
    assert "Springfield Police Department (SPRINGFIELD-PD)" in html  # names, not only ids
    assert "a prohibited use (e.g. immigration enforcement" in html  # rules in words
    assert "Retention policy (profile IL)" in html
    assert "proof of deletion" in html
    cards = dict(re.findall(r"<div class='card'><b>([^<]*)</b><span>([^<]*)</span>", html))
    assert {v: k for k, v in cards.items()}["reads held now (all periods)"] == "4"
    assert "@media print" in html
    assert "ZZT4821" not in html


def test_report_month_must_be_a_calendar_month(site, monkeypatch, capsys, tmp_path):
    code, _out, err = cli(
        monkeypatch, capsys, "audit", "report", "--config", str(site), "--out", str(tmp_path), "--month", "2026-13"
    )
    assert code == 2
    assert "--month '2026-13': give YYYY-MM" in err


def test_wording_helpers():
    from datetime import timedelta

    from edge.audit.wording import calendar_period, duration_words, month_bounds, readable_time, shorten

    assert readable_time("2026-12-04T16:29:47.466123Z") == "4 December 2026, 16:29 UTC"
    assert calendar_period(None, None, "2026-11-03T10:00:00Z", "2026-11-29T10:00:00Z") == "November 2026"
    span = calendar_period(None, None, "2026-11-03T10:00:00Z", "2027-01-02T10:00:00Z")
    assert span == "November 2026 to January 2027"
    lo, hi = month_bounds("2026-12")
    assert (lo.isoformat(), hi.isoformat()) == ("2026-12-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00")
    assert calendar_period(lo.isoformat(), hi.isoformat(), None, None) == "December 2026"
    half = calendar_period("2026-12-01T00:00:00Z", "2026-12-15T00:00:00Z", None, None)
    assert half == "1 December 2026 to 14 December 2026"
    assert duration_words(timedelta(days=21)) == "21 days"
    assert shorten("retention.non_hit: 21d -> 30d; store.path: a -> b", 30) == "retention.non_hit: 21d -> 30d…"
    assert shorten("short", 30) == "short"
