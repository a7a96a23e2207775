"""`edge-alpr hotlist`: import, list and remove hotlists; every change is recorded in the audit ledger."""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from pathlib import Path

import click

from edge.cli.common import config_options, resolve_config
from edge.errors import InputError


def _user(user: str | None, require_os_user: bool = False) -> str:
    if user:
        if require_os_user:
            from edge.audit.identity import accounts, os_identity

            if user not in accounts(os_identity()):
                raise InputError(
                    f"--user {user!r} is not the account running this command ({os_identity()['os_user']}); "
                    "audit.require_os_user is set"
                )
        return user
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def _expiry(value: str | None) -> datetime | None:
    if value is None:
        return None
    from edge.hotlist.parse import parse_expiry

    try:
        return parse_expiry(value)
    except ValueError as exc:
        raise InputError(f"--expires {value!r}: {exc} (use YYYY-MM-DD or an ISO date-time with a zone)") from None


_user_option = click.option(
    "--user", default=None, help="Who does this, as recorded in the ledger (default: the login name)."
)


@click.group("hotlist")
def hotlist_group() -> None:
    """Hotlists: lists of plates with provenance that raise an alert when a read matches.

    Only categories listed under `hotlists.categories` can be imported, and never one (nor a list
    name, source, basis or note) that names a prohibited use such as immigration enforcement: such
    an import is refused and the refusal recorded in the audit ledger.

    \b
    Example:
      edge-alpr hotlist import stolen.csv --name ncic-stolen --category stolen-vehicle \\
          --source "NCIC extract 2026-11-27" --basis "state hotlist agreement 2024-17" --expires 2026-12-04
      edge-alpr hotlist list
      edge-alpr hotlist remove ncic-stolen --reason "superseded by daily feed"
    """


@hotlist_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="Name of the list (lowercase letters, digits, - _ .).")
@click.option("--category", required=True, help="Category code from hotlists.categories, e.g. stolen-vehicle.")
@click.option("--source", required=True, help="Where the list comes from (agency, feed, extract date).")
@click.option("--basis", required=True, help="Legal basis for loading it (agreement, statute, order).")
@click.option("--expires", default=None, help="Last day (UTC, YYYY-MM-DD) or ISO date-time the list matches.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default=None, help="Default: from the suffix.")
@click.option("--replace", is_flag=True, help="Replace an existing list of that name (a new version of a feed).")
@_user_option
@config_options
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def import_cmd(
    file: Path,
    name: str,
    category: str,
    source: str,
    basis: str,
    expires: str | None,
    fmt: str | None,
    replace: bool,
    user: str | None,
    config_path: Path | None,
    db: Path | None,
    as_json: bool,
) -> None:
    """Import a CSV or JSON file of plates as a hotlist with its provenance.

    CSV: a `plate` column and optional `note` and `expires` columns (or headerless rows of
    plate[,note[,expires]]). JSON: a list of plates or of {"plate", "note", "expires"} objects.
    Any bad row refuses the whole file. A prohibited or unconfigured category is refused (exit 3)
    and the refusal is recorded in the ledger; an import is recorded before it commits.

    \b
    Example:
      edge-alpr hotlist import stolen.csv --name ncic-stolen --category stolen-vehicle \\
          --source "NCIC extract 2026-11-27" --basis "state hotlist agreement 2024-17" --expires 2026-12-04
      edge-alpr hotlist import amber.json --name amber-0412 --category amber-alert \\
          --source "State AMBER coordinator" --basis "AMBER plan MOU" --replace
    """
    from edge.audit.events import Actor
    from edge.audit.ledger import open_ledger
    from edge.hotlist import Hotlists
    from edge.hotlist.parse import parse_file

    cfg = resolve_config(config_path, db)
    until = _expiry(expires)
    parsed = parse_file(file, fmt)
    actor = Actor(_user(user, cfg.audit.require_os_user), cfg.node_id)
    with open_ledger(cfg) as ledger, Hotlists.from_config(cfg) as hot:
        result = hot.import_list(
            parsed,
            name=name,
            category=category,
            source=source,
            basis=basis,
            expires=until,
            actor=actor,
            ledger=ledger,
            config=cfg.hotlists,
            profile=cfg.profile,
            replace=replace,
            file_name=file.name,
        )
        path = hot.path
    if as_json:
        out = {
            "name": result.name,
            "category": result.category,
            "entries": result.entries,
            "skipped_expired": result.skipped_expired,
            "duplicates": result.duplicates,
            "replaced_entries": result.replaced,
            "ledger_seq": result.ledger_seq,
            "path": str(path),
        }
        click.echo(json.dumps(out, indent=2))
        return
    extra = []
    if result.duplicates:
        extra.append(f"{result.duplicates} duplicate rows merged")
    if result.skipped_expired:
        extra.append(f"{result.skipped_expired} already expired skipped")
    if result.replaced is not None:
        extra.append(f"replaced the previous version ({result.replaced} entries)")
    click.echo(
        f"imported {result.entries} entries as {result.name} ({result.category}) into {path}; "
        f"ledger entry #{result.ledger_seq}" + (f"; {', '.join(extra)}" if extra else "")
    )


@hotlist_group.command("list")
@config_options
@click.option("--json", "as_json", is_flag=True, help="Print the lists as JSON.")
def list_cmd(config_path: Path | None, db: Path | None, as_json: bool) -> None:
    """Show the loaded hotlists with their provenance and how many entries are still live.

    \b
    Example:
      edge-alpr hotlist list
      edge-alpr hotlist list --config config/example.yaml --json
    """
    from edge.hotlist import Hotlists

    cfg = resolve_config(config_path, db)
    with Hotlists.from_config(cfg) as hot:
        lists = hot.lists()
    if as_json:
        click.echo(json.dumps([i.as_dict() for i in lists], indent=2))
        return
    if not lists:
        click.echo("no hotlists loaded")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "category", "live/entries", "expires", "source", "basis", "imported")
    for i in lists:
        table.add_row(
            i.name,
            i.category,
            f"{i.active}/{i.entries}",
            i.expires.strftime("%Y-%m-%d %H:%M") if i.expires else "-",
            i.source,
            i.basis,
            f"{i.imported_at:%Y-%m-%d %H:%M} by {i.imported_by}",
        )
    Console().print(table)


@hotlist_group.command("remove")
@click.argument("name", required=False)
@click.option("--reason", default=None, help="Why the list is removed (recorded in the ledger). Required with NAME.")
@click.option("--expired", is_flag=True, help="Instead of NAME: delete every expired list and entry.")
@_user_option
@config_options
def remove_cmd(
    name: str | None, reason: str | None, expired: bool, user: str | None, config_path: Path | None, db: Path | None
) -> None:
    """Remove a hotlist (or every expired entry); the removal is recorded in the ledger before it commits.

    Expired entries never match even before they are removed; removing them deletes them from disk.
    `edge-alpr run` also removes them by itself every purge interval.

    \b
    Example:
      edge-alpr hotlist remove ncic-stolen --reason "agreement ended 2026-11-30"
      edge-alpr hotlist remove --expired
    """
    from edge.audit.events import Actor
    from edge.audit.ledger import open_ledger
    from edge.hotlist import Hotlists

    if expired == (name is not None):
        raise InputError("give a list NAME with --reason, or --expired")
    if name is not None and not reason:
        raise InputError("--reason is required to remove a list (it is recorded in the ledger)")
    cfg = resolve_config(config_path, db)
    actor = Actor(_user(user, cfg.audit.require_os_user), cfg.node_id)
    with open_ledger(cfg) as ledger, Hotlists.from_config(cfg) as hot:
        if name is not None:
            assert reason is not None
            n = hot.remove(name, actor=actor, ledger=ledger, reason=reason)
            click.echo(f"removed hotlist {name} ({n} entries)")
        else:
            lists, entries = hot.remove_expired(actor=actor, ledger=ledger)
            click.echo(f"removed {lists} expired lists and {entries} expired entries")
