"""edge_tools/make_ocr_clip_crops.py: pipeline crops from a rendered clip, labelled by that clip's truth.

Wrong labels would train the OCR to misread without any error showing, so the labels are checked
against the renderer's own per-frame plates, on the shipped detector (real models, a real mp4).
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from edge_tools.make_ocr_clip_crops import clip_args, usable
from edge_tools.synth.scene import CONDITIONS, MAX_LEGIBLE_BLUR, Clip, PlateObs

ROOT = Path(__file__).resolve().parents[2]


def test_crops_are_labelled_with_a_plate_legible_in_that_clip(tmp_path: Path) -> None:
    out = tmp_path / "crops"
    seed = 3900000
    cmd = [sys.executable, "-m", "edge_tools.make_ocr_clip_crops", "--out", str(out)]
    cmd += ["--clips", "1", "--seconds", "6", "--seed", str(seed)]
    res = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader((out / "train.csv").open()))
    assert rows, res.stderr
    args = clip_args(seed, 0, 6.0)
    clip = Clip(**args)  # type: ignore[arg-type]
    legible = {p.text for i in range(clip.n_frames) for p in clip.plates(i) if p.legible}
    assert {r["plate_text"] for r in rows} <= legible
    for r in rows[:: max(1, len(rows) // 10)]:
        img = cv2.imread(str(out / r["image_path"]))
        assert img is not None
        assert img.shape[0] >= 8
        assert img.shape[1] > img.shape[0]  # a plate: wider than tall


def test_clip_settings_come_from_the_seed() -> None:
    a, b = clip_args(3000000, 4, 40.0), clip_args(3000000, 4, 40.0)
    assert a == b
    assert a["seed"] == 3000004
    assert a["condition"] in CONDITIONS
    assert {clip_args(3000000, k, 40.0)["condition"] for k in range(20)} == set(CONDITIONS)


def _plate(width: float, blur: float, legible: bool = False, clear: bool = True) -> PlateObs:
    quad = np.array([[0, 0], [width, 0], [width, 20], [0, 20]], dtype=np.float32)  # 20 px tall
    return PlateObs("ABC123", (0, 0, width, 20), quad, width, legible, 1.0, blur, clear)


def test_near_legible_plates_are_kept_only_when_whole_wide_and_sharp_enough() -> None:
    limit = MAX_LEGIBLE_BLUR * 20  # the truth's blur limit for a 20 px tall plate
    assert usable(_plate(95, 0.0, legible=True), None)
    assert not usable(_plate(80, 0.0), None)  # --near not given: legible only
    assert usable(_plate(80, 1.9 * limit), (72, 2))
    assert not usable(_plate(70, 0.0), (72, 2))  # too narrow
    assert not usable(_plate(80, 2.1 * limit), (72, 2))  # too blurred
    assert not usable(_plate(80, 0.0, clear=False), (72, 2))  # cut by the frame or hidden


def test_legible_plates_are_clear() -> None:
    clip = Clip(**clip_args(3000000, 1, 8.0))  # type: ignore[arg-type]
    seen = [p for i in range(clip.n_frames) for p in clip.plates(i)]
    assert any(p.legible for p in seen)
    assert all(p.clear for p in seen if p.legible)
    assert any(not p.clear for p in seen)  # vehicles enter and leave: cut by the frame's edge
