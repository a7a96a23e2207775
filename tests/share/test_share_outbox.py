"""Outbox without a broker: deny by default, same transaction as the reads, retention cascade, expiry,
the fixture's CI rule."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from edge.config import Config
from edge.config.sharing import PeerGrant
from edge.share import Outbox, ShareService
from edge.store import Store
from edge_tools.harness import mosquitto
from tests.support.share import NODE, FakeLedger, MakeRead, make_grant


def cfg_with(tmp_path: Path, *grants: PeerGrant) -> Config:
    cfg = Config(node_id=NODE, profile="IL")
    return cfg.model_copy(
        update={
            "store": cfg.store.model_copy(update={"path": str(tmp_path / "s.db"), "min_free_mb": 0}),
            "sharing": cfg.sharing.model_copy(update={"peers": list(grants)}),
        }
    )


def tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def test_no_peers_nothing_is_queued(tmp_path: Path, make_read: MakeRead) -> None:
    cfg = cfg_with(tmp_path)
    with Store.from_config(cfg) as store:
        service = ShareService(cfg, ledger=FakeLedger(), actor="system")
        service.attach(store)
        service.start()
        store.write(make_read())
        store.flush()
        assert service.publishers == {}
    # the outbox is one of the store's own tables (a store migration), and stays empty
    assert "share_outbox" in tables(tmp_path / "s.db")
    assert Outbox(tmp_path / "s.db", readonly=True).depth() == 0


def test_outbox_rows_commit_with_the_reads_and_go_with_their_purge(tmp_path: Path, make_read: MakeRead) -> None:
    grants = [make_grant(), make_grant(name="peer-h", share="hits")]
    cfg = cfg_with(tmp_path, *grants)
    now = datetime.now(UTC)
    with Store.from_config(cfg) as store:
        ShareService(cfg, ledger=FakeLedger(), actor="system").attach(store)
        reads = [make_read() for _ in range(4)]
        for r in reads:
            store.write(r)
        store.write(reads[0])  # a duplicate read queues nothing twice
        store.mark_hit(reads[1].id, "ncic", category="stolen_vehicle")
        store.mark_hit("no-such-read", "ncic", category="stolen_vehicle")  # orphan hit: nothing queued
        store.flush()
        outbox = Outbox(tmp_path / "s.db", readonly=True)
        assert [r.read_id for r in outbox.pending("peer-a")] == [r.id for r in reads]
        assert [(r.kind, r.read_id) for r in outbox.pending("peer-h")] == [("hit", reads[1].id)]
        store.purge(now + timedelta(days=365))  # past every retention: reads and their outbox rows go
        assert outbox.depth() == 0
        assert outbox.conn.execute("SELECT count(*) FROM share_outbox").fetchone()[0] == 0
        outbox.close()


def test_a_failed_outbox_insert_fails_the_read_batch_too(tmp_path: Path, make_read: MakeRead) -> None:
    cfg = cfg_with(tmp_path, make_grant())
    with Store.from_config(cfg) as store:
        ShareService(cfg, ledger=FakeLedger(), actor="system").attach(store)
        conn = sqlite3.connect(tmp_path / "s.db")
        conn.execute("DROP TABLE share_outbox")  # the outbox insert now fails inside the store's transaction
        conn.close()
        store.write(make_read())
        store.flush()
        assert store.stats.failed == 1
        assert store.count() == 0  # the read did not land without its outbox row


def test_expired_grant_queues_nothing_and_its_publisher_records_the_stop(
    tmp_path: Path, make_read: MakeRead, pki: mosquitto.Pki
) -> None:
    expired = make_grant(pki=pki, expires=date(2020, 1, 1))
    cfg = cfg_with(tmp_path, expired)
    ledger = FakeLedger()
    with Store.from_config(cfg) as store:
        service = ShareService(cfg, ledger=ledger, actor="system")
        service.attach(store)
        store.write(make_read())
        store.flush()
        assert Outbox(tmp_path / "s.db", readonly=True).depth() == 0
        service.start()  # the broker address is unreachable: the publisher must stop before connecting
        pub = service.publishers["peer-a"]
        for _ in range(200):
            if ledger.of("share_denied"):
                break
            time.sleep(0.05)
        assert not pub.connected
        service.stop()
    (denied,) = ledger.of("share_denied")
    assert denied["rule"] == "grant_expired"
    assert denied["peer"] == "peer-a"
    assert ledger.of("share") == []


def test_outbox_retention_option_drops_old_rows(tmp_path: Path, make_read: MakeRead) -> None:
    cfg = cfg_with(tmp_path, make_grant())
    with Store.from_config(cfg) as store:
        ShareService(cfg, ledger=FakeLedger(), actor="system").attach(store)
        store.write(make_read())
        store.flush()
    outbox = Outbox(tmp_path / "s.db")
    assert outbox.purge(datetime.now(UTC) - timedelta(days=1)) == 0
    assert outbox.purge(datetime.now(UTC) + timedelta(seconds=1)) == 1
    outbox.close()


def test_fixture_fails_under_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mosquitto.shutil, "which", lambda _name: None)
    monkeypatch.setattr(mosquitto.os, "access", lambda *_a: False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true, so this is a failure"):
        mosquitto.mosquitto_binary()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="mosquitto is not installed"):
        mosquitto.mosquitto_binary()


def test_sharing_context_for_the_pipeline(tmp_path: Path, make_read: MakeRead, pki: mosquitto.Pki) -> None:
    from edge.share import sharing

    with Store.from_config(cfg_with(tmp_path)) as store, sharing(cfg_with(tmp_path), store) as none:
        assert none is None
    cfg = cfg_with(tmp_path, make_grant("mqtts://127.0.0.1:1", pki))
    with Store.from_config(cfg) as store, sharing(cfg, store) as service:
        assert service is not None
        assert set(service.publishers) == {"peer-a"}
        store.write(make_read())
        store.flush()
        kinds = [r.kind for r in Outbox(tmp_path / "s.db", readonly=True).pending("peer-a")]
        assert kinds.count("read") == 1  # and, once its thread has run, the ledger's genesis checkpoint
        assert set(kinds) <= {"read", "checkpoint"}
