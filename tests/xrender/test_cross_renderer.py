"""edge_tools/xrender: the cross-renderer renders a short clip whose truth JSON agrees with its video.

Run as `python -m edge_tools.xrender`: the same command validate.py's users run. One short day clip
(5 s, 75 frames) keeps this quick.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from edge.evaluate import Truth

ROOT = Path(__file__).resolve().parents[2]
FONT_FILES = (
    "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSans-Bold.otf",
    "/usr/share/fonts/truetype/open-sans/OpenSans-CondBold.ttf",
    "/usr/share/fonts/opentype/cantarell/Cantarell-Bold.otf",
)


def xrender(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edge_tools.xrender", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def day_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not all(Path(f).exists() for f in FONT_FILES):
        pytest.fail(
            "cross-renderer fonts missing: apt-get install fonts-freefont-ttf fonts-urw-base35 "
            "fonts-open-sans fonts-cantarell (scripts/test.sh installs them)"
        )
    out = tmp_path_factory.mktemp("xrender")
    res = xrender("--out", str(out), "--only", "day", "--seconds", "5")
    assert res.returncode == 0, res.stderr
    return out


def test_truth_matches_the_video(day_clip: Path) -> None:
    data = json.loads((day_clip / "day.json").read_text())
    truth = Truth.load(day_clip / "day.json")  # what `edge-alpr eval --truth` reads
    cap = cv2.VideoCapture(str(day_clip / "day.mp4"))
    frames = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        assert frame.shape == (720, 1280, 3)
        frames += 1
    cap.release()
    assert (truth.fps, truth.frames, frames) == (15.0, 75, 75)
    assert data["conditions"][0] == "day"
    assert data["renderer"] == "xrender"
    assert len(truth.vehicles) >= 1, "a 5 s day clip with two vehicles lists none as legible"
    plates = [v.plate for v in truth.vehicles]
    assert len(set(plates)) == len(plates)
    for v, raw in zip(truth.vehicles, data["vehicles"], strict=True):
        assert re.fullmatch(r"[A-Z0-9]{4,8}", v.plate), v.plate
        assert 0 <= v.first_frame < v.last_frame < truth.frames, v
        assert raw["legible_frames"] <= v.last_frame - v.first_frame + 1
        for x, y, w, h in (raw["box_first"], raw["box_last"]):  # the plate lies inside the frame
            assert (x >= 0, y >= 0, x + w <= 1280, y + h <= 720) == (True, True, True, True), raw
            assert (w >= 20, h >= 8) == (True, True), raw


def test_truth_is_a_function_of_the_seed(day_clip: Path) -> None:
    res = xrender("--out", str(day_clip), "--only", "day", "--seconds", "5", "--truth-only")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == [json.loads((day_clip / "day.json").read_text())]


def test_bad_arguments_are_refused_with_the_reason(tmp_path: Path) -> None:
    res = xrender("--out", str(tmp_path), "--only", "sunny")
    assert res.returncode == 2
    assert "no clip named sunny" in res.stderr
    res = xrender("--out", str(tmp_path), "--seconds", "1")
    assert res.returncode == 2
    assert "--seconds 1" in res.stderr
    assert not list(tmp_path.iterdir())


def test_the_calibration_split_shares_no_plate_with_the_cross_set(tmp_path: Path) -> None:
    """Read confidence is fitted on the calibration split and scored on the cross set: not one vehicle in both."""
    cross = xrender("--out", str(tmp_path), "--truth-only")
    calib = xrender("--out", str(tmp_path), "--seed", "7350000", "--seconds", "10", "--truth-only")
    assert (cross.returncode, calib.returncode) == (0, 0), cross.stderr + calib.stderr
    cross_clips, calib_clips = json.loads(cross.stdout), json.loads(calib.stdout)
    cross_plates = {v["plate"] for c in cross_clips for v in c["vehicles"]}
    calib_plates = {v["plate"] for c in calib_clips for v in c["vehicles"]}
    assert len(cross_plates) >= 150
    assert 60 <= len(calib_plates) <= 80
    assert not cross_plates & calib_plates
    assert not {c["seed"] for c in cross_clips} & {c["seed"] for c in calib_clips}
    # the same conditions mix: every clip of the plan, drawn from other seeds
    assert [c["conditions"] for c in calib_clips] == [c["conditions"] for c in cross_clips]


def test_a_seed_overlapping_the_cross_set_is_refused(tmp_path: Path) -> None:
    res = xrender("--out", str(tmp_path), "--seed", "7250003", "--truth-only")
    assert res.returncode == 2
    assert "--seed 7250003" in res.stderr
    assert "overlap the cross set" in res.stderr


def test_clips_of_another_seed_are_not_reused(tmp_path: Path) -> None:
    (tmp_path / "day.mp4").write_bytes(b"")
    (tmp_path / "day.json").write_text(json.dumps({"seed": 7_250_000, "vehicles": []}))
    res = xrender("--out", str(tmp_path), "--seed", "7350000", "--only", "day", "--seconds", "3")
    assert res.returncode == 1
    assert "rendered from seed 7250000, not 7350000" in res.stderr


def test_a_clip_rendered_before_unlisted_plates_gains_them_and_nothing_else(day_clip: Path) -> None:
    """Truth JSONs written before "unlisted" existed get it (computed without pixels) on the next run;
    one whose vehicles this code would not list the same is refused, not patched."""
    js = day_clip / "day.json"
    fresh = json.loads(js.read_text())
    assert "unlisted" in fresh
    for u in fresh["unlisted"]:
        assert u["plate"] not in {v["plate"] for v in fresh["vehicles"]}
        assert 0 <= u["first_frame"] <= u["last_frame"] < fresh["frames"]
    old = {k: v for k, v in fresh.items() if k != "unlisted"}
    js.write_text(json.dumps(old))
    res = xrender("--out", str(day_clip), "--only", "day", "--seconds", "5")
    assert res.returncode == 0, res.stderr
    assert json.loads(js.read_text()) == fresh
    js.write_text(json.dumps({**old, "vehicles": [*old["vehicles"][1:], {"plate": "X"}]}))
    res = xrender("--out", str(day_clip), "--only", "day", "--seconds", "5")
    assert res.returncode == 1
    assert "its vehicles differ" in res.stderr
    js.write_text(json.dumps(fresh, indent=1) + "\n")
