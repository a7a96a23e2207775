"""Retention enforcement: cut-offs, the purge itself, its receipt, and the retention status.

Everything here runs on a connection that has ``PRAGMA secure_delete=ON``: deleted rows are
overwritten with zeros in the database pages, and the WAL is checkpointed with TRUNCATE afterwards
so the old page images are gone from the -wal file as well.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from edge.config.common import format_duration
from edge.config.store import Policy, RetentionConfig
from edge.store.db import transaction
from edge.store.timefmt import from_ts, to_ts

log = logging.getLogger(__name__)

CHUNK = 5000
_TIERS: tuple[tuple[str, int], ...] = (("non_hit", 0), ("hit", 1))


@dataclass(frozen=True, slots=True)
class PurgeReceipt:
    """What one purge did: enough for an auditor to check the device kept its retention promise."""

    ts: datetime
    cutoff_non_hit: datetime
    cutoff_hit: datetime
    cutoff_crops: datetime
    reads_non_hit: int
    reads_hit: int
    hits: int
    crops: int
    oldest_remaining: datetime | None
    wal_truncated: bool
    dry_run: bool
    duration_s: float
    camera_cutoffs: dict[str, dict[str, datetime]] = field(default_factory=dict)

    @property
    def reads(self) -> int:
        return self.reads_non_hit + self.reads_hit

    def counts(self) -> dict[str, int]:
        """Rows removed per table (crops: crop blobs cleared from reads that are kept)."""
        return {"reads": self.reads, "hits": self.hits, "crops": self.crops}

    def to_dict(self) -> dict[str, Any]:
        return {
            "ts": to_ts(self.ts),
            "dry_run": self.dry_run,
            "cutoffs": {
                "non_hit": to_ts(self.cutoff_non_hit),
                "hit": to_ts(self.cutoff_hit),
                "crops": to_ts(self.cutoff_crops),
            },
            "camera_cutoffs": {
                cam: {tier: to_ts(v) for tier, v in cuts.items()} for cam, cuts in sorted(self.camera_cutoffs.items())
            },
            "deleted": {
                "reads_non_hit": self.reads_non_hit,
                "reads_hit": self.reads_hit,
                "hits": self.hits,
                "crops": self.crops,
            },
            "oldest_remaining": to_ts(self.oldest_remaining) if self.oldest_remaining else None,
            "wal_truncated": self.wal_truncated,
            "duration_s": round(self.duration_s, 3),
        }


@dataclass(frozen=True, slots=True)
class TierStatus:
    tier: str
    retention: timedelta
    count: int
    oldest: datetime | None
    newest: datetime | None
    overdue: int
    lag: timedelta

    def to_dict(self) -> dict[str, Any]:
        return {
            "retention": format_duration(self.retention),
            "count": self.count,
            "oldest": to_ts(self.oldest) if self.oldest else None,
            "newest": to_ts(self.newest) if self.newest else None,
            "overdue": self.overdue,
            "lag_s": round(self.lag.total_seconds(), 3),
        }


@dataclass(frozen=True, slots=True)
class RetentionStatus:
    """Retention health: per tier counts and ages, and `lag`: how far past its deadline the oldest
    overdue read is (zero when the device is keeping its promise)."""

    now: datetime
    tiers: dict[str, TierStatus]
    crops: int
    last_purge: datetime | None
    next_purge: datetime | None
    purge_interval: timedelta
    disk_free_mb: float
    min_free_mb: int

    @property
    def lag(self) -> timedelta:
        return max((t.lag for t in self.tiers.values()), default=timedelta(0))

    @property
    def disk_low(self) -> bool:
        return self.disk_free_mb < self.min_free_mb

    def to_dict(self) -> dict[str, Any]:
        return {
            "now": to_ts(self.now),
            "tiers": {name: t.to_dict() for name, t in self.tiers.items()},
            "crops": self.crops,
            "lag_s": round(self.lag.total_seconds(), 3),
            "last_purge": to_ts(self.last_purge) if self.last_purge else None,
            "next_purge": to_ts(self.next_purge) if self.next_purge else None,
            "purge_interval": format_duration(self.purge_interval),
            "disk_free_mb": round(self.disk_free_mb, 1),
            "min_free_mb": self.min_free_mb,
            "disk_low": self.disk_low,
        }


def _scopes(retention: RetentionConfig) -> list[tuple[str | None, str, list[Any], Policy]]:
    """(camera or None for the default, SQL condition, its params, effective policy) covering every row once."""
    overrides = sorted(retention.cameras)
    if not overrides:
        return [(None, "1", [], retention.policy(None))]
    marks = ",".join("?" for _ in overrides)
    out: list[tuple[str | None, str, list[Any], Policy]] = [
        (None, f"camera NOT IN ({marks})", list(overrides), retention.policy(None))
    ]
    out += [(cam, "camera = ?", [cam], retention.policy(cam)) for cam in overrides]
    return out


def _keep(policy: Policy, tier: str) -> timedelta:
    return policy.non_hit if tier == "non_hit" else policy.hit


def _count(conn: sqlite3.Connection, sql: str, args: list[Any]) -> int:
    return int(conn.execute(sql, args).fetchone()[0])


def _in_tx(conn: sqlite3.Connection, statements: list[tuple[str, list[Any]]]) -> list[int]:
    with transaction(conn):
        return [conn.execute(sql, args).rowcount for sql, args in statements]


def _oldest_kept(conn: sqlite3.Connection, retention: RetentionConfig, now: datetime) -> str | None:
    """Oldest read that retention keeps as of `now` (after a purge: the oldest read left)."""
    found = [
        first
        for _camera, cond, params, policy in _scopes(retention)
        for tier, is_hit in _TIERS
        if (
            first := conn.execute(
                f"SELECT min(ts) FROM reads WHERE is_hit = ? AND ts >= ? AND {cond}",
                [is_hit, to_ts(now - _keep(policy, tier)), *params],
            ).fetchone()[0]
        )
    ]
    return min(found) if found else None


def run_purge(
    conn: sqlite3.Connection, retention: RetentionConfig, now: datetime, *, dry_run: bool = False, chunk: int = CHUNK
) -> PurgeReceipt:
    """Delete (or with dry_run only count) everything past retention as of `now`, in chunks of `chunk` reads."""
    started = time.perf_counter()
    deleted = {"non_hit": 0, "hit": 0}
    hits = crops = 0
    camera_cutoffs: dict[str, dict[str, datetime]] = {}
    for camera, cond, params, policy in _scopes(retention):
        if camera is not None:
            camera_cutoffs[camera] = {
                "non_hit": now - policy.non_hit,
                "hit": now - policy.hit,
                "crops": now - policy.crops_for("non_hit"),
            }
        for tier, is_hit in _TIERS:
            where = f"is_hit = ? AND ts < ? AND {cond}"
            args = [is_hit, to_ts(now - _keep(policy, tier)), *params]
            crop_where = f"crop IS NOT NULL AND is_hit = ? AND ts < ? AND {cond}"
            crop_args = [is_hit, to_ts(now - policy.crops_for(tier)), *params]  # type: ignore[arg-type]
            if dry_run:
                deleted[tier] += _count(conn, f"SELECT count(*) FROM reads WHERE {where}", args)
                hits += _count(
                    conn, f"SELECT count(*) FROM hits WHERE read_id IN (SELECT id FROM reads WHERE {where})", args
                )
                # crops of reads that stay (the deleted ones go with their read)
                crops += _count(
                    conn,
                    f"SELECT count(*) FROM reads WHERE {crop_where} AND NOT ({where})",
                    [*crop_args, *args],
                )
                continue
            sel = f"SELECT id FROM reads WHERE {where} ORDER BY ts, rowid LIMIT {int(chunk):d}"
            while True:
                n_hits, n_reads = _in_tx(
                    conn,
                    [
                        (f"DELETE FROM hits WHERE read_id IN ({sel})", args),
                        (f"DELETE FROM reads WHERE id IN ({sel})", args),
                    ],
                )
                hits += n_hits
                deleted[tier] += n_reads
                if n_reads < chunk:
                    break
            crop_sel = f"SELECT rowid FROM reads WHERE {crop_where} LIMIT {int(chunk):d}"
            while True:
                (n,) = _in_tx(conn, [(f"UPDATE reads SET crop = NULL WHERE rowid IN ({crop_sel})", crop_args)])
                crops += n
                if n < chunk:
                    break
    wal_truncated = False
    if not dry_run:
        busy, _log_frames, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        wal_truncated = busy == 0
        if not wal_truncated:
            log.warning("purge: WAL checkpoint could not truncate (a reader is busy); retried on the next purge")
    oldest = _oldest_kept(conn, retention, now)
    default = retention.policy(None)
    receipt = PurgeReceipt(
        ts=now,
        cutoff_non_hit=now - default.non_hit,
        cutoff_hit=now - default.hit,
        cutoff_crops=now - default.crops_for("non_hit"),
        reads_non_hit=deleted["non_hit"],
        reads_hit=deleted["hit"],
        hits=hits,
        crops=crops,
        oldest_remaining=from_ts(oldest) if oldest else None,
        wal_truncated=wal_truncated,
        dry_run=dry_run,
        duration_s=time.perf_counter() - started,
        camera_cutoffs=camera_cutoffs,
    )
    if not dry_run:
        _in_tx(
            conn,
            [
                (
                    "INSERT INTO purge_log (ts, cutoff_non_hit, cutoff_hit, reads_non_hit, reads_hit, hits, crops, "
                    "oldest_remaining, wal_truncated, receipt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        to_ts(now),
                        to_ts(receipt.cutoff_non_hit),
                        to_ts(receipt.cutoff_hit),
                        receipt.reads_non_hit,
                        receipt.reads_hit,
                        receipt.hits,
                        receipt.crops,
                        oldest,
                        int(wal_truncated),
                        json.dumps(receipt.to_dict(), sort_keys=True),
                    ],
                )
            ],
        )
    log.info(
        "purge%s: %s non-hit reads, %s hit reads, %s hits, %s crops in %.2fs",
        " (dry run)" if dry_run else "",
        receipt.reads_non_hit,
        receipt.reads_hit,
        receipt.hits,
        receipt.crops,
        receipt.duration_s,
    )
    return receipt


def retention_status(
    conn: sqlite3.Connection, retention: RetentionConfig, now: datetime, *, disk_free_mb: float, min_free_mb: int
) -> RetentionStatus:
    tiers: dict[str, TierStatus] = {}
    for tier, is_hit in _TIERS:
        count = _count(conn, "SELECT count(*) FROM reads WHERE is_hit = ?", [is_hit])
        oldest, newest = conn.execute("SELECT min(ts), max(ts) FROM reads WHERE is_hit = ?", [is_hit]).fetchone()
        overdue = 0
        lag = timedelta(0)
        for _camera, cond, params, policy in _scopes(retention):
            keep = _keep(policy, tier)
            n, first = conn.execute(
                f"SELECT count(*), min(ts) FROM reads WHERE is_hit = ? AND ts < ? AND {cond}",
                [is_hit, to_ts(now - keep), *params],
            ).fetchone()
            overdue += int(n)
            if first:
                lag = max(lag, now - (from_ts(first) + keep))
        tiers[tier] = TierStatus(
            tier=tier,
            retention=retention.longest(tier),  # type: ignore[arg-type]
            count=count,
            oldest=from_ts(oldest) if oldest else None,
            newest=from_ts(newest) if newest else None,
            overdue=overdue,
            lag=lag,
        )
    crops = _count(conn, "SELECT count(*) FROM reads WHERE crop IS NOT NULL", [])
    last = conn.execute("SELECT max(ts) FROM purge_log").fetchone()[0]
    interval = retention.effective_purge_interval()
    last_purge = from_ts(last) if last else None
    return RetentionStatus(
        now=now,
        tiers=tiers,
        crops=crops,
        last_purge=last_purge,
        next_purge=last_purge + interval if last_purge else None,
        purge_interval=interval,
        disk_free_mb=disk_free_mb,
        min_free_mb=min_free_mb,
    )
