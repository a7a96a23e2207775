"""What `edge-alpr run` adds around its runner and store: the health endpoint, SIGHUP reload, the
config record in the ledger, background ledger verification and plate redaction of every log line.

    with Store.from_config(cfg) as store, Observability(cfg, runner, store, config_path=path) as obs:
        sink.write = obs.watch(store.write)
        runner.run(stop)

Entering records the config in the audit ledger (fail closed: a ledger that cannot be written stops
the start), starts the ledger verifier and the HTTP endpoint (if ``health.enabled``; a port that is
taken is logged as an error and the service runs on without it: monitoring never stops recognition),
installs the SIGHUP handler (main thread) and, under systemd, tells it READY and keeps its watchdog
fed while the pipeline moves (edge.health.notify). Leaving undoes all of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edge.config import Config
from edge.health.metrics import make_registry
from edge.health.monitor import HealthMonitor, LedgerVerifier
from edge.health.notify import Watchdog
from edge.health.server import HealthServer, HealthServerError
from edge.logs import remember_plate
from edge.reload import Reloader, apply_to_store
from edge.types import Read

log = logging.getLogger(__name__)


class Observability:
    def __init__(
        self,
        cfg: Config,
        runner: Any,
        store: Any,
        *,
        config_path: Path | None = None,
        db: Path | None = None,
        sighup: bool = True,
    ) -> None:
        self.reloader = Reloader(cfg, config_path, db=db)
        self.reloader.add_applier(apply_to_store(store))
        self.verifier = LedgerVerifier(cfg)
        self.monitor = HealthMonitor(cfg, runner=runner, store=store, reloader=self.reloader, verifier=self.verifier)
        self.registry = make_registry(self.monitor)
        self.server: HealthServer | None = None
        # systemd Type=notify: READY, WATCHDOG while the pipeline moves, STATUS, STOPPING (no-op elsewhere)
        self.watchdog = Watchdog(self.monitor.cameras, stall_after=cfg.health.stale_after.total_seconds())
        self._sighup = sighup
        self._restore: Callable[[], None] | None = None
        self.reloader.add_applier(self._apply_health)

    def _apply_health(self, old: Config, new: Config) -> None:
        self.verifier.interval = new.health.verify_interval.total_seconds()
        self.verifier.trusted_key = new.audit.public_key

    def watch(self, write: Callable[[Read], bool]) -> Callable[[Read], bool]:
        """Wrap the store's write so the log filter knows each plate read (redacted wherever it appears)."""

        def sink(read: Read) -> bool:
            remember_plate(read.plate)
            return write(read)

        return sink

    def __enter__(self) -> Observability:
        cfg = self.reloader.current
        self.reloader.record_start()
        self.verifier.start()
        try:
            if cfg.health.enabled:
                problem = None
                try:
                    self.server = HealthServer(self.monitor, self.registry, cfg.health.bind, cfg.health.port)
                except HealthServerError as exc:
                    problem = str(exc)
                if self.server is None:
                    # Monitoring must not stop recognition: run on, say so loudly (status falls back to files).
                    log.error("%s; running WITHOUT the health endpoint", problem)
                else:
                    self.server.start()
                    log.info("health endpoint: %s/healthz  %s/metrics  status page %s/", *[self.server.url] * 3)
            if self._sighup:
                self._restore = self.reloader.install_sighup()
            self.watchdog.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.watchdog.stop()
        if self._restore is not None:
            self._restore()
            self._restore = None
        if self.server is not None:
            self.server.stop()
            self.server = None
        self.verifier.stop()
