"""Against a real Mosquitto (TLS, require_certificate, per-client ACL) started by the test."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from edge.config import Config
from edge.config.sharing import PeerGrant
from edge.share import Outbox, ShareService
from edge.store import Store
from edge_tools.harness.mosquitto import Broker, Pki, Subscriber, try_connect
from tests.support.schemas import check
from tests.support.share import NODE, BrokerFactory, FakeLedger, MakeRead, default_acl, make_grant


def config(tmp_path: Path, *grants: PeerGrant) -> Config:
    cfg = Config(node_id=NODE, profile="IL")
    return cfg.model_copy(
        update={
            "store": cfg.store.model_copy(update={"path": str(tmp_path / "store.db"), "min_free_mb": 0}),
            "sharing": cfg.sharing.model_copy(update={"peers": list(grants)}),
        }
    )


def read_ids(messages: list[tuple[str, bytes]]) -> set[str]:
    return {json.loads(p)["read_id"] for _, p in messages if json.loads(p).get("kind") != "checkpoint"}


def ha_broker(broker_factory: BrokerFactory, topic: str) -> tuple[Broker, Subscriber]:
    """A broker whose ACL lets the device write Home Assistant discovery and peer-a read it, and peer-a
    listening on homeassistant/# and `topic`."""
    acl = default_acl()
    acl[NODE] = [*acl[NODE], ("write", "homeassistant/#")]
    acl["peer-a"] = [*acl["peer-a"], ("read", "homeassistant/#")]
    broker = broker_factory(acl)
    ha = Subscriber(broker, "peer-a", ["homeassistant/#", topic])
    ha.wait_ready()
    return broker, ha


def run_service(cfg: Config, ledger: FakeLedger, **options: Any) -> tuple[Store, ShareService]:
    store = Store.from_config(cfg)
    service = ShareService(cfg, ledger=ledger, actor="system", publisher_options=options or None)
    service.attach(store)
    service.start()
    return store, service


def test_granted_peer_gets_exactly_the_granted_fields_and_ungranted_peer_nothing(
    broker_factory: BrokerFactory, pki: Pki, tmp_path: Path, ledger: FakeLedger, make_read: MakeRead
) -> None:
    broker = broker_factory(default_acl())
    peer_a = Subscriber(broker, "peer-a", ["peers/a/#"])
    peer_b = Subscriber(broker, "peer-b", ["#", "peers/b/#"])  # its own valid certificate, listening everywhere
    peer_a.wait_ready()
    peer_b.wait_ready()
    grant = make_grant(broker, pki, fields=["time", "camera", "confidence"])
    store, service = run_service(config(tmp_path, grant), ledger)
    try:
        reads = [make_read(crop=b"\xff\xd8jpeg") for _ in range(5)]
        for r in reads:
            assert store.write(r)
        store.flush()
        want = {r.id for r in reads}
        assert peer_a.wait_for(lambda m: read_ids(m) >= want), f"peer-a got {len(peer_a.payloads())} messages"
        assert service.publishers["peer-a"].wait_idle(20)
    finally:
        service.stop()
        store.close()
    messages = [json.loads(p) for _, p in peer_a.payloads()]
    assert {m["read_id"] for m in messages} == want
    for m in messages:
        assert m["schema"] == "edge-alpr/share/1"
        assert m["node_id"] == NODE
        assert set(m["fields"]) == {"time", "camera", "confidence", "low_confidence"}
        assert m["purposes"] == ["stolen_vehicle"]
        assert m["grant"]["legal_basis"] == "mutual aid agreement 2026-14"
    raw = b"".join(p for _, p in peer_a.payloads())
    for r in reads:
        assert r.plate.encode() not in raw  # plate not granted: not in the bytes at all
    assert base64.b64encode(b"\xff\xd8jpeg") not in raw  # crop not granted
    peer_b.close()
    peer_a.close()
    assert peer_b.payloads() == []
    shares = ledger.of("share")
    assert {rid for e in shares for rid in e["read_ids"]} == want
    assert all(e["peer"] == "peer-a" and e["fields"] == ["time", "camera", "confidence"] for e in shares)


def test_plate_hash_instead_of_plate(
    broker_factory: BrokerFactory, pki: Pki, tmp_path: Path, ledger: FakeLedger, make_read: MakeRead
) -> None:
    from edge.share import plate_hash

    key = tmp_path / "hash.key"
    key.write_bytes(b"k" * 32)
    broker = broker_factory(default_acl())
    peer_a = Subscriber(broker, "peer-a", ["peers/a/#"])
    peer_a.wait_ready()
    grant = make_grant(broker, pki, fields=["plate_hash", "time"], plate_hash_key=str(key))
    store, service = run_service(config(tmp_path, grant), ledger)
    try:
        r = make_read(plate="HSH0001")
        store.write(r)
        store.flush()
        assert peer_a.wait_for(lambda m: len(m) >= 1)
    finally:
        service.stop()
        store.close()
        peer_a.close()
    (msg,) = [json.loads(p) for _, p in peer_a.payloads()]
    assert msg["fields"] == {"plate_hash": plate_hash(b"k" * 32, "HSH0001"), "time": "2026-06-01T12:00:00.000000Z"}
    assert b"HSH0001" not in peer_a.payloads()[0][1]


def test_hits_only_grant_sends_hits_of_granted_categories_only(
    broker_factory: BrokerFactory, pki: Pki, tmp_path: Path, ledger: FakeLedger, make_read: MakeRead
) -> None:
    broker = broker_factory(default_acl())
    peer_a = Subscriber(broker, "peer-a", ["peers/a/#"])
    peer_a.wait_ready()
    grant = make_grant(broker, pki, share="hit_categories", categories=["stolen-vehicle"], fields=["plate", "hit"])
    store, service = run_service(config(tmp_path, grant), ledger)
    try:
        plain, stolen, other = make_read(), make_read(), make_read()
        for r in (plain, stolen, other):
            store.write(r)
        store.mark_hit(stolen.id, "ncic", category="stolen-vehicle")
        store.mark_hit(other.id, "local", category="parking")
        store.flush()
        assert peer_a.wait_for(lambda m: len(m) >= 1)
        assert service.publishers["peer-a"].wait_idle(20)
    finally:
        service.stop()
        store.close()
        peer_a.close()
    msgs = [json.loads(p) for _, p in peer_a.payloads()]
    assert [m["read_id"] for m in msgs] == [stolen.id]
    assert msgs[0]["kind"] == "hit"
    # a hit stored without an alert record (no hotlist basis) still names its list, category and match
    hit = {"hotlist": "ncic", "category": "stolen-vehicle", "basis": None, "match_kind": "exact"}
    assert msgs[0]["fields"] == {"plate": stolen.plate, "hit": [hit]}


def test_wrong_certificates_cannot_connect(broker_factory: BrokerFactory, pki: Pki) -> None:
    broker = broker_factory(default_acl())
    assert try_connect(broker, pki.client("peer-a")) == "connected"  # the probe itself works
    assert try_connect(broker, pki.rogue_client("peer-a")) != "connected"  # same name, untrusted CA
    assert try_connect(broker, None) != "connected"  # no certificate at all
    # and this device refuses a broker whose certificate does not chain to the configured CA
    assert try_connect(broker, pki.client("peer-a"), ca=pki.rogue.path) != "connected"


def test_publisher_does_not_connect_to_a_broker_it_cannot_verify(
    broker_factory: BrokerFactory, pki: Pki, tmp_path: Path, ledger: FakeLedger, make_read: MakeRead
) -> None:
    broker = broker_factory(default_acl())
    grant = make_grant(broker, pki, ca=str(pki.rogue.path))
    store, service = run_service(config(tmp_path, grant), ledger)
    try:
        store.write(make_read())
        store.flush()
        assert not service.publishers["peer-a"].wait_idle(3)
        status = service.publishers["peer-a"].status()
    finally:
        service.stop()
        store.close()
    assert not status.connected
    assert status.published == 0
    outbox = Outbox(tmp_path / "store.db", readonly=True)
    assert outbox.depth("peer-a") == 1  # waits in the outbox, not lost
    outbox.close()


def test_broker_down_for_a_while_loses_no_read(
    broker_factory: BrokerFactory, pki: Pki, tmp_path: Path, ledger: FakeLedger, make_read: MakeRead
) -> None:
    broker: Broker = broker_factory(default_acl())
    peer_a = Subscriber(broker, "peer-a", ["peers/a/#"])
    peer_a.wait_ready()
    store, service = run_service(config(tmp_path, make_grant(broker, pki)), ledger)
    written: list[str] = []
    try:
        for _ in range(20):
            r = make_read()
            written.append(r.id)
            store.write(r)
        store.flush()
        assert peer_a.wait_for(lambda m: len(read_ids(m)) >= 5)
        broker.stop()
        for _ in range(30):  # written while the broker is down: they wait in the outbox
            r = make_read()
            written.append(r.id)
            store.write(r)
        store.flush()
        pending_while_down = Outbox(tmp_path / "store.db", readonly=True).depth("peer-a")
        broker.start()
        assert peer_a.wait_for(lambda m: read_ids(m) >= set(written), timeout=60), (
            f"missing {len(set(written) - read_ids(peer_a.payloads()))} of {len(written)}"
        )
        assert service.publishers["peer-a"].wait_idle(30)
    finally:
        service.stop()
        store.close()
        peer_a.close()
    assert pending_while_down >= 30
    assert read_ids(peer_a.payloads()) == set(written)


def test_no_ledger_entry_no_publish(
    broker_factory: BrokerFactory, pki: Pki, tmp_path: Path, ledger: FakeLedger, make_read: MakeRead
) -> None:
    broker = broker_factory(default_acl())
    peer_a = Subscriber(broker, "peer-a", ["peers/a/#"])
    peer_a.wait_ready()
    ledger.fail = True
    store, service = run_service(config(tmp_path, make_grant(broker, pki)), ledger, retry_pause=0.2)
    try:
        r = make_read()
        store.write(r)
        store.flush()
        pub = service.publishers["peer-a"]
        assert peer_a.wait_for(lambda _m: pub.status().ledger_failures >= 2, timeout=20)
        assert peer_a.payloads() == []
        assert pub.status().published == 0
        ledger.fail = False  # the ledger is back: the read goes out, recorded
        assert peer_a.wait_for(lambda m: read_ids(m) == {r.id})
    finally:
        service.stop()
        store.close()
        peer_a.close()
    assert [e["read_ids"] for e in ledger.of("share")] == [[r.id]]


def test_home_assistant_discovery_only_when_granted(
    broker_factory: BrokerFactory, pki: Pki, tmp_path: Path, ledger: FakeLedger, make_read: MakeRead
) -> None:
    from edge.config.cameras import CameraConfig

    broker, ha = ha_broker(broker_factory, "peers/a/ha/#")
    grant = make_grant(broker, pki, fields=["plate", "time", "camera"], home_assistant=True)
    cfg = config(tmp_path, grant).model_copy(update={"cameras": [CameraConfig(name="gate-1", source="0")]})
    store, service = run_service(cfg, ledger)
    try:
        r = make_read(plate="HAS0001", camera="gate-1")
        store.write(r)
        store.flush()
        assert ha.wait_for(lambda m: any(t.endswith("/last_plate") for t, _ in m))
    finally:
        service.stop()
        store.close()
    availability = f"peers/a/ha/{NODE}/availability"
    assert ha.wait_for(lambda m: (availability, b"offline") in m), "no offline on an orderly stop"
    ha.close()
    for topic, payload in ha.payloads():
        check(topic, payload)
    by_topic = dict(ha.payloads())
    uid = f"edge_alpr_{NODE.replace('-', '_')}_gate_1_last_plate"
    config_msg = json.loads(by_topic[f"homeassistant/sensor/{uid}/config"])
    assert config_msg["state_topic"] == f"peers/a/ha/{NODE}/gate-1/last_plate"
    assert config_msg["default_entity_id"] == f"sensor.{uid}"
    assert "object_id" not in config_msg
    assert config_msg["availability"] == [
        {"topic": availability, "payload_available": "online", "payload_not_available": "offline"}
    ]
    assert config_msg["device"]["identifiers"] == [f"edge_alpr_{NODE.replace('-', '_')}"]
    # no hit or crop granted: no alert event, no image entity
    assert not [t for t in by_topic if t.startswith(("homeassistant/event/", "homeassistant/image/"))]
    state = json.loads(by_topic[f"peers/a/ha/{NODE}/gate-1/last_plate"])
    assert state == {"plate": "HAS0001", "time": "2026-06-01T12:00:00.000000Z", "read_id": r.id}
    statuses = [p for t, p in ha.payloads() if t == availability]
    assert statuses[0] == b"online"
    assert statuses[-1] == b"offline"


def test_home_assistant_alerts_crops_and_last_will(
    broker_factory: BrokerFactory, pki: Pki, tmp_path: Path, ledger: FakeLedger, make_read: MakeRead
) -> None:
    """Every entity on: a hotlist hit raises the alert event, the crop reaches the image entity, and
    a dropped connection (no DISCONNECT) makes the broker send the last will 'offline'. Every
    payload on every topic validates against its schema in docs/schemas/."""
    from edge.config.cameras import CameraConfig

    broker, ha = ha_broker(broker_factory, "peers/a/#")
    grant = make_grant(
        broker,
        pki,
        fields=["plate", "time", "camera", "confidence", "bbox", "hit", "crop"],
        home_assistant=True,
        home_assistant_crops=True,
    )
    cfg = config(tmp_path, grant).model_copy(update={"cameras": [CameraConfig(name="gate-1", source="0")]})
    cfg = cfg.model_copy(update={"store": cfg.store.model_copy(update={"keep_crops": True})})
    availability = f"peers/a/ha/{NODE}/availability"
    store, service = run_service(cfg, ledger)
    try:
        plain, stolen = make_read(camera="gate-1", crop=b"\xff\xd8jpeg"), make_read(camera="gate-1")
        store.write(plain)
        store.write(stolen)
        store.mark_hit(stolen.id, "ncic", category="stolen-vehicle")
        store.flush()
        assert ha.wait_for(lambda m: any(t.endswith("/alert") for t, _ in m)), "no alert event"
        assert ha.wait_for(lambda m: any(t.endswith("/plate_crop") for t, _ in m)), "no crop"
        pub = service.publishers["peer-a"]
        sock = pub._client.socket()
        assert sock is not None
        sock.close()  # the link drops without a DISCONNECT: the broker publishes the last will
        assert ha.wait_for(lambda m: (availability, b"offline") in m, timeout=30), "no last will"
        n = len([p for t, p in ha.payloads() if t == availability])
        assert ha.wait_for(lambda m: [p for t, p in m if t == availability][n:] == [b"online"], timeout=30), (
            "no online after reconnecting"
        )
    finally:
        service.stop()
        store.close()
    ha.close()
    names = [check(topic, payload) for topic, payload in ha.payloads()]
    for name in ("ha-discovery-sensor", "ha-discovery-event", "ha-discovery-image", "ha-availability"):
        assert name in names
    for name in ("ha-last-plate", "ha-alert", "ha-plate-crop", "share-read"):
        assert name in names
    by_topic = dict(ha.payloads())
    alerts = {json.loads(p)["read_id"]: json.loads(p) for t, p in ha.payloads() if t.endswith("/alert")}
    (alert,) = alerts.values()  # at least once: a resend after the dropped link may repeat it
    assert (alert["event_type"], alert["hotlist"], alert["category"]) == ("hotlist_hit", "ncic", "stolen-vehicle")
    assert (alert["read_id"], alert["plate"], alert["camera"]) == (stolen.id, stolen.plate, "gate-1")
    assert base64.b64decode(by_topic[f"peers/a/ha/{NODE}/gate-1/plate_crop"]) == b"\xff\xd8jpeg"
    uid = f"edge_alpr_{NODE.replace('-', '_')}_gate_1_hotlist_alert"
    event_cfg = json.loads(by_topic[f"homeassistant/event/{uid}/config"])
    assert event_cfg["event_types"] == ["hotlist_hit"]


def test_no_home_assistant_without_the_grant_flag(
    broker_factory: BrokerFactory, pki: Pki, tmp_path: Path, ledger: FakeLedger, make_read: MakeRead
) -> None:
    from edge.config.cameras import CameraConfig

    broker, ha = ha_broker(broker_factory, "peers/a/#")
    cfg = config(tmp_path, make_grant(broker, pki)).model_copy(
        update={"cameras": [CameraConfig(name="gate-1", source="0")]}
    )
    store, service = run_service(cfg, ledger)
    try:
        r = make_read(camera="gate-1")
        store.write(r)
        store.flush()
        assert ha.wait_for(lambda m: len(m) >= 1)
        assert service.publishers["peer-a"].wait_idle(20)
    finally:
        service.stop()
        store.close()
        ha.close()
    assert [t for t, _ in ha.payloads()] == [f"peers/a/reads/{NODE}"]


def test_checkpoints_only_grant_gets_signed_checkpoints_and_no_reads(
    broker_factory: BrokerFactory, pki: Pki, tmp_path: Path, make_read: MakeRead
) -> None:
    from edge.audit.events import Actor
    from edge.audit.ledger import open_ledger

    broker = broker_factory(default_acl())
    peer = Subscriber(broker, "peer-a", ["peers/a/#"])
    peer.wait_ready()
    cfg = config(tmp_path, make_grant(broker, pki, share="checkpoints"))
    with open_ledger(cfg) as book:
        book.append("startup", Actor.system(NODE), {"note": "test"}, "ok")
    # closing the ledger signed a checkpoint of size 1
    store = Store.from_config(cfg)
    service = ShareService(cfg, ledger=lambda: open_ledger(cfg))
    service.attach(store)
    service.start()
    try:
        store.write(make_read())
        store.flush()
        assert peer.wait_for(lambda m: len(m) >= 1)
        assert service.publishers["peer-a"].wait_idle(20)
    finally:
        service.stop()
        store.close()
        peer.close()
    ((topic, raw),) = peer.payloads()
    assert check(topic, raw) == "share-checkpoint"
    msg = json.loads(raw)
    assert topic == f"peers/a/checkpoints/{NODE}"
    assert msg["kind"] == "checkpoint"
    assert msg["checkpoint"]["size"] >= 1
    assert "read_id" not in msg
