"""A real ledger on disk, and an attacker's raw SQLite access: shared by tests/audit and the chaos suite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from edge.audit.events import Actor
from edge.audit.ledger import Ledger, entry_hash
from edge_tools.attack_ledger import attacker, delete_renumbered, rechain, rehash, write_reads

__all__ = ["attacker", "delete_renumbered", "rechain", "rehash", "write_reads"]

ACTOR = Actor("officer1", "SPRINGFIELD-PD")


def make_ledger(tmp_path: Path, n: int, every: int = 5) -> tuple[Path, Path]:
    path, key = tmp_path / "audit.db", tmp_path / "audit-ed25519.key"
    with Ledger(path, key, checkpoint_every=every) as ledger:
        for i in range(1, n + 1):
            ledger.append(
                "search", ACTOR, {"purpose": "stolen-vehicle", "i": i, "note": 'quote " and ünïcode'}, "allowed"
            )
    return path, key


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
