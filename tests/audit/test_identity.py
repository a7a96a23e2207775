"""Finding 8 of issue 27: every ledger entry records the authenticated actor beside the declared one;
audit.require_os_user refuses a declared user who is not the OS account; the report shows mismatches."""

from __future__ import annotations

import json
import os

from edge.audit.events import Actor
from edge.audit.identity import mismatch, os_identity
from edge.audit.ledger import Ledger
from tests.support.audit import GOOD, cli


def test_every_entry_records_the_os_account_and_a_caller_cannot_forge_it(tmp_path):
    with Ledger(tmp_path / "a.db", tmp_path / "k") as ledger:
        e = ledger.append("search", Actor("officer1", "SPD"), {"auth": {"os_user": "mallory", "peer": "p1"}})
        genesis = next(ledger.entries())
    auth = e.detail_obj()["auth"]
    assert auth["os_user"] == os_identity()["os_user"] != "mallory"
    assert auth["uid"] == os.geteuid()
    assert auth["peer"] == "p1"  # what the caller authenticated is kept beside it
    assert genesis.action == "genesis"


def test_sudo_caller_is_recorded_only_under_root(monkeypatch):
    monkeypatch.setenv("SUDO_USER", "jdoe")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert os_identity()["sudo_user"] == "jdoe"
    monkeypatch.setattr(os, "geteuid", lambda: 4242)  # anyone can set SUDO_USER; it means nothing unless root
    assert "sudo_user" not in os_identity()


def test_mismatch_rules():
    local = {"os_user": "root", "uid": 0, "sudo_user": "jdoe"}
    assert not mismatch("jdoe", local)
    assert not mismatch("root", local)
    assert mismatch("officer1", local)
    assert not mismatch("system", local)
    assert not mismatch("peer-a:jdoe", {"os_user": "edge", "peer": "peer-a"})
    assert mismatch("peer-b:jdoe", {"os_user": "edge", "peer": "peer-a"})


def test_require_os_user_refuses_another_name_and_records_it(site, monkeypatch, capsys):
    site.write_text(site.read_text() + "  require_os_user: true\n", encoding="utf-8")  # audit: is last
    code, _, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", "ZZT4821", *GOOD)
    assert code == 3
    assert "search denied (identity)" in err
    me = os_identity()["os_user"]
    args = [a if a != "officer1" else me for a in GOOD]
    code, _, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", "ZZT4821", *args)
    assert code == 0, err
    code, out, _ = cli(monkeypatch, capsys, "audit", "log", "--config", str(site), "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    denied = next(r for r in rows if r["action"] == "search_denied")
    assert (denied["user"], denied["detail"]["rule"]) == ("officer1", "identity")


def test_report_lists_entries_whose_declared_user_is_not_the_account(site, monkeypatch, capsys, tmp_path):
    code, _, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", "ZZT4821", *GOOD)
    assert code == 0, err
    me = os_identity()["os_user"]
    args = [a if a != "officer1" else me for a in GOOD]
    assert cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", "QRX7702", *args)[0] == 0
    out_dir = tmp_path / "r"
    assert cli(monkeypatch, capsys, "audit", "report", "--config", str(site), "--out", str(out_dir))[0] == 0
    data = json.loads((out_dir / "report.json").read_text())
    # officer1's config record, search and result entry; the own-name search is not a mismatch
    assert data["identity_mismatches"] == [{"declared": "officer1", "authenticated": me, "entries": 3}]
    assert "declared user" in (out_dir / "report.html").read_text()
