"""`edge-alpr retention ...`: purge past-retention data on demand and show retention health."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from edge.cli.common import config_options, resolve_config
from edge.config import Config
from edge.errors import InputError

if TYPE_CHECKING:
    from edge.store import PurgeReceipt, Store


def _open(cfg: Config) -> Store:
    from edge.store import Store

    path = Path(cfg.store.path)
    if not path.exists():
        raise InputError(f"{path}: no store here (set store.path in the config or pass --db)")
    return Store.from_config(cfg)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value is not None else "-"


def _age(value: timedelta) -> str:
    """Compact human duration: '21d', '78d 4h', '3m 12s' (the two largest units)."""
    seconds = int(value.total_seconds())
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts[:2])


@click.group("retention")
def retention_group() -> None:
    """Enforce and inspect data retention (reads, hits, plate crops).

    \b
    Example:
      edge-alpr retention status --config config/example.yaml
      edge-alpr retention purge --dry-run --db data/edge-alpr.db
    """


@retention_group.command("purge")
@config_options
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted; change nothing, log nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the purge receipt as JSON on stdout.")
def purge(config_path: Path | None, db: Path | None, dry_run: bool, as_json: bool) -> None:
    """Delete every read, hit and crop past its retention, now.

    Deleted rows are overwritten (secure delete) and the WAL is checkpointed and truncated, so the
    plate text is in neither the database file nor its -wal file afterwards. A receipt (time,
    cut-offs, counts per table, oldest remaining read) is written to the store's purge log and to
    the audit ledger (audit.ledger, default audit.db beside the store); no ledger, no purge.
    The running device does the same on its own schedule (retention.purge_interval).

    \b
    Example:
      edge-alpr retention purge --config config/example.yaml
      edge-alpr retention purge --dry-run --db data/edge-alpr.db
    """
    from edge.store import StoreError

    cfg = resolve_config(config_path, db)
    with _open(cfg) as store:
        if dry_run:
            receipt = store.purge(dry_run=True)
        else:
            import getpass

            from edge.audit.events import Action, Actor
            from edge.audit.ledger import open_ledger

            actor = Actor(getpass.getuser(), cfg.node_id)
            with open_ledger(cfg) as ledger:

                def record(r: PurgeReceipt) -> None:
                    ledger.append(Action.PURGE, actor, r.to_dict())

                receipt = store.purge(on_receipt=record)
    if as_json:
        click.echo(json.dumps(receipt.to_dict(), indent=2, sort_keys=True))
    else:
        verb = "would delete" if dry_run else "deleted"
        click.echo(
            f"{verb} {receipt.reads} read(s) ({receipt.reads_non_hit} non-hit, {receipt.reads_hit} hit), "
            f"{receipt.hits} hit record(s), {receipt.crops} crop(s) of kept reads"
        )
        click.echo(f"cut-offs: non-hit before {_when(receipt.cutoff_non_hit)}, hit before {_when(receipt.cutoff_hit)}")
        for camera, cuts in sorted(receipt.camera_cutoffs.items()):
            click.echo(f"  camera {camera}: non-hit before {_when(cuts['non_hit'])}, hit before {_when(cuts['hit'])}")
        click.echo(f"oldest read {'now' if dry_run else 'remaining'}: {_when(receipt.oldest_remaining)}")
        if not dry_run:
            click.echo("receipt written to the purge log and the audit ledger")
    if not dry_run and not receipt.wal_truncated:
        raise StoreError(
            "rows were deleted but the WAL file could not be truncated (another process holds a read "
            "transaction); run the purge again"
        )


def _integrity(path: Path) -> str:
    """SQLite's full integrity check of the store file on a read-only connection: 'ok', else StoreError."""
    import sqlite3

    from edge.store import StoreError
    from edge.store.db import connect

    try:
        conn = connect(path, readonly=True)
        try:
            rows = conn.execute("PRAGMA integrity_check(20)").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        rows = [(str(exc),)]
    if rows == [("ok",)]:
        return "ok"
    found = "; ".join(str(r[0]).replace("\n", " ") for r in rows[:5])
    raise StoreError(f"{path}: the store file is damaged (integrity check: {found}); restore it from a backup")


@retention_group.command("status")
@config_options
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON on stdout.")
@click.option(
    "--check",
    is_flag=True,
    help="First run SQLite's full integrity check of the store file (reads all of it); exit 1 if it is damaged.",
)
def status(config_path: Path | None, db: Path | None, as_json: bool, check: bool) -> None:
    """Show oldest and newest read per tier, counts, next purge, disk space and lag.

    Lag is how far past its deadline the oldest overdue read is: 0 means every stored read is
    within its retention. A lag larger than the purge interval means purges are not running.
    With --check the whole file is checked first (PRAGMA integrity_check): damage anywhere in it,
    even in pages the status does not read, is reported and the command exits 1.

    \b
    Example:
      edge-alpr retention status --config config/example.yaml
      edge-alpr retention status --db data/edge-alpr.db --json
      edge-alpr retention status --db data/edge-alpr.db --check
    """
    cfg = resolve_config(config_path, db)
    path = Path(cfg.store.path)
    if check and not path.exists():
        raise InputError(f"{path}: no store here (set store.path in the config or pass --db)")
    integrity = _integrity(path) if check else None
    with _open(cfg) as store:
        st = store.status()
    if as_json:
        extra = {"integrity": integrity} if integrity is not None else {}
        click.echo(json.dumps({"store": cfg.store.path, **st.to_dict(), **extra}, indent=2, sort_keys=True))
        return
    click.echo(f"store: {cfg.store.path}")
    if integrity is not None:
        click.echo(f"integrity: {integrity}")
    click.echo(f"{'tier':<8} {'keep':>6} {'reads':>9} {'overdue':>8}  {'oldest':<23}  {'newest':<23}  lag")
    for name, t in st.tiers.items():
        click.echo(
            f"{name:<8} {_age(t.retention):>6} {t.count:>9} {t.overdue:>8}  "
            f"{_when(t.oldest):<23}  {_when(t.newest):<23}  {_age(t.lag)}"
        )
    click.echo(f"crops kept: {st.crops}")
    if st.last_purge is None:
        click.echo(f"last purge: never; next purge: when the device starts (every {_age(st.purge_interval)})")
    else:
        overdue = " (overdue)" if st.next_purge is not None and st.next_purge < st.now else ""
        click.echo(
            f"last purge: {_when(st.last_purge)}; next purge: {_when(st.next_purge)}{overdue} "
            f"(every {_age(st.purge_interval)})"
        )
    low = "  LOW: new reads are refused" if st.disk_low else ""
    click.echo(f"disk: {st.disk_free_mb:.0f} MiB free, minimum {st.min_free_mb} MiB{low}")
    click.echo(f"lag: {_age(st.lag)}")
