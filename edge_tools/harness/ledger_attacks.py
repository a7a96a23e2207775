"""A real ledger on disk, and an attacker's raw SQLite access: shared by tests/audit and the chaos suite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from edge.audit.events import Actor
from edge.audit.ledger import Ledger, entry_hash

ACTOR = Actor("officer1", "SPRINGFIELD-PD")


def make_ledger(tmp_path: Path, n: int, every: int = 5) -> tuple[Path, Path]:
    path, key = tmp_path / "audit.db", tmp_path / "audit-ed25519.key"
    with Ledger(path, key, checkpoint_every=every) as ledger:
        for i in range(1, n + 1):
            ledger.append(
                "search", ACTOR, {"purpose": "stolen-vehicle", "i": i, "note": 'quote " and ünïcode'}, "allowed"
            )
    return path, key


def attacker(path: Path) -> sqlite3.Connection:
    """What someone with shell access does: open the file and drop the append-only triggers."""
    conn = sqlite3.connect(path, isolation_level=None)
    for name in ("entries_no_update", "entries_no_delete", "checkpoints_no_update", "checkpoints_no_delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    return conn


def rehash(conn: sqlite3.Connection, seq: int) -> bytes:
    """Recompute one row's hash from its stored columns (an attacker covering an edit)."""
    row = conn.execute(
        "SELECT seq, ts, user, agency, action, detail, outcome, prev FROM entries WHERE seq = ?", (seq,)
    ).fetchone()
    digest = entry_hash(row[0], row[1], row[2], row[3], row[4], row[5], row[6], bytes(row[7]))
    conn.execute("UPDATE entries SET hash = ? WHERE seq = ?", (digest, seq))
    return digest


def rechain(conn: sqlite3.Connection, start: int) -> None:
    """Recompute prev and hash from `start` to the end (a full rewrite by someone without the key)."""
    prev = bytes(conn.execute("SELECT hash FROM entries WHERE seq = ?", (start - 1,)).fetchone()[0])
    for (seq,) in conn.execute("SELECT seq FROM entries WHERE seq >= ? ORDER BY seq", (start,)).fetchall():
        conn.execute("UPDATE entries SET prev = ? WHERE seq = ?", (prev, seq))
        prev = rehash(conn, seq)


def delete_renumbered(conn: sqlite3.Connection, seq: int, last: int) -> None:
    """Delete entry `seq` and close the gap by renumbering the entries after it up to `last`."""
    conn.execute("DELETE FROM entries WHERE seq = ?", (seq,))
    for s in range(seq + 1, last + 1):
        conn.execute("UPDATE entries SET seq = ? WHERE seq = ?", (s - 1, s))


def insert_hashed(conn: sqlite3.Connection, seq: int, last: int) -> None:
    """Insert a made-up search at `seq` with a valid hash over its predecessor, shifting `seq..last` up."""
    for s in range(last, seq - 1, -1):
        conn.execute("UPDATE entries SET seq = ? WHERE seq = ?", (s + 1, s))
    prev = bytes(conn.execute("SELECT hash FROM entries WHERE seq = ?", (seq - 1,)).fetchone()[0])
    ts, detail = "2026-11-27T10:00:00.000000Z", '{"purpose":"x"}'
    digest = entry_hash(seq, ts, "ghost", "SPD", "search", detail, "allowed", prev)
    conn.execute(
        "INSERT INTO entries VALUES (?, ?, 'ghost', 'SPD', 'search', ?, 'allowed', ?, ?)",
        (seq, ts, detail, prev, digest),
    )


def swap_entries(conn: sqlite3.Connection, a: int, b: int) -> None:
    """Exchange the contents (not the sequence numbers) of entries `a` and `b`."""
    cols = "ts, user, agency, action, detail, outcome, prev, hash"
    row_a = conn.execute(f"SELECT {cols} FROM entries WHERE seq = ?", (a,)).fetchone()
    row_b = conn.execute(f"SELECT {cols} FROM entries WHERE seq = ?", (b,)).fetchone()
    sets = ", ".join(f"{c.strip()} = ?" for c in cols.split(","))
    conn.execute(f"UPDATE entries SET {sets} WHERE seq = ?", (*row_b, a))
    conn.execute(f"UPDATE entries SET {sets} WHERE seq = ?", (*row_a, b))
