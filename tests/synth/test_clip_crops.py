"""scripts/make_ocr_clip_crops.py: pipeline crops from a rendered clip, labelled by that clip's truth.

Wrong labels would train the OCR to misread without any error showing, so the labels are checked
against the renderer's own per-frame plates, on the shipped detector (real models, a real mp4).
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import cv2

from edge.synth.scene import CONDITIONS, Clip

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from make_ocr_clip_crops import clip_args  # noqa: E402  (scripts/, not a package)


def test_crops_are_labelled_with_a_plate_legible_in_that_clip(tmp_path: Path) -> None:
    out = tmp_path / "crops"
    seed = 3900000
    cmd = [sys.executable, str(ROOT / "scripts/make_ocr_clip_crops.py"), "--out", str(out)]
    cmd += ["--clips", "1", "--seconds", "6", "--seed", str(seed)]
    res = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300)
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
