"""Issue 27, "identity" and "a misconfigured broker learns nothing": payloads sealed to the peer's
key, search requests signed by the peer, checked against a real Mosquitto whose ACL lets an
eavesdropping client read everything."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import stat
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from edge.audit.ledger import open_ledger
from edge.cli import main
from edge.config import ConfigError, load_config, parse_config
from edge.share import ShareService
from edge.share.remote import make_search_handler
from edge.share.seal import (
    ReplayGuard,
    SealError,
    generate,
    load_private,
    open_sealed,
    public_text,
    seal,
    sign_request,
    verify_request,
)
from edge.store import Store
from edge_tools.harness.grants import NODE, PEER_A_REQUEST_KEY, grant_yaml
from edge_tools.harness.mosquitto import Broker, Pki, Subscriber
from tests.support.schemas import check
from tests.support.share import BrokerFactory, MakeRead, default_acl, search_site_yaml

TOPIC = f"peers/a/reads/{NODE}"
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def test_a_sealed_payload_opens_only_with_the_key_and_on_its_topic() -> None:
    key = X25519PrivateKey.generate()
    message = b'{"fields":{"plate":"ZZT4821"}}'
    sealed = seal(message, key.public_key(), TOPIC)
    assert b"ZZT4821" not in sealed
    assert seal(message, key.public_key(), TOPIC) != sealed  # a fresh key per message: equal plates look unequal
    assert open_sealed(sealed, key, TOPIC) == message
    with pytest.raises(SealError, match="another topic"):
        open_sealed(sealed, key, f"peers/b/reads/{NODE}")  # a broker moving it elsewhere
    with pytest.raises(SealError, match="not to this key"):
        open_sealed(sealed, X25519PrivateKey.generate(), TOPIC)
    env = json.loads(sealed)
    ct = bytearray(base64.b64decode(env["ct"]))
    ct[3] ^= 1
    env["ct"] = base64.b64encode(bytes(ct)).decode()
    with pytest.raises(SealError, match="altered"):
        open_sealed(json.dumps(env).encode(), key, TOPIC)


def test_a_request_must_be_signed_fresh_new_and_addressed_to_this_device(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    guard = ReplayGuard()
    body = {"request_id": "q1", "plate": "ZZT4821", "purpose": "stolen-vehicle"}

    def check(request: dict, when: datetime = NOW, g: ReplayGuard = guard) -> str:
        return verify_request(request, key.public_key(), g, when, node_id=NODE, peer="hub") or ""

    signed = sign_request(body, key, NOW, to=NODE)
    assert check(signed, NOW + timedelta(seconds=30)) == ""
    assert "already answered" in check(signed)
    assert "not signed" in check({**body, "request_id": "q2"})
    forged = {**sign_request({**body, "request_id": "q3"}, key, NOW, to=NODE), "purpose": "immigration"}
    assert "does not verify" in check(forged)
    other = sign_request({**body, "request_id": "q4"}, Ed25519PrivateKey.generate(), NOW, to=NODE)
    assert "does not verify" in check(other)
    stale = sign_request({**body, "request_id": "q5"}, key, NOW - timedelta(minutes=6), to=NODE)
    assert "stale" in check(stale)
    # Review of 2026-12-06: a request copied to another device's topic was answered there.
    elsewhere = sign_request({**body, "request_id": "q6"}, key, NOW, to="edge-node2")
    assert "not to this device" in check(elsewhere)
    # ...and a restart forgot the ids seen, so a captured request was answered again.
    kept = tmp_path / "replays.db"
    again = sign_request({**body, "request_id": "q7"}, key, NOW, to=NODE)
    assert check(again, g=ReplayGuard(path=kept)) == ""
    assert "already answered" in check(again, g=ReplayGuard(path=kept))  # a new guard: the service restarted
    # ...and a flood of one peer's requests pushed another's used ids out: each peer has its own window
    # now, and a full one refuses rather than forgets (second review: one shared count let one peer
    # lock the others out)
    for path in (None, tmp_path / "full.db"):
        full = ReplayGuard(capacity=2, path=path)
        assert full.first_time("a", NOW, "peer-b")
        assert full.first_time("b", NOW, "peer-b")
        assert full.first_time("c", NOW, "peer-b") is None
        assert full.first_time("q1", NOW, "hub")
        assert full.first_time("q2", NOW, "hub")
        assert "too many requests" in check(sign_request({**body, "request_id": "q8"}, key, NOW, to=NODE), g=full)
    # a replay file another process holds locked: refused, not an error nobody records
    locked = tmp_path / "locked.db"
    guard_locked = ReplayGuard(path=locked)
    blocker = sqlite3.connect(locked, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    guard_locked._db.execute("PRAGMA busy_timeout = 100")  # type: ignore[union-attr]
    try:
        assert "replay check could not take it" in check(
            sign_request({**body, "request_id": "q9"}, key, NOW, to=NODE), g=guard_locked
        )
    finally:
        blocker.execute("ROLLBACK")
    # a lone surrogate (JSON "\ud800") has no UTF-8 to sign: "does not verify", not an unrecorded error
    assert "does not verify" in check({**signed, "request_id": "q10", "user": "\ud800"})
    assert "longer than 128" in check(sign_request({**body, "request_id": "r" * 200}, key, NOW, to=NODE))


def _grant(broker: str, extra: str = "", search: bool = True) -> str:
    return f"""
sharing:
  peers:
    - name: hub
      broker: {broker}
      ca: /x/ca.pem
      cert: /x/c.pem
      key: /x/k.pem
      topic_prefix: hub
      agency: Springfield PD
      jurisdiction: IL
      share: all
      purposes: [stolen-vehicle]
      legal_basis: mutual aid agreement 2026-14
      expires: 2030-01-01
      search: {str(search).lower()}
{extra}"""


def test_a_peer_on_another_machine_needs_a_seal_key_and_a_request_key() -> None:
    seal_key = public_text(X25519PrivateKey.generate().public_key())
    request_key = public_text(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(ConfigError, match=r"seal_key: required for a peer on broker hub\.example\.org"):
        parse_config(_grant("mqtts://hub.example.org:8883", search=False))
    with pytest.raises(ConfigError, match=r"request_key: required with search: true"):
        parse_config(_grant("mqtts://hub.example.org:8883", f"      seal_key: {seal_key}\n"))
    cfg = parse_config(
        _grant("mqtts://hub.example.org:8883", f"      seal_key: {seal_key}\n      request_key: {request_key}\n")
    )
    assert cfg.sharing.peers[0].seal_key == seal_key
    # a broker on this machine may stay in clear (its ACL is the device's own), but searches are signed there too
    with pytest.raises(ConfigError, match=r"request_key: required with search: true"):
        parse_config(_grant("mqtts://127.0.0.1:8883"))
    assert parse_config(_grant("mqtts://127.0.0.1:8883", search=False)).sharing.peers[0].seal_key is None
    with pytest.raises(ConfigError, match=r"search: true with share: checkpoints"):
        parse_config(
            _grant("mqtts://127.0.0.1:8883", f"      request_key: {request_key}\n").replace(
                "share: all", "share: checkpoints"
            )
        )
    with pytest.raises(ConfigError, match=r":\d+: sharing.peers.0.seal_key: .*expected x25519:BASE64"):
        parse_config(_grant("mqtts://127.0.0.1:8883", f"      seal_key: {request_key}\n"))
    with pytest.raises(ConfigError, match="home_assistant and seal_key exclude each other"):
        parse_config(_grant("mqtts://127.0.0.1:8883", f"      seal_key: {seal_key}\n      home_assistant: true\n"))


def test_keygen_writes_private_keys_0600_prints_public_ones_and_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "keys"
    res = CliRunner().invoke(main, ["share", "keygen", "--name", "hub", "--out", str(out)])
    assert res.exit_code == 0, res.output
    lines = dict(line.split(": ", 1) for line in res.output.splitlines() if line.startswith(("seal_", "request_")))
    assert lines["seal_key"].startswith("x25519:")
    assert lines["request_key"].startswith("ed25519:")
    for name in ("hub.seal.pem", "hub.sign.pem"):
        assert stat.S_IMODE(os.stat(out / name).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o700
    again = CliRunner().invoke(main, ["share", "keygen", "--name", "hub", "--out", str(out)])
    assert again.exit_code != 0
    assert "not overwritten" in str(again.exception)
    key = load_private(out / "hub.seal.pem", X25519PrivateKey)
    assert public_text(key.public_key()) == lines["seal_key"]


def _site(tmp_path: Path, broker: Broker, pki: Pki, peer: dict[str, str], device: dict[str, str]) -> Path:
    text = search_site_yaml(tmp_path / "store.db") + grant_yaml(broker.url, pki, search=True)
    text = text.replace(f"request_key: {PEER_A_REQUEST_KEY}", f"request_key: {peer['request_key']}")
    text += f"      seal_key: {peer['seal_key']}\n"
    text += f"  open_key: {device['seal_private']}\n"
    path = tmp_path / "site.yaml"
    path.write_text(text)
    return path


def _ask(asker: Subscriber, payload: bytes) -> None:
    asker.client.publish(f"peers/a/search/request/{NODE}", payload, qos=1).wait_for_publish(10)


def test_a_broker_that_lets_anyone_read_learns_nothing_and_cannot_forge_a_search(
    broker_factory: BrokerFactory, pki: Pki, tmp_path: Path, make_read: MakeRead
) -> None:
    acl = default_acl()
    acl["peer-b"] = [("read", "#")]  # the misconfiguration: another client may read every topic
    broker = broker_factory(acl)
    peer_keys = generate(tmp_path, "peer-a")
    device_keys = generate(tmp_path, "device")
    cfg = load_config(_site(tmp_path, broker, pki, peer_keys, device_keys))
    target = make_read(plate="RMT0001")
    eavesdropper = Subscriber(broker, "peer-b", ["#"])
    peer = Subscriber(broker, "peer-a", ["peers/a/#"])
    eavesdropper.wait_ready()
    peer.wait_ready()
    service = ShareService(
        cfg, ledger=lambda: open_ledger(cfg), search_handler=make_search_handler(cfg, lambda: open_ledger(cfg))
    )
    store = Store.from_config(cfg)
    service.attach(store)
    service.start()
    sign = load_private(Path(peer_keys["sign_private"]), Ed25519PrivateKey)
    device_pub = load_private(Path(device_keys["seal_private"]), X25519PrivateKey).public_key()
    req_topic = f"peers/a/search/request/{NODE}"
    body: dict[str, Any] = {
        "purpose": "stolen-vehicle",
        "case": "2026-00123",
        "reason": "Vehicle reported stolen from Elm St lot last night",
        "requester": "SPRINGFIELD-PD",
        "user": "jdoe",
        "plate": "RMT0001",
    }
    unsigned = {**body, "request_id": str(uuid.uuid4())}
    signed = sign_request({**body, "request_id": str(uuid.uuid4())}, sign, to=NODE)
    try:
        assert store.write(target)
        store.flush()
        assert peer.wait_for(lambda m: any(t == f"peers/a/reads/{NODE}" for t, _ in m)), "no read reached peer-a"
        pub = service.publishers["peer-a"]
        assert pub.listening.wait(20)
        asker = Subscriber(broker, "peer-a", [], identity=pki.client("peer-a"))
        assert asker.connected.wait(10)
        _ask(asker, json.dumps(unsigned).encode())  # unsigned, in clear: refused
        _ask(asker, seal(json.dumps(signed).encode(), device_pub, req_topic))  # signed and sealed: answered
        _ask(asker, seal(json.dumps(signed).encode(), device_pub, req_topic))  # the same again: a replay
        replies = lambda m: [p for t, p in m if t.startswith("peers/a/search/reply/")]  # noqa: E731
        assert peer.wait_for(lambda m: len(replies(m)) >= 3, timeout=30), "not every request was answered"
        asker.close()
    finally:
        service.stop()
        store.close()
        eavesdropper.close()
        peer.close()

    forged = json.dumps(unsigned).encode()  # the attacker's, not a request the schema describes
    for topic, payload in eavesdropper.payloads():
        if payload != forged:
            check(topic, payload)  # every payload on the wire fits its published schema (the envelope, when sealed)
    assert {check(t, p) for t, p in peer.payloads() if "/search/request/" not in t} == {"sealed-envelope"}
    # the replies' sizes say nothing of what they hold (one denied, one with a read, one replay refused)
    sizes = {len(p) for t, p in eavesdropper.payloads() if "/search/reply/" in t}
    assert len(sizes) == 1, sizes
    seen = b"".join(p for _, p in eavesdropper.payloads())
    assert eavesdropper.payloads(), "the eavesdropper saw no traffic at all: the test proves nothing"
    assert b"RMT0001" not in seen.replace(json.dumps(unsigned).encode(), b"")  # only what the peer sent in clear
    key = load_private(Path(peer_keys["seal_private"]), X25519PrivateKey)
    opened = {
        t: json.loads(open_sealed(p, key, t)) for t, p in peer.payloads() if not t.startswith("peers/a/search/request")
    }
    read_msgs = [m for t, m in opened.items() if "/reads/" in t]
    assert read_msgs
    assert read_msgs[0]["fields"]["plate"] == "RMT0001"
    reply_msgs = [json.loads(open_sealed(p, key, t)) for t, p in peer.payloads() if "/search/reply/" in t]
    by_id = {}
    for r in reply_msgs:
        by_id.setdefault(r["request_id"], []).append(r)
    assert by_id[unsigned["request_id"]][0]["status"] == "denied"
    assert by_id[unsigned["request_id"]][0]["rule"] == "request-signature"
    first, replay = by_id[signed["request_id"]]
    assert first["status"] == "ok", first
    assert [r["fields"]["plate"] for r in first["results"]] == ["RMT0001"]
    assert replay["status"] == "denied"
    assert "replay" in replay["reason"]
    with open_ledger(cfg, readonly=True) as ledger:
        rules = [e.detail_obj().get("rule") for e in ledger.entries(actions=("search_denied",))]
    assert rules == ["request-signature", "request-signature"]


def test_share_open_prints_what_was_sealed_to_the_key(tmp_path: Path) -> None:
    keys = generate(tmp_path, "hub")
    pub = load_private(Path(keys["seal_private"]), X25519PrivateKey).public_key()
    (tmp_path / "m.bin").write_bytes(seal(b'{"ok": 1}', pub, TOPIC))
    res = CliRunner().invoke(
        main, ["share", "open", str(tmp_path / "m.bin"), "--key", keys["seal_private"], "--topic", TOPIC]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == {"ok": 1}
    res = CliRunner().invoke(
        main, ["share", "open", str(tmp_path / "m.bin"), "--key", keys["seal_private"], "--topic", "other"]
    )
    assert res.exit_code != 0
