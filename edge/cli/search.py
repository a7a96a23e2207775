"""`edge-alpr search`: look up reads with a structured justification that policy accepts, recorded first."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from edge.cli.common import config_options, resolve_config
from edge.errors import InputError, PolicyDenied


def parse_when(value: str | None, name: str) -> datetime | None:
    """ISO 8601 time (naive means UTC), a date (midnight UTC) or a duration ago ('2h', '3d')."""
    if value is None:
        return None
    from edge.config.common import parse_duration

    text = value.strip()
    try:
        return datetime.now(UTC) - parse_duration(text)
    except ValueError:
        pass
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"--{name} {value!r}: use an ISO time (2026-11-27T14:00Z), a date or a duration (2h)"
        ) from None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


@click.command("search")
@config_options
@click.option("--plate", default=None, help="Exact plate to look up.")
@click.option(
    "--pattern",
    default=None,
    help="Partial plate: ? one character, * any run (only for some purposes; needs --since and enough known "
    "characters).",
)
@click.option("--since", default=None, help="From this time (ISO 8601, a date, or a duration ago such as 2h).")
@click.option("--until", default=None, help="Until this time (exclusive; same forms as --since).")
@click.option("--camera", default=None, help="Only reads of this camera.")
@click.option("--limit", type=int, default=100, show_default=True, help="Most reads to return.")
@click.option("--purpose", required=True, help="Purpose code from the config (search.purposes).")
@click.option("--case", "case_number", default=None, help="Case number (format and need set by the config).")
@click.option("--reason", required=True, help="Why, specifically: the incident, not just 'investigation'.")
@click.option("--requester", required=True, help="Requesting agency id (search.agencies).")
@click.option("--on-behalf-of", "on_behalf_of", default=None, help="Agency the search is made for, if another.")
@click.option("--user", default=None, help="Person making the search (default: the login name).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the decision, ledger entry and reads (or the denial) as JSON."
)
def search(
    config_path: Path | None,
    db: Path | None,
    plate: str | None,
    pattern: str | None,
    since: str | None,
    until: str | None,
    camera: str | None,
    limit: int,
    purpose: str,
    case_number: str | None,
    reason: str,
    requester: str,
    on_behalf_of: str | None,
    user: str | None,
    as_json: bool,
) -> None:
    """Search stored reads, after policy accepts the justification and the ledger records it.

    The request is checked first (purpose allowed by the config and the jurisdiction profile, no
    prohibited use in any field however spelled, registered requester of an allowed kind and state,
    case number, a specific reason, partial/time-range only where the purpose allows). The decision
    is written to the audit ledger before anything is read; a denial exits with status 3, and if the
    ledger cannot be written the search does not run. Without --plate or --pattern it is a
    time-range search and needs --since and --until. A --pattern needs the profile's minimum of
    known characters (4, or 5 under IL, CA and VA; `--pattern '*'` is refused), --since within
    search.pattern_max_window (24h by default), returns at most search.pattern_max_results reads,
    and is refused where the profile refuses time-range searches (NH).

    \b
    Example:
      edge-alpr search --config site.yaml --plate ABC1234 --purpose stolen-vehicle \\
        --case 2026-00123 --reason "Vehicle reported stolen from Elm St lot" --requester SPRINGFIELD-PD
      edge-alpr search --config site.yaml --pattern 'AB?123*' --purpose amber-alert --case 2026-00999 \\
        --reason "AMBER alert, partial plate from witness" --requester SPRINGFIELD-PD --since 6h --json
    """
    from edge.audit.events import Actor
    from edge.audit.ledger import open_ledger
    from edge.audit.search import SearchQuery, justified_search, record_config
    from edge.policy.search import SearchRequest, build_policy
    from edge.store import Store

    cfg = resolve_config(config_path, db)
    store_path = Path(cfg.store.path)
    if not store_path.exists():
        raise InputError(f"{store_path}: no store here (set store.path in the config or pass --db)")
    who = user or getpass.getuser()
    query = SearchQuery(
        plate=plate,
        pattern=pattern,
        since=parse_when(since, "since"),
        until=parse_when(until, "until"),
        camera=camera,
        limit=limit,
    )
    request = SearchRequest(
        purpose=purpose,
        reason=reason,
        requester=requester,
        case_number=case_number,
        on_behalf_of=on_behalf_of,
        user=who,
    )

    # The store first: it names the ledger it belongs to, and a ledger that is not that one is refused
    # (a --db that reaches the store through a symlink from another folder must not start a new ledger).
    with Store.from_config(cfg) as store, open_ledger(cfg, store=store) as ledger:

        def run(q: SearchQuery) -> list[Any]:
            return list(
                store.search(
                    plate=q.plate, pattern=q.pattern, since=q.since, until=q.until, camera=q.camera, limit=q.limit
                )
            )

        record_config(ledger, cfg.model_dump(mode="json"), Actor(who, cfg.node_id), str(config_path or "(defaults)"))
        try:
            outcome = justified_search(
                ledger=ledger,
                policy=build_policy(cfg),
                misuse=cfg.audit.misuse,
                request=request,
                query=query,
                run=run,
                require_os_user=cfg.audit.require_os_user,
            )
        except PolicyDenied as denied:
            if as_json:  # the decision on stdout as JSON too; the message and exit status 3 as always
                click.echo(json.dumps(denied.as_dict(), indent=2))
            raise
    reads = outcome.results
    if as_json:
        doc = {
            "allowed": True,
            "rule": outcome.decision.rule,
            "ledger_seq": outcome.entry.seq,
            "result_seq": outcome.result_entry.seq if outcome.result_entry else None,
            "signals": list(outcome.signals),
            "results": [
                {
                    "id": r.id,
                    "plate": r.plate,
                    "ts": r.ts.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                    "camera": r.camera,
                    "confidence": round(r.confidence, 3),
                    "low_confidence": cfg.store.is_low(r.confidence),
                    "is_hit": r.is_hit,
                }
                for r in reads
            ],
        }
        click.echo(json.dumps(doc, indent=2))
        return
    result_seq = outcome.result_entry.seq if outcome.result_entry else "-"
    click.echo(f"allowed, recorded as ledger entry {outcome.entry.seq}; {len(reads)} read(s), recorded as {result_seq}")
    if outcome.signals:
        click.echo(f"misuse signals raised: {', '.join(outcome.signals)}", err=True)
    for r in reads:
        when = r.ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        low = "LOW-CONFIDENCE " if cfg.store.is_low(r.confidence) else ""
        click.echo(f"{when}Z  {r.camera:<12} {r.plate:<10} {r.confidence:.2f}  {low}{'HIT ' if r.is_hit else ''}{r.id}")
