"""The status document as terminal text (`edge-alpr status`) and as a small HTML page (the endpoint's /)."""

from __future__ import annotations

from html import escape
from typing import Any


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.1f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def _n(value: Any) -> str:
    return "-" if value is None else str(value)


def summary_rows(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) lines shared by the text and HTML renderings."""
    svc = doc.get("service", {})
    reads = doc.get("reads", {})
    ret = doc.get("retention", {})
    disk = doc.get("disk", {})
    outbox = doc.get("outbox", {})
    ledger = doc.get("ledger", {})
    config = doc.get("config", {})
    if svc.get("running"):
        service = f"running (pid {svc.get('pid')}, up {_age(svc.get('uptime_s'))})"
    else:
        service = "not running (figures read from the files)"
    head = ledger.get("head")
    cp = ledger.get("checkpoint") or {}
    verified = ledger.get("verified") or {}
    ledger_text = (
        f"{'OK' if ledger.get('ok') else 'NOT OK' if ledger.get('ok') is False else 'unknown'}, "
        f"{_n(ledger.get('entries'))} entries, head {head[:16] if head else '-'}"
        f", checkpoint at {_n(cp.get('size'))}"
    )
    if verified.get("at"):
        ledger_text += f", verified {verified['at']}"
    if ledger.get("error"):
        ledger_text += f" ({ledger['error']})"
    peers = ", ".join(
        f"{p['peer']} {p.get('pending', 0)} pending"
        + ("" if p.get("connected") is None else (" connected" if p["connected"] else " disconnected"))
        for p in outbox.get("peers", [])
    )
    rows = [
        ("status", "healthy" if doc.get("healthy") else "PROBLEMS"),
        ("service", service),
        ("node", _n(svc.get("node_id"))),
        ("reads today", f"{_n(reads.get('today'))} (total {_n(reads.get('total'))}, last {_n(reads.get('last'))})"),
        ("outbox", f"{_n(outbox.get('depth'))} waiting" + (f" ({peers})" if peers else " (no peers granted)")),
        (
            "last purge",
            f"{_n(ret.get('last_purge'))} (lag {_age(ret.get('lag_s'))}, next {_n(ret.get('next_purge'))})",
        ),
        ("disk free", f"{_n(disk.get('free_mb'))} MiB (minimum {_n(disk.get('min_free_mb'))} MiB)"),
        ("ledger", ledger_text),
    ]
    synced = (doc.get("clock") or {}).get("synchronised")
    if synced is not None:
        rows.append(("clock", "synchronised" if synced else "NOT synchronised: read times may be wrong"))
    if config.get("sha256"):
        rows.append(
            ("config", f"{config.get('source')} sha256 {config['sha256'][:12]}, loaded {config.get('loaded_at')}")
        )
        last = config.get("last_reload")
        if last:
            rows.append(
                (
                    "last reload",
                    f"{last['outcome']} at {last['at']}" + (f": {last['error']}" if last.get("error") else ""),
                )
            )
    return rows


def camera_rows(doc: dict[str, Any]) -> list[list[str]]:
    rows = []
    for c in doc.get("cameras", []):
        if "frames" not in c:
            rows.append([c["camera"], c.get("state", "-"), "-", "-", "-", "-", "-"])
            continue
        rows.append(
            [
                c["camera"],
                c["state"],
                f"{c.get('fps', 0.0):.1f}",
                _age(c.get("last_frame_age_s")),
                str(c.get("reads", 0)),
                str(c.get("dropped", 0)),
                f"{c.get('latency_p95_ms', 0.0):.0f}",
            ]
        )
    return rows


CAMERA_HEADER = ["camera", "state", "fps", "last frame", "reads", "dropped", "p95 ms"]


def render_text(doc: dict[str, Any]) -> str:
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
    if doc.get("problems"):
        lines.append("")
        lines.append("problems:")
        lines += [f"  - {p}" for p in doc["problems"]]
    return "\n".join(lines) + "\n"


def render_html(doc: dict[str, Any], refresh: int = 10) -> str:
    ok = bool(doc.get("healthy"))
    node = escape(str(doc.get("service", {}).get("node_id", "")))
    summary = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in summary_rows(doc))
    head = "".join(f"<th>{escape(h)}</th>" for h in CAMERA_HEADER)
    cams = "".join(
        "<tr class='{}'>".format("up" if r[1] == "up" else "down")
        + "".join(f"<td>{escape(c)}</td>" for c in r)
        + "</tr>"
        for r in camera_rows(doc)
    )
    problems = "".join(f"<li>{escape(p)}</li>" for p in doc.get("problems", []))
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
<p><small>{escape(str(doc.get("time", "")))} &middot; <a href="/healthz">/healthz</a> &middot;
<a href="/metrics">/metrics</a> &middot; refreshes every {int(refresh)} s &middot;
no plate text is shown here</small></p>
</body></html>
"""
