"""Writing, reading and searching the store (real SQLite files in tmp_path)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from edge.errors import InputError
from edge.store import SCHEMA_VERSION, Store, StoreError, pattern_to_glob
from tests.support.store import T0, Clock, MakeRead


def test_write_flush_get_roundtrip(tmp_path: Path, make_read: MakeRead, clock: Clock) -> None:
    db = tmp_path / "sub" / "dir" / "reads.db"
    r = make_read("AB123CD", ts=T0.astimezone(timezone(timedelta(hours=-5))), frame_index=42)
    with Store(db, clock=clock) as store:
        assert store.write(r) is True
        store.flush(timeout=10)
        got = store.get(r.id)
        assert store.get("no-such-id") is None
    assert got is not None
    assert got.plate == "AB123CD"
    assert got.ts == T0
    assert got.ts.tzinfo is not None
    assert got.ts.utcoffset() == timedelta(0)
    assert got.frame_index == 42
    assert got.bbox == (10.0, 20.0, 110.0, 50.0)
    assert (got.track_id, got.observations, got.detector_model, got.ocr_model) == ("trk-1", 4, "det-test", "ocr-test")
    assert got.valid_format is True
    assert got.is_hit is False
    assert got.has_crop is False
    # durable: another connection sees it, ts stored as sortable UTC text, WAL mode on
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT ts FROM reads").fetchone()[0] == "2026-06-01T12:00:00.000000Z"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_stats_count_batches_and_duplicates(tmp_path: Path, make_read: MakeRead) -> None:
    reads = [make_read(f"PL{i:04d}") for i in range(1200)]
    with Store(tmp_path / "s.db", batch_size=500) as store:
        for r in reads:
            assert store.write(r)
        assert store.write(reads[0])  # same id again
        store.flush(timeout=30)
        stats = store.stats
        assert store.count() == 1200
    assert stats.written == 1200
    assert stats.duplicates == 1
    assert stats.refused == 0
    assert stats.queued == 0
    assert 3 <= stats.batches <= 1201


def test_close_is_idempotent_and_refuses_later_writes(tmp_path: Path, make_read: MakeRead) -> None:
    store = Store(tmp_path / "s.db")
    store.write(make_read())
    store.close()
    store.close()
    assert store.write(make_read()) is False
    assert store.stats.refused_by_reason == {"closed": 1}
    with Store(tmp_path / "s.db") as again:
        assert again.count() == 1  # close flushed the queued read


def test_search_exact_pattern_time_camera(tmp_path: Path, make_read: MakeRead) -> None:
    with Store(tmp_path / "s.db") as store:
        store.write(make_read("ABC123", ts=T0, camera="north"))
        store.write(make_read("ABC123", ts=T0 + timedelta(hours=1), camera="south"))
        store.write(make_read("ABD123", ts=T0 + timedelta(hours=2), camera="north"))
        store.write(make_read("XBC1234", ts=T0 + timedelta(hours=3), camera="north"))
        store.flush(timeout=10)
        exact = store.search(plate="abc123")
        assert [r.camera for r in exact] == ["south", "north"]  # newest first
        assert {r.plate for r in store.search(pattern="AB?123")} == {"ABC123", "ABD123"}
        assert {r.plate for r in store.search(pattern="*BC1*")} == {"ABC123", "XBC1234"}
        assert store.search(pattern="BC1") == []  # no implicit wildcards
        assert [r.camera for r in store.search(plate="ABC123", camera="north")] == ["north"]
        since = store.search(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3))
        assert [r.plate for r in since] == ["ABD123", "ABC123"]
        assert len(store.search(limit=2)) == 2


@pytest.mark.parametrize("bad", ["AB%", "A_B", "[A-Z]*", "", "AB'; DROP TABLE reads;--"])
def test_pattern_refuses_anything_but_plate_chars_and_wildcards(bad: str) -> None:
    with pytest.raises(InputError):
        pattern_to_glob(bad)


def test_count_refuses_unknown_table(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store, pytest.raises(InputError):
        store.count("sqlite_master; DROP TABLE reads")


def test_readers_do_not_block_the_writer(tmp_path: Path, make_read: MakeRead) -> None:
    db = tmp_path / "s.db"
    with Store(db) as store:
        store.write(make_read("FIRST1"))
        store.flush(timeout=10)
        reader = sqlite3.connect(db, isolation_level=None)
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM reads").fetchone()[0] == 1  # holds a read snapshot
        for i in range(50):
            store.write(make_read(f"NEXT{i:02d}"))
        store.flush(timeout=10)  # raises if the writer were blocked
        assert store.count() == 51
        assert reader.execute("SELECT count(*) FROM reads").fetchone()[0] == 1  # snapshot unchanged
        reader.execute("COMMIT")
        reader.close()


def test_low_disk_refuses_and_counts_then_recovers(tmp_path: Path, make_read: MakeRead) -> None:
    with Store(tmp_path / "s.db", min_free_mb=10**12) as store:  # more than any disk has
        assert store.write(make_read("LOW001")) is False
        assert store.write(make_read("LOW002")) is False
        stats = store.stats
        assert stats.disk_low is True
        assert stats.refused == 2
        assert stats.refused_by_reason == {"disk_low": 2}
        assert store.status().disk_low is True
        store.min_free_mb = 0  # space is back
        assert store.write(make_read("LOW003")) is True
        store.flush(timeout=10)
        assert store.count() == 1
        assert store.stats.disk_low is False


def test_mark_hit_moves_read_to_hit_tier_and_records_hit(tmp_path: Path, make_read: MakeRead, clock: Clock) -> None:
    r = make_read("HOT001")
    with Store(tmp_path / "s.db", clock=clock) as store:
        store.write(r)
        assert store.mark_hit(r.id, "stolen-2026", category="stolen")
        assert store.mark_hit(r.id, "stolen-2026", category="stolen")  # same list twice: one row
        assert store.mark_hit("unknown-read", "stolen-2026")
        store.flush(timeout=10)
        got = store.get(r.id)
        hits = store.hits_for(r.id)
        stats = store.stats
        assert store.count("hits") == 1
    assert got is not None
    assert got.is_hit is True
    assert hits == [{"hotlist": "stolen-2026", "category": "stolen", "match_kind": "exact", "ts": T0}]
    assert stats.orphan_hits == 1
    assert stats.hits == 1


def test_crops_only_when_configured(tmp_path: Path, make_read: MakeRead) -> None:
    jpeg = b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9"
    a, b = make_read("CROP01", crop=jpeg), make_read("CROP02", crop=jpeg)
    with Store(tmp_path / "off.db") as store:
        store.write(a)
        store.flush(timeout=10)
        assert store.get_crop(a.id) is None
    with Store(tmp_path / "on.db", keep_crops=True) as store:
        store.write(b)
        store.flush(timeout=10)
        assert store.get_crop(b.id) == jpeg
        got = store.get(b.id)
        assert got is not None
        assert got.has_crop


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(db)


def test_unusable_path_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot open store"):
        Store(blocker / "s.db")


def test_naive_timestamps_are_taken_as_utc(tmp_path: Path, make_read: MakeRead) -> None:
    r = make_read(ts=datetime(2026, 6, 1, 12, 0))
    with Store(tmp_path / "s.db") as store:
        store.write(r)
        store.flush(timeout=10)
        got = store.get(r.id)
    assert got is not None
    assert got.ts == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_concurrent_writers_racing_close_lose_nothing_silently(tmp_path: Path, make_read: MakeRead) -> None:
    import threading

    db = tmp_path / "s.db"
    store = Store(db, batch_size=50)
    accepted: list[str] = []
    lock = threading.Lock()
    started = threading.Barrier(5)

    def writer(n: int) -> None:
        started.wait()
        for i in range(400):
            r = make_read(f"W{n}X{i:04d}")
            if store.write(r):
                with lock:
                    accepted.append(r.id)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    started.wait()
    store.close()  # while the writers are still going
    for t in threads:
        t.join()
    stats = store.stats
    assert stats.written == len(accepted)
    assert stats.refused == 1600 - len(accepted)
    assert set(stats.refused_by_reason) <= {"closed"}
    conn = sqlite3.connect(db)
    stored = {row[0] for row in conn.execute("SELECT id FROM reads")}
    conn.close()
    assert stored == set(accepted)
