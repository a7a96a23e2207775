"""The share outbox: a table in the store's SQLite file, filled in the same transaction as the reads.

A row says "read R goes to peer P" (or "this checkpoint goes to P"). The publisher sends rows in id
order and sets ``sent_at`` only when the broker acknowledged the message (PUBACK). Rows without
``sent_at`` are sent again after a restart. ``read_id`` references ``reads(id)`` with ``ON DELETE
CASCADE``, so when retention purges a read its outbox rows go in the same (secure-delete) transaction:
the outbox never keeps a read longer than the store does. The message itself is built at send time
from the store, so a crop or plate purged meanwhile is never sent.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from edge.config.sharing import PeerGrant
from edge.store.db import connect, has_table, transaction
from edge.store.reads import stored_ids
from edge.store.timefmt import to_ts
from edge.types import Read


class HitLike(Protocol):
    """What the store hands the hook for each hotlist hit recorded in the transaction."""

    @property
    def read_id(self) -> str: ...
    @property
    def hotlist(self) -> str: ...
    @property
    def category(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    peer: str
    kind: str
    read_id: str | None
    payload: str | None
    attempts: int


def active(grants: Iterable[PeerGrant], today: date) -> list[PeerGrant]:
    """Grants that can receive something today (not expired)."""
    return [g for g in grants if not g.expired(today)]


def _wants_read(grant: PeerGrant) -> bool:
    return grant.share == "all"


def _wants_hit(grant: PeerGrant, category: str | None) -> bool:
    if grant.share == "hits":
        return True
    if grant.share == "hit_categories":
        return category is not None and category.strip().lower() in grant.categories
    return grant.share == "all" and "hit" in grant.fields


def enqueue(
    conn: sqlite3.Connection,
    reads: Sequence[Read],
    grants: Sequence[PeerGrant],
    *,
    now: datetime,
    hits: Sequence[HitLike] = (),
) -> int:
    """Queue reads (and recorded hits) for every grant that wants them; call inside the store's write
    transaction. Expired grants get nothing. Returns the number of rows added (duplicates ignored).
    Rows are only added for reads that exist in ``reads`` (an orphan hit queues nothing)."""
    live = active(grants, now.date())
    if not live or (not reads and not hits):
        return 0
    created = to_ts(now)
    rows: list[tuple[str, str, str, str]] = []
    for grant in live:
        if _wants_read(grant):
            rows += [(grant.name, "read", r.id, created) for r in reads]
        rows += [(grant.name, "hit", h.read_id, created) for h in hits if _wants_hit(grant, h.category)]
    if not rows:
        return 0
    before = conn.total_changes
    kept = stored_ids(conn, (r[2] for r in rows))
    conn.executemany(
        "INSERT OR IGNORE INTO share_outbox (peer, kind, read_id, created_at) VALUES (?, ?, ?, ?)",
        [r for r in rows if r[2] in kept],
    )
    return conn.total_changes - before


def enqueue_checkpoint(
    conn: sqlite3.Connection, grants: Sequence[PeerGrant], payload: dict[str, Any], now: datetime
) -> int:
    """Queue a signed ledger checkpoint (no personal data) for every live grant; checkpoints-only grants
    and grants that share reads both receive them."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    rows = [(g.name, text, to_ts(now)) for g in active(grants, now.date())]
    before = conn.total_changes
    conn.executemany("INSERT INTO share_outbox (peer, kind, payload, created_at) VALUES (?, 'checkpoint', ?, ?)", rows)
    return conn.total_changes - before


class Outbox:
    """The outbox seen from the publisher (or the status command): its own connection to the store file."""

    def __init__(self, path: Path | str, *, readonly: bool = False, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.conn = connect(self.path, readonly=readonly, busy_timeout=busy_timeout)
        self.readonly = readonly

    def close(self) -> None:
        self.conn.close()

    def has_schema(self) -> bool:
        return has_table(self.conn, "share_outbox")

    def pending(self, peer: str, *, after: int = 0, limit: int = 100) -> list[OutboxRow]:
        rows = self.conn.execute(
            "SELECT id, peer, kind, read_id, payload, attempts FROM share_outbox "
            "WHERE peer = ? AND sent_at IS NULL AND id > ? ORDER BY id LIMIT ?",
            (peer, after, limit),
        ).fetchall()
        return [OutboxRow(*r) for r in rows]

    def mark_attempt(self, ids: Sequence[int]) -> None:
        """Count a send attempt (one transaction for the batch)."""
        with transaction(self.conn):
            self.conn.executemany("UPDATE share_outbox SET attempts = attempts + 1 WHERE id = ?", [(i,) for i in ids])

    def mark_sent(self, ids: Sequence[int], at: datetime) -> int:
        """Set sent_at on acknowledged rows (one transaction); returns rows changed."""
        if not ids:
            return 0
        ts = to_ts(at)
        with transaction(self.conn):
            before = self.conn.total_changes
            self.conn.executemany(
                "UPDATE share_outbox SET sent_at = ? WHERE id = ? AND sent_at IS NULL", [(ts, i) for i in ids]
            )
            changed = self.conn.total_changes - before
            self.conn.execute(
                "INSERT INTO share_peer_state (peer, last_ack, updated_at) "
                "SELECT peer, ?, ? FROM share_outbox WHERE id = ? "
                "ON CONFLICT (peer) DO UPDATE SET last_ack = excluded.last_ack, updated_at = excluded.updated_at",
                (ts, ts, ids[-1]),
            )
        return changed

    def set_state(
        self, peer: str, *, connected: bool, at: datetime, error: str | None = None, pid: int | None = None
    ) -> None:
        ts = to_ts(at)
        self.conn.execute(
            "INSERT INTO share_peer_state (peer, connected, changed_at, last_error, updated_at, pid) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (peer) DO UPDATE SET "
            "changed_at = CASE WHEN connected != excluded.connected THEN excluded.changed_at ELSE changed_at END, "
            "connected = excluded.connected, last_error = excluded.last_error, updated_at = excluded.updated_at, "
            "pid = excluded.pid",
            (peer, int(connected), ts, error, ts, pid),
        )

    def depth(self, peer: str | None = None) -> int:
        if peer is None:
            row = self.conn.execute("SELECT count(*) FROM share_outbox WHERE sent_at IS NULL").fetchone()
        else:
            row = self.conn.execute(
                "SELECT count(*) FROM share_outbox WHERE peer = ? AND sent_at IS NULL", (peer,)
            ).fetchone()
        return int(row[0])

    def counts(self, peer: str) -> dict[str, Any]:
        pending, sent, oldest = self.conn.execute(
            "SELECT sum(sent_at IS NULL), sum(sent_at IS NOT NULL), min(CASE WHEN sent_at IS NULL THEN created_at END) "
            "FROM share_outbox WHERE peer = ?",
            (peer,),
        ).fetchone()
        return {"pending": int(pending or 0), "sent": int(sent or 0), "oldest_pending": oldest}

    def state(self, peer: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT connected, changed_at, last_ack, last_error, updated_at, pid FROM share_peer_state WHERE peer = ?",
            (peer,),
        ).fetchone()
        if row is None:
            return None
        keys = ("connected", "changed_at", "last_ack", "last_error", "updated_at", "pid")
        out = dict(zip(keys, row, strict=True))
        out["connected"] = bool(out["connected"])
        return out

    def purge(self, before: datetime) -> int:
        """Delete outbox rows created before `before` (sent or not): the optional outbox retention."""
        cur = self.conn.execute("DELETE FROM share_outbox WHERE created_at < ?", (to_ts(before),))
        return int(cur.rowcount)
