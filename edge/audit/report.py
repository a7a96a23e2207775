"""Transparency report from the ledger alone: searches by purpose and agency, denials by rule, shares by
peer, purges, configuration changes, misuse signals and the ledger's own verification status.

Written as ``report.html`` (charts are inline SVG drawn here: no scripts, no network), ``report.json``
and one CSV per table. Plates never appear: repeated lookups are reported by the ledger's keyed plate
token, shortened.
"""

from __future__ import annotations

import csv
import html
import json
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from edge.audit.anchor import Anchor
from edge.audit.canonical import parse_utc, utc_text
from edge.audit.events import Action
from edge.audit.identity import mismatch
from edge.audit.ledger import Ledger
from edge.audit.verify import verify_ledger
from edge.audit.wording import calendar_period, readable_time, rule_words, shorten
from edge.config.audit import MisuseConfig
from edge.policy.profiles import format_duration as _dur


def _max_in_window(times: list[datetime], window: timedelta) -> int:
    best = 0
    q: deque[datetime] = deque()
    for t in sorted(times):
        q.append(t)
        while q and t - q[0] > window:
            q.popleft()
        best = max(best, len(q))
    return best


def misuse_signals(
    searches: list[tuple[datetime, str, str, str | None]], denials: list[tuple[datetime, str]], cfg: MisuseConfig
) -> list[dict[str, Any]]:
    """Signals over a period. `searches`: (time, user, requester, plate token); `denials`: (time, user)."""
    out: list[dict[str, Any]] = []
    by_user: dict[str, list[datetime]] = defaultdict(list)
    by_agency: dict[str, list[datetime]] = defaultdict(list)
    by_plate: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for ts, user, agency, token in searches:
        by_user[user].append(ts)
        by_agency[agency].append(ts)
        if token:
            by_plate[token].append((ts, user))
    for user, times in sorted(by_user.items()):
        peak = _max_in_window(times, cfg.window)
        if peak > cfg.max_searches_per_user:
            out.append(
                {
                    "kind": "user-volume",
                    "subject": user,
                    "count": peak,
                    "detail": f"{peak} searches within {_dur(cfg.window)} (threshold {cfg.max_searches_per_user})",
                }
            )
    for agency, times in sorted(by_agency.items()):
        peak = _max_in_window(times, cfg.window)
        if peak > cfg.max_searches_per_agency:
            out.append(
                {
                    "kind": "agency-volume",
                    "subject": agency,
                    "count": peak,
                    "detail": f"{peak} searches within {_dur(cfg.window)} (threshold {cfg.max_searches_per_agency})",
                }
            )
    for token, seen in sorted(by_plate.items()):
        peak = _max_in_window([t for t, _ in seen], cfg.repeat_plate_window)
        if peak >= cfg.repeat_plate_threshold:
            counts = Counter(u for _, u in seen).most_common()
            users = ", ".join(f"{u} ({n})" for u, n in counts[:5]) + (
                f" and {len(counts) - 5} more" if len(counts) > 5 else ""
            )
            out.append(
                {
                    "kind": "repeat-plate",
                    "subject": f"plate token {token[:8]}",
                    "count": peak,
                    "detail": f"one plate looked up {peak} times within {_dur(cfg.repeat_plate_window)} by {users}",
                }
            )
    den_user: dict[str, list[datetime]] = defaultdict(list)
    for ts, user in denials:
        den_user[user].append(ts)
    for user, times in sorted(den_user.items()):
        peak = _max_in_window(times, cfg.denied_window)
        if peak >= cfg.denied_threshold:
            out.append(
                {
                    "kind": "denied-attempts",
                    "subject": user,
                    "count": peak,
                    "detail": f"{peak} denied searches within {_dur(cfg.denied_window)}",
                }
            )
    return out


def build_report(
    path: Path,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    misuse: MisuseConfig | None = None,
    trusted_key: str | None = None,
    title: str = "edge-alpr",
    anchors: Sequence[Anchor] = (),
    max_tail: int | None = None,
    witness_notes: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Aggregate the ledger at `path` over [since, until) into plain data (what report.json holds)."""
    misuse = misuse or MisuseConfig()
    lo = utc_text(since) if since else None
    hi = utc_text(until) if until else None
    by_purpose: Counter[str] = Counter()
    denied_by_purpose: Counter[str] = Counter()
    by_agency: Counter[str] = Counter()
    on_behalf: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    denials: Counter[str] = Counter()
    denial_reasons: Counter[str] = Counter()
    shares: Counter[str] = Counter()
    share_reads: Counter[str] = Counter()
    share_denials: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    daily: dict[str, Counter[str]] = defaultdict(Counter)
    purges: list[dict[str, Any]] = []
    daily_purged: Counter[str] = Counter()
    config_changes: list[dict[str, Any]] = []
    sig_searches: list[tuple[datetime, str, str, str | None]] = []
    sig_denials: list[tuple[datetime, str]] = []
    searches: dict[int, dict[str, Any]] = {}  # seq -> one row of results_by_search
    returned: Counter[str] = Counter()  # reads returned, by requesting agency
    mismatches: Counter[tuple[str, str]] = Counter()  # (declared user, authenticated actor) -> entries
    first = last = None
    ledger = Ledger(path, readonly=True)
    try:
        for e in ledger.entries(since=lo):
            if hi is not None and e.ts >= hi:
                break
            first = first or e.ts
            last = e.ts
            actions[e.action] += 1
            if e.actor.user != "system" and '"auth":' in e.detail:
                auth = e.detail_obj().get("auth")
                if isinstance(auth, dict) and mismatch(e.actor.user, auth):
                    mismatches[(e.actor.user, _authenticated(auth))] += 1
            if e.action not in (
                Action.SEARCH,
                Action.SEARCH_DENIED,
                Action.SEARCH_RESULT,
                Action.SHARE,
                Action.SHARE_DENIED,
                Action.PURGE,
                Action.CONFIG_CHANGED,
                Action.CONFIG_LOADED,
            ):
                continue
            d = e.detail_obj()
            day = e.ts[:10]
            if e.action == Action.SEARCH:
                by_purpose[str(d.get("purpose"))] += 1
                by_agency[str(d.get("requester"))] += 1
                by_kind[str(d.get("query"))] += 1
                if d.get("on_behalf_of"):
                    on_behalf[str(d["on_behalf_of"])] += 1
                daily[day]["allowed"] += 1
                sig_searches.append((parse_utc(e.ts), e.actor.user, str(d.get("requester")), d.get("plate_token")))
                searches[e.seq] = {
                    "seq": e.seq,
                    "ts": e.ts,
                    "user": e.actor.user,
                    "requester": str(d.get("requester")),
                    "purpose": str(d.get("purpose")),
                    "query": str(d.get("query")),
                    "results": None,  # until its search_result entry is seen
                }
            elif e.action == Action.SEARCH_RESULT:
                count = d.get("count")
                count = count if isinstance(count, int) else 0
                row = searches.get(int(d.get("search_seq") or 0))
                if row is not None:
                    row["results"] = count
                returned[row["requester"] if row is not None else e.actor.agency] += count
            elif e.action == Action.SEARCH_DENIED:
                denials[str(d.get("rule"))] += 1
                denial_reasons[str(d.get("decision"))] += 1
                denied_by_purpose[str(d.get("purpose"))] += 1
                daily[day]["denied"] += 1
                sig_denials.append((parse_utc(e.ts), e.actor.user))
            elif e.action == Action.SHARE:
                peer = str(d.get("peer"))
                shares[peer] += 1
                ids = d.get("read_ids")  # what the publisher records; older entries: reads / count
                n = len(ids) if isinstance(ids, list) else d.get("reads", d.get("count", 1))
                share_reads[peer] += n if isinstance(n, int) else 1
            elif e.action == Action.SHARE_DENIED:
                share_denials[f"{d.get('peer')}: {d.get('rule', d.get('reason'))}"] += 1
            elif e.action == Action.PURGE:
                deleted = d.get("deleted") or {}
                daily_purged[day] += int(deleted.get("reads_non_hit", 0)) + int(deleted.get("reads_hit", 0))
                purges.append(
                    {
                        "ts": e.ts,
                        "reads_non_hit": deleted.get("reads_non_hit", 0),
                        "reads_hit": deleted.get("reads_hit", 0),
                        "hits": deleted.get("hits", 0),
                        "crops": deleted.get("crops", 0),
                        "oldest_remaining": d.get("oldest_remaining"),
                    }
                )
            else:
                changes = d.get("changes", []) if e.action == Action.CONFIG_CHANGED else []
                summary = "; ".join(
                    shorten(f"{c.get('key')}: {json.dumps(c.get('old'))} -> {json.dumps(c.get('new'))}", 160)
                    for c in changes[:10]
                )
                config_changes.append(
                    {
                        "ts": e.ts,
                        "user": e.actor.user,
                        "action": e.action,
                        "sha256": str(d.get("sha256", ""))[:16],
                        "sharing_changed": list(d.get("sharing_changed") or []),
                        "changed": summary,
                    }
                )
    finally:
        ledger.close(checkpoint=False)
    ver = verify_ledger(path, trusted_key=trusted_key, anchors=anchors, max_tail=max_tail, witness_notes=witness_notes)
    return {
        "title": title,
        "generated": utc_text(datetime.now(UTC)),
        "period": {"since": lo, "until": hi, "first_entry": first, "last_entry": last},
        "verification": {
            "ok": ver.ok,
            "entries": ver.entries,
            "checkpoints": ver.checkpoints,
            "first_bad_seq": ver.first_bad_seq,
            "message": ver.message,
        },
        "totals": {
            "searches": sum(by_purpose.values()),
            "denied": sum(denials.values()),
            "reads_returned": sum(returned.values()),
            "identity_mismatches": sum(mismatches.values()),
            "searches_without_result": sum(1 for r in searches.values() if r["results"] is None),
            "shares": sum(shares.values()),
            "share_denied": sum(share_denials.values()),
            "purges": len(purges),
            "reads_purged": sum(p["reads_non_hit"] + p["reads_hit"] for p in purges),
            "config_changes": actions[Action.CONFIG_CHANGED],
            "sharing_changes": sum(1 for c in config_changes if c["sharing_changed"]),
            "entries": sum(actions.values()),
        },
        "searches_by_purpose": dict(by_purpose.most_common()),
        "denied_by_purpose": dict(denied_by_purpose.most_common()),
        "searches_by_agency": dict(by_agency.most_common()),
        "searches_on_behalf_of": dict(on_behalf.most_common()),
        "searches_by_kind": dict(by_kind.most_common()),
        "denials_by_rule": dict(denials.most_common()),
        "denials_by_reason": dict(denial_reasons.most_common(25)),
        "identity_mismatches": [
            {"declared": d, "authenticated": a, "entries": n} for (d, a), n in mismatches.most_common()
        ],
        "results_by_search": list(searches.values()),
        "results_by_agency": {a: {"searches": n, "reads_returned": returned[a]} for a, n in by_agency.most_common()}
        | {a: {"searches": 0, "reads_returned": n} for a, n in returned.items() if a not in by_agency},
        "shares_by_peer": {p: {"messages": n, "reads": share_reads[p]} for p, n in shares.most_common()},
        "share_denials": dict(share_denials.most_common()),
        "daily": {day: {"allowed": c["allowed"], "denied": c["denied"]} for day, c in sorted(daily.items())},
        "purges": purges,
        "daily_purged": dict(sorted(daily_purged.items())),
        "config_changes": config_changes,
        "actions": dict(actions.most_common()),
        "signals": misuse_signals(sig_searches, sig_denials, misuse),
    }


# -- output ---------------------------------------------------------------------------------------


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _authenticated(auth: dict[str, Any]) -> str:
    if auth.get("peer"):
        return f"peer {auth['peer']}"
    sudo = f" (sudo from {auth['sudo_user']})" if auth.get("sudo_user") else ""
    return f"{auth.get('os_user')}{sudo}"


def _or_dash(value: object) -> object:
    return "-" if value is None else value


def bar_chart(title: str, data: dict[str, int], colour: str = "#2b6cb0", width: int = 640) -> str:
    """Horizontal bar chart as inline SVG (empty data gives a short note)."""
    if not data:
        return f'<p class="empty">{_esc(title)}: none in this period.</p>'
    items = list(data.items())[:20]
    longest = max(len(label) for label, _ in items)
    label_w, row, top = min(420, max(160, 7 * min(longest, 58) + 12)), 26, 30
    peak = max(v for _, v in items) or 1
    plot = width - label_w - 60
    h = top + row * len(items) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" role="img" '
        f'aria-label="{_esc(title)}"><title>{_esc(title)}</title>',
        f'<text x="0" y="18" font-size="15" font-weight="bold">{_esc(title)}</text>',
    ]
    for i, (label, value) in enumerate(items):
        y = top + i * row
        w = max(1, round(plot * value / peak))
        short = shorten(label, 58)
        parts.append(f'<text x="{label_w - 8}" y="{y + 17}" font-size="13" text-anchor="end">{_esc(short)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="{row - 8}" fill="{colour}" />')
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 17}" font-size="13">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def daily_chart(
    daily: dict[str, dict[str, int]],
    series: tuple[tuple[str, str], ...] = (("allowed", "#2b6cb0"), ("denied", "#c53030")),
    title: str = "Searches per day (blue allowed, red denied)",
    width: int = 900,
    height: int = 240,
) -> str:
    """Stacked columns per day (one colour per series), inline SVG."""
    if not daily:
        return f'<p class="empty">{_esc(title)}: none in this period.</p>'
    days = list(daily.items())[-90:]
    left, bottom, top = 50, 40, 30
    plot_w, plot_h = width - left - 10, height - top - bottom
    peak = max(sum(v.get(k, 0) for k, _ in series) for _, v in days) or 1
    col = plot_w / len(days)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{_esc(title)}"><title>{_esc(title)}</title>',
        f'<text x="0" y="18" font-size="15" font-weight="bold">{_esc(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#555" />',
        f'<text x="{left - 4}" y="{top + 10}" font-size="11" text-anchor="end">{peak}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" font-size="11" text-anchor="end">0</text>',
    ]
    step = max(1, len(days) // 10)
    for i, (day, v) in enumerate(days):
        x = left + i * col
        y = float(top + plot_h)
        for kind, colour in series:
            hgt = plot_h * v.get(kind, 0) / peak
            if hgt > 0:
                y -= hgt
                parts.append(
                    f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(1.0, col - 2):.1f}" height="{hgt:.1f}" '
                    f'fill="{colour}"><title>{_esc(day)}: {v.get(kind, 0)} {kind}</title></rect>'
                )
        if i % step == 0:
            parts.append(
                f'<text x="{x + col / 2:.1f}" y="{top + plot_h + 16}" font-size="10" '
                f'text-anchor="middle">{_esc(day[5:])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: list[str], rows: Iterable[Iterable[object]]) -> str:
    body = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body or '<tr><td>none</td></tr>'}</tbody></table>"


def _named(counts: dict[str, int], names: dict[str, str]) -> dict[str, int]:
    """Ids as their names ('Springfield Police Department (SPRINGFIELD-PD)'); unknown ids as they are."""
    return {(f"{names[k]} ({k})" if k in names else k): n for k, n in counts.items()}


def _retention_text(ctx: dict[str, Any], t: dict[str, Any]) -> str:
    r = ctx.get("retention")
    if not r:
        return ""
    return (
        f"<p class='policy'>Retention policy (profile {_esc(r['profile'])}): a read that matched no hotlist is "
        f"deleted after <b>{_esc(r['non_hit'])}</b>, a read that matched a hotlist after <b>{_esc(r['hit'])}</b>, "
        f"plate crops after <b>{_esc(r['crops'])}</b>. Deletion is enforced on the device, and each purge is "
        f"recorded in the ledger with what it deleted (proof of deletion): in this period {t['purges']} "
        f"purge(s) deleted {t['reads_purged']} read(s).</p>"
    )


def render_html(data: dict[str, Any]) -> str:
    t = data["totals"]
    v = data["verification"]
    ctx: dict[str, Any] = data.get("context") or {}
    agencies, purposes = ctx.get("agencies", {}), ctx.get("purposes", {})
    peers = ctx.get("peers", {})
    held = ctx.get("store", {})
    message = str(v["message"]).removeprefix("intact: ")
    status = (
        "<p class='ok'>Ledger verified intact: " + _esc(message)
        if v["ok"]
        else "<p class='bad'>LEDGER NOT INTACT: " + _esc(message)
    ) + "</p>"
    period = data["period"]
    shared_reads = sum(s["reads"] for s in data["shares_by_peer"].values())
    cards = "".join(
        f"<div class='card'><b>{_esc(val)}</b><span>{_esc(label)}</span></div>"
        for label, val in (
            ("reads collected and still held", held.get("reads_in_period", "-")),
            ("reads held now (all periods)", held.get("reads_now", "-")),
            ("reads deleted by retention", t["reads_purged"]),
            ("reads shared", shared_reads),
            ("hotlist hits", held.get("hits_in_period", "-")),
            ("searches allowed", t["searches"]),
            ("searches denied", t["denied"]),
            ("reads returned by searches", t["reads_returned"]),
            ("shares denied", t["share_denied"]),
            ("config changes", t["config_changes"]),
            ("changes to sharing, profile or search policy", t["sharing_changes"]),
            ("entries by another user than the account", t["identity_mismatches"]),
            ("misuse signals", len(data["signals"])),
        )
    )
    share_counts = {(f"{peers[p]} ({p})" if p in peers else p): s["reads"] for p, s in data["shares_by_peer"].items()}
    rules = {rule_words(k): n for k, n in data["denials_by_rule"].items()}
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Transparency report: {_esc(data["title"])}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px; color: #1a202c; max-width: 1000px; }}
.policy {{ background: #f7fafc; border-left: 4px solid #4a5568; padding: 6px 10px; }}
@page {{ size: A4; margin: 16mm 14mm; }}
@media print {{
  body {{ margin: 0; max-width: none; font-size: 11pt; }}
  h2 {{ break-after: avoid; page-break-after: avoid; }}
  svg, table, .card, .policy {{ break-inside: avoid; page-break-inside: avoid; }}
  thead {{ display: table-header-group; }}
  .ok, .bad, .card, .policy {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
  svg {{ max-width: 100%; height: auto; }}
}}
h1 {{ font-size: 24px; }} h2 {{ font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ddd; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 10px; }}
.card {{ border: 1px solid #cbd5e0; border-radius: 6px; padding: 8px 14px; min-width: 100px; }}
.card b {{ display: block; font-size: 22px; }} .card span {{ font-size: 12px; color: #4a5568; }}
.ok {{ color: #22543d; background: #f0fff4; padding: 6px; }} .bad {{ color: #fff; background: #c53030; padding: 6px; }}
table {{ border-collapse: collapse; font-size: 13px; }} td, th {{ border: 1px solid #ddd; padding: 3px 8px; }}
.empty {{ color: #718096; }} svg {{ display: block; margin: 8px 0; }}
</style></head><body>
<h1>Transparency report: {_esc(data["title"])}</h1>
<p><b>Period: {
        _esc(calendar_period(period["since"], period["until"], period["first_entry"], period["last_entry"]))
    }.</b> Generated {_esc(readable_time(data["generated"]))} from the device's audit ledger{
        " and, for the reads and hits held, its store" if held else ""
    }. No plate numbers appear in this report.</p>
{status}
<div class="cards">{cards}</div>
<h2>Searches</h2>
{daily_chart(data["daily"])}
{bar_chart("Searches by purpose", _named(data["searches_by_purpose"], purposes))}
{bar_chart("Searches by requesting agency", _named(data["searches_by_agency"], agencies))}
{bar_chart("Searches made on behalf of another agency", _named(data["searches_on_behalf_of"], agencies), "#6b46c1")}
<h2>What searches returned</h2>
{
        bar_chart(
            "Reads returned to each requesting agency",
            {a: r["reads_returned"] for a, r in data["results_by_agency"].items()},
            "#2c7a7b",
        )
    }
<p>Searches allowed whose results were never recorded (the search stopped before the store answered):
{_esc(t["searches_without_result"])}. Latest searches (all in results_by_search.csv):</p>
{
        _table(
            ["ledger entry", "time", "user", "requester", "purpose", "query", "reads returned"],
            (
                [
                    r["seq"],
                    readable_time(r["ts"]),
                    r["user"],
                    r["requester"],
                    r["purpose"],
                    r["query"],
                    _or_dash(r["results"]),
                ]
                for r in data["results_by_search"][-50:]
            ),
        )
    }
<h2>Denials</h2>
{bar_chart("Denied searches: why", rules, "#c53030")}
{bar_chart("Denied searches by stated purpose", _named(data["denied_by_purpose"], purposes), "#dd6b20")}
{_table(["reason given for the denial", "count"], data["denials_by_reason"].items())}
<h2>Sharing</h2>
{bar_chart("Reads shared, by receiving agency", share_counts, "#2f855a")}
{_table(["denied share", "count"], data["share_denials"].items())}
<h2>Retention</h2>
{_retention_text(ctx, t)}
{
        daily_chart(
            {d: {"purged": n} for d, n in data["daily_purged"].items()},
            (("purged", "#4a5568"),),
            "Reads purged per day",
        )
    }
{
        _table(
            ["latest purges", "non-hit reads", "hit reads", "hit records", "crops", "oldest remaining"],
            (
                [
                    readable_time(p["ts"]),
                    p["reads_non_hit"],
                    p["reads_hit"],
                    p["hits"],
                    p["crops"],
                    readable_time(p["oldest_remaining"]),
                ]
                for p in data["purges"][-15:]
            ),
        )
    }
<h2>Misuse signals</h2>
{bar_chart("Misuse signals by kind", dict(Counter(s["kind"] for s in data["signals"]).most_common()), "#b7791f")}
{
        _table(
            ["signal", "subject", "peak", "detail"],
            ([s["kind"], s["subject"], s["count"], s["detail"]] for s in data["signals"]),
        )
    }
<h2>Who did it: declared user and authenticated actor</h2>
<p>Entries whose declared user (the user a command or a peer named) is not the OS account that ran the command (or
the account that called sudo), or not the peer that carried the request.</p>
{
        _table(
            ["declared user", "authenticated", "entries"],
            ([m["declared"], m["authenticated"], m["entries"]] for m in data["identity_mismatches"]),
        )
    }
<h2>Changes to sharing, profile or search policy</h2>
<p>Who may receive or search reads: each such change is signed in the ledger and pushed to every peer's
witness at once. A lookup that was switched off and came back on shows here.</p>
{
        _table(
            ["time", "by", "event", "keys"],
            (
                [readable_time(c["ts"]), c["user"], c["action"].replace("_", " "), ", ".join(c["sharing_changed"])]
                for c in data["config_changes"]
                if c["sharing_changed"]
            ),
        )
    }
<h2>Configuration changes</h2>
{
        _table(
            ["time", "by", "event", "config sha256", "changed keys"],
            (
                [readable_time(c["ts"]), c["user"], c["action"].replace("_", " "), c["sha256"], c["changed"]]
                for c in data["config_changes"]
            ),
        )
    }
<h2>All ledger actions</h2>
{_table(["action", "entries"], ((a.replace("_", " "), n) for a, n in data["actions"].items()))}
</body></html>
"""


def write_report(data: dict[str, Any], out_dir: Path) -> list[Path]:
    """report.html, report.json and one CSV per table in `out_dir`; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []

    def csv_file(name: str, headers: list[str], rows: Iterable[Iterable[object]]) -> None:
        path = out_dir / name
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(headers)
            w.writerows(rows)
        files.append(path)

    html_path = out_dir / "report.html"
    html_path.write_text(render_html(data), encoding="utf-8")
    files.append(html_path)
    json_path = out_dir / "report.json"
    json_path.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    files.append(json_path)
    csv_file("searches_by_purpose.csv", ["purpose", "searches"], data["searches_by_purpose"].items())
    csv_file("searches_by_agency.csv", ["agency", "searches"], data["searches_by_agency"].items())
    csv_file(
        "results_by_search.csv",
        ["seq", "ts", "user", "requester", "purpose", "query", "reads_returned"],
        (
            [r["seq"], r["ts"], r["user"], r["requester"], r["purpose"], r["query"], r["results"]]
            for r in data["results_by_search"]
        ),
    )
    csv_file(
        "results_by_agency.csv",
        ["agency", "searches", "reads_returned"],
        ([a, r["searches"], r["reads_returned"]] for a, r in data["results_by_agency"].items()),
    )
    csv_file(
        "identity_mismatches.csv",
        ["declared", "authenticated", "entries"],
        ([m["declared"], m["authenticated"], m["entries"]] for m in data["identity_mismatches"]),
    )
    csv_file("denials_by_rule.csv", ["rule", "denials"], data["denials_by_rule"].items())
    csv_file("denials_by_reason.csv", ["reason", "denials"], data["denials_by_reason"].items())
    csv_file(
        "shares_by_peer.csv",
        ["peer", "messages", "reads"],
        ([p, s["messages"], s["reads"]] for p, s in data["shares_by_peer"].items()),
    )
    csv_file(
        "purges.csv",
        ["ts", "reads_non_hit", "reads_hit", "hits", "crops", "oldest_remaining"],
        (
            [p["ts"], p["reads_non_hit"], p["reads_hit"], p["hits"], p["crops"], p["oldest_remaining"]]
            for p in data["purges"]
        ),
    )
    csv_file(
        "daily.csv", ["day", "allowed", "denied"], ([d, v["allowed"], v["denied"]] for d, v in data["daily"].items())
    )
    csv_file(
        "signals.csv",
        ["kind", "subject", "count", "detail"],
        ([s["kind"], s["subject"], s["count"], s["detail"]] for s in data["signals"]),
    )
    return files
