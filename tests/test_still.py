"""`edge-alpr read`: plates in still images, as a fast-alpr user would try first (real models, real files)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "sample.mp4"
TRUTH = ROOT / "samples" / "sample.json"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edge", *args], check=False, capture_output=True, text=True, cwd=ROOT, timeout=300
    )


@pytest.fixture(scope="module")
def still(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A frame of the rendered sample clip in which the first vehicle's plate is legible, as a PNG."""
    vehicle = json.loads(TRUTH.read_text())["vehicles"][0]
    cap = cv2.VideoCapture(str(SAMPLE))
    cap.set(cv2.CAP_PROP_POS_FRAMES, (vehicle["first_frame"] + vehicle["last_frame"]) // 2)
    ok, image = cap.read()
    cap.release()
    assert ok
    path = tmp_path_factory.mktemp("still") / "car.png"
    cv2.imwrite(str(path), image)
    return path, vehicle["plate"]


def test_read_prints_the_plate_of_a_rendered_still_and_draws_it(still: tuple[Path, str], tmp_path: Path) -> None:
    path, plate = still
    out = tmp_path / "annotated.png"
    res = cli("read", str(path), "--annotate", str(out))
    assert res.returncode == 0, res.stderr
    assert f"{path}: {plate}  confidence" in res.stdout
    drawn, original = cv2.imread(str(out)), cv2.imread(str(path))
    assert drawn.shape == original.shape
    assert np.count_nonzero(cv2.absdiff(drawn, original)) > 500  # a box and a label were drawn


def test_read_json_gives_box_confidence_and_format(still: tuple[Path, str]) -> None:
    path, plate = still
    res = cli("read", str(path), "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["image"] == str(path)
    assert [p["plate"] for p in doc["plates"]] == [plate]
    found = doc["plates"][0]
    assert 0.5 < found["confidence"] <= 1.0
    assert found["valid_format"] is True
    x1, y1, x2, y2 = found["box"]
    assert 0 <= x1 < x2 <= 1280
    assert 0 <= y1 < y2 <= 720


def test_a_folder_with_a_file_that_is_not_an_image_reads_the_rest_and_exits_2(
    still: tuple[Path, str], tmp_path: Path
) -> None:
    path, plate = still
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a-car.png").write_bytes(path.read_bytes())
    (folder / "b-broken.jpg").write_bytes(b"this is not a JPEG")
    (folder / "notes.txt").write_text("not looked at: not an image suffix")
    empty = np.zeros((240, 320, 3), np.uint8)
    cv2.imwrite(str(folder / "c-empty.png"), empty)
    res = cli("read", str(folder), "--annotate", str(tmp_path / "out"))
    assert res.returncode == 2
    assert f"{folder / 'a-car.png'}: {plate}" in res.stdout
    assert f"{folder / 'c-empty.png'}: no plate found" in res.stdout
    assert "b-broken.jpg: not an image OpenCV can decode" in res.stderr
    assert "1 of 3 file(s) could not be read as images" in res.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a-car.png", "c-empty.png"]


def test_a_missing_path_or_an_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    res = cli("read", str(tmp_path / "nope.jpg"))
    assert res.returncode == 2
    assert "nope.jpg: no such file or folder" in res.stderr
    res = cli("read", str(tmp_path))
    assert res.returncode == 2
    assert "no images in" in res.stderr
