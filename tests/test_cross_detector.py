"""edge_tools/cross_detector.py: legible plates found by IoU, boxes on empty roads counted, on real clips."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.types import Box
from edge_tools.cross_detector import Tally, score_set, window


def write_clip(where: Path, name: str, frames: int, vehicles: list[dict[str, object]]) -> None:
    out = cv2.VideoWriter(str(where / f"{name}.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 15, (64, 48))
    for i in range(frames):
        out.write(np.full((48, 64, 3), i * 10, np.uint8))  # the frame's index in its brightness
    out.release()
    (where / f"{name}.json").write_text(json.dumps({"fps": 15, "frames": frames, "vehicles": vehicles}))


def test_plates_are_found_at_iou_half_and_near_misses_counted() -> None:
    t = Tally()
    plate = Box(100, 100, 200, 140)
    t.plate(plate, [Box(102, 101, 199, 141), Box(0, 0, 10, 10)], "window", "first")  # found, one box off
    t.plate(plate, [Box(100, 100, 160, 140)], "window", "last")  # IoU 0.6: found
    t.plate(plate, [Box(100, 100, 140, 140)], "window", "last")  # IoU 0.4: near, not found
    t.plate(plate, [], "frame", "first")
    assert t.rows[("window", "last")] == [2, 1, 1, 0]
    text = t.report()
    assert "| window, first legible frame | 1 | 1/1 (100%) | 0 | 1 |" in text
    assert "| **window, both** | 3 | **2/3 (67%)** | 1 | 1 |" in text
    assert "| **frame, both** | 1 | **0/1 (0%)** | 0 | - |" in text


def test_the_window_is_vehicle_sized_and_inside_the_frame() -> None:
    assert window(Box(600, 300, 700, 330), 1280, 720) == (450, 155, 850, 475)  # 4 plate widths, 0.8 as tall
    assert window(Box(0, 700, 40, 715), 1280, 720) == (0, 579, 180, 720)  # at least 320 wide, clipped


def test_a_set_is_scored_on_its_legible_frames_and_every_empty_frame(tmp_path: Path) -> None:
    v = {"plate": "AB123", "first_frame": 2, "last_frame": 5, "box_first": [10, 10, 20, 8], "box_last": [30, 20, 20, 8]}
    write_clip(tmp_path, "road", 8, [v])
    write_clip(tmp_path, "empty-road", 6, [])
    seen: list[int] = []

    def detect(image: np.ndarray) -> list[Box]:
        index = round(float(image.mean()) / 10)
        seen.append(index)
        return [Box(10, 10, 30, 18)] if index == 2 else [Box(0, 0, 5, 5)]  # the first box right, the last wrong

    tally = score_set(tmp_path, detect)
    assert sorted(seen) == [0, 1, 2, 2, 2, 3, 4, 5, 5, 5]  # every empty frame; legible frames, whole and windowed
    assert tally.rows[("frame", "first")] == [1, 1, 0, 0]
    assert tally.rows[("frame", "last")] == [1, 0, 0, 1]  # missed, its one box elsewhere
    assert (tally.empty_frames, tally.empty_boxes) == (6, 6)


def test_a_folder_without_clips_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="no cross-renderer clips"):
        score_set(tmp_path, lambda image: [])
