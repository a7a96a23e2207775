"""edge_tools/cross_detector.py: legible plates found by IoU, boxes on empty roads counted, on real clips."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.types import Box
from edge_tools.cross_detector import Tally, score_set


def write_clip(where: Path, name: str, frames: int, vehicles: list[dict[str, object]]) -> None:
    out = cv2.VideoWriter(str(where / f"{name}.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 15, (64, 48))
    for i in range(frames):
        out.write(np.full((48, 64, 3), i * 10, np.uint8))  # the frame's index in its brightness
    out.release()
    (where / f"{name}.json").write_text(json.dumps({"fps": 15, "frames": frames, "vehicles": vehicles}))


def test_plates_are_found_at_iou_half_and_near_misses_counted() -> None:
    t = Tally()
    plate = Box(100, 100, 200, 140)
    t.plate(plate, [Box(102, 101, 199, 141), Box(0, 0, 10, 10)], "first")  # found
    t.plate(plate, [Box(100, 100, 160, 140)], "last")  # IoU 0.6: found
    t.plate(plate, [Box(100, 100, 140, 140)], "last")  # IoU 0.4: near, not found
    t.plate(plate, [], "first")
    assert (t.plates, t.found, t.near) == (4, 2, 1)
    text = t.report()
    assert "| at the first legible frame | 1/2 (50%) | |" in text
    assert "| **all** | **2/4 (50%)** | 1 |" in text


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
    assert sorted(seen) == [0, 1, 2, 2, 3, 4, 5, 5]  # every empty frame, the road's legible frames only
    assert (tally.plates, tally.found) == (2, 1)
    assert (tally.empty_frames, tally.empty_boxes) == (6, 6)


def test_a_folder_without_clips_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="no cross-renderer clips"):
        score_set(tmp_path, lambda image: [])
