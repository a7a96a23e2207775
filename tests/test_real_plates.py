"""edge_tools/real_plates.py: the real photos are pinned (package, version, sha256) and checked when kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edge_tools.real_plates import PHOTOS, RealResult, fetch, table


def test_every_photo_is_pinned_with_its_licence_and_truth() -> None:
    assert len(PHOTOS) >= 3
    for p in PHOTOS:
        assert re.fullmatch(r"[0-9a-f]{64}", p.sdist_sha256), p.name
        assert re.fullmatch(r"[0-9a-f]{64}", p.sha256), p.name
        assert re.fullmatch(r"\d+\.\d+\.\d+", p.version), p.name
        assert p.member.startswith(f"{p.package.replace('-', '_')}-{p.version}/")
        assert p.licence == "MIT"
        assert re.fullmatch(r"[A-Z0-9]{4,8}", p.truth), p.name
        assert (p.kind == "scene") == (p.plate_box is not None), p.name


def test_a_kept_photo_that_differs_from_its_pin_is_refused(tmp_path: Path) -> None:
    for p in PHOTOS:  # all present: nothing is downloaded
        (tmp_path / f"{p.name}.png").write_bytes(b"not the photo")
    with pytest.raises(RuntimeError, match=r"sha256 differs from the pinned .*delete it to fetch again"):
        fetch(tmp_path)


def test_the_table_counts_exact_and_wrong_reads_without_printing_plates() -> None:
    crop, _, scene = PHOTOS[0], PHOTOS[1], PHOTOS[2]
    results = [
        RealResult(crop, [crop.truth]),
        RealResult(scene, ["X1X1X1", scene.truth], boxes=3, boxes_off_plate=2, boxes_used=2, used_off_plate=1),
    ]
    text = table(results)
    assert "real photos read exactly: 2 of 2" in text
    assert f"| {scene.name} | {scene.package} {scene.version} (MIT) | scene | yes | 1 | 3 | 2 | 2 | 1 |" in text
    assert f"| {crop.name} | {crop.package} {crop.version} (MIT) | crop | yes | 0 | - | - | - | - |" in text
    assert crop.truth not in text
    assert scene.truth not in text
