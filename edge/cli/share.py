"""`edge-alpr share ...`: check grants, run the publishers, see per-peer status."""

from __future__ import annotations

import json
import os
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import click

from edge.cli.common import config_options, resolve_config
from edge.errors import InputError, PolicyDenied


@click.group("share")
def share_group() -> None:
    """Sharing over MQTT: deny by default, per-peer grants, nothing lost.

    \b
    Example:
      edge-alpr share check --config site.yaml
      edge-alpr share run --config site.yaml
      edge-alpr share status --config site.yaml
      edge-alpr share keygen --name springfield-pd --out /etc/edge-alpr/keys
    """


@share_group.command("keygen")
@click.option("--name", required=True, help="Who the keys are for (file names NAME.seal.pem and NAME.sign.pem).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the two private keys (made 0700; the keys 0600; existing keys are never overwritten).",
)
def keygen_cmd(name: str, out_dir: Path) -> None:
    """Make a peer's keys: X25519 to open what is sealed to it, Ed25519 to sign its search requests.

    Prints the two public keys for the other side's grant: `seal_key` (messages to NAME are sealed to
    it, so a broker learns nothing) and `request_key` (NAME's search requests must carry its
    signature). On the device itself, sharing.open_key names NAME.seal.pem: peers may then seal their
    requests to the device.

    \b
    Example:
      edge-alpr share keygen --name state-hub --out ./keys
    """
    from edge.share.seal import generate

    keys = generate(out_dir, name)  # each key 0600, its folder made 0700 (edge.files.private_file)
    click.echo(f"seal_key: {keys['seal_key']}")
    click.echo(f"request_key: {keys['request_key']}")
    click.echo(f"private keys (keep them on {name}'s machine): {keys['seal_private']}, {keys['sign_private']}")


@share_group.command("open")
@click.argument("payload", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--key", "key_path", type=click.Path(dir_okay=False, path_type=Path), required=True, help="NAME.seal.pem."
)
@click.option("--topic", required=True, help="The topic the payload was received on (it is bound to it).")
def open_cmd(payload: Path, key_path: Path, topic: str) -> None:
    """Open a payload sealed to your key (what a peer's broker delivered) and print the message.

    \b
    Example:
      edge-alpr share open msg.bin --key keys/state-hub.seal.pem --topic springfield/reads/edge-1
    """
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from edge.share.seal import load_private, open_sealed

    try:
        data = payload.read_bytes()
    except OSError as exc:
        raise InputError(f"{payload}: {exc.strerror or exc}") from None
    click.echo(open_sealed(data, load_private(key_path, X25519PrivateKey), topic).decode())


@share_group.command("check")
@config_options
def check_cmd(config_path: Path | None, db: Path | None) -> None:
    """Check every grant in sharing.peers against the jurisdiction profile; exit 3 if one is refused.

    \b
    Example:
      edge-alpr share check --config site.yaml
    """
    from edge.share import check_grants

    cfg = resolve_config(config_path, db)
    if not cfg.sharing.peers:
        click.echo("no peers: nothing leaves this device")
        return
    today = datetime.now(UTC).date()
    refused = 0
    for grant, decision in check_grants(cfg):
        state = "allowed" if decision.allowed else f"REFUSED ({decision.rule})"
        expiry = f"expired {grant.expires}" if grant.expired(today) else f"expires {grant.expires}"
        click.echo(f"{grant.name}: {state}; {grant.share} -> {grant.agency} ({grant.jurisdiction}); {expiry}")
        if not decision.allowed:
            refused += 1
            click.echo(f"  {decision.reason}")
    if refused:
        raise PolicyDenied(f"profile {cfg.profile} refuses {refused} grant(s)")


@share_group.command("run")
@config_options
def run_cmd(config_path: Path | None, db: Path | None) -> None:
    """Send the outbox to every granted peer until SIGINT/SIGTERM (a separate process from the pipeline).

    Reads written by the pipeline into the outbox go out with QoS 1; rows are marked sent on the
    broker's acknowledgement, so a restart resends whatever was not acknowledged. Peers with
    `search: true` can send search requests, answered through the same policy and ledger as
    `edge-alpr search`.

    \b
    Example:
      edge-alpr share run --config site.yaml
    """
    from edge.audit.ledger import open_ledger
    from edge.share import ShareService
    from edge.share.remote import make_search_handler
    from edge.store import Store

    cfg = resolve_config(config_path, db)
    if not cfg.sharing.peers:
        click.echo("no peers in sharing.peers: nothing to send", err=True)
        return
    Store.from_config(cfg).close()  # creates / migrates the store: the outbox is one of its tables

    def ledger() -> Any:
        return open_ledger(cfg)

    handler = make_search_handler(cfg, ledger) if any(g.search for g in cfg.sharing.peers) else None
    stop = threading.Event()

    def on_signal(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    service = ShareService(cfg, ledger=ledger, search_handler=handler)
    service.start()
    click.echo(f"sharing to {len(service.publishers)} peer(s); pid {os.getpid()}", err=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        service.stop()


def _status_rows(cfg: Any) -> list[dict[str, Any]]:
    from edge.share import Outbox

    path = Path(cfg.store.path)
    outbox = Outbox(path, readonly=True) if path.exists() else None
    try:
        if outbox is not None and not outbox.has_schema():
            outbox.close()
            outbox = None
        today = datetime.now(UTC).date()
        rows = []
        for grant in cfg.sharing.peers:
            state = outbox.state(grant.name) if outbox is not None else None
            counts = outbox.counts(grant.name) if outbox is not None else {"pending": 0, "sent": 0}
            alive = state is not None and state.get("pid") is not None and _alive(int(state["pid"]))
            rows.append(
                {
                    "peer": grant.name,
                    "broker": grant.broker,
                    "connected": bool(state and state["connected"] and alive),
                    "publisher_running": alive,
                    "outbox_depth": counts["pending"],
                    "sent": counts["sent"],
                    "oldest_pending": counts.get("oldest_pending"),
                    "last_ack": state["last_ack"] if state else None,
                    "last_error": state["last_error"] if state else None,
                    "grant_expires": grant.expires.isoformat(),
                    "grant_expired": grant.expired(today),
                }
            )
        return rows
    finally:
        if outbox is not None:
            outbox.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@share_group.command("status")
@config_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per peer.")
def status_cmd(config_path: Path | None, db: Path | None, as_json: bool) -> None:
    """Per peer: connected or not, outbox depth, last acknowledgement, grant expiry.

    \b
    Example:
      edge-alpr share status --config site.yaml
      edge-alpr share status --config site.yaml --db data/edge-alpr.db --json
    """
    cfg = resolve_config(config_path, db)
    if not cfg.sharing.peers:
        click.echo("no peers: nothing leaves this device")
        return
    if db is not None and not Path(db).exists():
        raise InputError(f"{db}: no store here")
    rows = _status_rows(cfg)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        conn = "connected" if r["connected"] else ("not connected" if r["publisher_running"] else "not running")
        expiry = f"EXPIRED {r['grant_expires']}" if r["grant_expired"] else f"expires {r['grant_expires']}"
        click.echo(
            f"{r['peer']}: {conn}; outbox {r['outbox_depth']} pending, {r['sent']} sent; "
            f"last ack {r['last_ack'] or 'never'}; grant {expiry}"
        )
        if r["last_error"]:
            click.echo(f"  last error: {r['last_error']}")
