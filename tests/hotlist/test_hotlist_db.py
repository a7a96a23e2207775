"""The hotlist database: provenance, ledger before commit (fail closed), refusals, expiry, removal."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from edge.audit.events import Actor
from edge.audit.ledger import Ledger, LedgerError
from edge.audit.verify import verify_ledger
from edge.config.hotlist import HotlistConfig
from edge.errors import FieldError, InputError, PolicyDenied
from edge.hotlist import Hotlists
from edge.hotlist.parse import parse_file
from tests.support.hotlist import T0, Clock, random_plates, write_csv


def _import(hot: Hotlists, ledger: Any, actor: Actor, hcfg: HotlistConfig, f: Path, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "name": "ncic-stolen",
        "category": "stolen-vehicle",
        "source": "NCIC extract",
        "basis": "agreement 2024-17",
        "expires": None,
        "actor": actor,
        "ledger": ledger,
        "config": hcfg,
        "file_name": f.name,
    }
    args.update(kw)
    return hot.import_list(parse_file(f), **args)


def entries(ledger: Ledger) -> list[tuple[str, str, dict[str, Any]]]:
    rows = ledger.connection.execute(
        "SELECT action, outcome, detail FROM entries WHERE action != 'genesis' ORDER BY seq"
    ).fetchall()
    import json

    return [(a, o, json.loads(d)) for a, o, d in rows]


def test_import_keeps_provenance_and_records_it(
    tmp_path: Path, hot: Hotlists, ledger: Ledger, actor: Actor, hcfg: HotlistConfig
) -> None:
    plates = random_plates(50)
    f = write_csv(tmp_path / "l.csv", plates)
    res = _import(hot, ledger, actor, hcfg, f, expires=T0 + timedelta(days=7))
    assert res.entries == 50
    (info,) = hot.lists()
    assert (info.name, info.category, info.source, info.basis) == (
        "ncic-stolen", "stolen-vehicle", "NCIC extract", "agreement 2024-17",
    )  # fmt: skip
    assert (info.imported_by, info.agency, info.imported_at, info.active) == ("officer1", "test-node", T0, 50)
    assert info.expires == T0 + timedelta(days=7)
    ((action, outcome, detail),) = entries(ledger)
    assert (action, outcome, detail["entries"], detail["sha256"]) == ("hotlist_imported", "ok", 50, info.file_sha256)
    text = ledger.connection.execute("SELECT group_concat(detail) FROM entries").fetchone()[0]
    assert not any(p in text for p in plates)  # no plate text in the ledger
    assert hot.match([plates[3]])[0].basis == "agreement 2024-17"


class FailingLedger:
    def __init__(self, db: Path) -> None:
        self.db = db
        self.seen_committed: int | None = None

    def append(self, action: Any, actor: Actor, detail: Mapping[str, Any], outcome: str = "ok") -> Any:
        with sqlite3.connect(self.db) as other:  # what another reader sees while the ledger is written
            self.seen_committed = other.execute("SELECT count(*) FROM entries").fetchone()[0]
        raise LedgerError("disk gone")


def test_ledger_failure_imports_nothing(tmp_path: Path, hot: Hotlists, actor: Actor, hcfg: HotlistConfig) -> None:
    f = write_csv(tmp_path / "l.csv", random_plates(20))
    bad = FailingLedger(hot.path)
    with pytest.raises(LedgerError):
        _import(hot, bad, actor, hcfg, f)
    assert bad.seen_committed == 0  # the ledger is written before the rows commit
    assert hot.lists() == []
    assert hot.count() == 0


def test_prohibited_category_refused_recorded_and_nothing_loaded(
    tmp_path: Path, hot: Hotlists, ledger: Ledger, actor: Actor
) -> None:
    cfg = HotlistConfig()
    f = write_csv(tmp_path / "l.csv", random_plates(10))
    with pytest.raises(PolicyDenied, match=r"immigration violator.*prohibited use"):
        _import(hot, ledger, actor, cfg, f, category="Immigration Violator")
    assert hot.count() == 0
    ((action, outcome, detail),) = entries(ledger)
    assert (action, outcome, detail["rule"]) == ("hotlist_refused", "denied", "prohibited_category")


def test_prohibited_note_refuses_whole_list(tmp_path: Path, hot: Hotlists, ledger: Ledger, actor: Actor) -> None:
    plates = random_plates(10)
    f = write_csv(tmp_path / "l.csv", plates, notes={plates[4]: "I.C.E. detainer"})
    with pytest.raises(PolicyDenied, match="note of entry 5"):
        _import(hot, ledger, actor, HotlistConfig(), f)
    assert hot.count() == 0


def test_refusal_not_recorded_means_error_not_silence(
    tmp_path: Path, hot: Hotlists, actor: Actor, hcfg: HotlistConfig
) -> None:
    f = write_csv(tmp_path / "l.csv", random_plates(5))
    with pytest.raises(LedgerError):
        _import(hot, FailingLedger(hot.path), actor, hcfg, f, category="immigration")
    assert hot.count() == 0


def test_existing_name_needs_replace(
    tmp_path: Path, hot: Hotlists, ledger: Ledger, actor: Actor, hcfg: HotlistConfig
) -> None:
    a, b = random_plates(30, seed=1), random_plates(12, seed=2)
    _import(hot, ledger, actor, hcfg, write_csv(tmp_path / "a.csv", a))
    with pytest.raises(InputError, match=r"use replace to load") as raised:
        _import(hot, ledger, actor, hcfg, write_csv(tmp_path / "b.csv", b))
    assert isinstance(raised.value, FieldError)  # the core names the field; the CLI shows the flag
    assert raised.value.for_flags().endswith("use --replace to load a new version, or remove it")
    assert hot.count() == 30
    res = _import(hot, ledger, actor, hcfg, tmp_path / "b.csv", replace=True)
    assert (res.entries, res.replaced) == (12, 30)
    assert hot.count() == 12
    assert hot.match([a[0]]) == [] or a[0] in b
    assert entries(ledger)[-1][2]["replaced_entries"] == 30


def test_expired_entry_and_list_stop_matching_and_are_removed(
    tmp_path: Path, hot: Hotlists, ledger: Ledger, actor: Actor, hcfg: HotlistConfig, clock: Clock
) -> None:
    f = tmp_path / "l.csv"
    f.write_text("plate,expires\nKX7731,2026-06-02\nMM2049,\n")
    _import(hot, ledger, actor, hcfg, f)
    g = write_csv(tmp_path / "g.csv", ["TT4455"])
    _import(hot, ledger, actor, hcfg, g, name="short", expires=T0 + timedelta(hours=1))
    assert {h.entry_plate for h in hot.match(["KX7731", "MM2049", "TT4455"])} == {"KX7731", "MM2049", "TT4455"}
    clock.advance(timedelta(hours=2))
    assert {h.entry_plate for h in hot.match(["KX7731", "MM2049", "TT4455"])} == {"KX7731", "MM2049"}
    clock.advance(timedelta(days=1, hours=10))  # past the end of 2026-06-02 UTC
    assert {h.entry_plate for h in hot.match(["KX7731", "MM2049", "TT4455"])} == {"MM2049"}
    assert {i.name: i.active for i in hot.lists()} == {"ncic-stolen": 1, "short": 0}
    assert hot.remove_expired(actor=actor, ledger=ledger) == (1, 2)
    assert hot.count() == 1
    assert [i.name for i in hot.lists()] == ["ncic-stolen"]
    action, _, detail = entries(ledger)[-1]
    assert action == "hotlist_removed"
    assert detail["entries_removed"] == {"ncic-stolen": 1, "short": 1}
    assert hot.remove_expired(actor=actor, ledger=ledger) == (0, 0)  # nothing left: no ledger entry
    assert len(entries(ledger)) == 3


def test_already_expired_import_refused(
    tmp_path: Path, hot: Hotlists, ledger: Ledger, actor: Actor, hcfg: HotlistConfig
) -> None:
    f = write_csv(tmp_path / "l.csv", ["KX7731"])
    with pytest.raises(InputError, match="already past"):
        _import(hot, ledger, actor, hcfg, f, expires=T0 - timedelta(days=1))


def test_remove_records_then_deletes(
    tmp_path: Path, hot: Hotlists, ledger: Ledger, actor: Actor, hcfg: HotlistConfig
) -> None:
    plates = random_plates(25)
    _import(hot, ledger, actor, hcfg, write_csv(tmp_path / "l.csv", plates))
    with pytest.raises(LedgerError):
        hot.remove("ncic-stolen", actor=actor, ledger=FailingLedger(hot.path), reason="test")
    assert hot.count() == 25  # fail closed: not removed without its ledger entry
    assert hot.remove("ncic-stolen", actor=actor, ledger=ledger, reason="agreement ended") == 25
    assert hot.count() == 0
    assert hot.match([plates[0]]) == []
    assert entries(ledger)[-1][2]["reason"] == "agreement ended"
    with pytest.raises(InputError, match="no hotlist named"):
        hot.remove("ncic-stolen", actor=actor, ledger=ledger, reason="again")
    # secure delete: the plate bytes are gone from the database file
    hot.close()
    with sqlite3.connect(hot.path) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = hot.path.with_name(hot.path.name + "-wal")
    raw = hot.path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert not any(p.encode() in raw for p in plates)


def test_ledger_chain_verifies_after_hotlist_changes(
    tmp_path: Path, hot: Hotlists, ledger: Ledger, actor: Actor, hcfg: HotlistConfig
) -> None:
    _import(hot, ledger, actor, hcfg, write_csv(tmp_path / "l.csv", random_plates(5)))
    with pytest.raises(PolicyDenied):
        _import(hot, ledger, actor, hcfg, tmp_path / "l.csv", name="x", category="ice")
    hot.remove("ncic-stolen", actor=actor, ledger=ledger, reason="done")
    ledger.checkpoint()
    assert verify_ledger(ledger.path).ok
