"""The store's answers about its `reads` and `hits` tables, for the packages that keep rows tied to
reads in the store file (share outbox, hotlist alerts) or report on it (health, the audit report).
A hit's list, category and match kind are in ``hits``; the legal basis and source of that list at
the time of the alert in ``hotlist_alerts`` (written by the hotlist's store write hook, in the same
transaction as the hit); both go with their read when retention purges it.

The store owns these tables: this module and `edge.store.store` are the only SQL on them. Each
function takes an open connection from `edge.store.db.connect` (inside the caller's transaction
where it writes), or a path for a one-off read-only look.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from edge.store.db import connect, has_table


class ReadRow(NamedTuple):
    """What a shared message may carry of one stored read (each field only if granted)."""

    plate: str
    ts: str
    camera: str
    confidence: float
    bbox: str | None  # JSON [x1, y1, x2, y2]
    crop: bytes | None
    clock_unsynced: int  # 1: made while the system clock was not synchronised


@dataclass(frozen=True, slots=True)
class ReadCounts:
    total: int
    in_window: int  # reads with since <= ts < until
    last_ts: str | None  # newest read's time (store text format), None when empty
    hits_in_window: int


def stored_ids(conn: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    """Which of `ids` are reads in the store now (in the caller's transaction: a row tied to a read
    that a purge removed meanwhile is not written)."""
    wanted = list(dict.fromkeys(ids))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):  # SQLite's default limit on bound parameters is 999
        chunk = wanted[i : i + 500]
        marks = ", ".join("?" * len(chunk))
        found.update(r[0] for r in conn.execute(f"SELECT id FROM reads WHERE id IN ({marks})", chunk))
    return found


def read_row(conn: sqlite3.Connection, read_id: str) -> ReadRow | None:
    """The shareable fields of read `read_id`, or None if it is no longer in the store."""
    sql = "SELECT plate, ts, camera, confidence, bbox, crop, clock_unsynced FROM reads WHERE id = ?"
    row = conn.execute(sql, (read_id,)).fetchone()
    return None if row is None else ReadRow(*row)


def hit_fields(
    conn: sqlite3.Connection, read_id: str, categories: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """The hits of a read as a peer sees them (a peer message's granted ``hit`` field): hotlist, category,
    basis, match kind. With `categories` (a hit_categories grant) only hits of those categories."""
    try:
        rows = conn.execute(
            "SELECT h.hotlist, h.category, a.basis, h.match_kind FROM hits h LEFT JOIN hotlist_alerts a "
            "ON a.read_id = h.read_id AND a.hotlist = h.hotlist WHERE h.read_id = ? ORDER BY h.id",
            (read_id,),
        ).fetchall()
    except sqlite3.OperationalError:  # a store without hotlist_alerts: no basis to give
        rows = [
            (h, c, None, m)
            for h, c, m in conn.execute(
                "SELECT hotlist, category, match_kind FROM hits WHERE read_id = ? ORDER BY id", (read_id,)
            )
        ]
    wanted = None if categories is None else {c.strip().lower() for c in categories}
    return [
        {"hotlist": h, "category": c, "basis": b, "match_kind": m}
        for h, c, b, m in rows
        if wanted is None or (c is not None and c.lower() in wanted)
    ]


def read_counts(conn: sqlite3.Connection, since: str = "0000", until: str = "9999") -> ReadCounts | None:
    """How many reads (and hotlist hits) the store holds, in all and with `since <= ts < until` (store
    time text, `edge.store.timefmt.to_ts`); None when the file has no reads table yet."""
    if not has_table(conn, "reads"):
        return None
    total, last = conn.execute("SELECT count(*), max(ts) FROM reads").fetchone()
    (window,) = conn.execute("SELECT count(*) FROM reads WHERE ts >= ? AND ts < ?", (since, until)).fetchone()
    hits = 0
    if has_table(conn, "hits"):
        (hits,) = conn.execute("SELECT count(*) FROM hits WHERE ts >= ? AND ts < ?", (since, until)).fetchone()
    return ReadCounts(int(total), int(window), last, int(hits))


def count_reads(path: Path | str, since: str = "0000", until: str = "9999") -> ReadCounts | None:
    """`read_counts` of the store file at `path`, opened read-only; None without a store there."""
    if not Path(path).exists():
        return None
    conn = connect(path, readonly=True)
    try:
        return read_counts(conn, since, until)
    finally:
        conn.close()
