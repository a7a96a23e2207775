"""`edge-alpr status`: is the device healthy? Cameras, fps, reads today, outbox, last purge, ledger head."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from pathlib import Path
from typing import cast

import click

from edge.cli.common import config_options, resolve_config
from edge.config import Config
from edge.errors import EdgeError
from edge.health.status import HealthStatus

log = logging.getLogger(__name__)


class Unhealthy(EdgeError):
    """The device reports problems (or the service is not running); the status was printed."""

    exit_code = 1


def fetch(url: str, timeout: float) -> HealthStatus | None:
    """The running service's /healthz document, or None when nothing answers at `url`."""
    target = url.rstrip("/") + "/healthz"
    if not target.startswith(("http://", "https://")):
        raise EdgeError(f"--url must start with http:// or https:// (got {url})")
    try:
        with urllib.request.urlopen(target, timeout=timeout) as resp:  # noqa: S310 - scheme checked above
            body = resp.read()
    except urllib.error.HTTPError as exc:
        if exc.code != 503:  # 503 carries the same document: the service runs but is unhealthy
            raise EdgeError(f"{target} answered HTTP {exc.code}: is it edge-alpr?") from None
        body = exc.read()
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        log.info("no service at %s (%s); reading the files instead", target, exc)
        return None
    try:
        doc = json.loads(body)
    except ValueError:
        raise EdgeError(f"{target} did not answer with JSON: is it edge-alpr?") from None
    if not isinstance(doc, dict) or "healthy" not in doc:
        raise EdgeError(f"{target} did not answer with an edge-alpr status document")
    missing = sorted(HealthStatus.__required_keys__ - doc.keys())
    if missing:
        raise EdgeError(
            f"{target} answered a status document without {', '.join(missing)}: "
            "is the service another edge-alpr version? (restart it after an upgrade)"
        )
    return cast(HealthStatus, doc)


def offline(cfg: Config, *, verify: bool) -> HealthStatus:
    """The status read from the store, outbox and ledger files of a service that is not running."""
    from edge.health.monitor import HealthMonitor, LedgerVerifier

    verifier = LedgerVerifier(cfg) if verify else None
    if verifier is not None:
        verifier.verify()
    doc = HealthMonitor(cfg, verifier=verifier).snapshot(fresh=True)
    doc["problems"].insert(0, "service not running (no answer from the health endpoint)")
    doc["healthy"] = False
    return doc


@click.command("status")
@config_options
@click.option(
    "--url",
    default=None,
    help="Health endpoint of the running service (default: from health.bind and health.port in the config).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the status document as JSON (the /healthz document).")
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the status page as HTML to this file.",
)
@click.option(
    "--no-verify",
    is_flag=True,
    help="When the service is not running, skip verifying the ledger's hash chain (quicker on big ledgers).",
)
@click.option("--timeout", type=click.FloatRange(min=0.1), default=3.0, show_default=True, help="Seconds to wait.")
def status_cmd(
    config_path: Path | None,
    db: Path | None,
    url: str | None,
    as_json: bool,
    html_out: Path | None,
    no_verify: bool,
    timeout: float,
) -> None:
    """Show whether the device is healthy: cameras (state, fps, last frame), reads today, outbox,
    last purge and purge lag, free disk, the ledger head and whether it verifies.

    Asks the running service's health endpoint; when nothing answers, reads the store, outbox and
    ledger files directly (cameras are then shown as not running). Exits 0 when healthy, 1 when
    there are problems or the service is not running (the status is printed either way). Plate
    text is never shown.

    \b
    Example:
      edge-alpr status --config /etc/edge-alpr/config.yaml
      edge-alpr status --url http://127.0.0.1:9108 --json
      edge-alpr status --config config/pi-usb.yaml --html /tmp/status.html
    """
    from edge.health.render import render_html, render_text

    cfg = resolve_config(config_path, db)
    doc = None
    if url is not None or (cfg.health.enabled and cfg.health.port != 0):
        doc = fetch(url or cfg.health.url, timeout)
    if doc is None:
        doc = offline(cfg, verify=not no_verify)
    if html_out is not None:
        html_out.write_text(render_html(doc), encoding="utf-8")
    click.echo(json.dumps(doc, indent=2) if as_json else render_text(doc), nl=as_json)
    if not doc["healthy"]:
        raise Unhealthy(f"{len(doc['problems'])} problem(s): " + "; ".join(doc["problems"]))
