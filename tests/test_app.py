"""One assembly (edge.app): `run`, `replay` and `eval` with the same config write the same things.

Before edge/app.py each command wired the store, ledger, sharing and hotlists itself: `replay` into a
store whose config granted sharing wrote reads with no outbox rows and no ledger entries at all.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from edge.app import App, evaluate_clip
from edge.config import load_config
from tests.support.cli import run_cli as cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "sample.mp4"
TRUTH = ROOT / "samples" / "sample.json"


def site_config(folder: Path) -> Path:
    """IL, one camera reading the sample clip, one grant to a peer that takes every read (its broker is
    a closed loopback port: nothing is delivered, everything is queued)."""
    path = folder / "site.yaml"
    path.write_text(
        f"""node_id: test-node
profile: IL
cameras:
  - name: replay
    source: {SAMPLE}
store:
  path: {folder / "edge.db"}
  min_free_mb: 0
health:
  enabled: false
sharing:
  peers:
    - name: peer-a
      broker: mqtt://127.0.0.1:1
      topic_prefix: peers/a
      agency: Springfield PD
      jurisdiction: IL
      share: all
      fields: [plate, time, camera]
      purposes: [stolen_vehicle]
      legal_basis: mutual aid agreement 2026-14
      expires: 2030-01-01
"""
    )
    return path


def written(folder: Path) -> dict[str, object]:
    """What a command left behind: the store's tables, its reads and outbox rows, the ledger's actions."""
    with sqlite3.connect(folder / "edge.db") as conn:
        tables = sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
        reads = conn.execute("SELECT count(*) FROM reads").fetchone()[0]
        outbox = conn.execute("SELECT count(*) FROM share_outbox WHERE kind = 'read'").fetchone()[0]
    ledgers = [p for p in folder.iterdir() if p.name.startswith("audit") and p.suffix == ".db"]
    assert len(ledgers) == 1, ledgers
    with sqlite3.connect(ledgers[0]) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM entries ORDER BY seq")]
    return {"tables": tables, "reads": reads, "outbox": outbox, "actions": actions}


@pytest.mark.slow
def test_run_replay_and_eval_write_the_same_tables_outbox_rows_and_ledger_entries(tmp_path: Path) -> None:
    outcomes = {}
    for command in ("run", "replay"):
        folder = tmp_path / command
        folder.mkdir()
        cfg = site_config(folder)
        args = ["run", "--no-pace"] if command == "run" else ["replay", str(SAMPLE), "--quiet"]
        res = cli(*args, "--config", str(cfg))
        assert res.returncode == 0, res.stderr[-3000:]
        outcomes[command] = written(folder)
    run, replay = outcomes["run"], outcomes["replay"]
    assert run["tables"] == replay["tables"]
    assert "share_outbox" in run["tables"]
    assert run["reads"] == replay["reads"] >= 6  # of the sample's 9 vehicles, read surely by the same models
    # every read queued for the grant, by either command (replay queued none before edge.app)
    assert run["outbox"] == replay["outbox"] == run["reads"]
    for actions in (run["actions"], replay["actions"]):
        assert isinstance(actions, list)
        assert actions[0] in ("genesis", "startup", "config_loaded")
        assert "startup" in actions
        assert actions[-1] == "shutdown"

    # eval: the same assembly into a throwaway store, queued but never published
    folder = tmp_path / "eval"
    folder.mkdir()
    result = evaluate_clip(SAMPLE, TRUTH, load_config(site_config(folder)))
    assert result.reads == run["reads"]  # what run and replay stored
    assert result.read_exact >= 6
    assert result.wrong_reads + result.false_reads <= 3  # tests/test_replay_e2e.py says which
    assert not (folder / "edge.db").exists()  # eval never touches the configured store


def test_startup_and_shutdown_entries_name_the_command(tmp_path: Path) -> None:
    cfg = load_config(site_config(tmp_path))
    app = App(cfg)
    with pytest.raises(RuntimeError, match=r"before App\.open"):
        app.write(None)  # type: ignore[arg-type]
    with app.open("replay", publish=False) as session:
        assert session.share is not None
        assert not session.share.publishers  # queued, not published
    with sqlite3.connect(session.ledger.path) as conn:
        rows = [(a, json.loads(d)) for a, d in conn.execute("SELECT action, detail FROM entries ORDER BY seq")]
    assert [a for a, _ in rows][-2:] == ["startup", "shutdown"]
    assert rows[-2][1]["command"] == rows[-1][1]["command"] == "replay"
    assert rows[-1][1]["reads"] == 0
