"""edge_tools.calibrate: fitting a map on a cache of observations, on the raw score asked for."""

from __future__ import annotations

import json
import pickle
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
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


def _drawn(text: str) -> np.ndarray:
    """A clean plate crop showing `text` (what a second OCR reads without doubt)."""
    im = np.full((60, 220, 3), 235, np.uint8)
    cv2.putText(im, text, (8, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.3, (20, 20, 20), 3)
    return im


def test_verified_writes_how_often_the_reads_the_verifier_let_through_were_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three unsure reads, each crop shown to the real second OCR (rapidocr): one right and confirmed, one
    wrong whose crop shows the truth (refused), one wrong whose crop shows the wrong text (let through):
    1 of 2 let through exact, smoothed to (1 + 1) / (2 + 2)."""
    unsure = (0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.6)
    clips = {  # name: (truth, what the plate OCR read, what the crop shows)
        "right": ("GHK9012", "GHK9012", "GHK9012"),
        "refused": ("PRS7890", "PRS7898", "PRS7890"),
        "misled": ("TUV2468", "TUV2463", "TUV2463"),
    }
    data: dict = {"dir": str(tmp_path), "detector": "d", "ocr": "o", "crops": True, "clips": {}}
    for name, (plate, read, shown) in clips.items():
        frames = _passing(read, unsure)
        data["clips"][name] = [(f, ts, [replace(o, crop=_drawn(shown)) for o in obs]) for f, ts, obs in frames]
        truth = {"fps": 15, "frames": 12, "vehicles": [{"plate": plate, "first_frame": 0, "last_frame": 11}]}
        (tmp_path / f"{name}.json").write_text(json.dumps(truth))
    cache = tmp_path / "crops.pkl"
    cache.write_bytes(pickle.dumps(data))
    cal = tmp_path / "o.calibration.json"  # raw 0.6 -> 0.24, under the store's 0.5
    cal.write_text(json.dumps({"ocr_model": "o", "score": "weakest", "raw": [0.0, 1.0], "exact": [0.0, 0.4]}))
    monkeypatch.setattr(sys, "argv", ["calibrate", "verified", str(cache), "--calibration", str(cal)])
    calibrate.main()
    assert Calibration.load(cal).verified == 0.5
    doc = json.loads(cal.read_text())
    assert "2 reads under store.min_confidence 0.5" in doc["verified_on"]
    assert "1 exact" in doc["verified_on"]
    assert doc["verified_command"].startswith("python -m edge_tools.calibrate verified ")
    # a cache without crops cannot be verified
    data["crops"] = False
    cache.write_bytes(pickle.dumps(data))
    with pytest.raises(SystemExit, match="no crops"):
        calibrate.main()
