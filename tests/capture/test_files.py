"""Recorded sources decode real video files; bad files are refused naming the file."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.capture import FileSource, ImageFolderSource, open_source
from edge.errors import InputError
from tests.support.clips import write_clip, write_damaged_clip


def test_video_frames_have_index_and_stream_time(tmp_path: Path) -> None:
    clip = tmp_path / "c.mp4"
    write_clip(clip, frames=20, fps=10.0)
    src = FileSource(clip, camera="cam")
    frames = list(src.frames())
    assert [f.index for f in frames] == list(range(20))
    assert (frames[10].ts - frames[0].ts).total_seconds() == pytest.approx(1.0)
    assert frames[0].image.shape == (120, 160, 3)
    assert src.stats.frames == 20
    assert src.fps == pytest.approx(10.0)


def test_missing_clip(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.mp4: no such file"):
        FileSource(tmp_path / "nope.mp4")


def test_not_a_video(tmp_path: Path) -> None:
    bad = tmp_path / "notes.mp4"
    bad.write_text("this is not a video\n" * 100)
    with pytest.raises(InputError, match=r"notes\.mp4: "):
        FileSource(bad)


def test_truncated_video_yields_what_decodes(tmp_path: Path) -> None:
    clip = tmp_path / "c.mp4"
    write_clip(clip, frames=40)
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    try:
        src = FileSource(cut)
    except InputError:
        return  # an mp4 cut before its index cannot be opened at all: refused clearly, fine
    frames = list(src.frames())
    assert len(frames) < 40


def test_a_clip_damaged_in_the_middle_is_read_past_the_damage(tmp_path: Path) -> None:
    clip = tmp_path / "damaged.mp4"
    write_damaged_clip(clip, frames=100, start=0.3, end=0.7)
    src = FileSource(clip)
    frames = list(src.frames())
    indices = [f.index for f in frames]
    assert src.stats.skipped, "no damaged stretch was found"
    # the frames after the damage are read: the last ones of the clip are there
    assert indices[-1] == 99
    assert len(frames) + src.stats.decode_errors == 100
    skipped = {i for a, b in src.stats.skipped for i in range(a, b + 1)}
    assert skipped.isdisjoint(indices)
    assert skipped | set(indices) == set(range(100))
    # stream times of frames after the stretch follow their index, not the count of frames read
    after = frames[-1]
    assert (after.ts - frames[0].ts).total_seconds() == pytest.approx(9.9)


def test_skipped_stretches_join_and_count() -> None:
    from edge.capture.base import SourceStats, ranges_text

    st = SourceStats()
    st.skip(3, 5)
    st.skip(6, 6)
    st.skip(9, 9)
    st.skip(4, 2)  # empty stretch: nothing
    assert st.skipped == [(3, 6), (9, 9)]
    assert st.decode_errors == 5
    assert ranges_text(st.skipped) == "3-6, 9"
    assert ranges_text([(i, i) for i in range(10)], limit=2) == "0, 1, and 8 more"


def test_image_folder(tmp_path: Path) -> None:
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"{i:03d}.png"), np.full((50, 60, 3), 40 * i, np.uint8))
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 garbage")
    src = open_source(tmp_path)
    assert isinstance(src, ImageFolderSource)
    frames = list(src.frames())
    assert len(frames) == 3
    assert src.stats.decode_errors == 1


def test_empty_folder_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no images"):
        ImageFolderSource(tmp_path)
