"""Issue 27, "sharing changes are loud": a change of grants, profile or search policy is flagged in
its signed ledger entry, listed in the report's period, and its signed head queued for every peer at
once (the case to beat: a national lookup switched off that silently came back on)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from edge.app import _push_on_sharing_change
from edge.audit.events import Actor
from edge.audit.ledger import open_ledger
from edge.audit.report import build_report, render_html
from edge.audit.search import record_config
from edge.config import Config, parse_config
from edge.share import ShareService
from edge.store import Store
from edge_tools.harness.grants import NODE, grant_yaml
from edge_tools.harness.mosquitto import Pki

ACTOR = Actor("admin", "SPRINGFIELD-PD")


def site(tmp_path: Path, pki: Pki, *, profile: str = "IL", retention: str = "21d", grant: bool = True) -> Config:
    text = f"node_id: {NODE}\nprofile: {profile}\nstore:\n  path: {tmp_path / 'store.db'}\n  min_free_mb: 0\n"
    text += f"retention:\n  non_hit: {retention}\n"
    if grant:
        text += grant_yaml("mqtts://127.0.0.1:1", pki)
    return parse_config(text)


def test_a_sharing_change_is_flagged_in_the_ledger_and_the_report(tmp_path: Path, pki: Pki) -> None:
    first = site(tmp_path, pki, grant=False)
    with open_ledger(first) as ledger:
        record_config(ledger, first.model_dump(mode="json"), ACTOR, "site.yaml")
        # retention only: a change, not a sharing change
        record_config(ledger, site(tmp_path, pki, grant=False, retention="14d").model_dump(mode="json"), ACTOR, "s")
        # a grant appears: who may receive reads changed
        record_config(ledger, site(tmp_path, pki, retention="14d").model_dump(mode="json"), ACTOR, "site.yaml")
        entries = list(ledger.entries(actions=("config_changed",)))
    assert [e.detail_obj().get("sharing_changed") for e in entries] == [None, ["sharing.peers"]]
    data = build_report(tmp_path / "audit.db")
    assert data["totals"]["sharing_changes"] == 1
    flagged = [c for c in data["config_changes"] if c["sharing_changed"]]
    assert [c["sharing_changed"] for c in flagged] == [["sharing.peers"]]
    html = render_html(data)
    assert "Changes to sharing, profile or search policy" in html
    assert "sharing.peers" in html
    # /healthz and `edge-alpr status` show it too (a flag for a week, not a health problem)
    from edge.health.monitor import HealthMonitor
    from edge.health.render import render_text

    monitor = HealthMonitor(first)
    ledger_info = monitor.ledger()
    changed = ledger_info.get("sharing_changed")
    assert changed is not None
    assert (changed["seq"], changed["keys"], changed["recent"]) == (entries[1].seq, ["sharing.peers"], True)
    doc = monitor.snapshot()
    assert doc["ledger"]["sharing_changed"]["keys"] == ["sharing.peers"]
    assert "SHARING CHANGED" in render_text(doc)
    assert doc["healthy"] or not any("sharing" in p for p in doc["problems"])


def test_a_sharing_change_pushes_a_freshly_signed_head_to_every_peer(tmp_path: Path, pki: Pki) -> None:
    cfg = site(tmp_path, pki)
    with Store.from_config(cfg):
        pass
    service = ShareService(cfg, ledger=lambda: open_ledger(cfg))
    with open_ledger(cfg) as ledger:
        ledger.append("search", ACTOR, {"purpose": "stolen-vehicle"}, "allowed")
    assert service.share_checkpoint(sign_now=True)
    with open_ledger(cfg, readonly=True) as ledger:
        size = len(list(ledger.entries()))
    with sqlite3.connect(cfg.store.path) as conn:
        rows = conn.execute("SELECT peer, payload FROM share_outbox WHERE kind = 'checkpoint'").fetchall()
    assert [(peer, json.loads(payload)["size"]) for peer, payload in rows] == [("peer-a", size)]

    pushed: list[bool] = []

    class Share:
        def share_checkpoint(self, *, sign_now: bool = False) -> bool:
            pushed.append(sign_now)
            return True

    apply = _push_on_sharing_change(Share())
    apply(cfg, site(tmp_path, pki, retention="14d"))  # not about sharing
    assert pushed == []
    apply(cfg, site(tmp_path, pki, profile="none"))
    apply(cfg, cfg.model_copy(update={"sharing": cfg.sharing.model_copy(update={"peers": []})}))
    assert pushed == [True, True]
