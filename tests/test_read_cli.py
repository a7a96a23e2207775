"""`edge-alpr read`: plates in still images with the shipped detector and OCR; no store, no ledger.
The still is frame 79 of the synthetic sample clip (rendered; no real plate)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "sample.mp4"


@pytest.fixture(scope="module")
def still(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cap = cv2.VideoCapture(str(SAMPLE))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 79)
    ok, image = cap.read()
    cap.release()
    assert ok
    path = tmp_path_factory.mktemp("stills") / "car.png"
    cv2.imwrite(str(path), image)
    return path


def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cwd: Path, *args: str):
    """`edge-alpr read ARGS` in-process, from `cwd`: (exit status, stdout, stderr)."""
    sys.path.insert(0, str(ROOT / "tests" / "audit"))
    from audit_helpers import cli as edge_cli

    monkeypatch.chdir(cwd)
    return edge_cli(monkeypatch, capsys, "read", *args)


def test_reads_the_plate_of_a_rendered_still_and_stores_nothing(still, tmp_path, monkeypatch, capsys) -> None:
    code, out, err = cli(monkeypatch, capsys, tmp_path, str(still))
    assert code == 0, err
    assert "QRH5044" in out
    assert "box " in out
    assert list(tmp_path.iterdir()) == []  # no store, no ledger, nothing written


def test_json_and_an_annotated_png(still, tmp_path, monkeypatch, capsys) -> None:
    out_png = tmp_path / "annotated.png"
    code, out, err = cli(monkeypatch, capsys, tmp_path, str(still), "--json", "--annotate", str(out_png))
    assert code == 0, err
    ((doc,),) = [json.loads(out)]
    (plate,) = doc["plates"]
    assert plate["text"] == "QRH5044"
    assert 0.5 < plate["confidence"] <= 1.0
    assert plate["valid_format"] is True
    x1, y1, x2, y2 = plate["box"]
    assert 0 <= x1 < x2
    assert 0 <= y1 < y2
    original, annotated = cv2.imread(str(still)), cv2.imread(str(out_png))
    assert annotated.shape == original.shape
    changed = np.any(annotated != original, axis=2)
    assert changed[y1:y2, x1 : x1 + 3].any()  # the box is drawn
    assert not changed[: max(0, y1 - 200)].any()  # and nothing far away


def test_a_folder_reads_images_and_reports_the_ones_that_are_not(still, tmp_path, monkeypatch, capsys) -> None:
    folder = tmp_path / "shots"
    folder.mkdir()
    (folder / "a.png").write_bytes(still.read_bytes())
    (folder / "b.jpg").write_text("not a picture")
    cv2.imwrite(str(folder / "c.png"), np.full((240, 320, 3), 90, np.uint8))
    (folder / "notes.txt").write_text("ignored: not an image suffix")
    code, out, err = cli(monkeypatch, capsys, tmp_path, str(folder), "--annotate", str(tmp_path / "ann"))
    assert code == 2
    assert "a.png: QRH5044" in out
    assert "c.png: no plate found" in out
    assert "b.jpg: not an image OpenCV can read" in err
    assert "1 of 3 file(s) are not images" in err
    assert sorted(p.name for p in (tmp_path / "ann").iterdir()) == ["a.png", "c.png"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("hello"), "not an image OpenCV can read"),
        (lambda p: None, "no such file or folder"),
    ],
)
def test_a_file_that_is_not_an_image_is_a_clear_error(tmp_path, monkeypatch, capsys, make, message) -> None:
    target = tmp_path / "photo.jpg"
    make(target)
    code, _out, err = cli(monkeypatch, capsys, tmp_path, str(target))
    assert code == 2
    assert f"photo.jpg: {message}" in err
    assert "Traceback" not in err
