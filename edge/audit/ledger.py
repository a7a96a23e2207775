"""The append-only audit ledger: a SHA-256 hash chain in its own SQLite file, with signed checkpoints.

Every entry holds its sequence number, UTC time, actor (user and agency), action, canonical JSON detail,
outcome, the previous entry's hash and its own hash (see ``edge.audit.canonical``). Every
``checkpoint_every`` entries, and when the ledger is closed, the head is signed with the device's
Ed25519 key (``edge.audit.checkpoint``). Appends take SQLite's write lock (``BEGIN IMMEDIATE``) so
several processes (the pipeline, a CLI search) can share one ledger, and each append is committed
with ``synchronous=FULL`` before it returns: a caller that gets no exception knows the entry is on disk.
An append that cannot be written raises ``LedgerError``; callers doing a search or a share must let
that stop the operation (fail closed).

Plate text never enters the ledger: searches record a keyed pseudonym (``plate_token``) so repeated
lookups of one plate can be counted without the ledger outliving the store's retention of plates.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from edge.audit import metrics
from edge.audit.canonical import GENESIS, canonical_json, entry_text, utc_text
from edge.audit.checkpoint import Checkpoint, load_or_create_key, parse_vkey, sign_checkpoint, vkey
from edge.audit.events import Action, Actor
from edge.errors import EdgeError
from edge.files import private_file

if TYPE_CHECKING:
    from edge.config.model import Config

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    user TEXT NOT NULL,
    agency TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    outcome TEXT NOT NULL,
    prev BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_action_ts ON entries(action, ts);
CREATE TABLE IF NOT EXISTS checkpoints (
    size INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    head BLOB NOT NULL,
    note TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS entries_no_update BEFORE UPDATE ON entries
    BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS entries_no_delete BEFORE DELETE ON entries
    BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoints_no_update BEFORE UPDATE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoints_no_delete BEFORE DELETE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only'); END;
"""

_ACTIONS = frozenset(a.value for a in Action)


F = TypeVar("F", bound=Callable[..., Any])


def _locked(method: F) -> F:
    """Serialise a Ledger method: one ledger may be shared by threads (e.g. the store's purge thread)."""

    def wrapper(self: Ledger, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    wrapper.__doc__ = method.__doc__
    wrapper.__name__ = method.__name__
    return cast(F, wrapper)


class LedgerError(EdgeError):
    """The ledger cannot be opened or written. Whatever the entry was for must not happen."""


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    ts: str
    actor: Actor
    action: str
    detail: str  # canonical JSON text
    outcome: str
    prev: bytes
    hash: bytes

    def detail_obj(self) -> dict[str, Any]:
        import json

        value = json.loads(self.detail)
        return value if isinstance(value, dict) else {"value": value}


def _clean(name: str, value: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise LedgerError(f"ledger {name} must be 1-200 characters")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise LedgerError(f"ledger {name} must not contain control characters")
    return value


def entry_hash(seq: int, ts: str, user: str, agency: str, action: str, detail: str, outcome: str, prev: bytes) -> bytes:
    return hashlib.sha256(entry_text(seq, ts, user, agency, action, detail, outcome, prev).encode()).digest()


def connect(path: Path, *, readonly: bool, busy_timeout: float = 5.0) -> sqlite3.Connection:
    if readonly:
        if not path.exists():
            raise LedgerError(f"no audit ledger at {path}")
        uri = f"file:{path.resolve()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=busy_timeout, check_same_thread=False)
    else:
        private_file(path)  # 0600 in a 0700 folder whatever the umask (edge.files)
        conn = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
    return conn


class Appender(Protocol):
    """What writers need of a ledger: `Ledger` itself, or a wrapper that appends on its own thread."""

    def append(self, action: Action | str, actor: Actor, detail: Mapping[str, Any], outcome: str = "ok") -> Entry: ...


class Ledger:
    """An open ledger. Use as a context manager; closing writes a signed checkpoint of the head."""

    def __init__(
        self,
        path: Path | str,
        key_path: Path | str | None = None,
        *,
        origin: str = "edge-alpr.local/edge-node/audit",
        checkpoint_every: int = 1000,
        busy_timeout: float = 5.0,
        readonly: bool = False,
    ) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.checkpoint_every = max(1, checkpoint_every)
        self._lock = threading.RLock()
        self._key: Ed25519PrivateKey | None = None
        try:
            if not readonly:
                if key_path is None:
                    raise LedgerError("a writable ledger needs a signing key path")
                self._key = load_or_create_key(Path(key_path))
            self._conn = connect(self.path, readonly=readonly, busy_timeout=busy_timeout)
            if not readonly:
                self._conn.executescript(SCHEMA)
                self._init_meta(origin)
            meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot open audit ledger {self.path}: {exc}") from None
        except OSError as exc:
            raise LedgerError(f"cannot open audit ledger {self.path}: {exc.strerror or exc}") from None
        self.origin: str = meta.get("origin", origin)
        self.vkey: str | None = meta.get("vkey")
        if self._key is not None and self.vkey is not None:
            mine = vkey(self.origin, self._key.public_key())
            if mine != self.vkey:
                raise LedgerError(
                    f"signing key {key_path} is not the key this ledger was started with ({self.vkey}); "
                    "restore the original key file"
                )
        self._token_key = (
            hashlib.sha256(
                b"edge-alpr plate token v1\0"
                + self._key.private_bytes(
                    serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
                )
            ).digest()
            if self._key is not None
            else None
        )

    # -- setup -------------------------------------------------------------------------------------
    def _init_meta(self, origin: str) -> None:
        assert self._key is not None
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            have = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
            if "vkey" not in have:
                rows = {
                    "format": "1",
                    "origin": origin,
                    "vkey": vkey(origin, self._key.public_key()),
                    "created": utc_text(datetime.now(UTC)),
                }
                self._conn.executemany("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", rows.items())
                log.info("created audit ledger %s", self.path)
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    @property
    def public_key(self) -> Ed25519PublicKey | None:
        return parse_vkey(self.vkey)[1] if self.vkey else None

    # -- writing -----------------------------------------------------------------------------------
    @_locked
    def append(self, action: Action | str, actor: Actor, detail: Mapping[str, Any], outcome: str = "ok") -> Entry:
        """Write one entry durably and return it; raise LedgerError if it is not on disk."""
        action = str(action)
        if action not in _ACTIONS:
            raise LedgerError(f"unknown ledger action {action!r}")
        if self.readonly or self._key is None:
            raise LedgerError("the ledger was opened read-only")
        user, agency, outcome = _clean("user", actor.user), _clean("agency", actor.agency), _clean("outcome", outcome)
        try:
            detail_text = canonical_json(dict(detail))
        except (TypeError, ValueError) as exc:
            raise LedgerError(f"ledger detail is not JSON: {exc}") from None
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
                seq, prev = (row[0] + 1, bytes(row[1])) if row else (1, GENESIS)
                ts = utc_text(datetime.now(UTC))
                digest = entry_hash(seq, ts, user, agency, action, detail_text, outcome, prev)
                conn.execute(
                    "INSERT INTO entries(seq, ts, user, agency, action, detail, outcome, prev, hash) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (seq, ts, user, agency, action, detail_text, outcome, prev, digest),
                )
                if seq % self.checkpoint_every == 0:
                    self._write_checkpoint(seq, digest)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            metrics.WRITE_FAILURES.inc()
            log.warning("audit ledger write failed (%s): %s", action, exc)
            raise LedgerError(f"cannot write to audit ledger {self.path}: {exc}") from None
        metrics.ENTRIES.labels(action=action, outcome=outcome).inc()
        return Entry(seq, ts, actor, action, detail_text, outcome, prev, digest)

    def _write_checkpoint(self, size: int, head: bytes) -> Checkpoint:
        assert self._key is not None
        ts = utc_text(datetime.now(UTC))
        cp = sign_checkpoint(self._key, self.origin, size, head, ts)
        self._conn.execute(
            "INSERT OR IGNORE INTO checkpoints(size, ts, head, note) VALUES (?, ?, ?, ?)", (size, ts, head, cp.note)
        )
        return cp

    @_locked
    def checkpoint(self) -> Checkpoint | None:
        """Sign the current head unless it is already signed; return the latest checkpoint (None if empty)."""
        if self.readonly or self._key is None:
            raise LedgerError("the ledger was opened read-only")
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                size, head = self._head()
                if size == 0:
                    conn.execute("COMMIT")
                    return None
                row = conn.execute("SELECT note FROM checkpoints WHERE size = ?", (size,)).fetchone()
                cp = None if row else self._write_checkpoint(size, head)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot write checkpoint to audit ledger {self.path}: {exc}") from None
        if cp is not None:
            return cp
        latest = self.latest_checkpoint()
        assert latest is not None
        return latest

    @_locked
    def close(self, *, checkpoint: bool = True) -> None:
        try:
            if checkpoint and not self.readonly:
                self.checkpoint()
        finally:
            self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(checkpoint=not self.readonly)

    # -- reading -----------------------------------------------------------------------------------
    def _head(self) -> tuple[int, bytes]:
        row = self._conn.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        return (int(row[0]), bytes(row[1])) if row else (0, GENESIS)

    @_locked
    def head(self) -> tuple[int, bytes]:
        """(number of the last entry, its hash); (0, zeros) when empty."""
        return self._head()

    @_locked
    def latest_checkpoint(self) -> Checkpoint | None:
        row = self._conn.execute("SELECT size, ts, head, note FROM checkpoints ORDER BY size DESC LIMIT 1").fetchone()
        if row is None:
            return None
        return Checkpoint(origin=self.origin, size=row[0], head=bytes(row[2]), time=row[1], note=row[3])

    @_locked
    def checkpoint_notes(self) -> list[tuple[int, bytes, str]]:
        """(size, head, note) of every stored checkpoint, by size."""
        return [
            (int(r[0]), bytes(r[1]), str(r[2]))
            for r in self._conn.execute("SELECT size, head, note FROM checkpoints ORDER BY size")
        ]

    def entries(self, *, since: str | None = None, actions: tuple[str, ...] = ()) -> Iterator[Entry]:
        """Stream entries in sequence order, optionally from a UTC time text and for some actions."""
        sql = "SELECT seq, ts, user, agency, action, detail, outcome, prev, hash FROM entries"
        where: list[str] = []
        args: list[Any] = []
        if since is not None:
            where.append("ts >= ?")
            args.append(since)
        if actions:
            where.append(f"action IN ({','.join('?' * len(actions))})")
            args.extend(actions)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY seq"
        for r in self._conn.execute(sql, args):
            yield Entry(r[0], r[1], Actor(r[2], r[3]), r[4], r[5], r[6], bytes(r[7]), bytes(r[8]))

    @_locked
    def last(self, *actions: str) -> Entry | None:
        marks = ",".join("?" * len(actions))
        r = self._conn.execute(
            "SELECT seq, ts, user, agency, action, detail, outcome, prev, hash FROM entries "
            f"WHERE action IN ({marks}) ORDER BY seq DESC LIMIT 1",
            actions,
        ).fetchone()
        return None if r is None else Entry(r[0], r[1], Actor(r[2], r[3]), r[4], r[5], r[6], bytes(r[7]), bytes(r[8]))

    @_locked
    def count(
        self,
        action: str,
        since: str,
        *,
        user: str | None = None,
        agency: str | None = None,
        detail_key: str | None = None,
        detail_value: str | None = None,
    ) -> int:
        """How many `action` entries since a UTC time text, optionally by one user / agency / detail value."""
        sql = "SELECT COUNT(*) FROM entries WHERE action = ? AND ts >= ?"
        args: list[Any] = [action, since]
        if user is not None:
            sql += " AND user = ?"
            args.append(user)
        if agency is not None:
            sql += " AND agency = ?"
            args.append(agency)
        if detail_key is not None:
            sql += " AND json_extract(detail, ?) = ?"
            args.extend([f"$.{detail_key}", detail_value])
        return int(self._conn.execute(sql, args).fetchone()[0])

    @property
    def connection(self) -> sqlite3.Connection:
        return self._conn

    def plate_token(self, plate: str) -> str:
        """Keyed pseudonym of a plate (or pattern): equal plates give equal tokens, the text is not kept."""
        if self._token_key is None:
            raise LedgerError("plate tokens need the ledger signing key")
        norm = "".join(ch for ch in plate.upper() if ch.isalnum() or ch in "*?_%")
        return hmac.new(self._token_key, norm.encode(), hashlib.sha256).hexdigest()[:16]


def ledger_paths(cfg: Config, ledger: Path | None = None) -> tuple[Path, Path]:
    """Ledger and key file of a config: audit.ledger / audit.key, else beside the store file."""
    base = Path(cfg.store.path).parent
    path = ledger or (Path(cfg.audit.ledger) if cfg.audit.ledger else base / "audit.db")
    key = Path(cfg.audit.key) if cfg.audit.key else base / "audit-ed25519.key"
    return path, key


def open_ledger(cfg: Config, *, ledger: Path | None = None, readonly: bool = False) -> Ledger:
    path, key = ledger_paths(cfg, ledger)
    return Ledger(
        path,
        None if readonly else key,
        origin=f"edge-alpr.local/{cfg.node_id}/audit",
        checkpoint_every=cfg.audit.checkpoint_every,
        busy_timeout=cfg.audit.busy_timeout.total_seconds(),
        readonly=readonly,
    )
