"""What the health endpoint and `edge-alpr status` report, gathered in one place.

`HealthMonitor.snapshot()` builds the status document, a `edge.health.status.HealthStatus` (served as
JSON on /healthz, as HTML on /, exported on /metrics, printed by `edge-alpr status`):

    {"healthy": bool, "problems": [...], "time": ..., "service": {...}, "cameras": [...], "reads": {...},
     "store": {...}, "retention": {...}, "disk": {...}, "outbox": {...}, "ledger": {...}, "config": {...},
     "clock": {...}}

Store, outbox and ledger facts come from read-only SQLite connections to the files, so the same code
serves the running service and `edge-alpr status` when the service is down. The running service
adds its cameras (from the runner), the store's in-memory counters and the config reload state.
Nothing here returns plate text.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from edge.config import Config
from edge.errors import EdgeError
from edge.health.clock import clock_synchronised
from edge.health.status import (
    CameraLive,
    CameraStatus,
    ConfigInfo,
    DiskInfo,
    HealthStatus,
    LedgerInfo,
    NoConfigInfo,
    OutboxInfo,
    PeerInfo,
    ReadsInfo,
    RetentionInfo,
    SharingChangeInfo,
    StoreFiles,
    StoreLive,
)
from edge.store.db import connect, has_table
from edge.store.reads import read_counts
from edge.store.timefmt import to_ts

if TYPE_CHECKING:
    from edge.reload import Reloader
    from edge.runner import Runner
    from edge.store import Store

log = logging.getLogger(__name__)

MiB = 1024 * 1024
FAILURE_WINDOW = 600.0  # seconds a failed ledger write keeps the ledger reported not OK


def _ro(path: Path, timeout: float = 2.0) -> sqlite3.Connection:
    return connect(path, readonly=True, busy_timeout=timeout)


SHARING_CHANGE_NOTICE = timedelta(days=7)


def _sharing_change(conn: sqlite3.Connection) -> SharingChangeInfo | None:
    """The latest config_changed entry flagged sharing_changed (edge.audit.search.sharing_changes)."""
    row = conn.execute(
        "SELECT seq, ts, json_extract(detail, '$.sharing_changed') FROM entries WHERE action = 'config_changed' "
        "AND json_extract(detail, '$.sharing_changed') IS NOT NULL ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    seq, ts, keys = row
    try:
        when = datetime.fromisoformat(str(ts).replace("Z", "+00:00"))
        recent = datetime.now(UTC) - when <= SHARING_CHANGE_NOTICE
    except ValueError:
        recent = True
    return {"seq": int(seq), "ts": str(ts), "keys": [str(k) for k in json.loads(keys)], "recent": recent}


def local_midnight(now: datetime) -> datetime:
    """Start of today in the device's local time, as an aware UTC datetime."""
    local = now.astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _iso(value: datetime | None) -> str | None:
    return _utc(value) if value else None


@dataclass
class LedgerCheck:
    """Result of the last full verification of the ledger (hash chain and signed checkpoints)."""

    ok: bool | None = None  # None: not verified yet
    at: str | None = None
    entries: int = 0
    problem: str | None = None
    message: str = ""
    seconds: float = 0.0


class LedgerVerifier:
    """Verifies the ledger now and then every `interval` on a background thread (low cost between runs)."""

    def __init__(self, cfg: Config) -> None:
        from edge.audit.ledger import ledger_paths

        self.path, self.key_path = ledger_paths(cfg)
        self.store_path = cfg.store.path
        self.max_tail = cfg.audit.checkpoint_every
        self.witness_dir = cfg.audit.witness_dir
        self.trusted_key = cfg.audit.public_key
        self.interval = cfg.health.verify_interval.total_seconds()
        self.result = LedgerCheck()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def verify(self) -> LedgerCheck:
        from edge.audit.anchor import anchors_for, witness_notes
        from edge.audit.verify import verify_ledger
        from edge.store import read_ledger_anchor

        try:
            # the ledger's identity kept beside its key and in the store: a deleted or re-created ledger shows
            anchors = anchors_for(self.key_path, read_ledger_anchor(self.store_path), self.store_path)
            notes = witness_notes(self.witness_dir)  # cosigned tree heads an auditor or peer left here
        except (ValueError, OSError, EdgeError) as exc:  # an unreadable anchor is a failed check, not a crashed thread
            self.result = LedgerCheck(ok=False, at=_iso(datetime.now(UTC)), problem="unreadable", message=str(exc))
            return self.result
        if not self.path.exists():
            missing = f"no ledger at {self.path}, but {anchors[0].source} names one" if anchors else None
            self.result = LedgerCheck(
                ok=missing is None,
                at=_iso(datetime.now(UTC)),
                problem="missing" if missing else None,
                message=missing or "no ledger yet",
            )
            return self.result
        try:
            res = verify_ledger(
                self.path, trusted_key=self.trusted_key, anchors=anchors, max_tail=self.max_tail, witness_notes=notes
            )
        except Exception as exc:  # an unreadable ledger is a failed check, not a crashed thread
            log.exception("ledger verification could not run")
            self.result = LedgerCheck(ok=False, at=_iso(datetime.now(UTC)), problem="unreadable", message=str(exc))
            return self.result
        self.result = LedgerCheck(
            ok=res.ok,
            at=_iso(datetime.now(UTC)),
            entries=res.entries,
            problem=res.problem,
            message=res.message,
            seconds=round(res.seconds, 3),
        )
        if not res.ok:
            log.error("audit ledger verification FAILED: %s (first bad entry %s)", res.problem, res.first_bad_seq)
        return self.result

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="ledger-verify", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.verify()
            self._stop.wait(self.interval)


class _Rate:
    """Frames per second of one camera from its frame counter, over the last minute of samples."""

    def __init__(self) -> None:
        self._samples: deque[tuple[float, int]] = deque(maxlen=64)

    def add(self, t: float, frames: int) -> float | None:
        """The rate since the oldest sample of the last minute; None until samples span 5 seconds."""
        self._samples.append((t, frames))
        while len(self._samples) > 2 and t - self._samples[0][0] > 60.0:
            self._samples.popleft()
        t0, f0 = self._samples[0]
        if t - t0 < 5.0:
            return None
        return max(0.0, (frames - f0) / (t - t0))


class HealthMonitor:
    """Builds the status document. `runner`, `store` and `reloader` are the running service's objects
    (None when `edge-alpr status` reads the files of a stopped service)."""

    def __init__(
        self,
        cfg: Config,
        *,
        runner: Runner | None = None,
        store: Store | None = None,
        reloader: Reloader | None = None,
        verifier: LedgerVerifier | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        cache_seconds: float = 1.0,
    ) -> None:
        self._cfg = cfg
        self.runner = runner
        self.store = store
        self.reloader = reloader
        self.verifier = verifier
        self.clock = clock
        self.started = time.monotonic()
        self.started_at = clock()
        self.cache_seconds = cache_seconds
        self._rates: dict[str, _Rate] = {}
        self._lock = threading.Lock()
        self._cached: tuple[float, HealthStatus] | None = None
        self._failures_base = ledger_write_failures()  # the counter is per process: count from here
        self._failures_seen = 0
        self._failures_changed = float("-inf")

    @property
    def cfg(self) -> Config:
        """The config in force: thresholds and retention follow a reload. File locations (store, ledger) and
        node id come from `self._cfg`, the config the service started with, until it restarts."""
        if self.reloader is not None:
            return self.reloader.current
        return self._cfg

    # -- parts ------------------------------------------------------------------------------------
    def cameras(self) -> list[CameraStatus]:
        cfg = self.cfg
        stale = cfg.health.stale_after.total_seconds()
        if self.runner is None:
            return [
                {"camera": c.name, "source_kind": _source_kind(c.source), "up": None, "state": "not running"}
                for c in cfg.cameras
            ]
        now = time.monotonic()
        out: list[CameraStatus] = []
        for w in self.runner.workers:
            s = w.snapshot()
            last = w.last_frame_at
            age = None if last is None else round(now - last, 3)
            rate = self._rates.setdefault(s.camera, _Rate()).add(now, s.frames_in)
            if rate is None:  # too few samples yet (nobody asked recently): the average since start
                rate = s.frames_in / max(now - self.started, 1e-3)
            if not s.running:
                state = "failed" if w.capture_error else "ended"
            elif age is None:
                state = "starting" if now - self.started < stale else "no frames"
            elif age > stale:
                state = "stalled"
            else:
                state = "up"
            live: CameraLive = {
                "camera": s.camera,
                "up": state == "up",
                "state": state,
                "fps": round(rate, 2),
                "last_frame_age_s": age,
                "frames": s.frames_in,
                "dropped": s.dropped,
                "processed": s.processed,
                "decode_errors": s.decode_errors,
                "errors": s.errors,
                "reads": s.reads,
                "refused": s.refused,
                "reopens": s.reopens,
                "disconnects": s.disconnects,
                "latency_p50_ms": s.latency_p50_ms,
                "latency_p95_ms": s.latency_p95_ms,
                "latency_histogram": s.latency_histogram,
                "stage_ms": s.stage_ms,
                "tracks_dropped": s.tracks_dropped,
                "reads_verified": w.recognizer.times.verified,
                "stage_seconds": dict(w.recognizer.times.seconds, capture=w.capture_seconds),
                "boxes_dropped": {"masked": w.recognizer.times.masked, "no_vehicle": w.recognizer.times.no_vehicle},
            }
            out.append(live)
        return out

    def store_facts(self, now: datetime) -> tuple[ReadsInfo, RetentionInfo, DiskInfo, OutboxInfo]:
        """(reads, retention, disk, outbox) from the store file."""
        from edge.store.purge import retention_status

        cfg = self.cfg
        path = Path(self._cfg.store.path)
        free = _disk_free(path.parent if path.parent.exists() else Path("."))
        disk: DiskInfo = {
            "path": str(path.parent),
            "free_mb": round(free / MiB, 1),
            "min_free_mb": cfg.store.min_free_mb,
            "low": free / MiB < cfg.store.min_free_mb,
        }
        reads: ReadsInfo = {"today": None, "total": None, "last": None}
        retention: RetentionInfo = {"lag_s": None, "last_purge": None, "next_purge": None}
        outbox: OutboxInfo = {"depth": 0, "peers": []}
        if not path.exists():
            reads["note"] = "no store yet"
            return reads, retention, disk, self._outbox(None, now)
        try:
            conn = _ro(path)
        except sqlite3.Error as exc:
            reads["error"] = f"cannot open the store: {exc}"
            return reads, retention, disk, outbox
        try:
            counts = read_counts(conn, since=to_ts(local_midnight(now)))
            if counts is not None:
                reads["today"], reads["total"], reads["last"] = counts.in_window, counts.total, counts.last_ts
                if has_table(conn, "purge_log"):
                    st = retention_status(
                        conn, cfg.retention, now, disk_free_mb=free / MiB, min_free_mb=cfg.store.min_free_mb
                    )
                    retention = {
                        "lag_s": round(st.lag.total_seconds(), 3),
                        "overdue": sum(t.overdue for t in st.tiers.values()),
                        "last_purge": _iso(st.last_purge),
                        "next_purge": _iso(st.next_purge),
                        "purge_interval_s": st.purge_interval.total_seconds(),
                    }
            outbox = self._outbox(conn, now)
        except sqlite3.Error as exc:
            reads["error"] = f"cannot read the store: {exc}"
        finally:
            conn.close()
        return reads, retention, disk, outbox

    def _outbox(self, conn: sqlite3.Connection | None, now: datetime) -> OutboxInfo:
        peers: list[PeerInfo] = []
        depth = 0
        have = conn is not None and has_table(conn, "share_outbox")
        have_state = conn is not None and has_table(conn, "share_peer_state")
        for grant in self.cfg.sharing.peers:
            row: PeerInfo = {
                "peer": grant.name,
                "pending": 0,
                "connected": None,
                "last_ack": None,
                "expired": grant.expires < now.date(),
            }
            if have and conn is not None:
                n = conn.execute(
                    "SELECT count(*) FROM share_outbox WHERE peer = ? AND sent_at IS NULL", (grant.name,)
                ).fetchone()[0]
                row["pending"] = int(n)
            if have_state and conn is not None:
                st = conn.execute(
                    "SELECT connected, last_ack, last_error FROM share_peer_state WHERE peer = ?", (grant.name,)
                ).fetchone()
                if st is not None:
                    row["connected"] = bool(st[0])
                    row["last_ack"] = st[1]
                    row["last_error"] = st[2]
            peers.append(row)
        if have and conn is not None:
            depth = int(conn.execute("SELECT count(*) FROM share_outbox WHERE sent_at IS NULL").fetchone()[0])
        return {"depth": depth, "peers": peers}

    def ledger(self) -> LedgerInfo:
        from edge.audit.ledger import Ledger, LedgerError, ledger_paths

        path, _key = ledger_paths(self._cfg)
        out: LedgerInfo = {"path": str(path), "ok": True, "entries": 0, "head": None, "checkpoint": None}
        if not path.exists():
            out["note"] = "no ledger yet"
        else:
            try:
                ledger = Ledger(path, readonly=True)
            except LedgerError as exc:
                out["ok"] = False
                out["error"] = str(exc)
                return out
            try:
                size, head = ledger.head()
                cp = ledger.latest_checkpoint()
                out["entries"] = size
                out["size_bytes"] = sum(
                    p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists()
                )
                out["head"] = head.hex() if size else None
                out["checkpoint"] = {"size": cp.size, "time": cp.time} if cp is not None else None
                counts = ledger.connection.execute("SELECT action, count(*) FROM entries GROUP BY action").fetchall()
                out["actions"] = {str(a): int(n) for a, n in counts}
                changed = _sharing_change(ledger.connection)
                if changed is not None:
                    out["sharing_changed"] = changed
            except (LedgerError, sqlite3.Error) as exc:
                out["ok"] = False
                out["error"] = f"cannot read the ledger: {exc}"
                return out
            finally:
                ledger.close(checkpoint=False)
        total = ledger_write_failures() - self._failures_base
        if total != self._failures_seen:
            self._failures_seen, self._failures_changed = total, time.monotonic()
        # unhealthy while ledger writes keep failing; a failure older than FAILURE_WINDOW (and none since) clears
        failures = total if time.monotonic() - self._failures_changed < FAILURE_WINDOW else 0
        out["write_failures"] = total
        check = self.verifier.result if self.verifier is not None else None
        if check is not None:
            out["verified"] = {"ok": check.ok, "at": check.at, "entries": check.entries, "problem": check.problem}
        if check is not None and check.ok is False:
            out["ok"] = False
            out["error"] = f"verification failed: {check.problem}: {check.message}"
        elif failures:
            out["ok"] = False
            out["error"] = f"{failures} ledger write(s) failed since start, the last within {FAILURE_WINDOW:.0f} s"
        return out

    # -- document ---------------------------------------------------------------------------------
    def snapshot(self, *, fresh: bool = False) -> HealthStatus:
        with self._lock:
            t = time.monotonic()
            if not fresh and self._cached is not None and t - self._cached[0] < self.cache_seconds:
                return self._cached[1]
            doc = self._build()
            self._cached = (t, doc)
            return doc

    def _build(self) -> HealthStatus:
        cfg = self.cfg
        now = self.clock()
        cameras = self.cameras()
        reads, retention, disk, outbox = self.store_facts(now)
        ledger = self.ledger()
        running = self.runner is not None
        store: StoreFiles | StoreLive = {"path": self._cfg.store.path}
        if self.store is not None:
            st = self.store.stats
            store = {
                "path": self._cfg.store.path,
                "written": st.written,
                "refused": st.refused,
                "failed": st.failed,
                "queued": st.queued,
                "refused_by_reason": dict(st.refused_by_reason),
            }
        problems: list[str] = []
        if running:
            problems += [
                f"camera {c['camera']}: {c['state']}" for c in cameras if not c["up"] and c["state"] != "starting"
            ]
        if disk["low"]:
            problems.append(f"disk: {disk['free_mb']:.0f} MiB free, below the minimum {disk['min_free_mb']} MiB")
        if ledger["ok"] is False:
            problems.append(f"ledger: {ledger.get('error', 'not OK')}")
        lag = retention["lag_s"]
        interval = retention.get("purge_interval_s") or cfg.retention.effective_purge_interval().total_seconds()
        if lag is not None and lag > interval + 60:
            problems.append(f"retention: purge is {timedelta(seconds=int(lag))} behind")
        config: ConfigInfo | NoConfigInfo = {"source": None}
        if self.reloader is not None:
            config = self.reloader.status()
            if config["pending_restart"]:
                problems.append("config: changes wait for a restart: " + ", ".join(config["pending_restart"]))
        doc: HealthStatus = {
            "healthy": not problems,
            "problems": problems,
            "time": _utc(now),
            "service": {
                "running": running,
                "node_id": self._cfg.node_id,
                "pid": os.getpid() if running else None,
                "started": _iso(self.started_at) if running else None,
                "uptime_s": round(time.monotonic() - self.started, 1) if running else None,
            },
            "cameras": cameras,
            "reads": reads,
            "store": store,
            "retention": retention,
            "disk": disk,
            "outbox": outbox,
            "ledger": ledger,
            "config": config,
            # not a problem (most machines without NTP say False): a flag that read times may be off
            "clock": {"synchronised": clock_synchronised()},
        }
        return doc


def ledger_write_failures() -> int:
    """Ledger appends that failed in this process (the operations they recorded did not happen)."""
    from edge.audit import metrics as audit_metrics

    total = 0.0
    for family in audit_metrics.WRITE_FAILURES.collect():
        total += sum(s.value for s in family.samples if s.name.endswith("_total"))
    return int(total)


def _disk_free(path: Path) -> int:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return 0


def _source_kind(source: str) -> str:
    s = source.strip()
    if s.isdigit() or s.startswith("/dev/"):
        return "usb"
    if "://" in s:
        return s.split("://", 1)[0].lower()
    return "file"
