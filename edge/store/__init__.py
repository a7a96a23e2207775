"""Local SQLite store of reads with enforced retention (secure delete, WAL truncation, receipts)."""

from __future__ import annotations

from edge.store.purge import PurgeReceipt, RetentionStatus, TierStatus
from edge.store.schema import SCHEMA_VERSION, StoreError
from edge.store.store import Store, StoredRead, StoreStats, pattern_to_glob, read_ledger_anchor
from edge.store.timefmt import utcnow

__all__ = [
    "SCHEMA_VERSION",
    "PurgeReceipt",
    "RetentionStatus",
    "Store",
    "StoreError",
    "StoreStats",
    "StoredRead",
    "TierStatus",
    "pattern_to_glob",
    "read_ledger_anchor",
    "utcnow",
]
