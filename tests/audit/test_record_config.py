"""The configuration recorded in the ledger (at start, on reload, before a search) carries no secret."""

from __future__ import annotations

from pathlib import Path

from edge.audit.events import Actor
from edge.audit.ledger import Ledger
from edge.audit.search import record_config

DUMP = {
    "node_id": "n1",
    "sharing": {"peers": [{"name": "p", "key": "/etc/edge/peer.key", "broker": "mqtts://bob:hunter2@broker:8883"}]},
    "cameras": [{"name": "c", "source": "rtsp://admin:s3cret@10.0.0.5/stream"}],
}


def test_recorded_config_is_redacted_and_changes_listed(tmp_path: Path) -> None:
    actor = Actor("alice", "n1")
    with Ledger(tmp_path / "audit.db", tmp_path / "k.key") as ledger:
        first = record_config(ledger, DUMP, actor, "c.yaml")
        assert first is not None
        assert first.action == "config_loaded"
        assert record_config(ledger, DUMP, actor, "c.yaml") is None  # unchanged: nothing new
        changed = {**DUMP, "node_id": "n2"}
        second = record_config(ledger, changed, actor, "c.yaml")
        assert second is not None
        assert second.action == "config_changed"
        assert [c["key"] for c in second.detail_obj()["changes"]] == ["node_id"]
    raw = (tmp_path / "audit.db").read_bytes()
    for secret in (b"hunter2", b"s3cret", b"/etc/edge/peer.key"):
        assert secret not in raw
