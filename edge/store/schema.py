"""Store schema: numbered migrations, applied in order on open, version kept in ``PRAGMA user_version``.

Never edit a migration that has shipped; add the next one. Each step runs in one transaction with
its version bump, so a crash mid-migration leaves the previous version intact.
"""

from __future__ import annotations

import logging
import sqlite3

from edge.errors import EdgeError

log = logging.getLogger(__name__)


class StoreError(EdgeError):
    """The store cannot be opened or used (newer schema, unwritable path, closed store)."""


# Version 1: the first store (reads with plate and time indexes).
_V1 = [
    """CREATE TABLE reads (
        id TEXT PRIMARY KEY,
        plate TEXT NOT NULL,
        confidence REAL NOT NULL,
        camera TEXT NOT NULL,
        ts TEXT NOT NULL,
        frame_index INTEGER
    )""",
    "CREATE INDEX idx_reads_plate ON reads (plate)",
    "CREATE INDEX idx_reads_ts ON reads (ts)",
]

# Version 2: tracker / model provenance, optional plate crop, hotlist hits.
_V2 = [
    "ALTER TABLE reads ADD COLUMN bbox TEXT",
    "ALTER TABLE reads ADD COLUMN track_id TEXT",
    "ALTER TABLE reads ADD COLUMN observations INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE reads ADD COLUMN detector_model TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE reads ADD COLUMN ocr_model TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE reads ADD COLUMN valid_format INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE reads ADD COLUMN crop BLOB",
    "ALTER TABLE reads ADD COLUMN is_hit INTEGER NOT NULL DEFAULT 0",
    """CREATE TABLE hits (
        id INTEGER PRIMARY KEY,
        read_id TEXT NOT NULL REFERENCES reads (id),
        hotlist TEXT NOT NULL,
        category TEXT,
        match_kind TEXT NOT NULL,
        ts TEXT NOT NULL,
        UNIQUE (read_id, hotlist)
    )""",
]

# Version 3: retention: write time, crop-expiry index, (plate, ts) lookups, purge receipts.
_V3 = [
    "ALTER TABLE reads ADD COLUMN stored_at TEXT",
    "UPDATE reads SET stored_at = ts WHERE stored_at IS NULL",
    "DROP INDEX idx_reads_plate",
    "CREATE INDEX idx_reads_plate_ts ON reads (plate, ts)",
    "CREATE INDEX idx_reads_crop_ts ON reads (ts) WHERE crop IS NOT NULL",
    """CREATE TABLE purge_log (
        id INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        cutoff_non_hit TEXT NOT NULL,
        cutoff_hit TEXT NOT NULL,
        reads_non_hit INTEGER NOT NULL,
        reads_hit INTEGER NOT NULL,
        hits INTEGER NOT NULL,
        crops INTEGER NOT NULL,
        oldest_remaining TEXT,
        wal_truncated INTEGER NOT NULL,
        receipt TEXT NOT NULL
    )""",
]

# Version 4: the audit ledger this store belongs to (its id, genesis hash, verifier key), written once
# when the ledger is first opened with the store, so a ledger deleted, replaced or re-created beside
# another copy of the store is refused and caught by `audit verify`.
_V4 = [
    """CREATE TABLE ledger_anchor (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        ledger_id TEXT NOT NULL,
        genesis TEXT NOT NULL,
        vkey TEXT NOT NULL,
        node_id TEXT NOT NULL,
        ledger_path TEXT NOT NULL,
        ts TEXT NOT NULL
    )""",
    """CREATE TRIGGER ledger_anchor_no_update BEFORE UPDATE ON ledger_anchor
        BEGIN SELECT RAISE(ABORT, 'the store''s ledger anchor is written once'); END""",
    """CREATE TRIGGER ledger_anchor_no_delete BEFORE DELETE ON ledger_anchor
        BEGIN SELECT RAISE(ABORT, 'the store''s ledger anchor is written once'); END""",
]

MIGRATIONS: list[list[str]] = [_V1, _V2, _V3, _V4]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the database at `conn` (autocommit mode) up to `target`; returns the version it started at."""
    start = schema_version(conn)
    if start > SCHEMA_VERSION:
        raise StoreError(
            f"store schema version {start} is newer than this edge-alpr understands ({SCHEMA_VERSION}); "
            "upgrade edge-alpr"
        )
    for version in range(start + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[version - 1]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version:d}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        log.info("store schema migrated to version %s", version)
    return start
