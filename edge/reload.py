"""Configuration reload on SIGHUP: validate first, refuse a bad config, record the change in the ledger.

    reloader = Reloader(cfg, config_path, db=None)
    reloader.record_start()                 # config_loaded / config_changed if it differs from the last one
    reloader.add_applier(apply_to_store)    # what can change while running
    restore = reloader.install_sighup()     # main thread; each SIGHUP reloads on a worker thread
    ...
    restore()

A reload reads and validates the whole file (file:line errors, jurisdiction profile). A config that
fails is refused: it is logged with the reason, counted, and the config in force stays. A good one
that differs is first written to the audit ledger as ``config_changed`` with the changed keys and
their old and new values, secrets redacted; if that write fails the change is not applied (fail
closed). Then the live parts are applied (retention, minimum free disk, search and misuse rules,
health thresholds) by the running services' appliers. An applier that fails undoes the reload:
the appliers that ran are given the old config back, the config in force stays, and a second
``config_changed`` entry (result ``refused``, the old config's digest) records the refusal and its
reason, so the ledger never shows a change as applied while the old rules keep running. Keys that
need the cameras or models reopened (cameras, models, gate, detector, ocr, tracking, store path,
crops, hotlists, sharing, node id, health port) are recorded and reported as ``pending_restart``
until the service restarts.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, Literal

from edge.config import Config, ConfigError, load_config
from edge.config.redact import config_diff, config_digest, redact
from edge.errors import EdgeError

log = logging.getLogger(__name__)

# Top-level sections (or dotted keys) that take effect while running; everything else waits for a restart.
LIVE_KEYS: tuple[str, ...] = (
    "retention",
    "store.min_free_mb",
    "search",
    "audit.misuse",
    "audit.public_key",
    "profile",
    "health.stale_after",
    "health.verify_interval",
)

Outcome = Literal["applied", "unchanged", "refused"]
Applier = Callable[[Config, Config], None]


class ApplyError(EdgeError):
    """A running service could not take a reloaded setting: the reload is refused and undone."""


def is_live(key: str) -> bool:
    return any(key == k or key.startswith(k + ".") for k in LIVE_KEYS)


@dataclass
class ReloadResult:
    outcome: Outcome
    at: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    pending_restart: list[str] = field(default_factory=list)
    error: str | None = None
    ledger_seq: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "at": self.at,
            "changed": [c["key"] for c in self.changes],
            "applied": self.applied,
            "pending_restart": self.pending_restart,
            "error": self.error,
            "ledger_seq": self.ledger_seq,
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Reloader:
    """The config in force for a running service, and how it changes on SIGHUP."""

    def __init__(
        self,
        cfg: Config,
        config_path: Path | None,
        *,
        db: Path | None = None,
        ledger_factory: Callable[[Config], Any] | None = None,
    ) -> None:
        self.current = cfg
        self.started_with = cfg  # its ledger and key stay in force until a restart
        self.config_path = config_path
        self.db = db
        self._ledger_factory = ledger_factory
        self._appliers: list[Applier] = []
        self._lock = threading.Lock()
        self.loaded_at = _now()
        self.counts: dict[str, int] = {"applied": 0, "unchanged": 0, "refused": 0}
        self.last: ReloadResult | None = None
        self.pending_restart: list[str] = []
        self.done = threading.Condition()
        self._threads: list[threading.Thread] = []

    # -- ledger ------------------------------------------------------------------------------------
    def _open_ledger(self, cfg: Config) -> Any:
        if self._ledger_factory is not None:
            return self._ledger_factory(cfg)
        from edge.audit.ledger import open_ledger

        return open_ledger(cfg)

    def _dump(self, cfg: Config) -> dict[str, Any]:
        dump: dict[str, Any] = cfg.model_dump(mode="json")
        return dump

    @property
    def source(self) -> str:
        return str(self.config_path) if self.config_path is not None else "(defaults)"

    @property
    def sha256(self) -> str:
        return config_digest(self._dump(self.current))

    def record_start(self) -> int | None:
        """Record the config in force at start: config_loaded the first time, config_changed (with the
        diff against the last recorded config) when it differs; nothing when unchanged. Returns the
        entry's sequence number. A ledger that cannot be written raises LedgerError."""
        from edge.audit.events import Actor
        from edge.audit.search import record_config

        ledger = self._open_ledger(self.current)
        try:
            entry = record_config(
                ledger, self._dump(self.current), Actor.system(self.current.node_id), self.source, trigger="start"
            )
            if entry is None:
                return None
            log.info("config recorded in the audit ledger (entry %s)", entry.seq)
            return int(entry.seq)
        finally:
            ledger.close()

    # -- reload ------------------------------------------------------------------------------------
    def add_applier(self, fn: Applier) -> None:
        """`fn(old, new)` applies the live parts of a new config; called after the ledger entry."""
        self._appliers.append(fn)

    def _load(self) -> Config:
        cfg = load_config(self.config_path)
        if self.db is not None:
            cfg = cfg.with_db(self.db)
        return cfg

    def reload(self, trigger: str = "SIGHUP") -> ReloadResult:
        """Re-read the config file; refuse it if invalid; else record the change and apply the live parts."""
        with self._lock:
            result = self._reload(trigger)
            self.counts[result.outcome] += 1
            self.last = result
        with self.done:
            self.done.notify_all()
        return result

    def _reload(self, trigger: str) -> ReloadResult:
        from edge.audit.events import Action, Actor
        from edge.audit.search import sharing_changes

        error: str | None = None
        try:
            new = self._load()
        except ConfigError as exc:
            error = str(exc)
        if error is not None:
            log.error("config reload refused; the config in force is kept:\n%s", error)
            return ReloadResult("refused", _now(), error=error)
        old = self.current
        old_dump, new_dump = self._dump(old), self._dump(new)
        changes = config_diff(old_dump, new_dump)
        if not changes:
            log.info("config reload: %s is unchanged", self.source)
            return ReloadResult("unchanged", _now())
        keys = [c["key"] for c in changes]
        live = [k for k in keys if is_live(k)]
        restart = [k for k in keys if not is_live(k)]
        detail: dict[str, Any] = {
            "sha256": config_digest(new_dump),
            "previous_sha256": config_digest(old_dump),
            "source": self.source,
            "trigger": trigger,
            "changes": changes,
            "applied": live,
            "pending_restart": restart,
            "config": redact(new_dump),
        }
        loud = sharing_changes(changes)
        if loud:
            detail["sharing_changed"] = loud
        entry, failure = None, None
        try:
            ledger = self._open_ledger(self.started_with)  # the ledger in force (a new path waits for restart)
            try:
                entry = ledger.append(Action.CONFIG_CHANGED, Actor.system(self.started_with.node_id), detail, "ok")
            finally:
                ledger.close()
        except EdgeError as exc:
            failure = str(exc)
        if entry is None:
            log.error("config reload refused: the change could not be recorded in the audit ledger: %s", failure)
            return ReloadResult("refused", _now(), changes=changes, error=f"audit ledger: {failure}")
        done: list[Applier] = []
        for fn in self._appliers:
            try:
                fn(old, new)
            except Exception as exc:
                log.exception("config reload: applying a live setting failed; the reload is undone")
                return self._undo(done, old, new, changes, live, f"{type(exc).__name__}: {exc}", entry.seq)
            done.append(fn)
        self.current = new
        self.loaded_at = _now()
        self.pending_restart = sorted(set(self.pending_restart) | set(restart))
        if restart:
            log.warning(
                "config reloaded (ledger entry %s); %d changed key(s) take effect after a restart: %s",
                entry.seq,
                len(restart),
                ", ".join(restart),
            )
        else:
            log.info("config reloaded (ledger entry %s): %s", entry.seq, ", ".join(keys))
        return ReloadResult(
            "applied", _now(), changes=changes, applied=live, pending_restart=restart, ledger_seq=int(entry.seq)
        )

    def _undo(
        self,
        done: list[Applier],
        old: Config,
        new: Config,
        changes: list[dict[str, Any]],
        live: list[str],
        why: str,
        seq: int,
    ) -> ReloadResult:
        """Give the appliers that ran the old config back and record the refusal after entry `seq`."""
        from edge.audit.events import Action, Actor

        for fn in reversed(done):
            try:
                fn(new, old)
            except Exception:
                log.exception("config reload: undoing an applied setting failed; restart the service")
        old_dump, new_dump = self._dump(old), self._dump(new)
        detail: dict[str, Any] = {
            "sha256": config_digest(old_dump),  # the config in force is still the old one
            "previous_sha256": config_digest(new_dump),
            "source": self.source,
            "trigger": "reload-refused",
            "refused_entry": seq,
            "refused": live,
            "reason": why,
            "changes": config_diff(new_dump, old_dump),
            "config": redact(old_dump),
        }
        error = f"a running service refused the change ({why}); the config in force is kept"
        try:
            ledger = self._open_ledger(self.started_with)
            try:
                entry = ledger.append(Action.CONFIG_CHANGED, Actor.system(self.started_with.node_id), detail, "refused")
            finally:
                ledger.close()
        except EdgeError as exc:
            log.exception("config reload: the refusal could not be recorded in the audit ledger")
            return ReloadResult("refused", _now(), changes=changes, error=f"{error}; not recorded: {exc}")
        return ReloadResult("refused", _now(), changes=changes, error=error, ledger_seq=int(entry.seq))

    def status(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "loaded_at": self.loaded_at,
            "reloads": dict(self.counts),
            "last_reload": self.last.as_dict() if self.last is not None else None,
            "pending_restart": list(self.pending_restart),
        }

    # -- signal ------------------------------------------------------------------------------------
    def _reload_logged(self) -> None:
        try:
            self.reload("SIGHUP")
        except Exception:
            log.exception("config reload failed; the config in force is kept")

    def install_sighup(self) -> Callable[[], None]:
        """Reload on SIGHUP (main thread only). Returns a function that restores the previous handler."""

        def on_hup(_signum: int, _frame: FrameType | None) -> None:
            t = threading.Thread(target=self._reload_logged, name="config-reload", daemon=True)
            self._threads.append(t)
            t.start()

        previous = signal.signal(signal.SIGHUP, on_hup)

        def restore() -> None:
            signal.signal(signal.SIGHUP, previous)
            for t in self._threads:
                t.join(30)

        return restore


def apply_to_store(store: Any) -> Applier:
    """Applier for a running Store: new retention (purge restarted at once) and minimum free disk."""

    def apply(old: Config, new: Config) -> None:
        if new.store.min_free_mb != old.store.min_free_mb:
            store.min_free_mb = new.store.min_free_mb
        if new.retention != old.retention:
            store.retention = new.retention
            running = getattr(store, "_purger", None) is not None
            if running:
                store.stop_purger()
                store.start_purger()  # purges now under the new retention, then at the new interval

    return apply
