"""The hotlist database: its own SQLite file (``hotlists.db`` beside the store) with provenance.

Every entry belongs to one imported list whose row says where it came from: name, category, source,
legal basis, when and by whom it was imported, the file's SHA-256 and when it expires. Entries can
expire on their own too. Matching is one indexed ``IN (...)`` query over the read's plate and its
confusion variants; expired entries and lists are never returned.

Changes are recorded in the audit ledger before they commit (fail closed): the import, replacement
or removal runs in one transaction, the ledger entry is appended, then the transaction commits. If
the ledger cannot be written nothing changes. A refused import is recorded too.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from edge.audit.events import Action, Actor
from edge.errors import EdgeError, FieldError, InputError, PolicyDenied
from edge.files import private_file
from edge.hotlist.parse import Parsed
from edge.policy.categories import check_import
from edge.store.db import transaction
from edge.store.timefmt import from_ts, to_ts, utcnow

if TYPE_CHECKING:
    from edge.audit.ledger import Appender
    from edge.config.hotlist import HotlistConfig
    from edge.config.model import Config

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS lists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL,
    source TEXT NOT NULL,
    basis TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    agency TEXT NOT NULL,
    expires TEXT,
    file_sha256 TEXT NOT NULL,
    entries INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    plate TEXT NOT NULL,
    note TEXT,
    expires TEXT
);
CREATE INDEX IF NOT EXISTS entries_plate ON entries (plate);
CREATE INDEX IF NOT EXISTS entries_list ON entries (list_id);
"""
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")


class HotlistError(EdgeError):
    """The hotlist database cannot be opened or changed."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One hotlist entry a plate matched, with its list's provenance."""

    entry_id: int
    entry_plate: str
    hotlist: str
    category: str
    source: str
    basis: str
    note: str | None


@dataclass(frozen=True, slots=True)
class ListInfo:
    name: str
    category: str
    source: str
    basis: str
    imported_at: datetime
    imported_by: str
    agency: str
    expires: datetime | None
    file_sha256: str
    entries: int
    active: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "category": self.category,
            "source": self.source,
            "basis": self.basis,
            "imported_at": to_ts(self.imported_at),
            "imported_by": self.imported_by,
            "agency": self.agency,
            "expires": to_ts(self.expires) if self.expires else None,
            "file_sha256": self.file_sha256,
            "entries": self.entries,
            "active": self.active,
        }


@dataclass(frozen=True, slots=True)
class ImportResult:
    name: str
    category: str
    entries: int
    skipped_expired: int
    duplicates: int
    replaced: int | None
    ledger_seq: int


def default_path(cfg: Config) -> Path:
    if cfg.hotlists.path:
        return Path(cfg.hotlists.path)
    return Path(cfg.store.path).parent / "hotlists.db"


def check_name(name: str) -> str:
    n = name.strip()
    if not (1 <= len(n) <= 64) or not set(n) <= _NAME_CHARS or not n[0].isalnum():
        raise InputError(f"hotlist name {name!r}: 1-64 lowercase letters, digits, '-', '_' or '.'")
    return n


def _text(label: str, value: str, longest: int = 500) -> str:
    v = value.strip()
    if not v or len(v) > longest or any(ord(c) < 0x20 for c in v):
        raise FieldError(f"{{{label}}}: 1-{longest} characters of text, no control characters", label)
    return v


class Hotlists:
    """An open hotlist database. Thread-safe (one connection behind a lock). Use as a context manager."""

    def __init__(self, path: Path | str, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.path = Path(path)
        self.clock = clock
        self._lock = threading.Lock()
        try:
            private_file(self.path)  # plates: 0600 in a 0700 folder whatever the umask (edge.files)
            self._conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10)
            self._conn.execute("PRAGMA busy_timeout = 10000")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA secure_delete = ON")
            self._conn.execute("PRAGMA synchronous = FULL")
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise HotlistError(f"{self.path}: cannot switch to WAL mode ({mode})")
            version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise HotlistError(f"{self.path}: hotlist schema {version} is newer than this edge-alpr understands")
            if version < SCHEMA_VERSION:
                self._conn.executescript(f"BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION:d}; COMMIT;")
        except (OSError, sqlite3.Error) as exc:
            raise HotlistError(f"{self.path}: cannot open hotlist database: {exc}") from None

    @classmethod
    def from_config(cls, cfg: Config, **kwargs: Any) -> Hotlists:
        return cls(default_path(cfg), **kwargs)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Hotlists:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- matching --------------------------------------------------------------------------------

    def match(self, keys: Sequence[str], now: datetime | None = None) -> list[Hit]:
        """Live entries whose plate is one of `keys` (a read's plate and its variants): one indexed query."""
        if not keys:
            return []
        at = to_ts(now if now is not None else self.clock())
        marks = ",".join("?" * len(keys))
        sql = (
            "SELECT e.id, e.plate, l.name, l.category, l.source, l.basis, e.note FROM entries e "
            f"JOIN lists l ON l.id = e.list_id WHERE e.plate IN ({marks}) "
            "AND (e.expires IS NULL OR e.expires > ?) AND (l.expires IS NULL OR l.expires > ?) ORDER BY e.id"
        )
        with self._lock:
            rows = self._conn.execute(sql, [*keys, at, at]).fetchall()
        return [Hit(*r) for r in rows]

    # -- listing ---------------------------------------------------------------------------------

    def lists(self, now: datetime | None = None) -> list[ListInfo]:
        at = to_ts(now if now is not None else self.clock())
        with self._lock:
            rows = self._conn.execute(
                "SELECT l.name, l.category, l.source, l.basis, l.imported_at, l.imported_by, l.agency, l.expires, "
                "l.file_sha256, l.entries, "
                "CASE WHEN l.expires IS NOT NULL AND l.expires <= ? THEN 0 ELSE "
                "(SELECT count(*) FROM entries e WHERE e.list_id = l.id AND (e.expires IS NULL OR e.expires > ?)) END "
                "FROM lists l ORDER BY l.name",
                (at, at),
            ).fetchall()
        return [
            ListInfo(
                name=r[0],
                category=r[1],
                source=r[2],
                basis=r[3],
                imported_at=from_ts(r[4]),
                imported_by=r[5],
                agency=r[6],
                expires=from_ts(r[7]) if r[7] else None,
                file_sha256=r[8],
                entries=int(r[9]),
                active=int(r[10]),
            )
            for r in rows
        ]

    def get(self, name: str) -> ListInfo | None:
        return next((i for i in self.lists() if i.name == name), None)

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM entries").fetchone()[0])

    # -- changes ---------------------------------------------------------------------------------

    def _in_transaction(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run `work` in one write transaction; `work` appends its ledger entry last (before COMMIT)."""
        conn = self._conn
        with self._lock:
            try:
                with transaction(conn):
                    result = work(conn)
            except sqlite3.Error as exc:
                raise HotlistError(f"{self.path}: hotlist change failed, nothing changed: {exc}") from None
        return result

    def import_list(
        self,
        parsed: Parsed,
        *,
        name: str,
        category: str,
        source: str,
        basis: str,
        expires: datetime | None,
        actor: Actor,
        ledger: Appender,
        config: HotlistConfig,
        profile: str = "none",
        replace: bool = False,
        file_name: str = "",
    ) -> ImportResult:
        """Check the category and provenance, then load the list (or replace it) in one transaction with
        its ledger entry. A refused import is recorded and raises PolicyDenied; nothing is loaded."""
        name = check_name(name)
        category = category.strip().lower()
        source = _text("source", source, 200)
        basis = _text("basis", basis)
        now = self.clock()
        detail: dict[str, Any] = {
            "list": name,
            "category": category,
            "source": source,
            "basis": basis,
            "expires": to_ts(expires) if expires else None,
            "file": file_name,
            "sha256": parsed.sha256,
            "rows": parsed.rows,
        }
        texts = {"name": name, "source": source, "basis": basis}
        for i, e in enumerate(parsed.entries):
            if e.note:
                texts[f"note of entry {i + 1}"] = e.note
        decision = check_import(
            category=category,
            allowed=[c.code for c in config.categories],
            texts=texts,
            profile=profile,
            extra=config.prohibited_terms,
        )
        if not decision.allowed:
            ledger.append(
                Action.HOTLIST_REFUSED, actor, {**detail, "rule": decision.rule, "reason": decision.reason}, "denied"
            )
            log.info("hotlist import refused (%s)", decision.rule)
            raise PolicyDenied(f"hotlist import refused: {decision.reason}")
        if expires is not None and expires <= now:
            raise FieldError(f"{{expires}} {to_ts(expires)} is already past: nothing to import", "expires")
        live = [e for e in parsed.entries if e.expires is None or e.expires > now]
        skipped = len(parsed.entries) - len(live)
        if not live:
            raise InputError(f"{file_name or 'file'}: every entry has already expired: nothing to import")

        def work(conn: sqlite3.Connection) -> ImportResult:
            old = conn.execute("SELECT id, entries FROM lists WHERE name = ?", (name,)).fetchone()
            if old is not None and not replace:
                raise FieldError(
                    f"hotlist {name!r} exists: use {{replace}} to load a new version, or remove it", "replace"
                )
            if old is not None:
                conn.execute("DELETE FROM entries WHERE list_id = ?", (old[0],))
                conn.execute("DELETE FROM lists WHERE id = ?", (old[0],))
            cur = conn.execute(
                "INSERT INTO lists (name, category, source, basis, imported_at, imported_by, agency, expires, "
                "file_sha256, entries) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    name, category, source, basis, to_ts(now), actor.user, actor.agency,
                    to_ts(expires) if expires else None, parsed.sha256, len(live),
                ),
            )  # fmt: skip
            list_id = cur.lastrowid
            conn.executemany(
                "INSERT INTO entries (list_id, plate, note, expires) VALUES (?, ?, ?, ?)",
                ((list_id, e.plate, e.note, to_ts(e.expires) if e.expires else None) for e in live),
            )
            entry = ledger.append(
                Action.HOTLIST_IMPORTED,
                actor,
                {
                    **detail,
                    "entries": len(live),
                    "skipped_expired": skipped,
                    "duplicates": parsed.duplicates,
                    "replaced_entries": None if old is None else int(old[1]),
                },
            )
            return ImportResult(
                name, category, len(live), skipped, parsed.duplicates, None if old is None else int(old[1]), entry.seq
            )

        result: ImportResult = self._in_transaction(work)
        log.info("hotlist %s imported: %s entries (ledger #%s)", name, result.entries, result.ledger_seq)
        return result

    def remove(self, name: str, *, actor: Actor, ledger: Appender, reason: str) -> int:
        """Remove a list and its entries (secure delete); the ledger entry is written before it commits."""
        reason = _text("reason", reason)

        def work(conn: sqlite3.Connection) -> int:
            row = conn.execute(
                "SELECT id, category, source, basis, file_sha256, entries FROM lists WHERE name = ?", (name,)
            ).fetchone()
            if row is None:
                raise InputError(f"no hotlist named {name!r} (see `edge-alpr hotlist list`)")
            n = conn.execute("DELETE FROM entries WHERE list_id = ?", (row[0],)).rowcount
            conn.execute("DELETE FROM lists WHERE id = ?", (row[0],))
            ledger.append(
                Action.HOTLIST_REMOVED,
                actor,
                {
                    "list": name, "category": row[1], "source": row[2], "basis": row[3], "sha256": row[4],
                    "entries": n, "reason": reason,
                },
            )  # fmt: skip
            return int(n)

        n: int = self._in_transaction(work)
        log.info("hotlist %s removed (%s entries)", name, n)
        return n

    def remove_expired(self, *, actor: Actor, ledger: Appender, now: datetime | None = None) -> tuple[int, int]:
        """Delete expired lists and entries; one ledger entry with the counts per list. Returns (lists, entries)."""
        at = to_ts(now if now is not None else self.clock())

        def work(conn: sqlite3.Connection) -> tuple[int, int]:
            per_list: dict[str, int] = {}
            gone = conn.execute(
                "SELECT id, name, entries FROM lists WHERE expires IS NOT NULL AND expires <= ?", (at,)
            ).fetchall()
            for list_id, name, _n in gone:
                per_list[name] = conn.execute("DELETE FROM entries WHERE list_id = ?", (list_id,)).rowcount
                conn.execute("DELETE FROM lists WHERE id = ?", (list_id,))
            rows = conn.execute(
                "SELECT l.name, count(*) FROM entries e JOIN lists l ON l.id = e.list_id "
                "WHERE e.expires IS NOT NULL AND e.expires <= ? GROUP BY l.name",
                (at,),
            ).fetchall()
            conn.execute("DELETE FROM entries WHERE expires IS NOT NULL AND expires <= ?", (at,))
            for name, n in rows:
                per_list[name] = per_list.get(name, 0) + int(n)
                conn.execute(
                    "UPDATE lists SET entries = (SELECT count(*) FROM entries WHERE list_id = lists.id) WHERE name = ?",
                    (name,),
                )
            if not per_list:
                return (0, 0)
            ledger.append(
                Action.HOTLIST_REMOVED,
                actor,
                {"reason": "expired", "at": at, "lists_removed": [g[1] for g in gone], "entries_removed": per_list},
            )
            return (len(gone), sum(per_list.values()))

        result: tuple[int, int] = self._in_transaction(work)
        return result
