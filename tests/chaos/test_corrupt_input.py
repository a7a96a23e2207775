"""(4) Corrupt input: truncated and garbage video files, broken images, frames of the wrong shape or
dtype, a camera and a stream that return empty frames. Counted, refused clearly, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_tools.chaos.chaos_lib import corrupt_inputs

pytestmark = pytest.mark.chaos


def test_corrupt_input_is_counted_or_refused_never_a_crash(tmp_path: Path) -> None:
    fig = corrupt_inputs(tmp_path, cli_limit=3)
    assert fig.problems == []
    assert fig.crashes == 0
    by_name = {c.name: c for c in fig.cases}
    for kind in ("avi", "mp4"):
        assert by_name[f"{kind} empty"].outcome == "refused"
        assert by_name[f"{kind} garbage"].outcome == "refused"
    # a damaged file that still opens yields what decodes and counts the rest
    assert by_name["avi zeroed-middle"].outcome == "read"
    assert by_name["avi zeroed-middle"].frames > 0
    assert by_name["avi zeroed-middle"].decode_errors > 0
    # every unusable frame handed over by a camera or decoder is counted
    assert fig.frames_bad > 0
    assert fig.frames_bad_counted == fig.frames_bad
    camera = by_name["camera with unusable frames"]
    assert camera.disconnects >= 1  # 25 unusable frames in a row: treated as a broken connection, reopened
    assert by_name["stream with empty JPEG parts"].frames > 0
    assert by_name["runtime fed unusable frames directly"].outcome == "read"
    assert fig.cli_runs == 3
    assert fig.cli_tracebacks == 0
