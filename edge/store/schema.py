"""Store schema: numbered migrations, applied in order on open, version kept in ``PRAGMA user_version``.

Never edit a migration that has shipped; add the next one.

Plain ``sqlite3``, not sqlite-utils (dropped from the dependencies in December 2026): the store needs
explicit write transactions that other packages' write hooks join (outbox rows commit with their
read), ``secure_delete``, and ALTER-based migrations numbered in ``user_version``; sqlite-utils' table
API commits on its own and its migrations live in a separate package, and all the store used of it
was one ``PRAGMA journal_mode = wal``. One dependency less on the Pi. Each step runs in one transaction with
its version bump, so a crash mid-migration leaves the previous version intact.
"""

from __future__ import annotations

import logging
import sqlite3

from edge.errors import EdgeError
from edge.store.db import transaction

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

# Version 4: the tables other packages keep in the store's file, so the store owns every table of it:
# the share outbox and peer state (edge.share) and the provenance of hotlist alerts (edge.hotlist).
# IF NOT EXISTS: before version 4 those packages created these tables themselves, as they are here.
_V4 = [
    """CREATE TABLE IF NOT EXISTS share_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        peer TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('read', 'hit', 'checkpoint')),
        read_id TEXT REFERENCES reads (id) ON DELETE CASCADE,
        payload TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        UNIQUE (peer, kind, read_id)
    )""",
    """CREATE INDEX IF NOT EXISTS share_outbox_pending ON share_outbox (peer, id) WHERE sent_at IS NULL""",
    """CREATE INDEX IF NOT EXISTS share_outbox_read ON share_outbox (read_id)""",
    """CREATE INDEX IF NOT EXISTS share_outbox_created ON share_outbox (created_at)""",
    """CREATE TABLE IF NOT EXISTS share_peer_state (
        peer TEXT PRIMARY KEY,
        connected INTEGER NOT NULL DEFAULT 0,
        changed_at TEXT,
        last_ack TEXT,
        last_error TEXT,
        updated_at TEXT NOT NULL,
        pid INTEGER
    )""",
    """CREATE TABLE IF NOT EXISTS hotlist_alerts (
        read_id TEXT NOT NULL REFERENCES reads (id) ON DELETE CASCADE,
        hotlist TEXT NOT NULL,
        category TEXT NOT NULL,
        source TEXT NOT NULL,
        basis TEXT NOT NULL,
        match_kind TEXT NOT NULL,
        ts TEXT NOT NULL,
        PRIMARY KEY (read_id, hotlist)
    )""",
]

# Version 5: the audit ledger this store belongs to (its id, genesis hash, verifier key), written once
# when the ledger is first opened with the store, so a ledger deleted, replaced or re-created beside
# another copy of the store is refused and caught by `audit verify`.
_V5 = [
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

MIGRATIONS: list[list[str]] = [_V1, _V2, _V3, _V4, _V5]
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
        with transaction(conn):
            for statement in MIGRATIONS[version - 1]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version:d}")
        log.info("store schema migrated to version %s", version)
    return start
