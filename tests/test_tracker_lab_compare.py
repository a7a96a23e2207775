"""edge_tools/tracker_lab.py compare: two caches of the same clips, vehicle by vehicle.

A choice between two detectors or trackers was made for sessions on totals that moved by two or
three vehicles; `compare` names the vehicles behind such a change and the sign test says whether a
split that uneven is more than chance.
"""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge.types import Box, Observation, PlateBox, PlateText
from edge_tools.tracker_lab import compare, sign_test

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _pass(text: str, first: int, y: float) -> list[tuple[int, Observation]]:
    """A plate crossing the frame for 20 frames, read the same way in each."""
    out = []
    for f in range(first, first + 20):
        x = 100 + 25 * (f - first)
        out.append(
            (
                f,
                Observation(
                    camera="c",
                    frame_index=f,
                    ts=T0 + timedelta(seconds=f / 15),
                    live=False,
                    plate=PlateBox(Box(x, y, x + 120, y + 40), 0.9),
                    text=PlateText(text, 0.99, tuple([0.99] * len(text))),
                ),
            )
        )
    return out


def _cache(path: Path, where: Path, texts: tuple[str, str]) -> Path:
    """A cache of one clip 'day' where the two vehicles' plates were read as `texts`."""
    frames: dict[int, list[Observation]] = {f: [] for f in range(120)}
    for f, o in _pass(texts[0], 10, 200) + _pass(texts[1], 70, 400):
        frames[f].append(o)
    clip = [(f, T0 + timedelta(seconds=f / 15), frames[f]) for f in range(120)]
    data = {"ocr": "o", "detector": "d", "dir": str(where), "clips": {"day": clip}}
    path.write_bytes(pickle.dumps(data))
    return path


def test_compare_names_the_vehicles_each_side_reads_and_the_wrong_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truth = {
        "fps": 15,
        "frames": 120,
        "vehicles": [
            {"plate": "ABC1234", "first_frame": 10, "last_frame": 29},
            {"plate": "XYZ7890", "first_frame": 70, "last_frame": 89},
        ],
    }
    (tmp_path / "day.json").write_text(json.dumps(truth))
    a = _cache(tmp_path / "a.pkl", tmp_path, ("ABC1234", "XYZ7B90"))  # the second read wrong
    b = _cache(tmp_path / "b.pkl", tmp_path, ("ABC1Z34", "XYZ7890"))  # the first read wrong
    gained, lost, p = compare(a, b, None)
    out = capsys.readouterr().out
    assert (gained, lost) == (1, 1)
    assert p == 1.0
    assert "+XYZ7890" in out
    assert "-ABC1234" in out
    assert "gone XYZ7B90" in out
    assert "new ABC1Z34" in out
    assert "wrong reads A 1, B 1" in out


def test_compare_refuses_caches_of_other_clips(tmp_path: Path) -> None:
    (tmp_path / "day.json").write_text(json.dumps({"fps": 15, "frames": 120, "vehicles": []}))
    a = _cache(tmp_path / "a.pkl", tmp_path, ("ABC1234", "XYZ7890"))
    data = pickle.loads(a.read_bytes())
    data["clips"] = {"night": data["clips"]["day"]}
    (tmp_path / "night.json").write_text(json.dumps({"fps": 15, "frames": 120, "vehicles": []}))
    (tmp_path / "b.pkl").write_bytes(pickle.dumps(data))
    with pytest.raises(SystemExit, match="different clips"):
        compare(a, tmp_path / "b.pkl", None)


def test_the_sign_test_is_exact_and_two_sided() -> None:
    assert sign_test(0, 0) == 1.0
    assert sign_test(3, 3) == 1.0
    assert sign_test(2, 4) == pytest.approx(2 * (1 + 6 + 15) / 64)  # 0.6875: two or three vehicles say nothing
    assert sign_test(0, 6) == pytest.approx(2 / 64)
    assert sign_test(9, 1) == sign_test(1, 9) == pytest.approx(2 * 11 / 1024)
