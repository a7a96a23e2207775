"""Alerts reach only the peers whose grants take that category: real TLS Mosquitto, real store and ledger."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from edge.audit.events import Actor
from edge.audit.ledger import Ledger
from edge.config import Config
from edge.config.hotlist import HotlistConfig
from edge.config.sharing import PeerGrant
from edge.hotlist import Hotlists, ReadSink
from edge.hotlist.parse import parse_file
from edge.share import ShareService
from edge.store import Store
from edge.store.reads import hit_fields
from edge_tools.harness.mosquitto import Broker, Pki, Subscriber, mosquitto_binary
from tests.support.hotlist import T0, Clock, make_read, random_plates, write_csv

NODE = "edge-node"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    mosquitto_binary()
    return Pki(tmp_path_factory.mktemp("pki"))


def grant(broker: Broker, pki: Pki, name: str, prefix: str, categories: list[str], fields: list[str]) -> PeerGrant:
    ident = pki.client(NODE)
    return PeerGrant(
        name=name,
        broker=broker.url,
        ca=str(pki.ca.path),
        cert=str(ident.cert),
        key=str(ident.key),
        topic_prefix=prefix,
        agency=f"{name} police",
        jurisdiction="IL",
        share="hit_categories",
        categories=categories,
        fields=fields,  # type: ignore[arg-type]
        purposes=["stolen-vehicle"],
        legal_basis="mutual aid agreement 2026-14",
        expires=date(2030, 1, 1),
    )


def load(hot: Hotlists, ledger: Ledger, tmp_path: Path, name: str, category: str, plates: list[str]) -> None:
    hot.import_list(
        parse_file(write_csv(tmp_path / f"{name}.csv", plates)),
        name=name, category=category, source=f"{name} feed", basis=f"{name} basis 7", expires=None,
        actor=Actor("officer1", NODE), ledger=ledger, config=HotlistConfig(),
    )  # fmt: skip


def test_alerts_reach_only_peers_granted_their_category(pki: Pki, tmp_path: Path) -> None:
    acl = {
        NODE: [("write", "peers/a/#"), ("write", "peers/b/#")],
        "peer-a": [("read", "peers/a/#")],
        "peer-b": [("read", "peers/b/#")],
    }
    for cn in acl:
        pki.client(cn)
    broker = Broker(pki, tmp_path / "broker", acl)
    broker.start()
    peer_a = Subscriber(broker, "peer-a", ["peers/a/#"])
    peer_b = Subscriber(broker, "peer-b", ["peers/b/#"])
    peer_a.wait_ready()
    peer_b.wait_ready()
    grants = [
        grant(broker, pki, "peer-a", "peers/a", ["stolen-vehicle"], ["plate", "time", "hit"]),
        grant(broker, pki, "peer-b", "peers/b", ["amber-alert"], ["time", "camera", "hit"]),
    ]
    base = Config(node_id=NODE, profile="IL")
    cfg = base.model_copy(
        update={
            "store": base.store.model_copy(update={"path": str(tmp_path / "store.db"), "min_free_mb": 0}),
            "sharing": base.sharing.model_copy(update={"peers": grants}),
        }
    )
    ledger_path, key_path = tmp_path / "audit.db", tmp_path / "audit.key"
    stolen = random_plates(100, seed=3)
    amber = random_plates(3, seed=4)
    clock = Clock(T0 - timedelta(days=1))
    store = Store.from_config(cfg)
    service = ShareService(cfg, ledger=lambda: Ledger(ledger_path, key_path), clock=clock)
    service.attach(store)
    service.start()
    try:
        with Ledger(ledger_path, key_path) as ledger, Hotlists(tmp_path / "hotlists.db", clock=clock) as hot:
            load(hot, ledger, tmp_path, "ncic-stolen", "stolen-vehicle", stolen)
            load(hot, ledger, tmp_path, "amber-17", "amber-alert", amber)
            sink = ReadSink(store, hot, config=HotlistConfig(), ledger=ledger, actor=Actor.system(NODE))
            r_stolen, r_amber, r_plain = make_read(stolen[5]), make_read(amber[1], camera="cam2"), make_read("ZZ99999")
            for r in (r_stolen, r_amber, r_plain):
                assert sink(r)
            store.flush()
            assert sink.stats.alerts == 2
            assert peer_a.wait_for(lambda m: len(m) >= 1)
            assert peer_b.wait_for(lambda m: len(m) >= 1)
            assert service.publishers["peer-a"].wait_idle(20)
            assert service.publishers["peer-b"].wait_idle(20)
    finally:
        service.stop()
        store.close()
        peer_a.close()
        peer_b.close()
        broker.stop()
    a_msgs = [m for _, p in peer_a.payloads() if (m := json.loads(p))["kind"] != "checkpoint"]
    b_msgs = [m for _, p in peer_b.payloads() if (m := json.loads(p))["kind"] != "checkpoint"]
    assert [(m["kind"], m["read_id"]) for m in a_msgs] == [("hit", r_stolen.id)]
    assert [(m["kind"], m["read_id"]) for m in b_msgs] == [("hit", r_amber.id)]
    # only the granted fields, and the hit names the list and its category
    assert set(a_msgs[0]["fields"]) == {"plate", "time", "hit"}
    assert a_msgs[0]["fields"]["plate"] == stolen[5]
    assert set(b_msgs[0]["fields"]) == {"time", "camera", "hit"}
    assert amber[1].encode() not in peer_b.payloads()[0][1]  # plate not granted to peer-b
    for msg, (name, cat) in ((a_msgs[0], ("ncic-stolen", "stolen-vehicle")), (b_msgs[0], ("amber-17", "amber-alert"))):
        (hit,) = msg["fields"]["hit"]
        assert hit == {"hotlist": name, "category": cat, "basis": f"{name} basis 7", "match_kind": "exact"}
    # the basis and match kind travel with the hit in the store, for the message builder
    with sqlite3.connect(tmp_path / "store.db") as conn:
        assert hit_fields(conn, r_stolen.id) == [
            {
                "hotlist": "ncic-stolen",
                "category": "stolen-vehicle",
                "basis": "ncic-stolen basis 7",
                "match_kind": "exact",
            }
        ]
        assert hit_fields(conn, r_stolen.id, ["amber-alert"]) == []
    shares = Ledger(ledger_path, readonly=True)
    try:
        rows = shares.connection.execute("SELECT action, detail FROM entries ORDER BY seq").fetchall()
    finally:
        shares.close()
    actions = [a for a, _ in rows]
    assert actions.count("alert") == 2
    sent: dict[str, Any] = {}
    for a, d in rows:
        if a == "share":
            detail = json.loads(d)
            sent.setdefault(detail["peer"], []).extend(detail["read_ids"])
    assert sent == {"peer-a": [r_stolen.id], "peer-b": [r_amber.id]}
