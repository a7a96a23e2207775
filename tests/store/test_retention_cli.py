"""`edge-alpr retention purge|status` on a real store file (the commands use the real clock)."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from edge.cli import main
from edge.config import ConfigError
from edge.errors import InputError
from edge.store import Store, utcnow
from tests.support.store import MakeRead

DAY = timedelta(days=1)


def _seed(db: Path, make_read: MakeRead) -> None:
    now = utcnow()
    with Store(db) as store:
        store.write(make_read("CLIOLD1", ts=now - 30 * DAY))
        store.write(make_read("CLIOLD2", ts=now - 25 * DAY, camera="gate"))
        store.write(make_read("CLINEW1", ts=now - DAY))
        hit = make_read("CLIHIT1", ts=now - 40 * DAY)
        store.write(hit)
        store.mark_hit(hit.id, "stolen")


def _status(db: Path, *extra: str) -> dict[str, object]:
    res = CliRunner().invoke(main, ["retention", "status", "--db", str(db), "--json", *extra])
    assert res.exit_code == 0, res.output
    out: dict[str, object] = json.loads(res.output)
    return out


def test_status_purge_dry_run_and_purge(tmp_path: Path, make_read: MakeRead) -> None:
    db = tmp_path / "s.db"
    _seed(db, make_read)
    before = _status(db)
    tiers = before["tiers"]
    assert isinstance(tiers, dict)
    assert (tiers["non_hit"]["count"], tiers["non_hit"]["overdue"], tiers["hit"]["count"]) == (3, 2, 1)
    assert before["lag_s"] > 8 * 86400  # the 30-day-old read is 9 days past the default 21d
    assert before["last_purge"] is None

    dry = CliRunner().invoke(main, ["retention", "purge", "--dry-run", "--db", str(db)])
    assert dry.exit_code == 0, dry.output
    assert "would delete 2 read(s) (2 non-hit, 0 hit)" in dry.output
    assert _status(db)["tiers"]["non_hit"]["count"] == 3  # type: ignore[index]

    res = CliRunner().invoke(main, ["retention", "purge", "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    receipt = json.loads(res.output)
    assert receipt["deleted"] == {"reads_non_hit": 2, "reads_hit": 0, "hits": 0, "crops": 0}
    assert receipt["wal_truncated"] is True
    after = _status(db)
    assert after["lag_s"] == 0
    assert after["last_purge"] == receipt["ts"]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT plate FROM reads ORDER BY plate").fetchall() == [("CLIHIT1",), ("CLINEW1",)]
    assert conn.execute("SELECT count(*) FROM purge_log").fetchone()[0] == 1
    conn.close()

    text = CliRunner().invoke(main, ["retention", "status", "--db", str(db)])
    assert text.exit_code == 0
    assert "lag: 0s" in text.output
    assert "next purge:" in text.output


def test_config_tiers_and_camera_overrides_apply(tmp_path: Path, make_read: MakeRead) -> None:
    db = tmp_path / "s.db"
    _seed(db, make_read)
    cfg = tmp_path / "site.yaml"
    cfg.write_text("retention:\n  non_hit: 60d\n  hit: 30d\n  cameras:\n    gate:\n      non_hit: 20d\n")
    res = CliRunner().invoke(main, ["retention", "purge", "--config", str(cfg), "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "deleted 2 read(s) (1 non-hit, 1 hit), 1 hit record(s)" in res.output
    assert "camera gate: non-hit before" in res.output


def test_missing_store_and_bad_config_are_refused(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["retention", "status", "--db", str(tmp_path / "none.db")])
    assert res.exit_code != 0
    assert isinstance(res.exception, InputError)
    assert not (tmp_path / "none.db").exists()  # status does not create a store
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("retention:\n  non_hit: 3m\n  purge_interval: 1h\n")
    res = CliRunner().invoke(main, ["retention", "purge", "--config", str(cfg), "--db", str(tmp_path / "s.db")])
    assert isinstance(res.exception, ConfigError)
    assert "bad.yaml:3: retention.purge_interval" in str(res.exception)


def test_purge_receipt_always_goes_to_the_audit_ledger(tmp_path: Path, make_read: MakeRead) -> None:
    from edge.audit.ledger import Ledger

    db = tmp_path / "s.db"
    _seed(db, make_read)
    assert not (tmp_path / "audit.db").exists()  # created on first use, beside the store
    res = CliRunner().invoke(main, ["retention", "purge", "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    receipt = json.loads(res.output)
    with Ledger(tmp_path / "audit.db", readonly=True) as ledger:
        entry = ledger.last("purge")
    assert entry is not None
    detail = entry.detail_obj()
    assert detail.pop("auth")["os_user"]  # every entry also says which account wrote it
    assert detail == receipt
    assert b"CLIOLD1" not in (tmp_path / "audit.db").read_bytes()


def test_purge_refused_when_the_ledger_cannot_be_written(tmp_path: Path, make_read: MakeRead) -> None:
    db = tmp_path / "s.db"
    _seed(db, make_read)
    (tmp_path / "audit.db").mkdir()  # a folder where the ledger file should be: unwritable
    res = CliRunner().invoke(main, ["retention", "purge", "--db", str(db), "--json"])
    assert res.exit_code != 0
    status = CliRunner().invoke(main, ["retention", "status", "--db", str(db), "--json"])
    tiers = json.loads(status.output)["tiers"]
    assert sum(t["count"] for t in tiers.values()) == 4, "nothing may be deleted without a receipt"
