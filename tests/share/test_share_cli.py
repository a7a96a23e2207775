"""End to end through the CLI: `edge-alpr share run` killed with SIGKILL resends on restart; status;
remote search over MQTT through the same policy and ledger as `edge-alpr search`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli import main
from edge.config import load_config
from edge.share import Outbox
from edge.store import Store
from edge_tools.harness.grants import signed
from edge_tools.harness.mosquitto import Broker, Pki, Subscriber
from tests.support.schemas import check
from tests.support.share import NODE, BrokerFactory, MakeRead, default_acl, grant_yaml, search_site_yaml

EDGE = [sys.executable, "-c", "from edge.cli import run; run()"]


def write_config(
    tmp_path: Path, broker: Broker, pki: Pki, *, search: bool = False, expires: str = "2030-01-01"
) -> Path:
    text = search_site_yaml(tmp_path / "store.db")
    text += grant_yaml(broker.url, pki, search=search, expires=expires, max_inflight=5)
    path = tmp_path / "site.yaml"
    path.write_text(text)
    return path


def fill(cfg_path: Path, make_read: MakeRead, n: int) -> list[str]:
    from edge.share import ShareService

    cfg = load_config(cfg_path)
    ids = []
    with Store.from_config(cfg) as store:
        service = ShareService(cfg, ledger=lambda: None, actor="test")  # only the hook: nothing is started
        service.attach(store)
        for _ in range(n):
            r = make_read()
            ids.append(r.id)
            store.write(r)
        store.flush()
    return ids


def ids_of(messages: list[tuple[str, bytes]]) -> set[str]:
    return {m["read_id"] for m in (json.loads(p) for _, p in messages) if "read_id" in m}


@pytest.mark.slow
def test_sigkill_mid_publish_resends_on_restart(
    broker_factory: BrokerFactory, pki: Pki, tmp_path: Path, make_read: MakeRead
) -> None:
    broker = broker_factory(default_acl())
    peer = Subscriber(broker, "peer-a", ["peers/a/#"])
    peer.wait_ready()
    cfg_path = write_config(tmp_path, broker, pki)
    ids = fill(cfg_path, make_read, 400)
    db = tmp_path / "store.db"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "share-run.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([*EDGE, "-v", "share", "run", "--config", str(cfg_path)], env=env, stderr=err)
    try:
        sent = peer.wait_for(lambda m: len(m) >= 10, timeout=60)
        assert sent, f"the publisher sent nothing:\n{log.read_text()[-3000:]}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    outbox = Outbox(db, readonly=True)
    left = outbox.depth("peer-a")
    outbox.close()
    assert 0 < left < 400, f"kill was not mid-publish ({left} left)"  # some acknowledged, some not
    # restart: everything not acknowledged goes again
    with log.open("ab") as err:
        proc = subprocess.Popen([*EDGE, "-v", "share", "run", "--config", str(cfg_path)], env=env, stderr=err)
    try:
        assert peer.wait_for(lambda m: ids_of(m) >= set(ids), timeout=90), (
            f"missing {len(set(ids) - ids_of(peer.payloads()))}:\n{log.read_text()[-3000:]}"
        )
        deadline = time.monotonic() + 30
        while Outbox(db, readonly=True).depth("peer-a") and time.monotonic() < deadline:
            time.sleep(0.1)
        result = CliRunner().invoke(main, ["share", "status", "--config", str(cfg_path), "--json"])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        peer.close()
    assert proc.returncode == 0
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["peer"] == "peer-a"
    assert row["outbox_depth"] == 0
    assert row["sent"] >= 400  # plus any signed ledger checkpoint sent on start
    assert row["last_ack"] is not None
    assert row["grant_expires"] == "2030-01-01"
    # and the ledger holds a share entry for every read (resends included)
    from edge.audit.ledger import open_ledger

    with open_ledger(load_config(cfg_path), readonly=True) as ledger:
        shared = {rid for e in ledger.entries(actions=("share",)) for rid in e.detail_obj()["read_ids"]}
    assert shared == set(ids)


def test_status_without_a_running_publisher(pki: Pki, broker_factory: BrokerFactory, tmp_path: Path) -> None:
    broker = broker_factory(default_acl())
    cfg_path = write_config(tmp_path, broker, pki, expires="2020-01-01")
    result = CliRunner().invoke(main, ["share", "status", "--config", str(cfg_path)])
    assert result.exit_code == 0, result.output
    assert "peer-a: not running; outbox 0 pending, 0 sent; last ack never; grant EXPIRED 2020-01-01" in result.output


def test_share_check_refuses_unlawful_grant(pki: Pki, broker_factory: BrokerFactory, tmp_path: Path) -> None:
    broker = broker_factory(default_acl())
    cfg_path = write_config(tmp_path, broker, pki)
    cfg_path.write_text(cfg_path.read_text().replace("jurisdiction: IL", "jurisdiction: federal"))
    args = [*EDGE, "share", "check", "--config", str(cfg_path)]
    result = subprocess.run(args, check=False, capture_output=True, text=True)
    # The profile refuses the grant when the config is loaded, naming file, line and key.
    assert result.returncode == 2
    line = next(i for i, t in enumerate(cfg_path.read_text().splitlines(), 1) if "name: peer-a" in t)
    assert f"{cfg_path}:{line}: sharing.peers.0.name: grant to peer 'peer-a' refused under profile IL" in result.stderr
    assert "[federal-party]" in result.stderr  # issue 27: no federal peer under IL, declaration or not


@pytest.mark.parametrize(
    ("request_fields", "status"),
    [
        ({"purpose": "stolen-vehicle", "requester": "SPRINGFIELD-PD"}, "ok"),
        ({"purpose": "immigration enforcement", "requester": "SPRINGFIELD-PD"}, "denied"),
        ({"purpose": "stolen-vehicle", "requester": "CHICAGO-PD"}, "denied"),
    ],
)
def test_remote_search_goes_through_policy_and_ledger(
    broker_factory: BrokerFactory,
    pki: Pki,
    tmp_path: Path,
    make_read: MakeRead,
    request_fields: dict[str, str],
    status: str,
) -> None:
    from edge.audit.ledger import open_ledger
    from edge.share import ShareService
    from edge.share.remote import make_search_handler

    broker = broker_factory(default_acl())
    cfg_path = write_config(tmp_path, broker, pki, search=True)
    cfg = load_config(cfg_path)
    target = make_read(plate="RMT0001")
    with Store.from_config(cfg) as store:
        store.write(target)
        store.write(make_read())
        store.flush()
    peer = Subscriber(broker, "peer-a", ["peers/a/search/reply/#"])
    peer.wait_ready()
    service = ShareService(
        cfg, ledger=lambda: open_ledger(cfg), search_handler=make_search_handler(cfg, lambda: open_ledger(cfg))
    )
    service.start()
    request_id = str(uuid.uuid4())
    try:
        pub = service.publishers["peer-a"]
        assert pub.listening.wait(20), "the publisher did not subscribe to its request topic"
        body = signed(
            {
                "request_id": request_id,
                "plate": "rmt-0001",  # typed as people type it: the same normalisation as the CLI search
                "case": "2026-00123",
                "reason": "Vehicle reported stolen from Elm St lot last night",
                "user": "jdoe",
                **request_fields,
            }
        )
        asker = Subscriber(broker, "peer-a", [], identity=pki.client("peer-a"))
        assert asker.connected.wait(10)
        asker.client.publish(f"peers/a/search/request/{NODE}", json.dumps(body), qos=1).wait_for_publish(10)
        assert peer.wait_for(lambda m: len(m) >= 1, timeout=30), "no reply"
        asker.close()
    finally:
        service.stop()
        peer.close()
    check(f"peers/a/search/request/{NODE}", json.dumps(body).encode())
    for topic, payload in peer.payloads():
        assert check(topic, payload) == "search-reply"
    (reply,) = [json.loads(p) for _, p in peer.payloads()]
    assert reply["request_id"] == request_id
    assert reply["status"] == status, reply
    with open_ledger(cfg, readonly=True) as ledger:
        logged = list(ledger.entries(actions=("search", "search_denied", "search_result")))
    actions = [e.action for e in logged]
    if status == "ok":
        assert [r["read_id"] for r in reply["results"]] == [target.id]
        assert reply["results"][0]["fields"]["plate"] == "RMT0001"
        assert actions == ["search", "search_result"]  # what it returned is recorded on the serving end
        result = logged[1].detail_obj()
        assert (result["search_seq"], result["count"], result["read_ids"]) == (logged[0].seq, 1, [target.id])
        assert reply["result_seq"] == logged[1].seq
        assert logged[0].detail_obj()["auth"]["peer"] == "peer-a"  # the peer that carried it, not just typed
        assert "RMT0001" not in logged[1].detail
    else:
        assert reply["reason"]
        assert actions == ["search_denied"]


def test_a_crafted_or_retained_request_does_not_stop_the_publisher(
    broker_factory: BrokerFactory, pki: Pki, tmp_path: Path, make_read: MakeRead
) -> None:
    """Review of 2026-12-06: JSON nested past the parser's depth raised RecursionError and ended the
    publisher's thread (no more reads shared, no more searches answered); left retained on the broker it
    did so again at every start. Now such a request gets an error reply, a retained one is ignored, and a
    signed request after them is answered."""
    from edge.audit.ledger import open_ledger
    from edge.share import ShareService
    from edge.share.remote import make_search_handler

    broker = broker_factory(default_acl())
    cfg = load_config(write_config(tmp_path, broker, pki, search=True))
    with Store.from_config(cfg) as store:
        store.write(make_read(plate="RMT0001"))
        store.flush()
    topic = f"peers/a/search/request/{NODE}"
    asker = Subscriber(broker, "peer-a", [], identity=pki.client("peer-a"))
    assert asker.connected.wait(10)
    asker.client.publish(topic, b"[" * 30000, qos=1, retain=True).wait_for_publish(10)  # waiting for every start
    peer = Subscriber(broker, "peer-a", ["peers/a/search/reply/#"])
    peer.wait_ready()
    service = ShareService(
        cfg, ledger=lambda: open_ledger(cfg), search_handler=make_search_handler(cfg, lambda: open_ledger(cfg))
    )
    service.start()
    try:
        pub = service.publishers["peer-a"]
        assert pub.listening.wait(20), "the publisher did not subscribe to its request topic"
        asker.client.publish(topic, b"[" * 30000, qos=1).wait_for_publish(10)  # not retained: answered
        body = signed({
            "request_id": str(uuid.uuid4()), "plate": "RMT0001", "case": "2026-00123", "purpose": "stolen-vehicle",
            "reason": "Vehicle reported stolen from Elm St lot last night", "requester": "SPRINGFIELD-PD",
        })  # fmt: skip
        asker.client.publish(topic, json.dumps(body), qos=1).wait_for_publish(10)
        assert peer.wait_for(lambda m: len(m) >= 2, timeout=30), f"replies: {peer.payloads()}"
        assert pub.status().connected
    finally:
        service.stop()
        asker.client.publish(topic, b"", qos=1, retain=True).wait_for_publish(10)  # clear the retained one
        asker.close()
        peer.close()
    replies = [json.loads(p) for _, p in peer.payloads()]
    assert [r["status"] for r in replies] == ["error", "ok"], replies  # the retained one got no answer at all
    assert replies[1]["request_id"] == body["request_id"]
