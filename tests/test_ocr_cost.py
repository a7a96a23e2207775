"""edge_tools/ocr_cost.py: the per-crop cost and the Pi 4 arithmetic from a replay's CPU times."""

from __future__ import annotations

import pytest

from edge_tools.ocr_cost import Cost, Timed, pi4_fps, table


def cost(cpu_ms_per_frame: float, crops: int = 200, frames: int = 100) -> Cost:
    return Cost("c.yaml", frames, detector_ms=400.0, detector_calls=50, ocr_ms=600.0, crops=crops,
                cpu_ms_per_frame=cpu_ms_per_frame, wall_fps=40.0)  # fmt: skip


def test_the_crop_cost_is_the_ocr_time_over_its_crops() -> None:
    c = cost(20.0)
    assert c.ms_per_crop == pytest.approx(3.0)
    assert c.crops_per_frame == pytest.approx(2.0)
    assert c.ms_per_detector_call == pytest.approx(8.0)
    assert c.inference_ms_per_frame == pytest.approx(10.0)  # (400 + 600) ms over 100 frames
    assert cost(20.0, crops=0).ms_per_crop == 0.0


def test_a_pi4_core_is_taken_4_to_6_times_slower() -> None:
    lo, hi = pi4_fps(cost(20.0))
    assert (lo, hi) == (pytest.approx(1000 / 120), pytest.approx(1000 / 80))
    with pytest.raises(ValueError, match="no CPU time"):
        pi4_fps(cost(0.0))


def test_the_table_says_whether_a_pi4_keeps_up() -> None:
    text = table([cost(6.0, crops=50), cost(65.5, crops=300)], camera_fps=15)
    fast, slow = text.splitlines()[-2:]
    assert "spends 24-36 ms per frame: 28-42 fps" in fast
    assert "keeps up on one core; detector + OCR alone (the recognition thread) 40-60 ms per frame" in fast
    assert "asks for 45 plate crops/s" in slow
    assert "falls behind" in slow
    assert "| c.yaml | 2.0 | 3.00 | 8.0 | 10.0 | 65.5 | 40 | 3-4 |" in text


class _Ocr:
    name = "ocr"

    def predict(self, crops: list[int]) -> list[str]:
        return [str(sum(range(20000))) for _ in crops]


def test_timed_counts_calls_crops_and_cpu() -> None:
    t = Timed(_Ocr())
    assert t.predict([1, 2, 3]) == ["199990000"] * 3
    t.predict([4])
    assert (t.name, t.calls, t.items) == ("ocr", 2, 4)
    assert t.cpu > 0
