"""`edge-alpr run`: every configured camera until SIGINT/SIGTERM, then drain, flush and exit 0."""

from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path
from types import FrameType

import click

from edge.cli.common import config_options, resolve_config
from edge.errors import EdgeError, InputError

log = logging.getLogger(__name__)


@click.command("run")
@config_options
@click.option(
    "--no-pace",
    is_flag=True,
    help="Run cameras whose source is a recorded file as fast as recognition allows (nothing dropped) "
    "instead of at the file's frame rate.",
)
@click.option(
    "--status-interval",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds between per-camera status lines in the log (shown with -v).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the final per-camera counters as JSON on stdout.")
def run_cmd(config_path: Path | None, db: Path | None, no_pace: bool, status_interval: float, as_json: bool) -> None:
    """Run every camera in the config until SIGINT or SIGTERM, storing one read per vehicle pass.

    Each camera gets a capture thread and a recognition thread joined by a small queue: when
    recognition falls behind, the oldest queued frame is dropped (and counted) so the newest wins.
    A camera that disappears or a stream that stalls is reopened with backoff; the process keeps
    running. On SIGINT/SIGTERM capture stops, queued frames are recognised, open tracks are read,
    the store is flushed and the command exits 0. Cameras whose source is a file end with the file.
    SIGHUP re-reads the config: a bad one is refused and the one in force kept; a good one is
    recorded in the audit ledger (changed keys, secrets redacted) and its live parts applied.
    While running, /healthz, /metrics and a status page are served on health.bind:health.port
    (127.0.0.1:9108 by default; see `edge-alpr status`).

    \b
    Example:
      edge-alpr run --config /etc/edge-alpr/config.yaml
      edge-alpr -v run --config config/example.yaml --db data/edge.db --status-interval 10
    """
    from edge.app import App

    cfg = resolve_config(config_path, db)
    if not cfg.cameras:
        raise InputError("no cameras in the config: add at least one under `cameras:` (see config/example.yaml)")
    app = App(cfg)
    # Cameras are opened, then the models loaded, before the store: bad input writes nothing.
    runner = app.runner(pace_files=not no_pace, status_interval=status_interval)

    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            log.warning("run: already stopping (signal %s)", signum)
            return
        log.info("run: signal %s: stopping, draining queues and flushing the store", signum)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        # Fail closed: no ledger, no start (edge.app). Purges, startup and shutdown are recorded in it;
        # the health endpoint, SIGHUP reload and log redaction watch the runner (observe=).
        with app.open("run", background=True, observe=runner, config_path=config_path, db=db) as session:
            report = runner.run(stop)
            session.store.flush()
            store_stats = session.store.stats
            session.extra["signal"] = report.stopped_by_signal
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    failed = [w.name for w in runner.workers if w.capture_error]
    summary = report.as_dict()
    summary["store"] = {"path": str(cfg.store.path), "written": store_stats.written, "refused": store_stats.refused}
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        how = "stopped by signal" if report.stopped_by_signal else "all sources ended"
        click.echo(f"{how} after {report.seconds:.1f} s; reads stored in {cfg.store.path}")
        for c in report.cameras:
            click.echo(
                f"  {c.camera}: {c.frames_in} frames in, {c.dropped} dropped, {c.processed} recognised, "
                f"{c.reads} reads, {c.reopens} reopens, latency p50 {c.latency_p50_ms:.0f} ms "
                f"p95 {c.latency_p95_ms:.0f} ms"
            )
    if failed:
        raise EdgeError(f"capture failed on camera(s) {', '.join(failed)}; see the log")
