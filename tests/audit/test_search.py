"""Justified search end to end: real store, real ledger, the real `edge-alpr` entry point."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from edge.audit.events import Actor
from edge.audit.identity import os_identity
from edge.audit.ledger import Ledger, LedgerError, open_ledger
from edge.audit.search import SearchQuery, justified_search, record_config
from edge.config import load_config
from edge.errors import PolicyDenied
from edge.policy.search import SearchRequest, build_policy
from tests.support.audit import GOOD, cli


def entries(cfg_path: Path) -> list:
    cfg = load_config(cfg_path)
    ledger = Ledger(Path(cfg.store.path).parent / "audit.db", readonly=True)
    return list(ledger.entries())


def test_allowed_search_is_recorded_before_results_and_the_ledger_holds_no_plate(site, monkeypatch, capsys):
    code, out, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", "zzt4821", *GOOD)
    assert code == 0, err
    assert out.count("ZZT4821") == 2
    assert "QRX7702" not in out
    log = entries(site)
    assert [e.action for e in log] == ["genesis", "config_loaded", "search", "search_result"]
    detail = log[2].detail_obj()
    assert detail["purpose"] == "stolen-vehicle"
    assert detail["case"] == "2026-00123"
    assert detail["plate_token"]
    assert (log[2].actor.user, log[2].actor.agency) == ("officer1", "SPRINGFIELD-PD")
    raw = (site.parent / "data" / "audit.db").read_bytes()
    wal = site.parent / "data" / "audit.db-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert b"ZZT4821" not in raw.upper()


@pytest.mark.parametrize("typed", ["ZZT-4821", "zzt 4821", "ZZT\u20134821", " Z.Z.T 48-21 "])
def test_a_plate_typed_with_separators_finds_the_stored_read_and_gets_the_same_token(site, monkeypatch, capsys, typed):
    code, out, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", "ZZT4821", *GOOD)
    assert code == 0, err
    code, out, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", typed, *GOOD)
    assert code == 0, err
    assert out.count("ZZT4821") == 2
    first, second = (e.detail_obj()["plate_token"] for e in entries(site) if e.action == "search")
    assert first == second


def test_a_pattern_typed_with_separators_matches_like_the_stored_plate(site, monkeypatch, capsys):
    from edge.store import Store

    cfg = load_config(site)
    with Store.from_config(cfg) as store:
        assert [r.plate for r in store.search(pattern="zzt-482*")] == ["ZZT4821"] * 2
        assert [r.plate for r in store.search(plate="ZZT 4821")] == ["ZZT4821"] * 2


def test_a_plate_of_separators_only_is_refused_as_empty(site, monkeypatch, capsys):
    code, _out, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", " - ", *GOOD)
    assert code != 0
    assert "--plate is empty" in err


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        (("--reason", "ICE+ERO"), "prohibited-use"),
        (("--reason", "Investigation"), "reason"),
        (("--requester", "GARY-PD"), "out-of-state"),
        (("--on-behalf-of", "ICE"), "prohibited-use"),
        (("--purpose", "immigration-enforcement"), "prohibited-use"),
        # an insider's wordings from the review of 2026-12-06, let through before
        (("--reason", "Locate subject for U.S. I.C.E. field office"), "prohibited-use"),
        (("--reason", "Locate subject per ICE2026 tasking"), "prohibited-use"),
        (("--reason", "Subject is on the ICE list, locate vehicle"), "prohibited-use"),
        (("--reason", "Locate subject for \u202eECI\u202c hold"), "reason"),
        (("--user", "ICE-ERO liaison"), "prohibited-use"),
    ],
)
def test_denied_search_exits_3_says_why_and_is_recorded(site, monkeypatch, capsys, change, rule):
    args = list(GOOD)
    if change[0] in args:
        args[args.index(change[0]) + 1] = change[1]
    else:
        args += list(change)
    code, out, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", "ZZT4821", *args)
    assert code == 3
    assert f"search denied ({rule})" in err
    assert "ZZT4821" not in out
    last = entries(site)[-1]
    assert (last.action, last.outcome, last.detail_obj()["rule"]) == ("search_denied", "denied", rule)


def test_denied_search_with_json_prints_the_denial_as_json(site, monkeypatch, capsys):
    import json

    args = [a if a != "Vehicle reported stolen from Elm St lot" else "ICE WARRANT" for a in GOOD]
    code, out, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", "ZZT4821", *args, "--json")
    assert code == 3
    doc = json.loads(out)
    last = entries(site)[-1]
    assert (doc["allowed"], doc["rule"], doc["recorded"]) == (False, "prohibited-use", True)
    assert doc["ledger_seq"] == last.seq
    assert doc["reason"]
    assert doc["reason"] in doc["message"]
    assert "search denied (prohibited-use)" in err
    assert "ZZT4821" not in out


def test_search_does_not_run_when_the_ledger_cannot_be_written(site, monkeypatch, capsys, tmp_path):
    (tmp_path / "not-a-dir").write_text("x")
    # the audit: section is last in the file, so this line lands in it
    site.write_text(site.read_text() + f"  ledger: {tmp_path / 'not-a-dir' / 'audit.db'}\n")
    code, out, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", "ZZT4821", *GOOD)
    assert code != 0
    assert "audit ledger" in err
    assert "ZZT4821" not in out


def _good_search(ledger: Ledger, site: Path, run: Any) -> Any:
    """justified_search of a request the site's policy allows, with `run` as the store."""
    cfg = load_config(site)
    return justified_search(
        ledger=ledger,
        policy=build_policy(cfg),
        misuse=cfg.audit.misuse,
        request=SearchRequest("stolen-vehicle", "Vehicle reported stolen from Elm St lot",
                              "SPRINGFIELD-PD", "2026-00123", user="officer1"),
        query=SearchQuery(plate="ZZT4821"),
        run=run,
    )  # fmt: skip


def test_search_does_not_run_when_another_writer_holds_the_ledger(site, monkeypatch, capsys):
    cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", "ZZT4821", *GOOD)
    ledger_file = site.parent / "data" / "audit.db"
    cfg = load_config(site)
    calls: list[SearchQuery] = []
    with open_ledger(cfg) as ledger:
        blocker = sqlite3.connect(ledger_file, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(LedgerError):
                _good_search(ledger, site, lambda q: calls.append(q) or [])
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
    assert calls == []  # the store was never asked


def test_partial_and_range_searches_only_for_purposes_that_allow_them(site, monkeypatch, capsys):
    code, out, _ = cli(
        monkeypatch, capsys, "search", "--config", str(site), "--pattern", "ZZT48?1", "--since", "6h", *GOOD
    )
    assert code == 0
    assert out.count("ZZT48") == 3
    args = [a if a != "stolen-vehicle" else "violent-felony" for a in GOOD]
    code, _, err = cli(
        monkeypatch, capsys, "search", "--config", str(site), "--pattern", "ZZT48?1", "--since", "6h", *args
    )
    assert code == 3
    assert "query-kind" in err
    args = [a if a != "stolen-vehicle" else "amber-alert" for a in GOOD]
    code, out, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--since", "1h", "--until", "0s", *args)
    assert code == 0, err
    assert "4 read(s)" in out
    code, _, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--since", "5h", *args)
    assert code == 3
    assert "at most" in err


def test_misuse_signals_repeat_plate_and_denials(site, monkeypatch, capsys):
    for _ in range(3):
        code, _, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", "ZZT4821", *GOOD)
        assert code == 0
    assert "repeat-plate" in err
    assert entries(site)[-2].detail_obj()["signals"] == ["repeat-plate"]  # [-1]: what it returned
    bad = [a if a != "Vehicle reported stolen from Elm St lot" else "investigation" for a in GOOD]
    for _ in range(3):
        cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", "QRX7702", *bad)
    assert "denied-attempts" in entries(site)[-1].detail_obj()["signals"]


def test_what_a_search_returned_is_chained_to_its_decision_without_plate_text(site, monkeypatch, capsys):
    """Finding 9: after the store answers, a search_result entry records the count and the read ids."""
    code, out, err = cli(monkeypatch, capsys, "search", "--config", str(site), "--plate", "zzt4821", "--json", *GOOD)
    assert code == 0, err
    doc = json.loads(out)
    search, result = entries(site)[-2:]
    assert (search.action, result.action, result.outcome) == ("search", "search_result", "returned")
    assert doc["result_seq"] == result.seq == search.seq + 1
    detail = result.detail_obj()
    assert detail.pop("auth") == os_identity()  # who really ran it, beside the declared officer1
    assert detail == {
        "search_seq": search.seq,
        "search_hash": search.hash.hex(),
        "count": 2,
        "read_ids": [r["id"] for r in doc["results"]],
        "limit": 100,
        "limit_reached": False,
    }
    assert sorted(detail["read_ids"]) == ["r0", "r1"]
    assert (result.actor.user, result.actor.agency) == ("officer1", "SPRINGFIELD-PD")
    assert "ZZT4821" not in result.detail.upper()


def test_results_are_not_handed_out_when_what_they_were_cannot_be_recorded(site):
    """Fail closed: the store answered, but without the search_result entry nobody sees the reads."""

    class ResultWriteFails(Ledger):
        def append(self, action, actor, detail, outcome="ok"):  # type: ignore[no-untyped-def]
            if str(action) == "search_result":
                raise LedgerError("disk full")
            return super().append(action, actor, detail, outcome)

    asked: list[SearchQuery] = []
    ledger = ResultWriteFails(site.parent / "data" / "audit.db", site.parent / "data" / "audit-ed25519.key")
    with ledger, pytest.raises(LedgerError, match="disk full"):
        _good_search(ledger, site, lambda q: asked.append(q) or ["a read"])
    assert len(asked) == 1
    assert entries(site)[-1].action == "search"  # the decision is there; its results were never handed out


def test_config_changes_are_recorded_with_who_and_what(tmp_path):
    with Ledger(tmp_path / "a.db", tmp_path / "k") as ledger:
        first = record_config(ledger, {"search": {"allow_out_of_state": False}}, Actor("admin", "node"), "a.yaml")
        assert first is not None
        assert first.action == "config_loaded"
        assert (
            record_config(ledger, {"search": {"allow_out_of_state": False}}, Actor("admin", "node"), "a.yaml") is None
        )
        changed = record_config(ledger, {"search": {"allow_out_of_state": True}}, Actor("mallory", "node"), "a.yaml")
    assert changed is not None
    assert changed.action == "config_changed"
    assert changed.actor.user == "mallory"
    assert changed.detail_obj()["changes"] == [{"key": "search.allow_out_of_state", "old": False, "new": True}]


def test_denial_that_cannot_be_recorded_still_denies(tmp_path):
    cfg = load_config(None)
    ledger = Ledger(tmp_path / "a.db", tmp_path / "k")
    ledger.close()
    ledger = Ledger(tmp_path / "a.db", tmp_path / "k", busy_timeout=0.1)
    blocker = sqlite3.connect(tmp_path / "a.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(PolicyDenied, match="could not be recorded"):
            justified_search(
                ledger=ledger, policy=build_policy(cfg), misuse=cfg.audit.misuse,
                request=SearchRequest("x", "ICE", "NOBODY"), query=SearchQuery(plate="ZZT4821"),
                run=lambda q: [],
            )  # fmt: skip
    finally:
        blocker.execute("ROLLBACK")


@pytest.mark.parametrize(
    ("pattern", "since", "rule"),
    [
        ("*", "6h", "pattern"),  # issue 27, finding 2: every read, under every profile
        ("*?*?*", "6h", "pattern"),
        ("ZZ*", "6h", "pattern"),  # 2 known characters; IL wants 5
        ("ZZT48?1", None, "time-bound"),  # a pattern is bounded in time like a range search
        ("ZZT48?1", "3d", "time-bound"),
    ],
)
def test_loose_or_unbounded_patterns_are_refused_and_recorded(site, monkeypatch, capsys, pattern, since, rule):
    args = ["search", "--config", str(site), "--pattern", pattern, *(["--since", since] if since else []), *GOOD]
    code, out, err = cli(monkeypatch, capsys, *args)
    assert code == 3
    assert f"({rule})" in err
    assert "ZZT48" not in out
    last = entries(site)[-1]
    assert last.action == "search_denied"
    assert last.detail_obj()["rule"] == rule


def test_pattern_results_are_capped(site, monkeypatch, capsys):
    text = site.read_text().replace("search:\n", "search:\n  pattern_max_results: 1\n", 1)
    site.write_text(text)
    code, out, err = cli(
        monkeypatch, capsys, "search", "--config", str(site), "--pattern", "ZZT48?1", "--since", "6h", *GOOD
    )
    assert code == 0, err
    assert "1 read(s)" in out
    assert entries(site)[-1].detail_obj()["limit"] == 1
