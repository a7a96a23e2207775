"""The local SQLite store: one writer thread batching inserts, a separate read connection, retention.

Writes are queued (``write``/``mark_hit``) and committed in batches by a single writer thread; the
read connection (``get``/``search``/``count``) never blocks it (WAL). Purges run on the writer thread
with ``PRAGMA secure_delete=ON`` and end with a TRUNCATE checkpoint of the WAL.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from edge.config.store import RetentionConfig
from edge.errors import InputError
from edge.files import private_file
from edge.store.db import connect, has_table, transaction
from edge.store.purge import PurgeReceipt, RetentionStatus, retention_status, run_purge
from edge.store.schema import SCHEMA_VERSION, StoreError, migrate
from edge.store.timefmt import from_ts, to_ts, utcnow
from edge.types import Read, plate_key

if TYPE_CHECKING:
    from edge.config.model import Config

log = logging.getLogger(__name__)

MiB = 1024 * 1024
TABLES = ("reads", "hits", "purge_log")
_PATTERN = re.compile(r"^[A-Z0-9?*]+$")
_COLUMNS = (
    "id, plate, confidence, camera, ts, frame_index, bbox, track_id, observations, detector_model, ocr_model, "
    "valid_format, is_hit, crop IS NOT NULL, clock_unsynced"
)

ReceiptCallback = Callable[[PurgeReceipt], None]
# Called on the writer thread inside each batch's transaction, after its inserts and before COMMIT, with
# the write connection, the batch's reads and its hits: what it writes commits or rolls back with them
# (used by edge.share to fill its outbox). An exception fails the batch like a database error.
WriteHook = Callable[[sqlite3.Connection, "list[Read]", "list[_Hit]"], None]


@dataclass(frozen=True, slots=True)
class StoredRead:
    """A read as kept in the store (the crop itself via ``Store.get_crop``)."""

    id: str
    plate: str
    confidence: float
    camera: str
    ts: datetime
    frame_index: int | None
    bbox: tuple[float, float, float, float] | None
    track_id: str | None
    observations: int
    detector_model: str
    ocr_model: str
    valid_format: bool
    is_hit: bool
    has_crop: bool
    clock_unsynced: bool = False  # made while the system clock was not synchronised: its time may be wrong


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Counters since the store was opened. `refused` reads were never queued (see `refused_by_reason`);
    `failed` ones were queued but the database refused them (e.g. disk full)."""

    written: int
    refused: int
    batches: int
    failed: int = 0
    duplicates: int = 0
    hits: int = 0
    orphan_hits: int = 0
    queued: int = 0
    disk_low: bool = False
    refused_by_reason: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Hit:
    read_id: str
    hotlist: str
    category: str | None
    match_kind: str
    ts: datetime


@dataclass(slots=True)
class _Call:
    fn: Callable[[sqlite3.Connection], Any]
    future: Future[Any]


_STOP = object()


def _wal(conn: sqlite3.Connection, path: Path) -> None:
    mode = str(conn.execute("PRAGMA journal_mode = wal").fetchone()[0]).lower()
    if mode != "wal":
        raise StoreError(f"{path}: cannot switch the store to WAL mode (journal mode {mode})")


def _open(path: Path) -> tuple[sqlite3.Connection, sqlite3.Connection]:
    """Open (creating folder and file), switch to WAL, migrate; returns (write, read) connections."""
    try:
        private_file(path)  # 0600 in a 0700 folder whatever the umask (edge.files)
        wconn = connect(path)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"{path}: cannot open store: {exc}") from None
    try:
        _wal(wconn, path)
        migrate(wconn)
        rconn = connect(path, readonly=True)
    except sqlite3.Error as exc:
        wconn.close()
        raise StoreError(f"{path}: cannot open store: {exc}") from None
    except StoreError:
        wconn.close()
        raise
    return wconn, rconn


def _row(r: tuple[Any, ...]) -> StoredRead:
    bbox = json.loads(r[6]) if r[6] else None
    return StoredRead(
        id=r[0],
        plate=r[1],
        confidence=float(r[2]),
        camera=r[3],
        ts=from_ts(r[4]),
        frame_index=r[5],
        bbox=tuple(float(v) for v in bbox) if bbox else None,  # type: ignore[arg-type]
        track_id=r[7],
        observations=int(r[8]),
        detector_model=r[9],
        ocr_model=r[10],
        valid_format=bool(r[11]),
        is_hit=bool(r[12]),
        has_crop=bool(r[13]),
        clock_unsynced=bool(r[14]),
    )


def pattern_to_glob(pattern: str) -> str:
    """Partial plate with ``?`` (one character) and ``*`` (any run) -> a GLOB for the plate column.

    Only A-Z, 0-9, space and '-' besides the wildcards are accepted, so nothing in the pattern
    can be a GLOB bracket expression; the value is always bound as a parameter.
    """
    p = plate_key(pattern)
    if not p or not _PATTERN.match(p):
        raise InputError(f"invalid plate pattern {pattern!r}: use letters, digits, ? for one character, * for any run")
    return p


class Store:
    """Reads on disk with retention. Use as a context manager or call ``close()``."""

    def __init__(
        self,
        path: Path | str,
        *,
        retention: RetentionConfig | None = None,
        keep_crops: bool = False,
        min_free_mb: int = 200,
        clock: Callable[[], datetime] = utcnow,
        on_receipt: ReceiptCallback | None = None,
        queue_size: int = 10000,
        batch_size: int = 500,
        put_timeout: float = 2.0,
    ) -> None:
        self.path = Path(path)
        self.retention = retention if retention is not None else RetentionConfig()
        self.keep_crops = keep_crops
        self._min_free_mb = min_free_mb
        self.clock = clock
        self.on_receipt = on_receipt
        self._batch_size = batch_size
        self._put_timeout = put_timeout
        self._wconn, self._rconn = _open(self.path)
        self._rlock = threading.Lock()
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._cond = threading.Condition()
        self._enqueued = 0
        self._done = 0
        self._counts: dict[str, int] = dict.fromkeys(
            ("written", "refused", "batches", "failed", "duplicates", "hits", "orphan_hits"), 0
        )
        self._refused: dict[str, int] = {}
        self._closed = False
        self._close_lock = threading.Lock()
        self._disk_checked = 0.0
        self._disk_ok = True
        self._disk_free_mb = 0.0
        self._check_disk(force=True)
        self._purger: threading.Thread | None = None
        self._purger_stop = threading.Event()
        self._write_hooks: list[WriteHook] = []
        self._writer = threading.Thread(target=self._run_writer, name="store-writer", daemon=True)
        self._writer.start()

    @classmethod
    def from_config(cls, cfg: Config, **kwargs: Any) -> Store:
        return cls(
            cfg.store.path,
            retention=cfg.retention,
            keep_crops=cfg.store.keep_crops,
            min_free_mb=cfg.store.min_free_mb,
            **kwargs,
        )

    # -- writing ---------------------------------------------------------------------------------

    @property
    def min_free_mb(self) -> int:
        return self._min_free_mb

    @min_free_mb.setter
    def min_free_mb(self, value: int) -> None:
        self._min_free_mb = value
        self._check_disk(force=True)

    def _check_disk(self, force: bool = False) -> bool:
        now = time.monotonic()
        if not force and now - self._disk_checked < 1.0:
            return self._disk_ok
        self._disk_checked = now
        try:
            free = shutil.disk_usage(self.path.parent).free
        except OSError:
            free = 0
        self._disk_free_mb = free / MiB
        ok = self._disk_free_mb >= self._min_free_mb
        if ok != self._disk_ok:
            if ok:
                log.info("store: free disk space back to %.0f MiB; writing reads again", self._disk_free_mb)
            else:
                log.error(
                    "store: free disk space %.0f MiB is below the minimum %s MiB; new reads are refused and counted",
                    self._disk_free_mb,
                    self._min_free_mb,
                )
        self._disk_ok = ok
        return ok

    def _refuse(self, reason: str) -> bool:
        with self._cond:
            self._counts["refused"] += 1
            self._refused[reason] = self._refused.get(reason, 0) + 1
        return False

    def _enqueue(self, item: object) -> str | None:
        """Queue an item; returns a refusal reason or None. Serialised with close() so nothing lands behind
        the writer's stop marker."""
        with self._close_lock:
            if self._closed:
                return "closed"
            try:
                self._queue.put(item, timeout=self._put_timeout)
            except queue.Full:
                return "queue_full"
        with self._cond:
            self._enqueued += 1
        return None

    def write(self, read: Read) -> bool:
        """Queue a read for the writer thread. False (counted in stats) if refused: low disk, full queue, closed."""
        if self._closed:
            return self._refuse("closed")
        if not self._check_disk():
            return self._refuse("disk_low")
        reason = self._enqueue(read)
        if reason is not None:
            log.warning("store: read %s refused (%s)", read.id, reason)
            return self._refuse(reason)
        return True

    def mark_hit(
        self,
        read_id: str,
        hotlist: str,
        *,
        category: str | None = None,
        match_kind: str = "exact",
        ts: datetime | None = None,
    ) -> bool:
        """Record that a read matched a hotlist (moves it to the hit retention tier). Queued like ``write``
        so it lands after the read itself."""
        if self._closed:
            return self._refuse("closed")
        hit = _Hit(read_id, hotlist, category, match_kind, ts if ts is not None else self.clock())
        reason = self._enqueue(hit)
        if reason is not None:
            return self._refuse(reason)
        return True

    def flush(self, timeout: float | None = None) -> None:
        """Block until everything queued before this call is committed (or failed and counted)."""
        with self._cond:
            target = self._enqueued
            if not self._cond.wait_for(lambda: self._done >= target or not self._writer.is_alive(), timeout):
                raise StoreError(f"store flush timed out after {timeout}s with {target - self._done} reads pending")

    def close(self) -> None:
        """Flush, stop the purger and the writer, close the connections. Safe to call twice."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        self.stop_purger()
        self._queue.put(_STOP)  # after every accepted item: _enqueue checks _closed under the same lock
        self._writer.join()
        with self._rlock:
            self._rconn.close()
        self._wconn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def stats(self) -> StoreStats:
        with self._cond:
            return StoreStats(
                **self._counts,
                queued=max(0, self._enqueued - self._done),
                disk_low=not self._disk_ok,
                refused_by_reason=dict(self._refused),
            )

    def add_write_hook(self, hook: WriteHook) -> None:
        """Run `hook(conn, reads, hits)` inside every write transaction from now on (see ``WriteHook``)."""
        self._write_hooks.append(hook)

    # -- writer thread ---------------------------------------------------------------------------

    def _run_writer(self) -> None:
        stop = False
        while not stop:
            items = [self._queue.get()]
            while len(items) < self._batch_size:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            data: list[Read | _Hit] = []
            for item in items:
                if isinstance(item, Read | _Hit):
                    data.append(item)
                    continue
                self._commit(data)
                data = []
                if isinstance(item, _Call):
                    self._call(item)
                elif item is _STOP:
                    stop = True
            self._commit(data)
        # anything left behind a stop (writes racing close) is counted, not lost silently
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, Read | _Hit):
                self._commit([item])
            elif isinstance(item, _Call):
                item.future.set_exception(StoreError("store is closed"))
                self._mark_done(1)

    def _call(self, item: _Call) -> None:
        try:
            if item.future.set_running_or_notify_cancel():
                try:
                    item.future.set_result(item.fn(self._wconn))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
                    item.future.set_exception(exc)
        finally:
            self._mark_done(1)

    def _mark_done(self, n: int) -> None:
        with self._cond:
            self._done += n
            self._cond.notify_all()

    def _read_row(self, r: Read) -> tuple[Any, ...]:
        crop = None
        if self.keep_crops and r.crop_jpeg:
            policy = self.retention.policy(r.camera)
            if policy.crops_for("non_hit") > timedelta(0):
                crop = r.crop_jpeg
        return (
            r.id,
            r.plate,
            float(r.confidence),
            r.camera,
            to_ts(r.ts),
            r.frame_index,
            json.dumps([round(float(v), 1) for v in r.bbox]),
            r.track_id,
            int(r.observations),
            r.detector_model,
            r.ocr_model,
            int(r.valid_format),
            crop,
            to_ts(self.clock()),
            int(r.clock_unsynced),
        )

    def _commit(self, data: list[Read | _Hit]) -> None:
        if not data:
            return
        conn = self._wconn
        reads = [self._read_row(d) for d in data if isinstance(d, Read)]
        hits = [d for d in data if isinstance(d, _Hit)]
        written = duplicates = n_hits = orphans = 0
        try:
            with transaction(conn):
                # order matters only between a read and its hit: reads first, then hits
                if reads:
                    before = conn.total_changes
                    conn.executemany(
                        "INSERT OR IGNORE INTO reads (id, plate, confidence, camera, ts, frame_index, bbox, track_id, "
                        "observations, detector_model, ocr_model, valid_format, crop, stored_at, clock_unsynced) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        reads,
                    )
                    written = conn.total_changes - before
                    duplicates = len(reads) - written
                for h in hits:
                    if conn.execute("UPDATE reads SET is_hit = 1 WHERE id = ?", (h.read_id,)).rowcount == 0:
                        orphans += 1
                        log.warning("store: hit for unknown read %s not recorded", h.read_id)
                        continue
                    n_hits += conn.execute(
                        "INSERT OR IGNORE INTO hits (read_id, hotlist, category, match_kind, ts) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (h.read_id, h.hotlist, h.category, h.match_kind, to_ts(h.ts)),
                    ).rowcount
                for hook in self._write_hooks:
                    hook(conn, [d for d in data if isinstance(d, Read)], hits)
        except sqlite3.Error as exc:
            if "full" in str(exc).lower():
                self._disk_ok = False
            log.error("store: batch of %s items failed and was counted: %s", len(data), exc)  # noqa: TRY400
            with self._cond:
                self._counts["failed"] += len(data)
                self._counts["batches"] += 1
                self._done += len(data)
                self._cond.notify_all()
            return
        with self._cond:
            self._counts["written"] += written
            self._counts["duplicates"] += duplicates
            self._counts["hits"] += n_hits
            self._counts["orphan_hits"] += orphans
            self._counts["batches"] += 1
            self._done += len(data)
            self._cond.notify_all()

    def _submit(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run fn(write connection) on the writer thread, after everything queued before it."""
        future: Future[Any] = Future()
        reason = self._enqueue(_Call(fn, future))
        if reason is not None:
            raise StoreError(f"store cannot run the request: {reason}")
        return future.result()

    # -- retention -------------------------------------------------------------------------------

    def purge(
        self, now: datetime | None = None, *, dry_run: bool = False, on_receipt: ReceiptCallback | None = None
    ) -> PurgeReceipt:
        """Delete everything past retention (secure delete + WAL truncate), log a receipt in purge_log and
        hand it to `on_receipt` (argument, else the store's). With dry_run nothing changes or is logged."""
        at = now if now is not None else self.clock()
        if dry_run:
            with self._rlock:
                return run_purge(self._rconn, self.retention, at, dry_run=True)
        receipt: PurgeReceipt = self._submit(lambda conn: run_purge(conn, self.retention, at))
        callback = on_receipt if on_receipt is not None else self.on_receipt
        if callback is not None:
            try:
                callback(receipt)
            except Exception as exc:
                log.error("store: purge done and its receipt is in purge_log, but handing it on failed: %s", exc)  # noqa: TRY400
                raise
        return receipt

    def status(self, now: datetime | None = None) -> RetentionStatus:
        self._check_disk(force=True)
        with self._rlock:
            return retention_status(
                self._rconn,
                self.retention,
                now if now is not None else self.clock(),
                disk_free_mb=self._disk_free_mb,
                min_free_mb=self._min_free_mb,
            )

    def start_purger(self, interval: timedelta | float | None = None) -> None:
        """Purge now and then every `interval` (default: retention.purge_interval) on a background thread."""
        if self._purger is not None:
            return
        if interval is None:
            seconds = self.retention.effective_purge_interval().total_seconds()
        elif isinstance(interval, timedelta):
            seconds = interval.total_seconds()
        else:
            seconds = float(interval)
        self._purger_stop.clear()
        self._purger = threading.Thread(target=self._run_purger, args=(seconds,), name="store-purger", daemon=True)
        self._purger.start()

    def stop_purger(self) -> None:
        self._purger_stop.set()
        if self._purger is not None:
            self._purger.join()
            self._purger = None

    def _run_purger(self, seconds: float) -> None:
        while not self._purger_stop.is_set():
            try:
                self.purge()
            except Exception:
                if self._closed:
                    return
                log.exception("store: scheduled purge failed; retrying in %.0fs", seconds)
            self._purger_stop.wait(seconds)

    # -- reading ---------------------------------------------------------------------------------

    def get(self, read_id: str) -> StoredRead | None:
        with self._rlock:
            r = self._rconn.execute(f"SELECT {_COLUMNS} FROM reads WHERE id = ?", (read_id,)).fetchone()
        return _row(r) if r else None

    def get_crop(self, read_id: str) -> bytes | None:
        with self._rlock:
            r = self._rconn.execute("SELECT crop FROM reads WHERE id = ?", (read_id,)).fetchone()
        return bytes(r[0]) if r and r[0] is not None else None

    def hits_for(self, read_id: str) -> list[dict[str, Any]]:
        with self._rlock:
            rows = self._rconn.execute(
                "SELECT hotlist, category, match_kind, ts FROM hits WHERE read_id = ? ORDER BY id", (read_id,)
            ).fetchall()
        return [{"hotlist": h, "category": c, "match_kind": m, "ts": from_ts(t)} for h, c, m, t in rows]

    def search(
        self,
        *,
        plate: str | None = None,
        pattern: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        camera: str | None = None,
        limit: int = 1000,
    ) -> list[StoredRead]:
        """Reads newest first. `plate` exact (index lookup); `pattern` partial with ? and *; `since`
        inclusive, `until` exclusive; `camera` exact."""
        where: list[str] = []
        args: list[Any] = []
        if plate is not None:
            where.append("plate = ?")
            args.append(plate_key(plate))
        if pattern is not None:
            where.append("plate GLOB ?")
            args.append(pattern_to_glob(pattern))
        if since is not None:
            where.append("ts >= ?")
            args.append(to_ts(since))
        if until is not None:
            where.append("ts < ?")
            args.append(to_ts(until))
        if camera is not None:
            where.append("camera = ?")
            args.append(camera)
        if limit < 1:
            raise InputError("limit must be at least 1")
        sql = f"SELECT {_COLUMNS} FROM reads"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY ts DESC LIMIT ?"
        args.append(int(limit))
        with self._rlock:
            rows = self._rconn.execute(sql, args).fetchall()
        return [_row(r) for r in rows]

    def count(self, table: str = "reads") -> int:
        if table not in TABLES:
            raise InputError(f"unknown table {table!r}: one of {', '.join(TABLES)}")
        with self._rlock:
            return int(self._rconn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    @property
    def schema_version(self) -> int:
        return SCHEMA_VERSION

    # -- the audit ledger this store belongs to --------------------------------------------------

    def ledger_anchor(self) -> dict[str, str] | None:
        """The ledger this store is bound to (ledger_id, genesis, vkey, node_id, ledger_path, ts), or None."""
        with self._rlock:
            return _anchor_row(self._rconn)

    def anchor_ledger(self, anchor: Mapping[str, str]) -> dict[str, str]:
        """Bind this store to a ledger, once: returns the anchor in force (the existing one if already bound)."""
        missing = [k for k in ANCHOR_FIELDS if k != "ts" and not anchor.get(k)]
        if missing:
            raise InputError(f"ledger anchor lacks {', '.join(missing)}")

        def bind(conn: sqlite3.Connection) -> dict[str, str]:
            conn.execute(
                "INSERT OR IGNORE INTO ledger_anchor (id, ledger_id, genesis, vkey, node_id, ledger_path, ts) "
                "VALUES (1, ?, ?, ?, ?, ?, ?)",
                (*(str(anchor[k]) for k in ANCHOR_FIELDS[:-1]), to_ts(self.clock())),
            )
            row = _anchor_row(conn)
            assert row is not None
            return row

        result: dict[str, str] = self._submit(bind)
        return result


ANCHOR_FIELDS = ("ledger_id", "genesis", "vkey", "node_id", "ledger_path", "ts")


def _anchor_row(conn: sqlite3.Connection) -> dict[str, str] | None:
    row = conn.execute(f"SELECT {', '.join(ANCHOR_FIELDS)} FROM ledger_anchor WHERE id = 1").fetchone()
    return dict(zip(ANCHOR_FIELDS, row, strict=True)) if row else None


def read_ledger_anchor(path: Path | str) -> dict[str, str] | None:
    """The ledger anchor of the store file at `path`, read-only (None if no store there or not bound yet)."""
    p = Path(path)
    if not p.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{p.resolve()}?mode=ro", uri=True, timeout=10.0)
        try:
            if not has_table(conn, "ledger_anchor"):
                return None
            return _anchor_row(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{p}: cannot read the store's ledger anchor: {exc}") from None
