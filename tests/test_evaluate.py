"""Scoring rules of `edge-alpr eval`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.errors import InputError
from edge.evaluate import Truth, Vehicle, score

TRUTH = Truth(
    fps=10,
    frames=300,
    vehicles=(Vehicle("AAA111", 10, 40), Vehicle("BBB222", 100, 130), Vehicle("CCC333", 200, 220)),
)


def test_exact_duplicate_wrong_false_missed() -> None:
    reads = [
        ("AAA111", 35),  # exact, inside legible span
        ("AAA111", 55),  # duplicate, inside last + 2*fps slack
        ("BBB223", 120),  # wrong text for BBB222
        ("ZZZ999", 170),  # in no window: false read
        ("AAA111", 61),  # outside AAA111's window (40 + 20 = 60): false read
    ]
    r = score(reads, TRUTH)
    assert (r.vehicles, r.read_exact, r.missed) == (3, 1, 2)
    assert r.duplicate_reads == 1
    assert r.wrong_reads == 1
    assert r.false_reads == 2
    assert sorted(r.missed_plates) == ["BBB222", "CCC333"]
    assert r.wrong_plates == ["BBB223"]  # false reads are not wrong reads of a vehicle
    assert "wrong_plates" not in r.as_dict()
    assert r.exact_rate == pytest.approx(1 / 3)


def test_a_read_named_at_a_frame_just_before_the_plate_became_legible_is_of_that_vehicle() -> None:
    """The renderer's truth opens a vehicle's window where it deems the plate legible; the tracker's
    evidence frame is often its first whole sight, a few frames earlier (the cross renderer's
    calibration split: WC3559 read at frame 144, legible from 145). Up to 1 s early belongs to it."""
    r = score([("BBB222", 97), ("CCC333", 190)], TRUTH)
    assert (r.read_exact, r.wrong_reads, r.false_reads) == (2, 0, 0)
    r = score([("BBB223", 95)], TRUTH)  # a wrong text there is a wrong read of it
    assert (r.read_exact, r.wrong_reads, r.false_reads) == (0, 1, 0)
    r = score([("BBB222", 89)], TRUTH)  # more than 1 s (10 frames) early: in no window
    assert (r.read_exact, r.false_reads) == (0, 1)
    assert TRUTH.window(TRUTH.vehicles[1]) == (90, 150)


def test_live_reads_without_frame_are_false() -> None:
    assert score([("AAA111", None)], TRUTH).false_reads == 1


def test_truth_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "t.json"
    bad.write_text(json.dumps({"fps": 30}))
    with pytest.raises(InputError, match=r"t\.json: not a truth JSON"):
        Truth.load(bad)
    with pytest.raises(InputError, match="not found"):
        Truth.load(tmp_path / "none.json")


def test_confidences_are_paired_with_whether_each_read_was_exact() -> None:
    reads = [("AAA111", 35), ("BBB223", 120), ("ZZZ999", 170), ("CCC333", None)]
    r = score(reads, TRUTH, confidences=[0.95, 0.9, 0.6, 0.5])
    assert r.confidence_exact == [(0.95, True), (0.9, False), (0.6, False), (0.5, False)]
    other = score([("BBB222", 110)], TRUTH, confidences=[0.7])
    r.add(other)
    assert r.confidence_exact[-1] == (0.7, True)
    assert "confidence_exact" not in r.as_dict()  # eval --json keeps its columns
    assert score(reads, TRUTH).confidence_exact == []
    with pytest.raises(ValueError, match="3 confidences for 4 reads"):
        score(reads, TRUTH, confidences=[0.1, 0.2, 0.3])


def test_exact_reads_of_unlisted_plates_are_counted_apart_and_fragments_of_them_stay_wrong() -> None:
    truth = Truth(fps=10, frames=300, vehicles=TRUTH.vehicles, unlisted=(Vehicle("UR72304", 100, 140),))
    reads = [
        ("UR72304", 150),  # the never-legible plate read exactly while in view (+ slack): neither right nor wrong
        ("72304", 120),  # a fragment of it, inside BBB222's window: a wrong read
        ("UR72304", 185),  # out of its window (140 + 20) and of every vehicle's: a false read
    ]
    r = score(reads, truth, confidences=[0.9, 0.9, 0.9])
    assert (r.unlisted_reads, r.wrong_reads, r.false_reads, r.read_exact) == (1, 1, 1, 0)
    assert r.confidence_exact == [(0.9, True), (0.9, False), (0.9, False)]
    assert r.as_dict()["unlisted_reads"] == 1


def test_truth_files_without_unlisted_plates_still_load(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(
        json.dumps({"fps": 15, "frames": 10, "vehicles": [{"plate": "A1", "first_frame": 1, "last_frame": 2}]})
    )
    assert Truth.load(path).unlisted == ()
    path.write_text(
        json.dumps(
            {"fps": 15, "frames": 10, "vehicles": [], "unlisted": [{"plate": "B2", "first_frame": 3, "last_frame": 4}]}
        )
    )
    assert Truth.load(path).unlisted == (Vehicle("B2", 3, 4),)
