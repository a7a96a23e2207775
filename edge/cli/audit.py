"""`edge-alpr audit ...`: verify the ledger, publish checkpoints, produce the transparency report."""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from edge.cli.common import config_options, resolve_config
from edge.errors import EdgeError, InputError

if TYPE_CHECKING:
    from edge.audit.anchor import Anchor
    from edge.config.model import Config

_LEDGER = click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Ledger file (default: audit.ledger, else audit.db beside the store).",
)


class LedgerTampered(EdgeError):
    """Verification found the ledger altered; the message names the first bad entry."""

    exit_code = 4


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit ledger: verify it, sign and publish checkpoints, report from it.

    \b
    Example:
      edge-alpr audit verify --config site.yaml
      edge-alpr audit report --config site.yaml --out report/ --since 2026-01-01
    """


@audit_group.command("verify")
@config_options
@_LEDGER
@click.option(
    "--witness",
    "witnesses",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A checkpoint copy held elsewhere (repeatable); catches a truncation that removed checkpoints too.",
)
@click.option("--public-key", default=None, help="Verifier key to trust (default: audit.public_key, else recorded).")
@click.option("--no-record", is_flag=True, help="Do not append a 'verify' entry (for auditors working on a copy).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def verify(
    config_path: Path | None,
    db: Path | None,
    ledger_path: Path | None,
    witnesses: tuple[Path, ...],
    public_key: str | None,
    no_record: bool,
    as_json: bool,
) -> None:
    """Recompute the hash chain and check every signed checkpoint; exit 0 only if intact.

    Detects an edited, deleted, reordered or inserted entry, a chain recomputed after tampering, a
    swapped or forged checkpoint, a truncated tail (against the last checkpoint or a witness copy),
    more unsigned entries after the last checkpoint than audit.checkpoint_every (checkpoints
    deleted), and a ledger deleted and re-created, replaced or re-keyed (its genesis entry against
    the anchors kept in the store and beside the signing key, and the pinned key). Names the first
    bad sequence number. Exit status 4 when the ledger is not intact (or gone while the store or the
    key's companion still names it), 5 when it cannot be opened or read (not a finding of tampering).
    A ledger that fails is not written to (no 'verify' entry: the next checkpoint would sign it); one
    that passes gets a 'verify' entry unless --no-record. "intact" without --witness means the ledger
    agrees with itself and the anchors on this device: a rollback of every file on it, or a rewrite
    re-signed with its key, shows only against a checkpoint kept elsewhere (`audit checkpoint --out`).
    The file is only read: a copy without a -wal file is opened immutable, so a read-only copy works
    and nothing is written beside it.

    \b
    Example:
      edge-alpr audit verify --config site.yaml
      edge-alpr audit verify --ledger copy-of-audit.db --witness peer-checkpoint.txt --no-record --json
    """
    from edge.audit.events import Action, Actor
    from edge.audit.ledger import ledger_paths, open_ledger
    from edge.audit.verify import verify_ledger

    cfg = resolve_config(config_path, db)
    path, key_path = ledger_paths(cfg, ledger_path)
    from edge.audit.anchor import witness_notes

    notes = tuple(w.read_text(encoding="utf-8") for w in witnesses) + witness_notes(cfg.audit.witness_dir)
    anchors = ledger_anchors(cfg, key_path)
    if not path.exists() and anchors:
        # The store or the key's companion names a ledger that is not there: deleted, not merely unset up.
        named = ", ".join(f"the {a.source} names ledger {a.ledger_id}" for a in anchors)
        message = f"no audit ledger at {path}, but {named}: the ledger was deleted or moved"
        if as_json:
            click.echo(json.dumps({"ok": False, "problem": "deleted", "first_bad_seq": 1, "message": message}))
        else:
            click.echo(f"NOT INTACT: {message}")
        raise LedgerTampered(f"ledger {path} is not intact: first bad entry 1 (deleted)")
    res = verify_ledger(
        path,
        trusted_key=public_key or cfg.audit.public_key,
        witness_notes=notes,
        anchors=anchors,
        max_tail=cfg.audit.checkpoint_every,
    )
    if not res.ok:
        # Nothing is written to a ledger that failed: an appended entry would be signed with the device's
        # key at the next checkpoint, and that signature would cover the tampered entries before it.
        res.notes.append("no 'verify' entry was written: a ledger that failed verification is left as it is")
    if as_json:
        click.echo(json.dumps(res.as_dict(), indent=2))
    else:
        click.echo(res.message if res.ok else f"NOT INTACT: {res.message}")
        if res.ok:
            click.echo(f"entries {res.entries}, head {res.head[:16]}…, {res.seconds:.2f}s")
        for note in res.notes:
            click.echo(f"note: {note}", err=True)
    if not res.ok:
        raise LedgerTampered(f"ledger {path} is not intact: first bad entry {res.first_bad_seq} ({res.problem})")
    if not no_record:
        with open_ledger(cfg, ledger=ledger_path) as ledger:
            ledger.append(
                Action.VERIFY,
                Actor(getpass.getuser(), cfg.node_id),
                {
                    "entries": res.entries,
                    "first_bad_seq": res.first_bad_seq,
                    "problem": res.problem,
                    "checkpoints": res.checkpoints,
                    "witnesses": res.witnesses,
                },
                "intact",
            )


def ledger_anchors(cfg: Config, key_path: Path) -> tuple[Anchor, ...]:
    """The ledger's identity as kept outside it: beside the signing key, and in the store."""
    from edge.audit.anchor import anchors_for
    from edge.store import read_ledger_anchor

    try:
        return anchors_for(key_path, read_ledger_anchor(cfg.store.path), cfg.store.path)
    except ValueError as exc:
        raise EdgeError(str(exc)) from None


@audit_group.command("checkpoint")
@config_options
@_LEDGER
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Also write it here.")
def checkpoint(config_path: Path | None, db: Path | None, ledger_path: Path | None, out: Path | None) -> None:
    """Sign the ledger head now and print the checkpoint note (give it to witnesses to keep).

    \b
    Example:
      edge-alpr audit checkpoint --config site.yaml --out /mnt/usb/checkpoint.txt
    """
    from edge.audit.ledger import open_ledger

    cfg = resolve_config(config_path, db)
    with open_ledger(cfg, ledger=ledger_path) as ledger:
        cp = ledger.checkpoint()
    if cp is None:
        raise EdgeError("the ledger is empty: nothing to sign yet")
    if out is not None:
        out.write_text(cp.note, encoding="utf-8")
    click.echo(cp.note, nl=False)


@audit_group.command("interval")
@config_options
@_LEDGER
@click.argument("every", type=click.IntRange(1, 1_000_000))
def interval(config_path: Path | None, db: Path | None, ledger_path: Path | None, every: int) -> None:
    """Record a longer checkpoint interval in the ledger (signed at once, with who asked).

    The ledger signs its head every audit.checkpoint_every entries; the entries after the last signature
    are the ones someone with the files could rewrite. A shorter interval in the config takes effect by
    itself; a longer one is only taken from this command, which is recorded, because the config is a
    file such a person could edit too. Set audit.checkpoint_every to the same value.

    \b
    Example:
      edge-alpr audit interval 1000 --config site.yaml
    """
    from edge.audit.events import Actor
    from edge.audit.ledger import open_ledger

    cfg = resolve_config(config_path, db)
    with open_ledger(cfg, ledger=ledger_path) as ledger:
        before = ledger.checkpoint_every
        if every <= before:
            raise EdgeError(
                f"the ledger's interval is {before}; a shorter one needs no command (set audit.checkpoint_every)"
            )
        ledger.raise_interval(every, Actor(getpass.getuser(), cfg.node_id))
    click.echo(f"checkpoint interval {before} -> {every}, recorded and signed")


@audit_group.command("tlog")
@config_options
@_LEDGER
@click.option(
    "--from",
    "old_size",
    type=int,
    default=None,
    help="Size of the tree head the witness holds: include the consistency proof from it.",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write it here too.")
def tlog(
    config_path: Path | None, db: Path | None, ledger_path: Path | None, old_size: int | None, out: Path | None
) -> None:
    """Sign the ledger's Merkle tree head (RFC 6962, C2SP tlog checkpoint) and print it with a consistency
    proof, as JSON, for a witness (`edge-alpr audit witness`).

    \b
    Example:
      edge-alpr audit tlog --config site.yaml --from 1200 --out /mnt/usb/tree-head.json
    """
    from edge.audit.ledger import open_ledger

    cfg = resolve_config(config_path, db)
    with open_ledger(cfg, ledger=ledger_path) as ledger:
        doc = ledger.tree_bundle(old_size)
    text = json.dumps(doc, indent=2) + "\n"
    if out is not None:
        out.write_text(text, encoding="utf-8")
    click.echo(text, nl=False)


@audit_group.command("witness")
@click.argument("bundle", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--vkey", "device_vkey", required=True, help="The device's verifier key (`edge-alpr audit key`), pinned.")
@click.option(
    "--state",
    "state_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder where this witness keeps the last tree head it cosigned, per ledger.",
)
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="This witness's Ed25519 key (PEM; created 0600 on first use).",
)
@click.option("--name", default="witness.local/edge-alpr", show_default=True, help="This witness's key name.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the cosigned note.")
def witness(bundle: Path, device_vkey: str, state_dir: Path, key_path: Path, name: str, out: Path | None) -> None:
    """Be a witness for a device's ledger: accept its new tree head only if the device signed it and it
    extends the last one this witness cosigned (consistency proof), then cosign it.

    Run on a second device or an auditor's laptop with the JSON of `edge-alpr audit tlog --from N`,
    where N is the size this witness last cosigned (the first time: any size, trusted on first use).
    Exit 4 on a fork, a rollback or a bad signature; the cosigned note then proves the ledger's state
    to `edge-alpr audit verify --witness`.

    \b
    Example:
      edge-alpr audit witness tree-head.json --vkey "$(cat device.vkey)" --state ~/witness --key ~/witness.key
    """
    from edge.audit.checkpoint import load_or_create_key
    from edge.audit.tlog import cosign

    try:
        doc = json.loads(bundle.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise EdgeError(f"{bundle}: not a tree-head bundle (JSON): {exc}") from None
    if not isinstance(doc, dict):
        raise EdgeError(f"{bundle}: not a tree-head bundle (want a JSON object)")
    done = cosign(doc, device_vkey, state_dir, load_or_create_key(key_path), name)
    if out is not None:
        out.write_text(done.note, encoding="utf-8")
    since = f"extends {done.previous}" if done.previous else "first tree head seen (trusted on first use)"
    click.echo(done.note, nl=False)
    click.echo(f"cosigned tree head of size {done.size} ({since})", err=True)


@audit_group.command("key")
@config_options
@_LEDGER
def key(config_path: Path | None, db: Path | None, ledger_path: Path | None) -> None:
    """Print the ledger's verifier key (pin it as audit.public_key and give it to witnesses).

    \b
    Example:
      edge-alpr audit key --config site.yaml
    """
    from edge.audit.ledger import open_ledger

    cfg = resolve_config(config_path, db)
    with open_ledger(cfg, ledger=ledger_path) as ledger:
        click.echo(ledger.vkey)


@audit_group.command("actions")
def actions() -> None:
    """List every action the ledger records and what its entries hold.

    \b
    Example:
      edge-alpr audit actions
    """
    from edge.audit.events import ACTION_HELP

    for action, text in ACTION_HELP.items():
        click.echo(f"{action.value:<17} {text}")


@audit_group.command("log")
@config_options
@_LEDGER
@click.option("--last", type=int, default=20, show_default=True, help="How many of the latest entries.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def log_cmd(config_path: Path | None, db: Path | None, ledger_path: Path | None, last: int, as_json: bool) -> None:
    """Show the latest ledger entries (searches show a plate token, never the plate).

    \b
    Example:
      edge-alpr audit log --config site.yaml --last 50
    """
    from edge.audit.ledger import Ledger, ledger_paths

    cfg = resolve_config(config_path, db)
    path, _ = ledger_paths(cfg, ledger_path)
    ledger = Ledger(path, readonly=True)
    try:
        size, _ = ledger.head()
        since_seq = max(0, size - last)
        for e in ledger.entries():
            if e.seq <= since_seq:
                continue
            if as_json:
                doc = {
                    "seq": e.seq,
                    "ts": e.ts,
                    "user": e.actor.user,
                    "agency": e.actor.agency,
                    "action": e.action,
                    "outcome": e.outcome,
                    "detail": e.detail_obj(),
                    "hash": e.hash.hex(),
                }
                click.echo(json.dumps(doc, sort_keys=True))
            else:
                click.echo(f"{e.seq:>8} {e.ts} {e.action:<15} {e.outcome:<8} {e.actor.user}@{e.actor.agency}")
    finally:
        ledger.close(checkpoint=False)


@audit_group.command("report")
@config_options
@_LEDGER
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder.")
@click.option("--since", default=None, help="From this date or time (UTC), e.g. 2026-01-01.")
@click.option("--until", default=None, help="Until this date or time (UTC, exclusive).")
@click.option("--month", default=None, help="One calendar month, YYYY-MM (instead of --since/--until).")
def report(
    config_path: Path | None,
    db: Path | None,
    ledger_path: Path | None,
    out_dir: Path,
    since: str | None,
    until: str | None,
    month: str | None,
) -> None:
    """Write a transparency report: HTML with charts (and a print layout for a PDF), CSV and JSON.

    From the ledger: searches by purpose and by requesting agency, denials and why, reads shared per
    receiving agency, purges (proof of deletion), misuse signals, config changes and the ledger's own
    verification. From the config: agency and purpose names, the retention policy. From the store, if
    present: reads and hotlist hits held. Calendar periods and readable dates; no plate text.

    \b
    Example:
      edge-alpr audit report --config site.yaml --out report/ --month 2026-11
      edge-alpr audit report --config site.yaml --out report/ --since 2026-01-01
    """
    import re

    from edge.audit.anchor import witness_notes
    from edge.audit.ledger import ledger_paths
    from edge.audit.report import build_report, write_report
    from edge.audit.wording import month_bounds, report_context
    from edge.cli.search import parse_when

    cfg = resolve_config(config_path, db)
    path, key_path = ledger_paths(cfg, ledger_path)
    lo, hi = parse_when(since, "since"), parse_when(until, "until")
    if month is not None:
        if since or until or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            raise InputError(f"--month {month!r}: give YYYY-MM (e.g. 2026-11), without --since/--until")
        lo, hi = month_bounds(month)
    data = build_report(
        path,
        since=lo,
        until=hi,
        misuse=cfg.audit.misuse,
        trusted_key=cfg.audit.public_key,
        title=f"{cfg.node_id} (profile {cfg.profile})",
        anchors=ledger_anchors(cfg, key_path),
        max_tail=cfg.audit.checkpoint_every,
        witness_notes=witness_notes(cfg.audit.witness_dir),
    )
    data["context"] = report_context(cfg, _held(Path(cfg.store.path), lo, hi))
    files = write_report(data, out_dir)
    click.echo(f"wrote {len(files)} file(s) to {out_dir}: {', '.join(f.name for f in files)}")


@audit_group.command("find")
@config_options
@_LEDGER
@click.option("--plate", required=True, help="Plate whose lookups to list (matched by the ledger's keyed token).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def find(config_path: Path | None, db: Path | None, ledger_path: Path | None, plate: str, as_json: bool) -> None:
    """List every search (allowed or denied) of one plate: who, when, for whom and why.

    The ledger keeps a keyed token instead of the plate, so this needs the device's signing key;
    an oversight body answering "who looked up this car?" runs it on the device.

    \b
    Example:
      edge-alpr audit find --config site.yaml --plate ABC1234
    """
    from edge.audit.events import Action
    from edge.audit.ledger import open_ledger

    cfg = resolve_config(config_path, db)
    with open_ledger(cfg, ledger=ledger_path) as ledger:
        token = ledger.plate_token(plate)
        hits = [
            e
            for e in ledger.entries(actions=(Action.SEARCH, Action.SEARCH_DENIED))
            if f'"plate_token":"{token}"' in e.detail
        ]
    for e in hits:
        d = e.detail_obj()
        if as_json:
            click.echo(json.dumps({"seq": e.seq, "ts": e.ts, "user": e.actor.user, "outcome": e.outcome, **d}))
        else:
            behalf = f" for {d['on_behalf_of']}" if d.get("on_behalf_of") else ""
            click.echo(
                f"{e.seq:>8} {e.ts} {e.outcome:<8} {e.actor.user}@{d.get('requester')}{behalf} "
                f"purpose={d.get('purpose')} case={d.get('case')} reason={d.get('reason')!r}"
            )
    if not as_json:
        click.echo(f"{len(hits)} search(es) of this plate in the ledger")


def _held(store: Path, since: datetime | None, until: datetime | None) -> dict[str, int] | None:
    """Reads and hotlist hits the store holds now, in the period and in all (None without a store)."""
    import sqlite3

    from edge.store.reads import count_reads
    from edge.store.timefmt import to_ts

    try:
        counts = count_reads(store, to_ts(since) if since else "0000", to_ts(until) if until else "9999")
    except sqlite3.Error:
        return None
    if counts is None:
        return None
    return {"reads_now": counts.total, "reads_in_period": counts.in_window, "hits_in_period": counts.hits_in_window}
