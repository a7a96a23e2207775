"""edge.track.calibration: the map from a read's raw confidence to the share of reads exact, and the
raw score it was fitted on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from edge.config.pipeline import TrackingConfig
from edge.errors import InputError
from edge.track import PlateTracker
from edge.track.calibration import Calibration, fit_isotonic
from edge.track.tracker import read_confidence, vote
from edge.types import Box, Observation, PlateBox, PlateText

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_run_of_exact_reads_is_pooled_before_smoothing() -> None:
    # 8 wrong reads at low confidence, then 10 exact ones: the top block is 10 of 10, smoothed to
    # 11/12, not ten single reads each smoothed to 2/3.
    raw = [0.30 + 0.02 * i for i in range(8)] + [0.80 + 0.01 * i for i in range(10)]
    exact = [False] * 8 + [True] * 10
    xs, ys = fit_isotonic(raw, exact)
    cal = Calibration("o", tuple(xs), tuple(ys))
    assert cal(0.85) == round(11 / 12, 4)
    assert cal(0.35) == round(1 / 10, 4)


def test_the_map_is_monotone_and_follows_the_data() -> None:
    rng = np.random.default_rng(5)
    raw = list(rng.uniform(0, 1, 400))
    exact = [bool(rng.random() < r) for r in raw]  # P(exact | raw) = raw
    xs, ys = fit_isotonic(raw, exact)
    assert xs == sorted(xs)
    assert ys == sorted(ys)
    assert len(xs) <= 24
    cal = Calibration("o", tuple(xs), tuple(ys))
    assert abs(cal(0.2) - 0.2) < 0.15
    assert abs(cal(0.8) - 0.8) < 0.15


def test_the_file_names_the_raw_score_it_was_fitted_on(tmp_path: Path) -> None:
    cal = Calibration("o", (0.5, 0.9), (0.3, 0.99), "weakest")
    path = tmp_path / "o.calibration.json"
    path.write_text(json.dumps(cal.to_dict()))
    assert Calibration.load(path) == cal
    # files fitted before the score was named were fitted on the vote's mean
    legacy = {k: v for k, v in cal.to_dict().items() if k != "score"}
    path.write_text(json.dumps(legacy))
    assert Calibration.load(path).score == "mean"
    path.write_text(json.dumps({**legacy, "score": "median"}))
    with pytest.raises(InputError, match="score 'median' is none of mean, weakest"):
        Calibration.load(path)


def test_the_tracker_computes_the_raw_score_its_calibration_was_fitted_on() -> None:
    # A plate read the same way in every frame, six characters sure and one not (a 5 that may be a 6):
    # the vote's mean over positions hides the unsure one, the least sure character does not.
    def frames() -> list[list[Observation]]:
        return [
            [
                Observation(
                    camera="c",
                    frame_index=f,
                    ts=T0 + timedelta(seconds=f / 30),
                    live=False,
                    plate=PlateBox(Box(100 + 12 * f, 100, 200 + 16 * f, 140), 0.9),
                    text=PlateText("5KHW037", 0.45, (0.5, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99)),
                )
            ]
            for f in range(10)
        ]

    obs = [o for f in frames() for o in f]
    assert read_confidence(obs, "mean") == vote(obs)
    text, weakest = read_confidence(obs, "weakest")
    assert text == "5KHW037"
    assert weakest == pytest.approx(0.5)
    assert vote(obs)[1] > 0.9
    same_map = ((0.0, 0.6, 1.0), (0.0, 0.4, 1.0))  # raw 0.5 -> 0.33, raw 0.93 -> 0.9
    for score, stored in (("mean", 1), ("weakest", 0)):
        tr = PlateTracker(
            TrackingConfig(),
            detector_model="d",
            ocr_model="o",
            calibration=Calibration("o", *same_map, score),
            min_store_confidence=0.5,
        )
        reads = []
        for f in frames():
            reads += tr.update(f[0].frame_index, f[0].ts, f)
        reads += tr.flush()
        assert len(reads) == stored, score
        assert tr.drops["low_confidence"] == 1 - stored
    with pytest.raises(ValueError, match="score 'best'"):
        PlateTracker(TrackingConfig(), detector_model="d", ocr_model="o", score="best")
