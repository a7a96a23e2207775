"""Schema migrations: a store left at every earlier version opens, keeps its data and works."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from edge.errors import InputError
from edge.store import SCHEMA_VERSION, Store, StoreError
from edge.store.schema import migrate, schema_version
from tests.support.store import T0, Clock, MakeRead

OLD_TS = "2026-05-01T08:00:00.000000Z"  # 31 days before T0: past the default 21d non-hit retention
NEW_TS = "2026-05-30T08:00:00.000000Z"


def _db_at(path: Path, version: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=version)
    assert schema_version(conn) == version
    return conn


def _columns(path: Path, table: str) -> set[str]:
    conn = sqlite3.connect(path)
    cols = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    conn.close()
    return cols


def _seed(conn: sqlite3.Connection, version: int) -> None:
    """Rows as the code of that version wrote them."""
    if version == 1:
        conn.executemany(
            "INSERT INTO reads (id, plate, confidence, camera, ts, frame_index) VALUES (?, ?, ?, ?, ?, ?)",
            [("r-old", "MIGOLD1", 0.8, "cam1", OLD_TS, 7), ("r-new", "MIGNEW1", 0.9, "cam1", NEW_TS, None)],
        )
    elif version >= 2:
        stored_at = ", stored_at" if version >= 3 else ""
        conn.executemany(
            "INSERT INTO reads (id, plate, confidence, camera, ts, frame_index, bbox, track_id, observations, "
            f"detector_model, ocr_model, valid_format, crop, is_hit{stored_at}) "
            f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?{', ?' if stored_at else ''})",
            [
                ("r-old", "MIGOLD1", 0.8, "cam1", OLD_TS, 7, "[1, 2, 3, 4]", "t1", 3, "d", "o", 1, None, 0)
                + ((OLD_TS,) if stored_at else ()),
                ("r-new", "MIGNEW1", 0.9, "cam1", NEW_TS, None, "[1, 2, 3, 4]", "t2", 5, "d", "o", 0, None, 1)
                + ((NEW_TS,) if stored_at else ()),
            ],
        )
        conn.execute(
            "INSERT INTO hits (read_id, hotlist, category, match_kind, ts) "
            "VALUES ('r-new', 'stolen', NULL, 'exact', ?)",
            (NEW_TS,),
        )
    if version == 3:
        conn.execute("UPDATE reads SET stored_at = ts")  # as version 3 wrote them


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_store_opens_every_earlier_version(tmp_path: Path, version: int, make_read: MakeRead, clock: Clock) -> None:
    db = tmp_path / f"v{version}.db"
    conn = _db_at(db, version)
    _seed(conn, version)
    conn.close()
    with Store(db, clock=clock) as store:
        if version >= 1:
            assert store.count() == 2
            old = store.get("r-old")
            assert old is not None
            assert old.plate == "MIGOLD1"
            assert old.frame_index == 7
            assert old.ts == T0 - timedelta(days=31, hours=4)
            assert [r.id for r in store.search(plate="MIGNEW1")] == ["r-new"]
            receipt = store.purge()
            assert receipt.reads_non_hit == 1  # the old non-hit read is past retention after migration too
            assert store.get("r-old") is None
        if version >= 2:
            new = store.get("r-new")
            assert new is not None
            assert (new.is_hit, new.valid_format, new.observations, new.bbox) == (True, False, 5, (1.0, 2.0, 3.0, 4.0))
            assert store.hits_for("r-new")[0]["hotlist"] == "stolen"
        r = make_read("AFTER01")
        store.write(r)
        store.mark_hit(r.id, "stolen")
        store.flush(timeout=10)
        assert store.get(r.id) is not None
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT count(*) FROM reads WHERE stored_at IS NULL").fetchone()[0] == 0
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert {"stored_at", "crop", "is_hit", "bbox"} <= _columns(db, "reads")


def test_failed_migration_leaves_previous_version_intact(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    conn = _db_at(db, 2)
    _seed(conn, 2)
    conn.execute("CREATE TABLE purge_log (x)")  # makes step 3 fail half-way
    conn.close()
    with pytest.raises(StoreError, match="cannot open store"):
        Store(db)
    assert "stored_at" not in _columns(db, "reads")  # step 3's first statement was rolled back
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert conn.execute("SELECT count(*) FROM reads").fetchone()[0] == 2
    conn.close()


def test_outbox_and_alert_tables_made_by_their_packages_before_v4_are_kept(tmp_path: Path) -> None:
    """Before version 4 the share and hotlist packages created their tables in the store file
    themselves; the store's migration 4 owns them now and must keep what is in them."""
    db = tmp_path / "s.db"
    conn = _db_at(db, 3)
    _seed(conn, 3)
    conn.executescript(
        "CREATE TABLE share_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, peer TEXT NOT NULL, kind TEXT NOT NULL "
        "CHECK (kind IN ('read', 'hit', 'checkpoint')), read_id TEXT REFERENCES reads (id) ON DELETE CASCADE, "
        "payload TEXT, created_at TEXT NOT NULL, sent_at TEXT, attempts INTEGER NOT NULL DEFAULT 0, "
        "UNIQUE (peer, kind, read_id));"
        "INSERT INTO share_outbox (peer, kind, read_id, created_at) VALUES ('peer-a', 'read', 'r-old', 'x');"
    )
    conn.close()
    Store(db).close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 4
    assert conn.execute("SELECT peer, read_id FROM share_outbox").fetchall() == [("peer-a", "r-old")]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"share_outbox", "share_peer_state", "hotlist_alerts"} <= tables
    conn.close()


def test_the_ledger_anchor_is_written_once(tmp_path: Path) -> None:
    """Version 5: the store names its ledger; a second binding keeps the first, and SQL cannot change it."""
    from edge.store import read_ledger_anchor

    db = tmp_path / "s.db"
    first = {"ledger_id": "a" * 32, "genesis": "b" * 64, "vkey": "k+1+x", "node_id": "n1", "ledger_path": "/x/a.db"}
    with Store(db) as store:
        assert store.ledger_anchor() is None
        got = store.anchor_ledger(first)
        assert {k: got[k] for k in first} == first
        again = store.anchor_ledger({**first, "ledger_id": "c" * 32})
        assert again["ledger_id"] == "a" * 32
        with pytest.raises(InputError, match="lacks genesis"):
            store.anchor_ledger({**first, "genesis": ""})
    assert read_ledger_anchor(db) == got
    assert read_ledger_anchor(tmp_path / "none.db") is None
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError, match="written once"):
        conn.execute("UPDATE ledger_anchor SET ledger_id = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="written once"):
        conn.execute("DELETE FROM ledger_anchor")
