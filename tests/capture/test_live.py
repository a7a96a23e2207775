"""Live sources against a real HTTP MJPEG server on 127.0.0.1: frames, stalls, reconnects, refusals.

The server (edge_tools/harness/mjpeg_server.py) plans its faults per connection, so no test sleeps or
asserts a duration; timeouts below only bound how long a broken test can hang.
"""

from __future__ import annotations

import threading
from datetime import UTC
from itertools import islice, pairwise
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.capture import FileSource, ImageFolderSource, LiveSource, list_devices, open_camera, probe_camera
from edge.capture.live import redact_url, source_kind
from edge.config.cameras import CameraConfig
from edge.errors import InputError
from edge_tools.harness.mjpeg_server import MjpegServer, numbered_frames


def live(url: str, **kw: float) -> LiveSource:
    opts: dict[str, float] = {"open_timeout": 5.0, "read_timeout": 0.5, "backoff_initial": 0.05, "backoff_max": 0.2}
    opts.update(kw)
    return LiveSource(url, "cam-1", **opts)  # type: ignore[arg-type]


def write_clip(path: Path, frames: int = 12) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (160, 120))
    for i in range(frames):
        writer.write(np.full((120, 160, 3), i * 10, np.uint8))
    writer.release()


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        ("0", "device"),
        ("/dev/video2", "device"),
        ("rtsp://10.0.0.5:554/stream1", "stream"),
        ("HTTP://cam.local/stream.mjpg", "stream"),
        ("clips/day.mp4", "path"),
        ("/data/frames", "path"),
    ],
)
def test_source_kind(spec: str, kind: str) -> None:
    assert source_kind(spec) == kind


def test_credentials_are_kept_out_of_labels() -> None:
    assert redact_url("rtsp://admin:secret@10.0.0.5:554/s1") == "rtsp://***@10.0.0.5:554/s1"
    assert redact_url("http://10.0.0.5/stream.mjpg") == "http://10.0.0.5/stream.mjpg"
    assert "secret" not in LiveSource("rtsp://admin:secret@10.0.0.5/s1").label


def test_stream_frames_are_live_with_wall_clock_and_index() -> None:
    with MjpegServer(numbered_frames(30)) as srv:
        src = live(srv.url)
        frames = list(islice(src.frames(), 10))
        src.close()
    assert [f.index for f in frames] == list(range(10))
    assert all(f.live and f.camera == "cam-1" for f in frames)
    assert all(f.ts.tzinfo is UTC for f in frames)
    assert all(b.ts >= a.ts for a, b in pairwise(frames))
    assert frames[0].image.shape == (120, 160, 3)
    # Grey levels step by 8 per served frame: consecutive frames, none repeated.
    levels = [round(float(f.image.mean()) / 8) for f in frames]
    assert levels == sorted(set(levels))
    assert src.stats.frames == 10
    assert src.stats.reopens == 0


def test_stalled_stream_is_reopened_and_counted() -> None:
    # Connection 1 goes silent after 5 frames; the read timeout notices, the source reconnects.
    with MjpegServer(numbered_frames(30), stall_after={1: 5}) as srv:
        src = live(srv.url)
        frames = list(islice(src.frames(), 15))
        src.close()
        connections = srv.connections
    assert [f.index for f in frames] == list(range(15))  # the index keeps counting across reopens
    assert src.live_stats.disconnects >= 1
    assert src.stats.reopens >= 1
    assert connections >= 2


def test_closed_stream_is_reopened() -> None:
    with MjpegServer(numbered_frames(30), close_after={1: 5, 2: 5}) as srv:
        src = live(srv.url)
        frames = list(islice(src.frames(), 14))
        src.close()
        connections = srv.connections
    assert len(frames) == 14
    assert connections >= 3
    assert src.live_stats.disconnects >= 2


def test_camera_that_is_gone_is_retried_with_backoff() -> None:
    with MjpegServer(numbered_frames(30), refuse_first=3) as srv:
        src = live(srv.url)
        frames = list(islice(src.frames(), 5))
        src.close()
        refused = srv.refused
    assert len(frames) == 5
    assert refused == 3
    assert src.live_stats.open_failures == 3
    assert src.stats.reopens == 3


def test_close_from_another_thread_ends_a_stalled_read() -> None:
    with MjpegServer(numbered_frames(30), stall_after={1: 3, 2: 0, 3: 0, 4: 0, 5: 0}) as srv:
        src = live(srv.url, read_timeout=0.3)
        got: list[int] = []
        started = threading.Event()

        def consume() -> None:
            for f in src.frames():
                got.append(f.index)
                started.set()

        t = threading.Thread(target=consume, daemon=True)
        t.start()
        assert started.wait(20)
        src.close()
        t.join(20)
        assert not t.is_alive()
    assert got[:1] == [0]


def test_unreachable_stream_retries_until_closed() -> None:
    src = live("http://127.0.0.1:9/stream.mjpg", open_timeout=0.5)
    result: list[object] = []
    t = threading.Thread(target=lambda: result.extend(src.frames()), daemon=True)
    t.start()
    # Wait until at least two failed opens are counted, then stop; no frame ever arrives.
    for _ in range(400):
        if src.live_stats.open_failures >= 2:
            break
        t.join(0.05)
    src.close()
    t.join(20)
    assert not t.is_alive()
    assert result == []
    assert src.live_stats.open_failures >= 2


def test_open_camera_picks_the_source(tmp_path: Path) -> None:
    clip = tmp_path / "lane.mp4"
    write_clip(clip)
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"{i:03d}.jpg"), np.full((64, 96, 3), 40 * i, np.uint8))

    src = open_camera(CameraConfig(name="a", source=str(clip)))
    assert isinstance(src, FileSource)
    frames = list(src.frames())
    assert len(frames) == 12
    assert frames[0].camera == "a"
    assert not frames[0].live

    src2 = open_camera(CameraConfig(name="b", source=str(folder), fps=2))
    assert isinstance(src2, ImageFolderSource)
    frames2 = list(src2.frames())
    assert [f.index for f in frames2] == [0, 1, 2]
    assert (frames2[1].ts - frames2[0].ts).total_seconds() == pytest.approx(0.5)

    cfg = CameraConfig(name="c", source="rtsp://u:p@10.1.2.3/s", width=1280, height=720, fps=25, fourcc="MJPG")
    live_src = open_camera(cfg)
    assert isinstance(live_src, LiveSource)
    assert (live_src.width, live_src.height, live_src.requested_fps, live_src.fourcc) == (1280, 720, 25, "MJPG")
    assert live_src.backoff_max == 30.0

    with pytest.raises(InputError, match=r"camera d: source .*nowhere\.mp4"):
        open_camera(CameraConfig(name="d", source=str(tmp_path / "nowhere.mp4")))


def test_probe_camera_reports_mode_or_error(tmp_path: Path) -> None:
    clip = tmp_path / "lane.mp4"
    write_clip(clip)
    with MjpegServer(numbered_frames(5)) as srv:
        stream = probe_camera(CameraConfig(name="s", source=srv.url))
    assert stream.ok
    assert (stream.width, stream.height, stream.kind) == (160, 120, "stream")
    recorded = probe_camera(CameraConfig(name="f", source=str(clip)))
    assert recorded.ok
    assert recorded.fps == pytest.approx(10.0)
    missing = probe_camera(CameraConfig(name="m", source=str(tmp_path / "gone.mp4")))
    assert not missing.ok
    assert missing.error is not None
    assert "gone.mp4" in missing.error
    dead = probe_camera(CameraConfig(name="x", source="http://127.0.0.1:9/stream.mjpg"), timeout=1.0)
    assert not dead.ok


def test_list_devices_reports_what_cannot_be_opened(tmp_path: Path) -> None:
    assert list_devices(tmp_path) == []
    (tmp_path / "video0").write_bytes(b"not a device")
    (tmp_path / "video10").write_bytes(b"not a device")
    (tmp_path / "notvideo").write_bytes(b"")
    devices = list_devices(tmp_path)
    assert [Path(d.path).name for d in devices] == ["video0", "video10"]
    assert all(not d.opened and d.error for d in devices)
