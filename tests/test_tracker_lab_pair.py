"""edge_tools/tracker_lab.py pair: issue 26's two figures from caches, as the issue words them.

Wrong + junk as a share of the reads the default stores, and how many points of vehicles read
exactly the default gives up against storing every read the tracker makes. A cache of four
vehicles: two read right and sure, one read wrong and sure (stored: the wrong read), one read right
but unsure (dropped under store.min_confidence; stored when every read is).
"""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge.types import Box, Observation, PlateBox, PlateText
from edge_tools.tracker_lab import pair

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PASSES = (  # (plate, what the OCR read, its confidence)
    ("ABC1234", "ABC1234", 0.99),
    ("DEF5678", "DEF5678", 0.99),
    ("GHK9012", "GHK9013", 0.99),
    ("LMN3456", "LMN3456", 0.3),
)


def _cache(tmp_path: Path) -> Path:
    frames: dict[int, list[Observation]] = {f: [] for f in range(130)}
    vehicles = []
    for k, (plate, read, conf) in enumerate(PASSES):
        first = 10 + 30 * k
        for f in range(first, first + 20):
            x = 100 + 25 * (f - first)
            ob = Observation(
                "c", f, T0 + timedelta(seconds=f / 15), False, PlateBox(Box(x, 300, x + 120, 340), 0.9),
                PlateText(read, conf, tuple([conf] * len(read))),
            )  # fmt: skip
            frames[f].append(ob)
        vehicles.append({"plate": plate, "first_frame": first, "last_frame": first + 19})
    (tmp_path / "day.json").write_text(json.dumps({"fps": 15, "frames": 130, "vehicles": vehicles}))
    clip = [(f, T0 + timedelta(seconds=f / 15), frames[f]) for f in range(130)]
    path = tmp_path / "obs.pkl"
    path.write_bytes(pickle.dumps({"ocr": "o", "detector": "d", "dir": str(tmp_path), "clips": {"day": clip}}))
    return path


def test_pair_counts_stored_wrong_reads_and_the_right_reads_the_threshold_drops(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = _cache(tmp_path)
    kept, every = pair([cache, cache], None)  # the same set twice: pooled figures are sums
    assert (kept.vehicles, kept.read_exact, kept.wrong_reads, kept.reads) == (8, 4, 2, 6)
    assert (every.read_exact, every.wrong_reads) == (6, 2)
    out = capsys.readouterr().out
    assert "| obs | 4 | 2 | 1/3 (33.33%;" in out
    assert "| 3 | 25.00 |" in out  # one vehicle of four: 25 points under accepting every read
    assert "pooled: 33.33% wrong + junk" in out
    assert "25.00 points under accepting every read (<= 2): not met" in out


def test_pair_is_met_when_nothing_wrong_is_stored_and_nothing_right_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = _cache(tmp_path)
    config = tmp_path / "all.yaml"
    config.write_text("store:\n  min_confidence: 0.0\n")  # the default stores what accepting all stores
    data = pickle.loads(cache.read_bytes())
    clip = data["clips"]["day"]
    data["clips"]["day"] = [(f, ts, [o for o in obs if o.text.text != "GHK9013"]) for f, ts, obs in clip]
    cache.write_bytes(pickle.dumps(data))
    kept, every = pair([cache], config)
    assert (kept.read_exact, kept.wrong_reads, every.read_exact) == (3, 0, 3)
    assert capsys.readouterr().out.rstrip().endswith(": met")
