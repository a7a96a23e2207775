"""A vehicle that stands still in view (queued at a light) is still read: the still rules (a parked
car's frames, text read only in place; issue 26) must not take a stopped car for a sign or a camera's
name. End to end on rendered clips with the default config and shipped models."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.app import evaluate_clip
from edge.config import Config
from edge_tools.synth.scene import Clip, write_clip

STOP = (6.5, 4.0)  # stands 4 s where its plate is legible (at least 90 px wide)


def test_a_stopping_vehicle_stands_still_then_drives_on() -> None:
    clip = Clip(seed=92002, seconds=14, fps=15, n_vehicles=1, stop=STOP)
    v = clip.vehicles[0]
    reach = abs(STOP[0] - v.z_start) / v.speed  # seconds driven until it stops
    t = v.t_start + reach
    assert v.z_at(t + 0.5) == v.z_at(t + 3.5) == pytest.approx(STOP[0])
    assert v.x_at(t + 0.5) == v.x_at(t + 3.5)  # no sway while it stands
    after = v.z_at(t + STOP[1] + 0.2)
    assert after is not None
    assert after != pytest.approx(STOP[0])
    # without a stop the same seed renders as it always did
    plain = Clip(seed=92002, seconds=14, fps=15, n_vehicles=1).vehicles[0]
    assert plain.stop_z is None
    assert plain.z_at(t + 0.5) != v.z_at(t + 0.5)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("seed", "stands", "seconds"),
    [
        (92002, 4.0, 14),  # approaches, stands 4 s, drives on
        (92006, 4.0, 14),  # recedes, stands, drives on
        (92000, 60.0, 12),  # approaches and still stands when the clip ends
    ],
)
def test_a_vehicle_that_stands_in_view_is_read_once(seed: int, stands: float, seconds: int, tmp_path: Path) -> None:
    clip, truth = tmp_path / "stop.mp4", tmp_path / "stop.json"
    rendered = write_clip(Clip(seed=seed, seconds=seconds, fps=15, n_vehicles=1, stop=(STOP[0], stands)), clip, truth)
    (vehicle,) = rendered["vehicles"]
    assert vehicle["last_frame"] - vehicle["first_frame"] >= 3 * 15  # legible while it stood
    result = evaluate_clip(clip, truth, Config())
    assert result.read_exact == 1, result
    assert result.duplicate_reads == 0, result
    assert result.wrong_reads == 0, result
    assert result.false_reads == 0, result
