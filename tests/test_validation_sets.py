"""edge_tools/validate.py --seed-offset and edge_tools/tracker_lab.py --dir: development sets beside data/val.

A folder of clips rendered from other seeds must never be scored as if it were another set: the
offset is recorded where the clips are, a mismatch is refused, and the lab names the folder it
wants rendered.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edge.evaluate import EvalResult
from edge_tools.tracker_lab import clips
from edge_tools.validate import SEEDS_FILE, Remembered, check_seed_offset, side_by_side

ROOT = Path(__file__).resolve().parents[1]


def test_the_first_run_records_its_offset_and_a_later_run_must_match(tmp_path: Path) -> None:
    where = tmp_path / "dev1"
    check_seed_offset(where, 1000)
    assert (where / SEEDS_FILE).read_text().strip() == "1000"
    check_seed_offset(where, 1000)  # the same offset: fine
    with pytest.raises(ValueError, match=r"--seed-offset 1000, not 0"):
        check_seed_offset(where, 0)


def test_clips_rendered_before_the_record_count_as_offset_zero(tmp_path: Path) -> None:
    (tmp_path / "day.mp4").write_bytes(b"")
    with pytest.raises(ValueError, match=r"--seed-offset 0, not 2000"):
        check_seed_offset(tmp_path, 2000)
    check_seed_offset(tmp_path, 0)
    assert (tmp_path / SEEDS_FILE).read_text().strip() == "0"


def test_a_damaged_record_is_named(tmp_path: Path) -> None:
    (tmp_path / SEEDS_FILE).write_text("one thousand\n")
    with pytest.raises(ValueError, match=SEEDS_FILE):
        check_seed_offset(tmp_path, 1000)


def test_validate_refuses_a_folder_of_another_offset_before_rendering(tmp_path: Path) -> None:
    (tmp_path / SEEDS_FILE).write_text("1000\n")
    cmd = [sys.executable, "-m", "edge_tools.validate", "--dir", str(tmp_path), "--seed-offset", "2000"]
    res = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.returncode != 0
    assert "--seed-offset 1000, not 2000" in res.stderr
    assert not list(tmp_path.glob("*.mp4"))


def test_the_lab_names_the_folder_whose_clips_are_missing(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=rf"python -m edge_tools.validate --dir {tmp_path}"):
        clips(tmp_path)


def test_the_lab_takes_every_clip_of_an_xrender_folder(tmp_path: Path) -> None:
    """The cross set's calibration split (xrender --seed) is cached whole, empty roads included."""
    for name in ("day", "empty-rain"):
        (tmp_path / f"{name}.mp4").write_bytes(b"")
        (tmp_path / f"{name}.json").write_text('{"renderer": "xrender", "vehicles": []}')
    (tmp_path / "stray.mp4").write_bytes(b"")  # no truth: not a clip
    found = clips(tmp_path)
    assert sorted(found) == ["day", "empty-rain", "sample"]
    assert found["day"] == tmp_path / "day.mp4"
    (tmp_path / "day.json").write_text('{"renderer": "own", "vehicles": []}')
    (tmp_path / "empty-rain.json").unlink()
    with pytest.raises(SystemExit, match="validation clips missing"):
        clips(tmp_path)


def test_the_sets_are_shown_side_by_side_with_the_gap() -> None:
    own = {
        "day": EvalResult(vehicles=10, read_exact=9, reads=10, wrong_reads=1),
        "empty": EvalResult(frames=3600, reads=2, false_reads=2),
    }
    cross = {"day": EvalResult(vehicles=10, read_exact=5, reads=12, wrong_reads=5, false_reads=1)}
    text = "\n".join(side_by_side(own, cross, 30.0, None))
    assert "| day | 9/10 (90%) | 1/10 (10%) | 5/10 (50%) | 6/12 (50%) |" in text
    assert "false reads on empty roads: own 2 in 120 s (10.0 per 10 min)" in text
    assert "own - cross: +40.0 points" in text
    # 9/10 is 59.6-98.2 % (Wilson, 95 %), 6/12 25.4-74.6 %: ten vehicles say little.
    assert "own: 95 % interval (Wilson) of read exactly 59.6%-98.2%, of wrong + junk 8.9%-53.2%" in text
    assert "cross: 95 % interval (Wilson) of read exactly 23.7%-76.3%, of wrong + junk 25.4%-74.6%" in text
    cross["day"].confidence_exact = [(0.95, True), (0.92, False), (0.6, True), (0.55, False), (0.5, False)]
    text = "\n".join(side_by_side(None, cross, 30.0, None))
    assert "cross: stored reads exact by calibrated confidence: >= 0.5: 2/5 exact (40%); " in text
    assert ">= 0.9: 1/2 exact (50%)" in text
    raw = "\n".join(side_by_side(None, cross, 30.0, None, calibrated=False))
    assert "by raw vote (no calibration fitted for this OCR setup) confidence" in raw
    only_cross = "\n".join(side_by_side(None, cross, 30.0, None))
    assert "own" not in only_cross
    assert "| day | 5/10 (50%) | 6/12 (50%) |" in only_cross


class _Counting:
    name = "counting"

    def __init__(self) -> None:
        self.seen = 0

    def predict(self, x: object, lines: list[int | None] | None = None) -> object:
        if isinstance(x, list):
            self.seen += len(x)
            return [f"text{int(c.sum())}{'' if lines is None else lines[i]}" for i, c in enumerate(x)]
        self.seen += 1
        return [int(x.sum())]  # type: ignore[attr-defined]


def test_configs_sharing_a_stage_compute_each_input_once() -> None:
    import numpy as np

    memory: dict = {}
    a, b, other = _Counting(), _Counting(), _Counting()
    first, second = Remembered(a, "ocr:x", memory), Remembered(b, "ocr:x", memory)
    crops = [np.full((4, 8, 3), k, np.uint8) for k in (1, 2)]
    assert first.predict(crops) == ["text96", "text192"]
    assert second.predict([crops[1], np.full((4, 8, 3), 3, np.uint8)]) == ["text192", "text288"]
    assert (a.seen, b.seen) == (2, 1)  # the shared crop was read once
    assert Remembered(other, "ocr:y", memory).predict(crops[:1]) == ["text96"]
    assert other.seen == 1  # another identity (other settings) computes its own
    assert first.predict(crops, [1, None]) == ["text961", "text192"]  # read in one layout: read again
    assert a.seen == 3
    assert second.predict(crops[:1], [1]) == ["text961"]
    assert b.seen == 1
    image = np.ones((8, 8, 3), np.uint8)
    det = Remembered(_Counting(), "det:x", memory)
    assert det.predict(image) == det.predict(image.copy()) == [192]
    assert det.inner.seen == 1
    assert det.predict(image[:4]) == [96]  # other bytes or shape: computed


def test_shared_models_keep_the_configured_vehicle_detector() -> None:
    """validate.py scores each config with its own stages: a config naming models.vehicle is scored
    with the vehicle detector (until 2026-12-05 shared_models dropped it, so config/vehicle-detector.yaml
    scored exactly as the default)."""
    from edge.config import parse_config
    from edge_tools.validate import shared_models

    plain = shared_models(parse_config(""), {})
    with_vehicles = shared_models(parse_config("models:\n  vehicle: vehicle-det-v1\n"), {})
    assert plain.vehicles is None
    assert with_vehicles.vehicles is not None
    assert with_vehicles.calibration == plain.calibration
    assert isinstance(with_vehicles.detector, Remembered)
