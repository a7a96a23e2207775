"""Remote search (edge.share.remote) under the same bounds as `edge-alpr search`, and under the
policy in force after a config reload (issue 27, findings 2 and 10), with a real store and ledger.

The handler is called as the PeerPublisher calls it for a request that came over MQTT (the MQTT
path itself is covered in test_share_cli.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from edge.audit.ledger import open_ledger
from edge.config import Config, load_config
from edge.reload import Reloader
from edge.share.remote import make_search_handler
from edge.store import Store
from edge_tools.harness.grants import grant_yaml
from edge_tools.harness.mosquitto import Pki
from tests.support.share import MakeRead

SEARCH = """
node_id: {node}
profile: {profile}
store:
  path: {store}
  min_free_mb: 0
search:
  purposes:
    - code: stolen-vehicle
      description: Vehicle reported stolen
      partial: true
{extra}  agencies:
    - id: SPRINGFIELD-PD
      name: Springfield Police Department
      kind: local
      state: {state}
      aliases: [Springfield PD]
"""


def site(tmp_path: Path, pki: Pki, *, profile: str = "IL", extra: str = "") -> Path:
    text = SEARCH.format(
        node="edge-1", profile=profile, store=tmp_path / "store.db", extra=extra, state=profile
    ) + grant_yaml("mqtts://127.0.0.1:1", pki, search=True)
    if profile == "NH":
        text += "retention:\n  non_hit: 3m\n"
        text = text.replace("share: all", "share: hits").replace("jurisdiction: IL", "jurisdiction: NH")
    path = tmp_path / "site.yaml"
    path.write_text(text)
    return path


def ask(cfg: Config, handler: Any, **fields: Any) -> dict[str, Any]:
    body = {
        "request_id": "r1",
        "purpose": "stolen-vehicle",
        "case": "2026-00123",
        "reason": "Vehicle reported stolen from Elm St lot last night",
        "requester": "SPRINGFIELD-PD",
        "user": "jdoe",
        "since": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        **fields,
    }
    reply: dict[str, Any] = handler(cfg.sharing.peers[0], body)
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
