"""edge_tools/ocr_cost.py: the per-crop cost and the Pi 4 arithmetic from a replay's stage times."""

from __future__ import annotations

import pytest

from edge_tools.ocr_cost import Cost, pi4_fps, table


def cost(ocr_ms_per_frame: float, crops: int, frames: int = 100) -> Cost:
    ms = {"gate": 1.0, "detect": 4.0, "ocr": ocr_ms_per_frame, "track": 0.5}
    return Cost("c.yaml", frames, ms, ocr_calls=crops, detector_calls=50, cpu_ms_per_frame=9.0)


def test_the_crop_cost_is_the_ocr_time_over_its_calls() -> None:
    c = cost(ocr_ms_per_frame=6.0, crops=200)  # 600 ms of OCR over 200 crops
    assert c.ms_per_crop == pytest.approx(3.0)
    assert c.crops_per_frame == pytest.approx(2.0)
    assert c.recognition_ms == pytest.approx(11.5)
    assert cost(0.0, crops=0).ms_per_crop == 0.0


def test_a_pi4_core_is_taken_4_to_6_times_slower() -> None:
    lo, hi = pi4_fps(cost(ocr_ms_per_frame=14.5, crops=100))  # 20 ms a frame here
    assert (lo, hi) == (pytest.approx(1000 / 120), pytest.approx(1000 / 80))
    with pytest.raises(ValueError, match="no recognition time"):
        pi4_fps(Cost("z.yaml", 0, dict.fromkeys(("gate", "detect", "ocr", "track"), 0.0), 0, 0, 0.0))


def test_the_table_says_whether_a_pi4_keeps_up() -> None:
    text = table([cost(ocr_ms_per_frame=0.5, crops=50), cost(ocr_ms_per_frame=60.0, crops=300)], camera_fps=15)
    fast, slow = text.splitlines()[-2:]
    assert "spends 24-36 ms per frame: 28-42 fps" in fast
    assert fast.endswith("keeps up (busy frames beyond that are dropped, the newest wins)")
    assert "asks for 45 plate crops/s" in slow
    assert "falls behind" in slow
    assert "| c.yaml | 20.0 | 3.00 | 8.0 | 65.5 | 9.0 | 3-4 |" in text
