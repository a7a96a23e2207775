"""Retention: purge with a hand-moved clock, secure delete, receipts, status and the scheduler."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import pytest

from edge.config.store import CameraRetention, RetentionConfig
from edge.store import PurgeReceipt, Store
from tests.support.store import T0, Clock, MakeRead

DAY = timedelta(days=1)


def _ids(store: Store) -> set[str]:
    return {r.id for r in store.search(limit=100000)}


def test_reads_past_retention_go_reads_within_stay(tmp_path: Path, make_read: MakeRead, clock: Clock) -> None:
    retention = RetentionConfig(non_hit=timedelta(days=21))
    old = make_read("OLD001", ts=T0 - 22 * DAY)
    edge = make_read("EDGE01", ts=T0 - 21 * DAY)  # exactly at the deadline: kept until it is past
    new = make_read("NEW001", ts=T0 - 20 * DAY)
    with Store(tmp_path / "s.db", retention=retention, clock=clock) as store:
        for r in (old, edge, new):
            store.write(r)
        store.flush(timeout=10)
        receipt = store.purge()
        assert _ids(store) == {edge.id, new.id}
        clock.advance(timedelta(microseconds=1))
        store.purge()
        assert _ids(store) == {new.id}
    assert receipt.reads_non_hit == 1
    assert receipt.reads == 1
    assert receipt.oldest_remaining == edge.ts
    assert receipt.cutoff_non_hit == T0 - 21 * DAY
    assert receipt.wal_truncated is True


def test_nh_style_three_minutes(tmp_path: Path, make_read: MakeRead, clock: Clock) -> None:
    retention = RetentionConfig(non_hit="3m", hit="3m")  # type: ignore[arg-type]
    with Store(tmp_path / "s.db", retention=retention, clock=clock) as store:
        first = make_read("NH0001", ts=clock())
        store.write(first)
        clock.advance(timedelta(minutes=2))
        second = make_read("NH0002", ts=clock())
        store.write(second)
        store.flush(timeout=10)
        store.purge()
        assert _ids(store) == {first.id, second.id}
        clock.advance(timedelta(minutes=1, seconds=1))  # first is 3m01s old, second 1m01s
        assert store.purge().reads_non_hit == 1
        assert _ids(store) == {second.id}
        clock.advance(timedelta(minutes=2))
        store.purge()
        assert store.count() == 0


def test_hits_outlive_non_hits_by_their_own_setting(tmp_path: Path, make_read: MakeRead, clock: Clock) -> None:
    retention = RetentionConfig(non_hit=timedelta(days=3), hit=timedelta(days=30))
    plain = make_read("PLAIN1", ts=T0 - 10 * DAY)
    hit_kept = make_read("HIT001", ts=T0 - 10 * DAY)
    hit_old = make_read("HIT002", ts=T0 - 31 * DAY)
    with Store(tmp_path / "s.db", retention=retention, clock=clock) as store:
        for r in (plain, hit_kept, hit_old):
            store.write(r)
        store.mark_hit(hit_kept.id, "stolen")
        store.mark_hit(hit_old.id, "stolen")
        store.flush(timeout=10)
        receipt = store.purge()
        assert _ids(store) == {hit_kept.id}
        assert store.count("hits") == 1
        assert store.hits_for(hit_old.id) == []
    assert (receipt.reads_non_hit, receipt.reads_hit, receipt.hits) == (1, 1, 1)
    assert receipt.counts() == {"reads": 2, "hits": 1, "crops": 0}


def test_per_camera_override(tmp_path: Path, make_read: MakeRead, clock: Clock) -> None:
    retention = RetentionConfig(non_hit=timedelta(days=21), cameras={"school": CameraRetention(non_hit=DAY)})
    school = make_read("SCH001", ts=T0 - 2 * DAY, camera="school")
    main = make_read("MAIN01", ts=T0 - 2 * DAY, camera="main")
    with Store(tmp_path / "s.db", retention=retention, clock=clock) as store:
        store.write(school)
        store.write(main)
        store.flush(timeout=10)
        receipt = store.purge()
        assert _ids(store) == {main.id}
    assert receipt.camera_cutoffs["school"]["non_hit"] == T0 - DAY


def test_crops_kept_shorter_than_their_read(tmp_path: Path, make_read: MakeRead, clock: Clock) -> None:
    jpeg = b"\xff\xd8\xff\xe0crop\xff\xd9"
    retention = RetentionConfig(non_hit=timedelta(days=21), crops=DAY)
    young = make_read("CRP001", ts=T0 - timedelta(hours=1), crop=jpeg)
    older = make_read("CRP002", ts=T0 - 2 * DAY, crop=jpeg)
    with Store(tmp_path / "s.db", retention=retention, keep_crops=True, clock=clock) as store:
        store.write(young)
        store.write(older)
        store.flush(timeout=10)
        receipt = store.purge()
        assert store.get_crop(young.id) == jpeg
        assert store.get_crop(older.id) is None
        assert _ids(store) == {young.id, older.id}  # the read itself stays
    assert receipt.crops == 1


def test_zero_crop_retention_never_stores_crops(tmp_path: Path, make_read: MakeRead) -> None:
    r = make_read(crop=b"\xff\xd8jpeg")
    with Store(tmp_path / "s.db", retention=RetentionConfig(crops=timedelta(0)), keep_crops=True) as store:
        store.write(r)
        store.flush(timeout=10)
        assert store.get_crop(r.id) is None


def test_purged_plate_is_in_neither_db_nor_wal_bytes(tmp_path: Path, make_read: MakeRead, clock: Clock) -> None:
    db = tmp_path / "s.db"
    secret = b"ZQX9876"
    retention = RetentionConfig(non_hit=timedelta(days=21))
    jpeg = b"\xff\xd8\xff\xe0" + b"ZQXCROP" * 40 + b"\xff\xd9"
    # enough rows for index and table pages to split and rebalance
    with Store(db, retention=retention, keep_crops=True, clock=clock) as store:
        for i in range(3000):
            old = i % 3 == 0
            plate = "ZQX9876" if old else f"KEEP{i:04d}"
            ts = T0 - (30 * DAY if old else DAY) + timedelta(seconds=i)
            store.write(make_read(plate, ts=ts, crop=jpeg if old else None))
        store.flush(timeout=30)
        assert secret in db.read_bytes() + Path(f"{db}-wal").read_bytes()  # the test can see it before
        receipt = store.purge()
        assert receipt.reads_non_hit == 1000
        assert store.search(plate="ZQX9876") == []
        assert store.count() == 2000
        wal = Path(f"{db}-wal")
        raw = db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert secret not in raw
    assert b"ZQXCROP" not in raw
    assert b"KEEP0001" in raw  # and the kept reads are still there in the same bytes


def test_receipt_logged_and_handed_to_callback(tmp_path: Path, make_read: MakeRead, clock: Clock) -> None:
    got: list[PurgeReceipt] = []
    db = tmp_path / "s.db"
    with Store(db, clock=clock, on_receipt=got.append) as store:
        store.write(make_read("OLD001", ts=T0 - 100 * DAY))
        store.flush(timeout=10)
        dry = store.purge(dry_run=True)
        assert dry.reads_non_hit == 1
        assert store.count() == 1  # dry run changed nothing
        assert store.count("purge_log") == 0
        assert got == []
        receipt = store.purge()
        assert got == [receipt]
    conn = sqlite3.connect(db)
    ts, n, text = conn.execute("SELECT ts, reads_non_hit, receipt FROM purge_log").fetchone()
    conn.close()
    assert (ts, n) == ("2026-06-01T12:00:00.000000Z", 1)
    logged = json.loads(text)
    assert logged == receipt.to_dict()
    assert b"OLD001" not in text.encode()


def test_status_reports_overdue_lag_and_next_purge(tmp_path: Path, make_read: MakeRead, clock: Clock) -> None:
    retention = RetentionConfig(non_hit=timedelta(days=21), hit=timedelta(days=90), purge_interval="1h")  # type: ignore[arg-type]
    with Store(tmp_path / "s.db", retention=retention, clock=clock, min_free_mb=0) as store:
        overdue = make_read("LATE01", ts=T0 - 25 * DAY)
        fresh = make_read("FRESH1", ts=T0 - DAY)
        hit = make_read("HIT001", ts=T0 - 2 * DAY)
        for r in (overdue, fresh, hit):
            store.write(r)
        store.mark_hit(hit.id, "stolen")
        store.flush(timeout=10)
        before = store.status()
        store.purge()
        after = store.status()
    nh = before.tiers["non_hit"]
    assert (nh.count, nh.overdue) == (2, 1)
    assert nh.oldest == T0 - 25 * DAY
    assert nh.newest == T0 - DAY
    assert nh.lag == 4 * DAY
    assert before.tiers["hit"].count == 1
    assert before.lag == 4 * DAY
    assert before.last_purge is None
    assert before.disk_low is False
    assert after.lag == timedelta(0)
    assert after.tiers["non_hit"].overdue == 0
    assert after.last_purge == T0
    assert after.next_purge == T0 + timedelta(hours=1)
    assert set(after.to_dict()) >= {"tiers", "lag_s", "next_purge", "disk_free_mb"}


@pytest.mark.parametrize("chunk", [1, 7])
def test_chunked_purge_deletes_everything_due(tmp_path: Path, make_read: MakeRead, chunk: int) -> None:
    from edge.store.purge import run_purge

    with Store(tmp_path / "s.db") as store:
        for i in range(50):
            store.write(make_read(f"CH{i:04d}", ts=T0 - (40 if i % 2 else 1) * DAY))
        store.flush(timeout=10)
    conn = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    receipt = run_purge(conn, RetentionConfig(), T0, chunk=chunk)
    assert receipt.reads_non_hit == 25
    assert conn.execute("SELECT count(*) FROM reads").fetchone()[0] == 25
    conn.close()


def test_background_purger_runs_on_start_and_again(tmp_path: Path, make_read: MakeRead, clock: Clock) -> None:
    with Store(tmp_path / "s.db", clock=clock) as store:
        store.write(make_read("OLD001", ts=T0 - 100 * DAY))
        store.flush(timeout=10)
        store.start_purger(0.05)
        deadline = time.monotonic() + 30
        while store.count("purge_log") < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert store.count("purge_log") >= 2
        assert store.count() == 0
    # close() stopped the purger thread
    assert store._purger is None


def test_dry_run_reports_the_oldest_read_that_would_remain(tmp_path: Path, make_read: MakeRead, clock: Clock) -> None:
    with Store(tmp_path / "s.db", clock=clock) as store:
        store.write(make_read("OLD001", ts=T0 - 30 * DAY))
        store.write(make_read("KEEP01", ts=T0 - 5 * DAY))
        store.flush(timeout=10)
        dry = store.purge(dry_run=True)
        real = store.purge()
    assert dry.oldest_remaining == real.oldest_remaining == T0 - 5 * DAY


def test_failing_receipt_callback_does_not_undo_the_purge(tmp_path: Path, make_read: MakeRead, clock: Clock) -> None:
    def broken(_receipt: PurgeReceipt) -> None:
        raise OSError("ledger disk gone")

    with Store(tmp_path / "s.db", clock=clock, on_receipt=broken) as store:
        store.write(make_read("OLD001", ts=T0 - 100 * DAY))
        store.flush(timeout=10)
        with pytest.raises(OSError, match="ledger disk gone"):
            store.purge()
        assert store.count() == 0  # retention is not held hostage by the ledger
        assert store.count("purge_log") == 1
