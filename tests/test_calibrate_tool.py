"""edge_tools.calibrate: fitting a map on a cache of observations, on the raw score asked for."""

from __future__ import annotations

import json
import pickle
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge.track.calibration import Calibration
from edge.types import Box, Observation, PlateBox, PlateText
from edge_tools import calibrate

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _passing(text: str, char_conf: tuple[float, ...]) -> list[tuple[int, datetime, list[Observation]]]:
    """A plate passing the camera, read `text` every frame with these per-character confidences."""
    frames = []
    for f in range(12):
        ts = T0 + timedelta(seconds=f / 15)
        box = Box(100 + 14 * f, 100 + 4 * f, 200 + 18 * f, 140 + 5 * f)
        conf = sum(char_conf) / len(char_conf)
        frames.append((f, ts, [Observation("c", f, ts, False, PlateBox(box, 0.9), PlateText(text, conf, char_conf))]))
    return frames


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """Six clips of one vehicle each: four read exactly (one with an unsure character), two read
    with one character wrong and unsure, the confusions the mean over positions hides."""
    sure = (0.99,) * 7
    clips = {
        "a": ("ABC1234", "ABC1234", sure),
        "b": ("DEF5678", "DEF5678", sure),
        "c": ("GHK9012", "GHK9012", (0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.8)),
        "d": ("LMN3456", "LMN3456", sure),
        "e": ("PRS7890", "PRS7898", (0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.45)),
        "f": ("TUV2468", "TUV2463", (0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.5)),
    }
    data = {"dir": str(tmp_path), "detector": "d", "ocr": "o", "clips": {}}
    for name, (plate, read, conf) in clips.items():
        data["clips"][name] = _passing(read, conf)
        truth = {"fps": 15, "frames": 12, "vehicles": [{"plate": plate, "first_frame": 0, "last_frame": 11}]}
        (tmp_path / f"{name}.json").write_text(json.dumps(truth))
    path = tmp_path / "obs.pkl"
    path.write_bytes(pickle.dumps(data))
    return path


def _fit(monkeypatch: pytest.MonkeyPatch, cache: Path, out: Path, *score: str) -> Calibration:
    monkeypatch.setattr(sys, "argv", ["calibrate", "fit", str(cache), "--out", str(out), *score])
    calibrate.main()
    return Calibration.load(out)


def test_fit_records_the_raw_score_and_fits_on_it(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    weakest = _fit(monkeypatch, cache, tmp_path / "w.json")  # the default
    mean = _fit(monkeypatch, cache, tmp_path / "m.json", "--score", "mean")
    assert weakest.score == "weakest"
    assert mean.score == "mean"
    doc = json.loads((tmp_path / "w.json").read_text())
    assert doc["score"] == "weakest"
    assert "--out" in doc["command"]
    # On the least sure character the two wrong reads (0.45, 0.5) sit below every exact one (0.8, 0.99):
    # the map says they are unlikely to be exact. On the mean over positions every read lies above 0.9
    # (six sure characters of seven), so the map is fitted there, and a raw mean of 0.5 means nothing.
    assert weakest(0.5) < 0.5 < weakest(0.8)
    assert weakest.raw[0] == pytest.approx(0.475, abs=0.01)
    assert min(mean.raw) > 0.9
