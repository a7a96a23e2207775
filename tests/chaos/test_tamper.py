"""(6) Tampering with the ledger and the store files: every case detected.

Ledger: the attacks of tests/audit (edits, deletions, insertions, reordering, truncation, rewritten or
re-signed chains, forged checkpoints) plus file-level damage, each checked by `edge-alpr audit verify`.
Store: structural damage to the SQLite file, caught by PRAGMA integrity_check and surfaced by
`edge-alpr retention status --check` as an error, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from edge_tools.chaos.chaos_lib import _store_cases, cli, tamper

pytestmark = pytest.mark.chaos


def test_every_tamper_case_is_detected(tmp_path: Path) -> None:
    fig = tamper(tmp_path, with_cli=True, inprocess=True)  # scripts/chaos.sh runs each as its own process
    assert fig.problems == []
    ledger = [c for c in fig.cases if c.target == "ledger"]
    store = [c for c in fig.cases if c.target == "store"]
    assert len(ledger) >= 20
    assert len(store) >= 5
    assert fig.detected == len(fig.cases)
    assert fig.cli_runs == len(fig.cases)


def _store_of_2000_reads(db: Path, *, seed: int) -> Path:
    """A real store of 2,000 synthetic reads, checkpointed so every page is in the main file."""
    import random
    import sqlite3

    from edge.store import Store
    from edge_tools.chaos.chaos_child import synthetic_read

    rng = random.Random(seed)
    with Store(db, min_free_mb=0) as s:
        for i in range(2000):
            s.write(synthetic_read(rng, "cam", i))
        s.flush()
    sqlite3.connect(db).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    return db


def test_a_damaged_store_is_an_error_message_not_a_traceback(tmp_path: Path) -> None:
    """retention status on a store whose reads pages are damaged: exit 1, 'damaged', no traceback."""
    db = _store_of_2000_reads(tmp_path / "store.db", seed=1)
    damaged = tmp_path / "damaged.db"
    shutil.copyfile(db, damaged)
    dict(_store_cases())["reads table page header bytes flipped"](damaged)
    res = cli("retention", "status", "--db", str(damaged))
    assert "Traceback" not in res.stderr
    assert res.returncode == 1
    assert "database disk image is malformed" in res.stderr
    assert "damaged" in res.stderr


def test_retention_status_check_reports_damage_in_pages_the_status_never_reads(tmp_path: Path) -> None:
    """A zeroed page in the middle of the file: plain status may not notice; --check must."""
    db = _store_of_2000_reads(tmp_path / "store.db", seed=2)
    ok = cli("retention", "status", "--check", "--db", str(db), "--json")
    assert ok.returncode == 0, ok.stderr
    assert '"integrity": "ok"' in ok.stdout
    dict(_store_cases())["a page in the middle zeroed"](db)
    bad = cli("retention", "status", "--check", "--db", str(db))
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert f"{db}: the store file is damaged (integrity check: " in bad.stderr
