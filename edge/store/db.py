"""How anything opens the store's SQLite file, and one write transaction.

Every connection to the store file (the store's own, the outbox's, the health monitor's, a remote
search's, an auditor's read-only one) is made by `connect`, so each gets the same settings:
autocommit mode (transactions are explicit), a busy timeout, secure delete (freed pages are zeroed:
purged plates leave no bytes behind) and foreign keys (outbox and alert rows go with their read).
`transaction` is the one write transaction: ``BEGIN IMMEDIATE`` (the write lock up front, so two
writers wait instead of deadlocking), ``COMMIT``, and ``ROLLBACK`` on any exception.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def connect(path: Path | str, *, readonly: bool = False, busy_timeout: float = 10.0) -> sqlite3.Connection:
    """A connection to the store file at `path`, usable from any thread (callers serialise use).

    `readonly` opens with ``mode=ro``: nothing can be written and no file is created. A writer gets
    ``synchronous = FULL``: a committed read survives power loss."""
    if readonly:
        uri = f"file:{Path(path).resolve()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=busy_timeout, check_same_thread=False)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=busy_timeout, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000):d}")
    conn.execute("PRAGMA foreign_keys = ON")
    if readonly:
        conn.execute("PRAGMA query_only = ON")
    else:
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA synchronous = FULL")
    return conn


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """Whether the store file behind `conn` has table `name` (an older or never-written store may not)."""
    sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return conn.execute(sql, (name,)).fetchone() is not None


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction on an autocommit connection: committed when the block ends, rolled back
    (and the exception re-raised) when the block or the COMMIT raises, whatever the exception. (A
    COMMIT that fails for a full disk has already been rolled back by SQLite: nothing left to undo.)"""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
