"""Username and password over TLS, as an alternative to a client certificate, against a real
Mosquitto that asks for no certificate and refuses anonymous clients. The password comes from the
environment or a file, never from the config itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_share_mqtt import config, run_service

from edge.config.sharing import PeerGrant
from edge_tools.harness.mosquitto import Pki, Subscriber
from tests.support.schemas import check
from tests.support.share import NODE, BrokerFactory, FakeLedger, MakeRead, make_grant

ACL = {NODE: [("write", "peers/a/#")], "peer-a": [("read", "peers/a/#")]}


def password_grant(broker_url: str, pki: Pki, password_ref: str) -> PeerGrant:
    return make_grant(broker_url, pki, cert=None, key=None, username=NODE, password=password_ref)


@pytest.mark.parametrize("source", ["file", "env"])
def test_reads_reach_a_password_broker(
    broker_factory: BrokerFactory,
    pki: Pki,
    tmp_path: Path,
    ledger: FakeLedger,
    make_read: MakeRead,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
) -> None:
    broker = broker_factory(ACL, {NODE: "device secret 1", "peer-a": "peer secret 2"})
    if source == "file":
        secret = tmp_path / "broker.pass"
        secret.write_text("device secret 1\n")
        ref = str(secret)
    else:
        monkeypatch.setenv("EDGE_BROKER_PASSWORD", "device secret 1")
        ref = "env:EDGE_BROKER_PASSWORD"
    peer = Subscriber(broker, "peer-a", ["peers/a/#"], login=("peer-a", "peer secret 2"))
    peer.wait_ready()
    grant = password_grant(broker.url, pki, ref)
    assert grant.cert is None
    store, service = run_service(config(tmp_path, grant), ledger)
    try:
        r = make_read()
        store.write(r)
        store.flush()
        assert peer.wait_for(lambda m: len(m) >= 1), service.publishers["peer-a"].status()
        assert service.publishers["peer-a"].wait_idle(20)
    finally:
        service.stop()
        store.close()
        peer.close()
    ((topic, raw),) = peer.payloads()
    assert check(topic, raw) == "share-read"
    assert json.loads(raw)["read_id"] == r.id


def test_a_wrong_password_sends_nothing_and_says_so(
    broker_factory: BrokerFactory, pki: Pki, tmp_path: Path, ledger: FakeLedger, make_read: MakeRead
) -> None:
    broker = broker_factory(ACL, {NODE: "device secret 1", "peer-a": "peer secret 2"})
    secret = tmp_path / "broker.pass"
    secret.write_text("not the password\n")
    peer = Subscriber(broker, "peer-a", ["peers/a/#"], login=("peer-a", "peer secret 2"))
    peer.wait_ready()
    store, service = run_service(config(tmp_path, password_grant(broker.url, pki, str(secret))), ledger)
    try:
        store.write(make_read())
        store.flush()
        pub = service.publishers["peer-a"]
        assert peer.wait_for(lambda _m: pub.status().last_error is not None, timeout=20)
        status = pub.status()
        assert not status.connected
        assert "refused" in (status.last_error or "")
    finally:
        service.stop()
        store.close()
        peer.close()
    assert peer.payloads() == []
    assert ledger.of("share") == []  # nothing recorded as sent, nothing sent


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"password": "hunter2"}, "never goes in the config"),  # inline password
        ({"password": None}, "username and password go together"),
        ({"username": None}, "username and password go together"),
        ({"username": None, "password": None}, "cert and key .* or username and password"),
    ],
)
def test_password_grants_are_checked_at_load(kw: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"cert": None, "key": None, "username": NODE, "password": "env:X", **kw}
    with pytest.raises(ValueError, match=message):
        make_grant("mqtts://broker.example:8883", None, **values)
