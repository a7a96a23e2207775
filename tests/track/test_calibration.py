"""edge.track.calibration.fit_isotonic: the map from raw vote confidence to the share of reads exact."""

from __future__ import annotations

import numpy as np

from edge.track.calibration import Calibration, fit_isotonic


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
