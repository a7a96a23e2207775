"""The status document as terminal text (`edge-alpr status`) and as a small HTML page (the endpoint's /)."""

from __future__ import annotations

from html import escape

from edge.health.status import HealthStatus


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.1f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def _n(value: object) -> str:
    return "-" if value is None else str(value)


def summary_rows(doc: HealthStatus) -> list[tuple[str, str]]:
    """(label, value) lines shared by the text and HTML renderings."""
    svc = doc["service"]
    reads = doc["reads"]
    ret = doc["retention"]
    disk = doc["disk"]
    outbox = doc["outbox"]
    ledger = doc["ledger"]
    config = doc["config"]
    if svc["running"]:
        service = f"running (pid {svc['pid']}, up {_age(svc['uptime_s'])})"
    else:
        service = "not running (figures read from the files)"
    head = ledger["head"]
    cp = ledger["checkpoint"]
    verified = ledger.get("verified")
    ledger_text = (
        f"{'OK' if ledger['ok'] else 'NOT OK'}, {ledger['entries']} entries, head {head[:16] if head else '-'}"
        f", checkpoint at {_n(cp['size'] if cp else None)}"
    )
    if verified is not None and verified["at"]:
        ledger_text += f", verified {verified['at']}"
    if "error" in ledger:
        ledger_text += f" ({ledger['error']})"
    changed = ledger.get("sharing_changed")
    if changed is not None and changed["recent"]:  # loud: who may receive or search reads changed
        ledger_text += f"; SHARING CHANGED at {changed['ts']} (entry {changed['seq']}: {', '.join(changed['keys'])})"
    peers = ", ".join(
        f"{p['peer']} {p['pending']} pending"
        + ("" if p["connected"] is None else (" connected" if p["connected"] else " disconnected"))
        for p in outbox["peers"]
    )
    rows = [
        ("status", "healthy" if doc["healthy"] else "PROBLEMS"),
        ("service", service),
        ("node", svc["node_id"]),
        ("reads today", f"{_n(reads['today'])} (total {_n(reads['total'])}, last {_n(reads['last'])})"),
        ("outbox", f"{outbox['depth']} waiting" + (f" ({peers})" if peers else " (no peers granted)")),
        (
            "last purge",
            f"{_n(ret['last_purge'])} (lag {_age(ret['lag_s'])}, next {_n(ret['next_purge'])})",
        ),
        ("disk free", f"{disk['free_mb']} MiB (minimum {disk['min_free_mb']} MiB)"),
        ("ledger", ledger_text),
    ]
    synced = doc["clock"]["synchronised"]
    if synced is not None:
        rows.append(("clock", "synchronised" if synced else "NOT synchronised: read times may be wrong"))
    if "sha256" in config:  # the running service's reloader
        rows.append(("config", f"{config['source']} sha256 {config['sha256'][:12]}, loaded {config['loaded_at']}"))
        last = config["last_reload"]
        if last:
            rows.append(
                (
                    "last reload",
                    f"{last['outcome']} at {last['at']}" + (f": {last['error']}" if last["error"] else ""),
                )
            )
    return rows


def camera_rows(doc: HealthStatus) -> list[list[str]]:
    rows = []
    for c in doc["cameras"]:
        if "frames" not in c:  # a camera of the config only: the service is not running
            rows.append([c["camera"], c["state"], "-", "-", "-", "-", "-"])
            continue
        rows.append(
            [
                c["camera"],
                c["state"],
                f"{c['fps']:.1f}",
                _age(c["last_frame_age_s"]),
                str(c["reads"]),
                str(c["dropped"]),
                f"{c['latency_p95_ms']:.0f}",
            ]
        )
    return rows


CAMERA_HEADER = ["camera", "state", "fps", "last frame", "reads", "dropped", "p95 ms"]


def render_text(doc: HealthStatus) -> str:
    lines = []
    rows = summary_rows(doc)
    width = max(len(k) for k, _ in rows)
    lines += [f"{k.ljust(width)}  {v}" for k, v in rows]
    lines.append("")
    cams = camera_rows(doc)
    if cams:
        table = [CAMERA_HEADER, *cams]
        widths = [max(len(r[i]) for r in table) for i in range(len(CAMERA_HEADER))]
        lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in table]
    else:
        lines.append("no cameras configured")
    if doc["problems"]:
        lines.append("")
        lines.append("problems:")
        lines += [f"  - {p}" for p in doc["problems"]]
    return "\n".join(lines) + "\n"


def render_html(doc: HealthStatus, refresh: int = 10) -> str:
    ok = doc["healthy"]
    node = escape(doc["service"]["node_id"])
    summary = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in summary_rows(doc))
    head = "".join(f"<th>{escape(h)}</th>" for h in CAMERA_HEADER)
    cams = "".join(
        "<tr class='{}'>".format("up" if r[1] == "up" else "down")
        + "".join(f"<td>{escape(c)}</td>" for c in r)
        + "</tr>"
        for r in camera_rows(doc)
    )
    problems = "".join(f"<li>{escape(p)}</li>" for p in doc["problems"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{int(refresh)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edge-alpr {node}: {"healthy" if ok else "problems"}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:1.5em;color:#222}} table{{border-collapse:collapse;margin:1em 0}}
th,td{{text-align:left;padding:.25em .8em;border-bottom:1px solid #ddd}} .ok{{color:#176a2a}} .bad{{color:#a11}}
tr.down td{{color:#a11}} small{{color:#666}}
</style></head><body>
<h1>edge-alpr {node} <span class="{"ok" if ok else "bad"}">{"healthy" if ok else "PROBLEMS"}</span></h1>
{f"<ul class='bad'>{problems}</ul>" if problems else ""}
<table>{summary}</table>
<h2>Cameras</h2>
<table><tr>{head}</tr>{cams}</table>
<p><small>{escape(doc["time"])} &middot; <a href="/healthz">/healthz</a> &middot;
<a href="/metrics">/metrics</a> &middot; refreshes every {int(refresh)} s &middot;
no plate text is shown here</small></p>
</body></html>
"""
