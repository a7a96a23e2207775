"""A replay with a hotlisted plate in it: one hit and one alert, through the pipeline's sink.

The first test drives ``edge.pipeline.replay`` with a stub recognizer (no models needed) through the
same sink the CLI uses (``open_read_sink``). The second runs the real `edge-alpr replay` on the
committed sample clip with the shipped models.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from edge.capture.base import SourceStats
from edge.config import Config, load_config
from edge.hotlist.sink import open_read_sink
from edge.pipeline import StageTimes, replay
from edge.store import Store
from edge.types import Frame, Read
from tests.support.cli import run_cli as cli
from tests.support.hotlist import T0, make_read, random_plates, write_csv

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sample.mp4"
TRUTH = ROOT / "samples" / "sample.json"


class StubSource:
    camera = "replay"
    fps = 30.0

    def __init__(self, n: int) -> None:
        self.n = n
        self.stats = SourceStats()

    def frames(self) -> Iterator[Frame]:
        for i in range(self.n):
            self.stats.frames += 1
            yield Frame("replay", i, T0 + timedelta(seconds=i / self.fps), np.zeros((4, 4, 3), np.uint8))

    def close(self) -> None:
        pass


class StubRecognizer:
    """Emits a read of `plate` every 100 frames (a car parked in view) and passers-by in between."""

    def __init__(self, plate: str, others: list[str]) -> None:
        self.plate, self.others = plate, others
        self.times = StageTimes()

    def process(self, frame: Frame) -> list[Read]:
        if frame.index % 100 == 0:
            return [make_read(self.plate, camera=frame.camera, ts=frame.ts)]
        if frame.index % 37 == 0:
            return [make_read(self.others[frame.index % len(self.others)], camera=frame.camera, ts=frame.ts)]
        return []

    def finish(self) -> list[Read]:
        return []


def _config(tmp_path: Path, extra: str = "") -> Path:
    cfg = tmp_path / "edge.yaml"
    cfg.write_text(f"store:\n  path: {tmp_path / 'store.db'}\n  min_free_mb: 0\n{extra}")
    return cfg


def _import(cfg: Path, csv: Path) -> None:
    res = cli(
        "hotlist", "import", str(csv), "--config", str(cfg), "--name", "ncic-stolen", "--category", "stolen-vehicle",
        "--source", "NCIC test extract", "--basis", "test agreement 1", "--user", "tester",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr


def test_parked_hotlisted_car_in_a_replay_gives_one_hit_and_one_alert(tmp_path: Path) -> None:
    wanted, *others = random_plates(20, seed=11)
    cfg_path = _config(tmp_path)
    _import(cfg_path, write_csv(tmp_path / "l.csv", [wanted, *random_plates(500, seed=12)]))
    cfg: Config = load_config(cfg_path)
    alerts = []
    with Store.from_config(cfg) as store, open_read_sink(cfg, store, on_alert=alerts.append) as sink:
        result = replay(StubSource(900), StubRecognizer(wanted, others), sink)  # type: ignore[arg-type]
        store.flush()
        assert result.reads == store.count("reads") > 9
        assert store.count("hits") == 1
    assert [(a.hotlist, a.match_kind, a.plate) for a in alerts] == [("ncic-stolen", "exact", wanted)]
    with sqlite3.connect(tmp_path / "audit.db") as conn:
        details = [json.loads(d) for (d,) in conn.execute("SELECT detail FROM entries WHERE action = 'alert'")]
    assert [d["read_id"] for d in details] == [alerts[0].read_id]


def test_replay_without_hotlists_creates_no_hotlist_or_ledger_file(tmp_path: Path) -> None:
    cfg = load_config(_config(tmp_path))
    with Store.from_config(cfg) as store, open_read_sink(cfg, store) as sink:
        assert sink(make_read("KX7731"))
    assert not (tmp_path / "hotlists.db").exists()
    assert not (tmp_path / "audit.db").exists()


@pytest.mark.slow
def test_sample_clip_with_a_hotlisted_plate_gives_one_hit_and_one_alert(tmp_path: Path) -> None:
    """Pass 1 learns which vehicles of the clip the models read exactly (recognition quality is tested
    elsewhere); pass 2, on a fresh store, hotlists one of them among 2000 decoys."""
    truth = {v["plate"] for v in json.loads(TRUTH.read_text())["vehicles"]}
    first = tmp_path / "first"
    first.mkdir()
    res = cli("replay", str(SAMPLE), "--config", str(_config(first)), "--json")
    assert res.returncode == 0, res.stderr
    # An alert needs a read at or above hotlist.min_confidence; a surer-than-that exact read is hotlisted.
    sure = load_config(_config(first)).hotlists.min_confidence
    with sqlite3.connect(first / "store.db") as conn:
        rows = conn.execute("SELECT plate FROM reads WHERE confidence >= ?", (sure,))
        read = sorted({p for (p,) in rows} & truth)
    if not read:
        pytest.fail(f"the models read no vehicle of the sample clip exactly at >= {sure}: see tests/test_replay_e2e.py")
    wanted = read[0]
    second = tmp_path / "second"
    second.mkdir()
    cfg = _config(second)
    decoys = [p for p in random_plates(2000, seed=5) if p not in truth]
    _import(cfg, write_csv(second / "l.csv", [wanted, *decoys]))
    res = cli("replay", str(SAMPLE), "--config", str(cfg), "--json")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    (alert,) = summary["alerts"]
    assert (alert["plate"], alert["hotlist"], alert["category"]) == (wanted, "ncic-stolen", "stolen-vehicle")
    assert (alert["basis"], alert["match_kind"], alert["camera"]) == ("test agreement 1", "exact", "replay")
    with sqlite3.connect(second / "store.db") as conn:
        hits = conn.execute("SELECT read_id, hotlist, category, match_kind FROM hits").fetchall()
        hit_reads = conn.execute("SELECT plate FROM reads WHERE is_hit = 1").fetchall()
    assert hits == [(alert["read_id"], "ncic-stolen", "stolen-vehicle", "exact")]
    assert hit_reads == [(wanted,)]
    with sqlite3.connect(second / "audit.db") as conn:
        rows = conn.execute("SELECT action, detail FROM entries ORDER BY seq").fetchall()
    assert [a for a, _ in rows].count("alert") == 1
    assert [a for a, _ in rows[:2]] == ["genesis", "hotlist_imported"]
    assert all(wanted not in d for _, d in rows)  # the ledger never holds the plate


def test_running_sink_deletes_expired_entries_and_records_it(tmp_path: Path) -> None:
    # What `edge-alpr run` does with expire_every: an entry past its date is deleted while the
    # pipeline runs (not only no longer matched), and the deletion is in the ledger.
    import time
    from datetime import UTC, datetime

    from edge.audit.ledger import open_ledger
    from edge.hotlist import Hotlists
    from edge.hotlist.db import default_path

    keep, gone = random_plates(2, seed=31)
    # Far enough ahead that the import (a CLI process, seconds on a loaded machine) ends before it:
    # with 2 s the entry expired during the import under load and nothing was left to delete.
    soon = (datetime.now(UTC) + timedelta(seconds=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cfg_path = _config(tmp_path)
    csv = tmp_path / "l.csv"
    csv.write_text(f"plate,expires\n{keep},\n{gone},{soon}\n")
    _import(cfg_path, csv)
    cfg: Config = load_config(cfg_path)
    with Hotlists(default_path(cfg)) as hot:
        assert hot.count() == 2, "both entries imported, neither expired yet"
    with Store.from_config(cfg) as store, open_read_sink(cfg, store, expire_every=0.2):
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            with Hotlists(default_path(cfg)) as hot:
                if hot.count() == 1:
                    break
            time.sleep(0.2)
    with Hotlists(default_path(cfg)) as hot:
        assert hot.count() == 1
        assert [h.entry_plate for h in hot.match([keep, gone])] == [keep]
    with open_ledger(cfg, readonly=True) as ledger:
        removed = [e for e in ledger.entries() if e.action == "hotlist_removed"]
    assert len(removed) == 1
    assert json.loads(removed[0].detail)["entries_removed"] == {"ncic-stolen": 1}
