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
lookups of one plate can be counted without the ledger outliving the store's retention of plates, and
plate-like text typed into who did it or a free-text field is replaced by that token before an entry
is written (``edge.audit.plates``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from edge.audit import metrics
from edge.audit.anchor import Anchor, AnchorStore, from_store, read_companion, write_companion
from edge.audit.canonical import GENESIS, canonical_json, entry_text, utc_text
from edge.audit.checkpoint import (
    BadCheckpoint,
    Checkpoint,
    load_or_create_key,
    open_checkpoint,
    parse_vkey,
    sign_checkpoint,
    vkey,
)
from edge.audit.events import Action, Actor
from edge.audit.identity import os_identity
from edge.audit.plates import scrub_detail, scrub_text
from edge.audit.tlog import bundle, entry_hashes
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

# genesis and checkpoint_interval: written by the ledger only
_ACTIONS = frozenset(a.value for a in Action) - {Action.GENESIS.value, Action.CHECKPOINT_INTERVAL.value}


def signed_interval(conn: sqlite3.Connection, upto: int) -> int | None:
    """The checkpoint interval set last by entries 1..`upto` (the genesis entry's, or a later
    checkpoint_interval entry's); None when none of them sets one (a ledger older than these entries)."""
    rows = conn.execute(
        "SELECT detail FROM entries WHERE seq <= ? AND action IN (?, ?) ORDER BY seq DESC",
        (upto, Action.CHECKPOINT_INTERVAL.value, Action.GENESIS.value),
    )
    for (detail,) in rows:
        try:
            value = json.loads(detail).get("checkpoint_every")
        except (ValueError, AttributeError):
            continue
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


LEDGER_FORMAT = 2  # 2: entry 1 is the genesis entry naming the ledger, device and key


def _node_of(origin: str) -> str:
    """The device in an origin "edge-alpr.local/NODE/audit" (the origin itself if it has another form)."""
    parts = origin.split("/")
    return parts[1] if len(parts) == 3 and parts[1] else origin


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
        node_id: str | None = None,
        checkpoint_every: int = 1000,
        busy_timeout: float = 5.0,
        readonly: bool = False,
    ) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.checkpoint_every = max(1, checkpoint_every)
        self.key_path = Path(key_path) if key_path is not None else None
        self._lock = threading.RLock()
        self._key: Ed25519PrivateKey | None = None
        self._auth = os_identity()
        # The last (entry, hash) this process signed or checked against a signature: nothing is signed
        # unless the chain from it to the new head still holds (_check_before_signing).
        self._verified: tuple[int, bytes] = (0, GENESIS)
        companion: Anchor | None = None
        try:
            if not readonly:
                if self.key_path is None:
                    raise LedgerError("a writable ledger needs a signing key path")
                self._key = load_or_create_key(self.key_path)
                try:
                    companion = read_companion(self.key_path)
                except ValueError as exc:
                    raise LedgerError(str(exc)) from None
                if companion is not None and not self.path.exists():
                    raise LedgerError(self._gone(companion))
            self._conn = connect(self.path, readonly=readonly, busy_timeout=busy_timeout)
            if not readonly:
                if companion is not None and "vkey" not in self._meta():
                    self._conn.close()
                    raise LedgerError(self._gone(companion))
                self._conn.executescript(SCHEMA)
                self._init_meta(origin, node_id or _node_of(origin))
            meta = self._meta()
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot open audit ledger {self.path}: {exc}") from None
        except OSError as exc:
            raise LedgerError(f"cannot open audit ledger {self.path}: {exc.strerror or exc}") from None
        self.origin: str = meta.get("origin", origin)
        self.vkey: str | None = meta.get("vkey")
        self.ledger_id: str | None = meta.get("ledger_id")
        self.node_id: str = meta.get("node_id", node_id or _node_of(self.origin))
        if self._key is not None and self.vkey is not None:
            mine = vkey(self.origin, self._key.public_key())
            if mine != self.vkey:
                self._conn.close()
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
        if not readonly:
            try:
                self._check_companion(companion)
            except BaseException:
                self._conn.close()
                raise

    # -- setup -------------------------------------------------------------------------------------
    def _meta(self) -> dict[str, str]:
        try:
            return dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError:
            return {}  # a new (or empty) file: no meta table yet

    def _gone(self, companion: Anchor) -> str:
        return (
            f"no audit ledger at {self.path}, but the signing key {self.key_path} belongs to ledger "
            f"{companion.ledger_id} (genesis {companion.genesis[:16]}…, see {companion.source}): the ledger "
            "was deleted, emptied or moved. Restore it, or point audit.ledger at it; a new ledger under this "
            "key would hide what the old one recorded"
        )

    def _init_meta(self, origin: str, node_id: str) -> None:
        assert self._key is not None
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            have = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
            rows: dict[str, str] = {}
            if "vkey" not in have:
                rows = {
                    "format": str(LEDGER_FORMAT),
                    "origin": origin,
                    "vkey": vkey(origin, self._key.public_key()),
                    "created": utc_text(datetime.now(UTC)),
                }
                log.info("created audit ledger %s", self.path)
            if "ledger_id" not in have:
                rows["ledger_id"] = uuid.uuid4().hex
                rows["node_id"] = node_id
            recorded = int(have.get("checkpoint_every", "0") or 0)
            if self.checkpoint_every > recorded:
                self._conn.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES ('checkpoint_every', ?)",
                    (str(self.checkpoint_every),),
                )
            self._conn.executemany("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", rows.items())
            if self._conn.execute("SELECT 1 FROM entries LIMIT 1").fetchone() is None:
                meta = {**have, **rows}
                self._insert(
                    Action.GENESIS,
                    "system",
                    meta.get("node_id", node_id),
                    canonical_json(
                        {
                            "ledger_id": meta["ledger_id"],
                            "node_id": meta.get("node_id", node_id),
                            "origin": meta["origin"],
                            "vkey": meta["vkey"],
                            "created": meta.get("created"),
                            "checkpoint_every": self.checkpoint_every,
                        }
                    ),
                    "ok",
                    origin=meta["origin"],
                    force_checkpoint=True,
                )
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    def _genesis_hex(self) -> str | None:
        row = self._conn.execute("SELECT hash FROM entries WHERE seq = 1").fetchone()
        return bytes(row[0]).hex() if row else None

    def anchor(self, checkpoint: Checkpoint | None = None) -> Anchor:
        """This ledger's identity as an anchor to keep elsewhere (with the latest checkpoint)."""
        genesis = self._genesis_hex()
        if self.ledger_id is None or genesis is None or self.vkey is None:
            raise LedgerError(f"audit ledger {self.path} has no identity yet (no ledger id or genesis entry)")
        cp = checkpoint or self.latest_checkpoint()
        return Anchor(
            source=f"ledger {self.path}",
            ledger_id=self.ledger_id,
            genesis=genesis,
            vkey=self.vkey,
            node_id=self.node_id,
            checkpoint=cp.note if cp is not None else None,
        )

    def _check_companion(self, companion: Anchor | None) -> None:
        """Refuse a ledger that is not the one the key's companion names, or no longer holds its signed
        head; refuse an unsigned tail longer than the checkpoint interval; then refresh the companion."""
        assert self.key_path is not None
        mine = self.anchor()
        if companion is not None:
            problem = companion.mismatch(mine.ledger_id, mine.genesis, mine.vkey)
            if problem is not None:
                raise LedgerError(
                    f"audit ledger {self.path} is not the ledger of signing key {self.key_path}: {problem}. "
                    "Run `edge-alpr audit verify`; restore the original ledger"
                )
            if companion.checkpoint:
                self._check_signed_head(companion.checkpoint, companion.source)
        size, _ = self._head()
        latest = self.latest_checkpoint()
        signed = 0
        if latest is not None:  # a row in a file: only its signature and the chain's hash make it signed
            cp = self._check_signed_head(latest.note, "ledger's latest checkpoint")
            signed, self._verified = cp.size, (cp.size, cp.head)
        # The interval comes from the signed entries (genesis, checkpoint_interval), not from meta or the
        # config: both are files an attacker can edit to make a rewritten tail look short enough.
        # A ledger older than that (no interval signed) is held to the config's interval.
        limit = signed_interval(self._conn, signed) or self.checkpoint_every
        if size - signed >= limit:
            raise LedgerError(
                f"audit ledger {self.path}: entries {signed + 1}..{size} are past the last signed checkpoint "
                f"({signed}), at least the interval of {limit}: checkpoints were removed. Run "
                "`edge-alpr audit verify`"
            )
        recorded = signed_interval(self._conn, size)
        if recorded is not None and self.checkpoint_every > recorded:
            # A longer interval is a longer unsigned tail an attacker may rewrite: the config alone (a file)
            # does not get it. `edge-alpr audit interval N` records it, signed, with who asked.
            log.warning(
                "audit.checkpoint_every %d is above the interval the ledger signed (%d): keeping %d; raise it "
                "with `edge-alpr audit interval %d`",
                self.checkpoint_every,
                recorded,
                recorded,
                self.checkpoint_every,
            )
            self.checkpoint_every = recorded
        elif recorded != self.checkpoint_every:  # shorter (always safe), or a ledger that recorded none yet
            latest = self._record_interval(recorded) or latest
        self._refresh_companion(latest)

    @_locked
    def raise_interval(self, every: int, actor: Actor) -> Checkpoint | None:
        """Record a longer checkpoint interval, signed at once, with who asked (`edge-alpr audit interval`)."""
        if self.readonly or self._key is None:
            raise LedgerError("the ledger was opened read-only")
        was = self.checkpoint_every
        self.checkpoint_every = max(1, every)
        try:
            return self._record_interval(was, actor)
        except BaseException:
            self.checkpoint_every = was
            raise

    def _record_interval(self, was: int | None, actor: Actor | None = None) -> Checkpoint | None:
        """Chain a checkpoint_interval entry for the configured interval and sign it at once."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            who = actor or Actor.system(self.node_id)
            detail = {"checkpoint_every": self.checkpoint_every, "was": was, "auth": dict(self._auth)}
            _, cp = self._insert(
                Action.CHECKPOINT_INTERVAL.value,
                _clean("user", who.user),
                _clean("agency", who.agency),
                canonical_json(detail),
                "ok",
                force_checkpoint=True,
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return cp

    def _check_signed_head(self, note: str, source: str) -> Checkpoint:
        """The checkpoint `note` opened with this ledger's key, if the chain holds its head at its size."""
        key = self.public_key
        assert key is not None
        try:
            cp = open_checkpoint(note, key, self.origin)
        except BadCheckpoint as exc:
            raise LedgerError(f"the checkpoint in the {source} does not verify: {exc}") from None
        row = self._conn.execute("SELECT hash FROM entries WHERE seq = ?", (cp.size,)).fetchone()
        if row is None or bytes(row[0]) != cp.head:
            what = "ends before it" if row is None else "holds another entry there"
            raise LedgerError(
                f"audit ledger {self.path} no longer holds the head this device signed at entry {cp.size} "
                f"({source}); the ledger {what}: it was truncated or rewritten. Run `edge-alpr audit verify`"
            )
        return cp

    def _refresh_companion(self, latest: Checkpoint | None) -> None:
        if self.readonly or self.key_path is None:
            return
        try:
            write_companion(self.key_path, self.anchor(latest), self.path)
        except OSError as exc:
            raise LedgerError(f"cannot write the ledger anchor beside {self.key_path}: {exc.strerror or exc}") from None

    def bind_store(self, store: AnchorStore, store_path: Path | str) -> None:
        """Bind a store to this ledger (first time) or check it is bound to this one; LedgerError if not."""
        try:
            row = store.ledger_anchor()
            if row is None:
                mine = self.anchor()
                row = store.anchor_ledger(
                    {
                        "ledger_id": mine.ledger_id,
                        "genesis": mine.genesis,
                        "vkey": mine.vkey,
                        "node_id": mine.node_id,
                        "ledger_path": str(self.path.resolve()),
                    }
                )
        except EdgeError as exc:
            if isinstance(exc, LedgerError):
                raise
            raise LedgerError(f"cannot bind store {store_path} to audit ledger {self.path}: {exc}") from None
        self.check_store_anchor(row, store_path)

    def check_store_anchor(self, row: Mapping[str, str], store_path: Path | str) -> None:
        """LedgerError unless the store's anchor row names this ledger (id, genesis, key)."""
        problem = from_store(row, store_path).mismatch(self.ledger_id, self._genesis_hex(), self.vkey)
        if problem is not None:
            raise LedgerError(
                f"store {store_path} belongs to another audit ledger than {self.path}: {problem}. The store's "
                f"ledger is at {row.get('ledger_path')}; use the config that owns this store (audit.ledger)"
            )

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
        # No plate text in the ledger (it outlives the store's retention): plate-like runs in who and in the
        # free-text fields become the keyed plate token before anything is written.
        user, agency = scrub_text(user, self.plate_token), scrub_text(agency, self.plate_token)
        # Beside the declared actor, who really wrote it: the OS account (and sudo caller) of this process,
        # plus what the caller authenticated (a remote peer). Never from the caller alone.
        given = detail.get("auth")
        detail = {**detail, "auth": {**(given if isinstance(given, Mapping) else {}), **self._auth}}
        try:
            detail_text = canonical_json(scrub_detail(detail, self.plate_token))
        except (TypeError, ValueError) as exc:
            raise LedgerError(f"ledger detail is not JSON: {exc}") from None
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                entry, cp = self._insert(action, user, agency, detail_text, outcome)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            metrics.WRITE_FAILURES.inc()
            log.warning("audit ledger write failed (%s): %s", action, exc)
            raise LedgerError(f"cannot write to audit ledger {self.path}: {exc}") from None
        if cp is not None:
            self._refresh_companion(cp)
        metrics.ENTRIES.labels(action=action, outcome=outcome).inc()
        return entry

    def _insert(
        self,
        action: str,
        user: str,
        agency: str,
        detail_text: str,
        outcome: str,
        *,
        origin: str | None = None,
        force_checkpoint: bool = False,
    ) -> tuple[Entry, Checkpoint | None]:
        """Chain one entry inside the caller's transaction; sign the head when the interval is reached."""
        conn = self._conn
        row = conn.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (row[0] + 1, bytes(row[1])) if row else (1, GENESIS)
        ts = utc_text(datetime.now(UTC))
        digest = entry_hash(seq, ts, user, agency, action, detail_text, outcome, prev)
        conn.execute(
            "INSERT INTO entries(seq, ts, user, agency, action, detail, outcome, prev, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, ts, user, agency, action, detail_text, outcome, prev, digest),
        )
        cp = None
        if force_checkpoint or seq % self.checkpoint_every == 0:
            cp = self._write_checkpoint(seq, digest, origin)
        return Entry(seq, ts, Actor(user, agency), action, detail_text, outcome, prev, digest), cp

    def _write_checkpoint(self, size: int, head: bytes, origin: str | None = None) -> Checkpoint:
        assert self._key is not None
        self._check_before_signing(size, head)
        ts = utc_text(datetime.now(UTC))
        cp = sign_checkpoint(self._key, origin or self.origin, size, head, ts)
        self._conn.execute(
            "INSERT OR IGNORE INTO checkpoints(size, ts, head, note) VALUES (?, ?, ?, ?)", (size, ts, head, cp.note)
        )
        self._verified = (size, head)
        return cp

    def _check_before_signing(self, size: int, head: bytes) -> None:
        """Refuse to sign `head` at `size` unless the chain still holds from the last entry this process
        signed or checked against a signature: that entry keeps its hash, every later entry links to the
        one before and hashes to what it says, every stored checkpoint in between verifies on it, and no
        more than the signed interval lies between the last of those and `size`. The device opens the
        ledger once and may run for weeks: between its appends, someone with the file could rewrite
        what it wrote and let its next checkpoint sign the rewrite."""
        start, anchor = self._verified
        conn = self._conn
        rows = conn.execute(
            "SELECT seq, ts, user, agency, action, detail, outcome, prev, hash FROM entries WHERE seq >= ? "
            "ORDER BY seq",
            (max(start, 1),),
        ).fetchall()
        prev, expect = anchor, start + 1
        for seq, ts, user, agency, action, detail, outcome, p, h in rows:
            if seq == start:
                if bytes(h) != anchor:
                    raise LedgerError(self._changed(start, f"entry {start} no longer has the hash it had"))
                continue
            if (
                seq != expect
                or bytes(p) != prev
                or entry_hash(seq, ts, user, agency, action, detail, outcome, prev) != h
            ):
                raise LedgerError(self._changed(start, f"entry {seq} does not follow from the entries before it"))
            prev, expect = bytes(h), expect + 1
        if expect - 1 != size or prev != head:
            raise LedgerError(self._changed(start, f"the head is not entry {size}"))
        last = start
        between = conn.execute(
            "SELECT size, note FROM checkpoints WHERE size > ? AND size < ? ORDER BY size", (start, size)
        ).fetchall()
        key = self.public_key if between else None  # (none while the genesis entry is being signed)
        for csize, note in between:
            try:
                cp = open_checkpoint(note, key, self.origin) if key is not None else None
            except BadCheckpoint:
                cp = None
            row = conn.execute("SELECT hash FROM entries WHERE seq = ?", (csize,)).fetchone()
            if cp is None or cp.size != csize or row is None or bytes(row[0]) != cp.head:
                raise LedgerError(self._changed(start, f"the checkpoint at entry {csize} does not verify on the chain"))
            last = csize
        limit = signed_interval(conn, last) or self.checkpoint_every
        if size - last > limit:
            raise LedgerError(
                self._changed(
                    start, f"entries {last + 1}..{size} follow the last signature, more than the interval {limit}"
                )
            )

    def _changed(self, start: int, what: str) -> str:
        return (
            f"audit ledger {self.path} changed under this process since entry {start}, which it had checked: {what}. "
            "Nothing was signed. Run `edge-alpr audit verify`"
        )

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
            self._refresh_companion(cp)
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

    @_locked
    def tree_bundle(self, old_size: int | None = None) -> dict[str, Any]:
        """A signed tree head (RFC 6962 root, C2SP tlog checkpoint) and the consistency proof from
        `old_size`, for a witness (``edge.audit.tlog``)."""
        if self._key is None:
            raise LedgerError("tree heads need the ledger signing key")
        hashes = entry_hashes(self._conn)
        if old_size is not None and not 0 < old_size <= len(hashes):
            raise LedgerError(f"a tree head from size {old_size}: the ledger has {len(hashes)} entries")
        return bundle(self._key, self.origin, hashes, old_size)

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


def open_ledger(
    cfg: Config,
    *,
    ledger: Path | None = None,
    readonly: bool = False,
    store: AnchorStore | None = None,
    store_anchor: Mapping[str, str] | None = None,
) -> Ledger:
    """Open the ledger of a config. With `store` (an open store), bind the store to the ledger on first use
    and refuse a ledger that is not the store's; `store_anchor` (the store's anchor row, read without
    opening the store) refuses a missing or foreign ledger before anything is created."""
    path, key = ledger_paths(cfg, ledger)
    anchor_row = store.ledger_anchor() if store is not None else store_anchor
    if anchor_row is not None and not path.exists():
        raise LedgerError(
            f"there is no ledger at {path}, but store {cfg.store.path} belongs to audit ledger "
            f"{anchor_row['ledger_id']} at {anchor_row['ledger_path']}: refusing to start another "
            "ledger for it (a search recorded there would never reach the store's own ledger). Use the config "
            "that owns this store, or set audit.ledger to the store's ledger"
        )
    book = Ledger(
        path,
        None if readonly else key,
        origin=f"edge-alpr.local/{cfg.node_id}/audit",
        node_id=cfg.node_id,
        checkpoint_every=cfg.audit.checkpoint_every,
        busy_timeout=cfg.audit.busy_timeout.total_seconds(),
        readonly=readonly,
    )
    try:
        if store is not None and not readonly:
            book.bind_store(store, cfg.store.path)
        elif anchor_row is not None:
            book.check_store_anchor(anchor_row, cfg.store.path)
    except BaseException:
        book.close(checkpoint=False)
        raise
    return book
