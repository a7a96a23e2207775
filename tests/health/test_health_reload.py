"""Config reload (edge.reload): a good config is recorded in the ledger with a redacted diff of keys and
its live parts applied; a bad one is refused and the config in force kept; SIGHUP drives it; the
running `edge-alpr run` process survives both (subprocess test, needs the shipped models)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from edge.audit.events import Action
from edge.audit.ledger import Ledger, LedgerError
from edge.config import load_config
from edge.config.redact import REDACTED, config_diff, redact
from edge.reload import Reloader, apply_to_store
from edge.store import Store
from tests.support.health import get, get_json, write_config

ROOT = Path(__file__).resolve().parents[2]
MODELS = Path(os.environ.get("EDGE_ALPR_MODELS") or ROOT / "models")

SECRET_CAMERA = "cameras:\n  - name: lane-1\n    source: rtsp://admin:hunter2@10.0.0.5/stream\n"
PEER = """sharing:
  peers:
    - name: peer-a
      broker: mqtts://broker.example.org:8883
      ca: /etc/edge/ca.pem
      cert: env:EDGE_PEER_A_CERT
      key: {key}
      topic_prefix: peers/a
      agency: Springfield PD
      jurisdiction: IL
      fields: [plate_hash, time, camera]
      plate_hash_key: env:EDGE_PLATE_KEY
      purposes: [stolen_vehicle]
      legal_basis: mutual aid agreement 2026-14
      expires: 2099-12-31
      seal_key: x25519:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
"""


def entries(store: Path, *actions: str) -> list[dict[str, Any]]:
    """Ledger entries (beside the store file) as their detail plus seq and action."""
    ledger = Ledger(store.parent / "audit.db", readonly=True)
    try:
        return [{"seq": e.seq, "action": e.action, **e.detail_obj()} for e in ledger.entries(actions=actions)]
    finally:
        ledger.close(checkpoint=False)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    store = tmp_path / "data" / "edge.db"
    return write_config(tmp_path / "edge.yaml", store), store


def test_good_config_is_recorded_with_a_diff_of_keys_and_applied(setup: tuple[Path, Path]) -> None:
    path, store_path = setup
    cfg = load_config(path)
    reloader = Reloader(cfg, path)
    assert reloader.record_start() is not None
    assert reloader.record_start() is None  # same config again: nothing new to record
    with Store.from_config(cfg) as store:
        reloader.add_applier(apply_to_store(store))
        write_config(path, store_path, extra="retention:\n  non_hit: 2d\n  hit: 30d\n")
        path.write_text(path.read_text().replace("min_free_mb: 0", "min_free_mb: 5"))
        result = reloader.reload()
        assert result.outcome == "applied"
        assert store.retention.non_hit == timedelta(days=2)  # live: the running store purges by it now
        assert store.min_free_mb == 5
    assert sorted(result.applied) == ["retention.hit", "retention.non_hit", "store.min_free_mb"]
    assert result.pending_restart == []
    assert reloader.current.retention.hit == timedelta(days=30)
    loaded, changed = entries(store_path, Action.CONFIG_LOADED, Action.CONFIG_CHANGED)
    assert loaded["action"] == "config_loaded"
    assert changed["action"] == "config_changed"
    assert changed["trigger"] == "SIGHUP"
    assert changed["previous_sha256"] == loaded["sha256"]
    assert {c["key"]: (c["old"], c["new"]) for c in changed["changes"]} == {
        "retention.non_hit": ("21d", "2d"),
        "retention.hit": ("90d", "30d"),
        "store.min_free_mb": (0, 5),
    }
    assert result.ledger_seq == changed["seq"]


def test_bad_config_is_refused_and_the_old_one_kept(setup: tuple[Path, Path]) -> None:
    path, store_path = setup
    cfg = load_config(path)
    reloader = Reloader(cfg, path)
    reloader.record_start()
    before = entries(store_path)
    path.write_text(path.read_text() + "retention:\n  non_hit: forever\n")
    result = reloader.reload()
    assert result.outcome == "refused"
    assert result.error is not None
    assert f"{path}:" in result.error
    assert "retention.non_hit" in result.error
    assert reloader.current is cfg
    assert reloader.counts == {"applied": 0, "unchanged": 0, "refused": 1}
    assert entries(store_path) == before  # nothing recorded for a refused config
    assert reloader.status()["last_reload"]["outcome"] == "refused"


def test_config_beyond_the_profile_is_refused(setup: tuple[Path, Path]) -> None:
    path, store = setup
    reloader = Reloader(load_config(path), path)
    write_config(path, store, extra="profile: NH\nretention:\n  non_hit: 30d\n")  # NH keeps plates 3 minutes
    result = reloader.reload()
    assert result.outcome == "refused"
    assert reloader.current.profile == "none"


def test_unchanged_config_records_nothing(setup: tuple[Path, Path]) -> None:
    path, store_path = setup
    reloader = Reloader(load_config(path), path)
    reloader.record_start()
    n = len(entries(store_path))
    assert reloader.reload().outcome == "unchanged"
    assert len(entries(store_path)) == n


def test_secrets_are_redacted_in_the_ledger_diff(tmp_path: Path) -> None:
    store = tmp_path / "data" / "edge.db"
    path = write_config(tmp_path / "edge.yaml", store, cameras=SECRET_CAMERA, extra=PEER.format(key="/etc/edge/a.key"))
    reloader = Reloader(load_config(path), path)
    reloader.record_start()
    write_config(
        path,
        store,
        cameras=SECRET_CAMERA.replace("hunter2", "correcthorse"),
        extra=PEER.format(key="/etc/edge/b.key") + f"audit:\n  key: {tmp_path / 'other.key'}\n",
    )
    result = reloader.reload()
    assert result.outcome == "applied"
    assert "cameras" in result.pending_restart  # cameras are reopened only by a restart
    assert "audit.key" in result.pending_restart
    assert not (tmp_path / "other.key").exists()  # the change is recorded with the key in force
    (changed,) = entries(store, Action.CONFIG_CHANGED)
    text = json.dumps(changed)
    for secret in ("hunter2", "correcthorse", "a.key", "b.key", "other.key", "EDGE_PEER_A_CERT", "EDGE_PLATE_KEY"):
        assert secret not in text, secret
    changes = {c["key"]: c for c in changed["changes"]}
    assert changes["audit.key"]["old"] is None
    assert changes["audit.key"]["new"] == REDACTED
    assert changes["cameras"]["new"][0]["source"] == f"rtsp://{REDACTED}@10.0.0.5/stream"
    assert changes["sharing.peers"]["new"][0]["key"] == REDACTED
    assert changed["config"]["sharing"]["peers"][0]["cert"] == REDACTED
    (loaded,) = entries(store, Action.CONFIG_LOADED)
    assert "hunter2" not in json.dumps(loaded)


def test_diff_lists_a_changed_secret_without_its_values() -> None:
    old = {"audit": {"key": "/a.key", "public_key": "pk1"}, "x": [1]}
    new = {"audit": {"key": "/b.key", "public_key": "pk2"}, "x": [1, 2]}
    assert config_diff(old, new) == [
        {"key": "audit.key", "old": REDACTED, "new": REDACTED, "redacted": True},
        {"key": "audit.public_key", "old": "pk1", "new": "pk2"},  # a public key is not a secret
        {"key": "x", "old": [1], "new": [1, 2]},
    ]
    assert config_diff(old, old) == []
    assert redact({"password": "p", "src": "env:X", "url": "http://u:p@h/x"}) == {
        "password": REDACTED,
        "src": REDACTED,
        "url": f"http://{REDACTED}@h/x",
    }


def test_a_change_the_ledger_cannot_record_is_not_applied(setup: tuple[Path, Path]) -> None:
    path, store = setup
    cfg = load_config(path)

    class Broken:
        def append(self, *a: object, **k: object) -> None:
            raise LedgerError("disk full")

        def close(self) -> None:
            pass

    applied: list[str] = []
    reloader = Reloader(cfg, path, ledger_factory=lambda c: Broken())
    reloader.add_applier(lambda old, new: applied.append("yes"))
    write_config(path, store, extra="retention:\n  non_hit: 2d\n")
    result = reloader.reload()
    assert result.outcome == "refused"
    assert "audit ledger: disk full" in (result.error or "")
    assert applied == []
    assert reloader.current is cfg


def test_sighup_reloads_in_process(setup: tuple[Path, Path]) -> None:
    path, store = setup
    reloader = Reloader(load_config(path), path)
    reloader.record_start()
    restore = reloader.install_sighup()
    try:
        for text, outcome in (("retention:\n  non_hit: 3d\n", "applied"), ("retention: [\n", "refused")):
            write_config(path, store, extra=text)
            n = sum(reloader.counts.values())
            with reloader.done:
                os.kill(os.getpid(), signal.SIGHUP)
                assert reloader.done.wait_for(lambda n=n: sum(reloader.counts.values()) > n, timeout=60)
            assert reloader.last is not None
            assert reloader.last.outcome == outcome
    finally:
        restore()
    assert reloader.current.retention.non_hit == timedelta(days=3)


# -- the real service --------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Any, what: str, proc: subprocess.Popen[str], timeout: float = 300.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"edge-alpr run exited ({proc.returncode}) while waiting for {what}")
        try:
            value = check()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_sighup_on_the_running_service_good_then_bad(tmp_path: Path) -> None:
    """`edge-alpr run` on a folder of images with the shipped models (blank frames, so no reads):
    SIGHUP with a good config (applied, ledger entry), then a bad one (refused, the good one stays), SIGTERM."""
    frames = tmp_path / "frames"  # 400 frames at 5 fps: the camera runs for the whole test
    frames.mkdir()
    import cv2
    import numpy as np

    for i in range(400):
        cv2.imwrite(str(frames / f"{i:05d}.jpg"), np.full((120, 160, 3), (i * 7) % 256, np.uint8))
    store = tmp_path / "data" / "edge.db"
    port = free_port()
    cameras = f"cameras:\n  - name: lane-1\n    source: {frames}\n    fps: 5\nmodels:\n  dir: {MODELS}\n"
    path = write_config(tmp_path / "edge.yaml", store, port=port, cameras=cameras, stale_after="60s")
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "EDGE_ALPR_LOG_FORMAT": "json"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge", "-v", "run", "--config", str(path)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/healthz"
    stderr = ""
    try:
        wait_for(lambda: get_json(url)[1]["service"]["running"], "the health endpoint", proc)
        write_config(path, store, port=port, cameras=cameras, stale_after="60s", extra="retention:\n  non_hit: 2d\n")
        proc.send_signal(signal.SIGHUP)
        doc = wait_for(lambda: (d := get_json(url)[1])["config"]["reloads"]["applied"] == 1 and d, "reload", proc)
        assert doc["config"]["last_reload"]["changed"] == ["retention.non_hit"]
        good_sha = doc["config"]["sha256"]
        path.write_text(path.read_text() + "gate:\n  kind: sometimes\n")
        proc.send_signal(signal.SIGHUP)
        doc = wait_for(lambda: (d := get_json(url)[1])["config"]["reloads"]["refused"] == 1 and d, "refusal", proc)
        assert doc["config"]["sha256"] == good_sha  # the good config stays in force
        assert "gate.kind" in doc["config"]["last_reload"]["error"]
        assert proc.poll() is None  # still running
        _status, _ctype, body = get(url.replace("/healthz", "/metrics"))
        frames = [
            s.value
            for f in text_string_to_metric_families(body)
            if f.name == "edge_alpr_frames"
            for s in f.samples
            if s.labels.get("camera") == "lane-1"
        ]
        assert frames
        assert frames[0] > 0
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _out, stderr = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            _out, stderr = proc.communicate()
    assert proc.returncode == 0, stderr
    (changed,) = entries(store, Action.CONFIG_CHANGED)
    assert [c["key"] for c in changed["changes"]] == ["retention.non_hit"]
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert any("config reload refused" in rec["message"] for rec in lines)
    assert all({"ts", "level", "logger", "message"} <= rec.keys() for rec in lines)


def test_every_reload_is_recorded_in_the_ledger_the_service_started_with(setup: tuple[Path, Path]) -> None:
    path, store_path = setup
    reloader = Reloader(load_config(path), path)
    reloader.record_start()
    moved = store_path.parent / "elsewhere" / "audit.db"
    write_config(path, store_path, extra=f"audit:\n  ledger: {moved}\n")
    assert reloader.reload().pending_restart == ["audit.ledger"]
    write_config(path, store_path, extra=f"audit:\n  ledger: {moved}\nretention:\n  non_hit: 2d\n")
    assert reloader.reload().applied == ["retention.non_hit"]
    assert reloader.status()["pending_restart"] == ["audit.ledger"]
    assert [e["action"] for e in entries(store_path)] == [
        "genesis",
        "config_loaded",
        "config_changed",
        "config_changed",
    ]
    assert not moved.exists()
