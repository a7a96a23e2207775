"""Remote search (edge.share.remote) under the same bounds as `edge-alpr search`, and under the
policy in force after a config reload (issue 27, findings 2 and 10), with a real store and ledger.

The handler is called as the PeerPublisher calls it for a request that came over MQTT (the MQTT
path itself is covered in test_share_cli.py)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from edge.audit.ledger import open_ledger
from edge.config import Config, load_config
from edge.errors import EdgeError
from edge.reload import Reloader
from edge.share.remote import make_search_handler
from edge.store import Store
from edge_tools.harness.grants import NODE, grant_yaml, signed
from edge_tools.harness.mosquitto import Pki, Subscriber
from tests.support.share import BrokerFactory, MakeRead, default_acl, search_site_yaml


def site(
    tmp_path: Path, pki: Pki, *, profile: str = "IL", extra: str = "", broker_url: str = "mqtts://127.0.0.1:1"
) -> Path:
    text = search_site_yaml(tmp_path / "store.db", profile=profile, partial=True, extra=extra) + grant_yaml(
        broker_url, pki, search=True
    )
    if profile == "NH":
        text += "retention:\n  non_hit: 3m\n"
        text = text.replace("share: all", "share: hits").replace("jurisdiction: IL", "jurisdiction: NH")
    path = tmp_path / "site.yaml"
    path.write_text(text)
    return path


def ask(cfg: Config, handler: Any, **fields: Any) -> dict[str, Any]:
    body = {
        "request_id": uuid.uuid4().hex,
        "purpose": "stolen-vehicle",
        "case": "2026-00123",
        "reason": "Vehicle reported stolen from Elm St lot last night",
        "requester": "SPRINGFIELD-PD",
        "user": "jdoe",
        "since": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        **fields,
    }
    reply: dict[str, Any] = handler(cfg.sharing.peers[0], signed(body))
    return reply


def filled(path: Path, make_read: MakeRead) -> Config:
    cfg = load_config(path)
    now = datetime.now(UTC) - timedelta(minutes=5)
    with Store.from_config(cfg) as store:
        for plate in ("RMT0001", "RMT0002", "QQX9999"):
            store.write(replace(make_read(plate=plate), ts=now))
        store.flush()
    return cfg


def last_action(cfg: Config) -> tuple[str, dict[str, Any]]:
    with open_ledger(cfg, readonly=True) as ledger:
        entry = list(ledger.entries(actions=("search", "search_denied")))[-1]
        return entry.action, entry.detail_obj()


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"pattern": "*"}, "pattern"),  # issue 27, finding 2: every read over MQTT
        ({"pattern": "RM*"}, "pattern"),
        ({"pattern": "RMT000?", "since": None}, "time-bound"),
    ],
)
def test_remote_pattern_searches_obey_the_same_bounds(tmp_path, pki, make_read, fields, rule):
    cfg = filled(site(tmp_path, pki), make_read)
    handler = make_search_handler(cfg, lambda: open_ledger(cfg))
    reply = ask(cfg, handler, plate=None, **fields)
    assert reply["status"] == "denied", reply
    assert f"({rule})" in reply["reason"]
    assert "results" not in reply
    assert last_action(cfg)[0] == "search_denied"
    assert last_action(cfg)[1]["rule"] == rule


def test_remote_pattern_within_bounds_is_answered_and_capped(tmp_path, pki, make_read):
    cfg = filled(site(tmp_path, pki, extra="  pattern_max_results: 1\n"), make_read)
    handler = make_search_handler(cfg, lambda: open_ledger(cfg))
    reply = ask(cfg, handler, pattern="RMT000?", limit=50)
    assert reply["status"] == "ok", reply
    assert len(reply["results"]) == 1
    assert last_action(cfg)[1]["limit"] == 1


def service(tmp_path: Path, pki: Pki, make_read: MakeRead) -> tuple[Path, Config, Any, Reloader]:
    """A site, its remote-search handler and the reloader `edge-alpr run` wires to it."""
    path = site(tmp_path, pki)
    cfg = filled(path, make_read)
    handler = make_search_handler(cfg, lambda: open_ledger(cfg))
    reloader = Reloader(cfg, path)
    reloader.add_applier(handler.live.apply)
    return path, cfg, handler, reloader


def test_reload_of_search_rules_reaches_the_running_remote_search(tmp_path, pki, make_read):
    """Finding 10: a SIGHUP recorded `search` as applied while remote search kept the old policy."""
    path, cfg, handler, reloader = service(tmp_path, pki, make_read)
    reloader.record_start()
    assert ask(cfg, handler, plate="RMT0001")["status"] == "ok"

    path.write_text(path.read_text().replace("code: stolen-vehicle", "code: missing-person"))
    result = reloader.reload("test")
    assert result.outcome == "applied"
    assert any(k.startswith("search.purposes") for k in result.applied)
    reply = ask(cfg, handler, plate="RMT0001")
    assert reply["status"] == "denied", reply
    assert "(unknown-purpose)" in reply["reason"]


def test_a_reload_a_running_service_cannot_take_is_refused_undone_and_recorded(tmp_path, pki, make_read):
    path, cfg, handler, reloader = service(tmp_path, pki, make_read)

    def broken(old: Config, new: Config) -> None:
        raise RuntimeError("health thresholds cannot change now")

    reloader.add_applier(broken)
    reloader.record_start()
    path.write_text(path.read_text().replace("code: stolen-vehicle", "code: missing-person"))
    result = reloader.reload("test")
    assert result.outcome == "refused"
    assert result.error is not None
    assert "cannot change now" in result.error
    assert reloader.current is cfg  # the config in force is kept...
    assert ask(cfg, handler, plate="RMT0001")["status"] == "ok"  # ...and so is the policy remote search uses
    with open_ledger(cfg, readonly=True) as ledger:
        (loaded,) = ledger.entries(actions=("config_loaded",))
        changed = list(ledger.entries(actions=("config_changed",)))
    assert [e.outcome for e in changed] == ["ok", "refused"]
    refusal = changed[-1].detail_obj()
    assert "cannot change now" in refusal["reason"]
    assert refusal["sha256"] == loaded.detail_obj()["sha256"]  # the ledger's config in force: the old one
    assert refusal["previous_sha256"] == changed[0].detail_obj()["sha256"]


def test_nh_refuses_remote_pattern_searches(tmp_path, pki, make_read):
    cfg = filled(site(tmp_path, pki, profile="NH"), make_read)
    handler = make_search_handler(cfg, lambda: open_ledger(cfg))
    reply = ask(cfg, handler, plate=None, pattern="RMT0001")
    assert reply["status"] == "denied", reply
    assert "(query-kind)" in reply["reason"]
    assert "NH" in reply["reason"]


ROOT = Path(__file__).resolve().parents[2]
MODELS = Path(os.environ.get("EDGE_ALPR_MODELS") or ROOT / "models")


@pytest.mark.slow
def test_sighup_on_edge_alpr_run_reaches_remote_search_over_mqtt(
    tmp_path: Path, pki: Pki, broker_factory: BrokerFactory
) -> None:
    """`edge-alpr run` with a peer granted search: after a SIGHUP that drops the purpose, a peer's
    request over MQTT is refused under the new rules (before: answered under the old ones)."""
    import cv2
    import numpy as np

    frames = tmp_path / "frames"  # blank frames at 5 fps: the service runs for the whole test
    frames.mkdir()
    for i in range(600):
        cv2.imwrite(str(frames / f"{i:05d}.jpg"), np.full((120, 160, 3), (i * 7) % 256, np.uint8))
    broker = broker_factory(default_acl())
    extra = f"cameras:\n  - name: lane-1\n    source: {frames}\n    fps: 5\nmodels:\n  dir: {MODELS}\n"
    extra += "health:\n  enabled: false\n"
    path = site(tmp_path, pki, broker_url=broker.url)
    path.write_text(path.read_text() + extra)
    peer = Subscriber(broker, "peer-a", ["peers/a/search/reply/#"])
    peer.wait_ready()
    asker = Subscriber(broker, "peer-a", [], identity=pki.client("peer-a"))
    assert asker.connected.wait(10)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge", "run", "--config", str(path)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip

    def reply_to_a_request(timeout: float) -> dict[str, Any]:
        asked: set[str] = set()  # a request is answered once: each try is a new one (a resend is a replay)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            request_id = str(uuid.uuid4())
            asked.add(request_id)
            body = signed({
                "request_id": request_id, "purpose": "stolen-vehicle", "case": "2026-00123", "plate": "RMT0001",
                "reason": "Vehicle reported stolen from Elm St lot last night", "requester": "SPRINGFIELD-PD",
            })  # fmt: skip
            asker.client.publish(f"peers/a/search/request/{NODE}", json.dumps(body), qos=1).wait_for_publish(10)
            end = time.monotonic() + 3
            while time.monotonic() < end:
                for _topic, payload in peer.payloads():
                    reply: dict[str, Any] = json.loads(payload)
                    if reply.get("request_id") in asked:
                        return reply
                time.sleep(0.1)
        raise AssertionError("no reply from edge-alpr run")

    def config_changes() -> int:
        try:
            with open_ledger(load_config(path), readonly=True) as ledger:
                return len(list(ledger.entries(actions=("config_changed",))))
        except (EdgeError, sqlite3.Error, ValueError):  # not there yet, or being written
            return 0

    stderr = ""
    try:
        assert reply_to_a_request(180)["status"] == "ok"
        path.write_text(path.read_text().replace("code: stolen-vehicle", "code: missing-person"))
        proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while config_changes() < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert config_changes() == 1, "the reload was not recorded"
        reply = reply_to_a_request(60)
        assert reply["status"] == "denied", reply
        assert "(unknown-purpose)" in reply["reason"]
    finally:
        asker.close()
        peer.close()
        proc.send_signal(signal.SIGTERM)
        try:
            _out, stderr = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            _out, stderr = proc.communicate()
    assert proc.returncode == 0, stderr[-3000:]


def test_remote_searches_use_the_applications_ledger_and_sign_no_head_each(tmp_path, pki, make_read):
    """Issue 28: each remote search opened and closed a ledger of its own, signing a checkpoint at every
    close. Under App.open the handler records into the application's one open ledger."""
    from edge.app import App

    cfg = filled(site(tmp_path, pki), make_read)
    with App(cfg).open("run", publish=False) as session:
        assert session.share is not None
        handler = session.share.search_handler
        assert handler is not None
        before = len(session.ledger.checkpoint_notes())
        for i in range(3):
            reply = ask(cfg, handler, plate="RMT0001", request_id=f"r{i}")
            assert reply["status"] == "ok", reply
        assert len(session.ledger.checkpoint_notes()) == before
        assert len(list(session.ledger.entries(actions=("search", "search_result")))) == 6
    _, detail = last_action(cfg)
    assert detail["auth"]["peer"] == "peer-a"


# -- a review of 2026-12-06 as an insider or a loose broker (each let through or broke before) ------------


def test_a_search_gets_only_what_the_grant_would_send_and_only_for_its_purposes(tmp_path, pki, make_read):
    """A peer limited to hits of one category searched out reads it was never granted, and under a
    purpose its grant does not list."""
    path = site(tmp_path, pki)
    text = path.read_text().replace("share: all", "share: hit_categories\n      categories: [stolen-vehicle]")
    path.write_text(text.replace("fields: [plate, time, camera]", "fields: [plate, time, camera, hit]"))
    cfg = filled(path, make_read)
    with Store.from_config(cfg) as store:
        ids = {r.plate: r.id for r in store.search(pattern="*", limit=10)}
        store.mark_hit(ids["RMT0001"], "ncic", category="stolen-vehicle")
        store.mark_hit(ids["RMT0002"], "local", category="wanted-person")
        store.flush()
    handler = make_search_handler(cfg, lambda: open_ledger(cfg))
    reply = ask(cfg, handler, pattern="RMT000?", limit=50)
    assert reply["status"] == "ok", reply
    assert [r["fields"]["plate"] for r in reply["results"]] == ["RMT0001"]
    assert last_action(cfg)[0] == "search"
    reply = ask(cfg, handler, plate="RMT0001", purpose="missing-person")
    assert (reply["status"], reply["rule"]) == ("denied", "peer-grant"), reply
    assert "not one the grant" in reply["reason"]
    assert last_action(cfg)[1]["rule"] == "peer-grant"


def test_unverified_requests_are_recorded_under_the_peer_not_the_names_they_give_and_a_flood_is_counted(
    tmp_path, pki, make_read
):
    cfg = filled(site(tmp_path, pki), make_read)
    handler = make_search_handler(cfg, lambda: open_ledger(cfg))
    body = {
        "request_id": "x",
        "purpose": "stolen-vehicle",
        "reason": "r",
        "requester": "SPRINGFIELD-PD",
        "user": "jdoe",
    }
    for i in range(14):
        reply = handler(cfg.sharing.peers[0], {**body, "request_id": f"x{i}"})
        assert (reply["status"], reply["rule"]) == ("denied", "request-signature")
    with open_ledger(cfg, readonly=True) as ledger:
        denied = list(ledger.entries(actions=("search_denied",)))
    # one by one up to the minute's allowance, then at once a notice that the rest are counted (the count
    # follows at the next minute)
    assert len(denied) == 11
    assert "the rest of them are counted" in denied[-1].detail_obj()["reason"]
    assert {e.actor.user for e in denied} == {"peer-a:unverified"}  # not jdoe: nothing unverified is believed
    assert denied[0].detail_obj()["claimed"]["user"] == "jdoe"


def test_a_signed_but_malformed_request_is_a_recorded_refusal(tmp_path, pki, make_read):
    """Second review: a verified peer's request with plate and pattern, since after until, or a limit of
    -5 was answered 'error' with nothing in the ledger (and its id used up)."""
    cfg = filled(site(tmp_path, pki), make_read)
    handler = make_search_handler(cfg, lambda: open_ledger(cfg))
    for fields in ({"plate": "RMT0001", "pattern": "RMT*"}, {"plate": "RMT0001", "limit": -5}, {"plate": ["x"]}):
        reply = ask(cfg, handler, **fields)
        assert (reply["status"], reply["rule"]) == ("denied", "input"), reply
        assert last_action(cfg)[1]["rule"] == "input"


def test_names_the_ledger_could_not_hold_are_cut_down_so_the_request_is_still_recorded(tmp_path, pki, make_read):
    cfg = filled(site(tmp_path, pki), make_read)
    handler = make_search_handler(cfg, lambda: open_ledger(cfg))
    reply = ask(cfg, handler, plate="RMT0001", user="jdoe\x01" + "x" * 300, requester="X" * 300)
    assert reply["status"] == "denied", reply  # not "error": the refusal is recorded
    action, detail = last_action(cfg)
    assert (action, detail["rule"]) == ("search_denied", "peer-grant")


def test_a_lone_surrogate_in_a_request_is_still_a_recorded_refusal(tmp_path, pki, make_read):
    """Second review: JSON "\\ud800" in an unverified request made signing and the ledger fail, so it was
    answered 'error' with nothing recorded and nothing counted."""
    cfg = filled(site(tmp_path, pki), make_read)
    handler = make_search_handler(cfg, lambda: open_ledger(cfg))
    body = {"request_id": "s1", "purpose": "stolen-vehicle", "reason": "r", "requester": "\ud800", "user": "\ud800"}
    for req in (body, {**body, "request_id": "s2", "sig": "AAAA"}):
        reply = handler(cfg.sharing.peers[0], req)
        assert (reply["status"], reply["rule"]) == ("denied", "request-signature"), reply
        assert reply["ledger_seq"] is not None
