"""The threaded runtime: bounded newest-wins queues, drop counting, stop and drain, `edge-alpr run`.

Queue and worker logic use real video files and a stand-in recogniser whose pace the test controls
(no sleeps, no timing assertions); the end-to-end tests use the shipped models, a real SQLite store,
a rendered clip and a real MJPEG server process.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.capture import FileSource, LiveSource
from edge.config import parse_config
from edge.config.pipeline import GateConfig
from edge.gate import MotionGate, PrescaledGate
from edge.pipeline import StageTimes
from edge.runner import CameraWorker, FrameQueue, Latency, Runner
from edge.types import Box, Frame, Read, Region
from edge_tools.harness.mjpeg_server import MjpegServer, numbered_frames

ROOT = Path(__file__).resolve().parents[1]
MODELS = Path(os.environ.get("EDGE_ALPR_MODELS") or ROOT / "models")


def write_clip(path: Path, frames: int = 30, fps: float = 30.0) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (160, 120))
    for i in range(frames):
        writer.write(np.full((120, 160, 3), (i * 8) % 256, np.uint8))
    writer.release()


def fake_read(camera: str, index: int) -> Read:
    return Read(
        id=str(uuid.uuid4()),
        plate="TEST123",
        confidence=0.9,
        camera=camera,
        ts=datetime(2026, 1, 1, tzinfo=UTC),
        frame_index=index,
        bbox=(0.0, 0.0, 1.0, 1.0),
        track_id="t",
        observations=2,
        detector_model="d",
        ocr_model="o",
    )


class Gated:
    """Stand-in recogniser: records frames; `hold` blocks it (recognition busy) until released."""

    def __init__(self, hold: threading.Event | None = None) -> None:
        self.hold = hold
        self.times = StageTimes()
        self.seen: list[int] = []
        self.busy = threading.Event()
        self.finished = 0

    def regions(self, frame: Frame) -> list[Region]:
        del frame
        return []

    def process(self, frame: Frame, regions: list[Region] | None = None) -> list[Read]:
        del regions
        self.busy.set()
        if self.hold is not None:
            assert self.hold.wait(60)
        self.seen.append(frame.index)
        self.times.frames += 1
        return [fake_read(frame.camera, frame.index)] if frame.index % 10 == 0 else []

    def finish(self) -> list[Read]:
        self.finished += 1
        return [fake_read("end", -1)]


class FirstThenWait(FileSource):
    """A file source that, after its first frame, waits until recognition has taken that frame.

    Without it, a loaded machine may capture the whole clip before the recognition thread takes its
    first frame, and the frame "in hand" would be one of the newest instead of frame 0.
    """

    def __init__(self, path: Path, *, camera: str, after_first: threading.Event) -> None:
        super().__init__(path, camera=camera)
        self._after_first = after_first

    def frames(self) -> Iterator[Frame]:
        for i, frame in enumerate(super().frames()):
            yield frame
            if i == 0:
                assert self._after_first.wait(60)


# -- FrameQueue ------------------------------------------------------------------------------------


def test_queue_drops_oldest_when_full_and_counts() -> None:
    q = FrameQueue(2)
    assert [q.put(i) for i in range(5)] == [0, 0, 1, 1, 1]
    assert q.dropped == 3
    assert len(q) == 2
    q.close()
    assert [q.get(), q.get(), q.get()] == [3, 4, None]


def test_blocking_queue_waits_for_room_and_loses_nothing() -> None:
    q = FrameQueue(1, drop_oldest=False)
    out: list[int] = []

    def consume() -> None:
        while (item := q.get()) is not None:
            out.append(item)

    t = threading.Thread(target=consume)
    t.start()
    for i in range(50):
        q.put(i)
    q.close()
    t.join(30)
    assert out == list(range(50))
    assert q.dropped == 0


def test_blocking_queue_drops_instead_once_stopping() -> None:
    stop = threading.Event()
    q = FrameQueue(1, drop_oldest=False, stop=stop)
    q.put("a")
    stop.set()
    assert q.put("b") == 1  # would block forever without a consumer; stopping turns it into a drop
    q.close()
    assert q.get() == "b"
    with pytest.raises(RuntimeError):
        q.put("c")


def test_latency_percentiles() -> None:
    lat = Latency()
    for ms in range(1, 101):
        lat.add(ms / 1000)
    assert lat.percentile(50) == pytest.approx(0.050, abs=0.0011)
    assert lat.percentile(95) == pytest.approx(0.095, abs=0.0011)
    assert lat.max == pytest.approx(0.1)
    assert Latency().percentile(95) == 0.0


# -- PrescaledGate ---------------------------------------------------------------------------------


def moving_square_frames(n: int = 40, size: tuple[int, int] = (1280, 720)) -> list[Frame]:
    w, h = size
    rng = np.random.default_rng(3)
    base = rng.integers(90, 110, (h, w, 3), dtype=np.uint8)
    frames = []
    for i in range(n):
        img = base.copy()
        x = 100 + 20 * i
        img[300:460, x : x + 220] = 230  # a bright "vehicle" moving right
        img[50:120, 1100:1180] = 40 if i % 2 else 200  # a flickering light at top right
        frames.append(Frame("cam", i, datetime(2026, 1, 1, tzinfo=UTC), img))
    return frames


def test_prescaled_gate_finds_the_same_regions_as_the_motion_gate() -> None:
    cfg = GateConfig()
    full, fast = MotionGate(cfg), PrescaledGate(cfg, merge=False)
    checked = 0
    for f in moving_square_frames():
        a, b = full.predict(f), fast.predict(f)
        assert bool(a) == bool(b)
        if a:
            checked += 1
            box_a = max(a, key=lambda r: r.box.area).box
            box_b = max(b, key=lambda r: r.box.area).box
            assert box_a.iou(box_b) > 0.8
            assert 0 <= box_b.x1 < box_b.x2 <= 1280
            assert 0 <= box_b.y1 < box_b.y2 <= 720
    assert checked > 10


def test_prescaled_gate_merges_moving_regions_into_one_detector_call() -> None:
    frames = moving_square_frames()
    split = PrescaledGate(GateConfig(), merge=False)
    merged = PrescaledGate(GateConfig())
    for f in frames[:3]:
        parts, whole = split.predict(f), merged.predict(f)
        if len(parts) < 2:
            continue
        assert len(whole) == 1
        box = whole[0].box
        assert box.x1 == min(r.box.x1 for r in parts)
        assert box.y1 == min(r.box.y1 for r in parts)
        assert box.x2 == max(r.box.x2 for r in parts)
        assert box.y2 == max(r.box.y2 for r in parts)
        return
    pytest.fail("no frame with several moving regions")


def test_prescaled_gate_scales_the_roi() -> None:
    # Only the lower-left part of the frame counts: the flickering light at top right is ignored.
    no_roi = PrescaledGate(GateConfig(), merge=False)
    everywhere = [r.box for f in moving_square_frames() for r in no_roi.predict(f)]
    assert any(b.x1 >= 1000 and b.y2 <= 200 for b in everywhere)  # without the ROI the light counts
    roi = [(0, 250), (1000, 250), (1000, 720), (0, 720)]
    gate = PrescaledGate(GateConfig(), roi, merge=False)
    boxes = [r.box for f in moving_square_frames() for r in gate.predict(f)]
    assert boxes
    assert all(b.x1 < 1000 and b.y2 > 250 for b in boxes)
    assert not any(b.x1 >= 1000 and b.y2 <= 200 for b in boxes)


# -- CameraWorker ----------------------------------------------------------------------------------


def test_busy_recognition_drops_oldest_frames_and_keeps_the_newest(tmp_path: Path) -> None:
    clip = tmp_path / "c.mp4"
    write_clip(clip, frames=40)
    hold = threading.Event()
    rec = Gated(hold)
    written: list[Read] = []
    source = FirstThenWait(clip, camera="cam", after_first=rec.busy)
    worker = CameraWorker("cam", source, rec, lambda r: written.append(r) or True, queue_size=3)
    worker.start()
    # Recognition is stuck on its first frame until the whole clip has been captured.
    assert worker._capture.join(60) is None
    assert not worker._capture.is_alive()
    hold.set()
    assert worker.join(60)
    s = worker.snapshot()
    assert s.frames_in == 40
    assert s.processed == 1 + 3  # the frame in hand plus a full queue
    assert s.dropped == 40 - 4
    assert s.processed + s.dropped == s.frames_in
    assert rec.seen[1:] == [37, 38, 39]  # the newest frames won
    assert rec.finished == 1
    assert written[-1].camera == "end"  # open tracks flushed after the drain
    assert s.reads == len(written)
    assert not s.running


def test_unpaced_file_blocks_instead_of_dropping(tmp_path: Path) -> None:
    clip = tmp_path / "c.mp4"
    write_clip(clip, frames=40)
    rec = Gated()
    written: list[Read] = []
    worker = CameraWorker(
        "cam", FileSource(clip, camera="cam"), rec, lambda r: written.append(r) or True, drop_oldest=False
    )
    worker.start()
    assert worker.join(60)
    s = worker.snapshot()
    assert rec.seen == list(range(40))
    assert (s.frames_in, s.processed, s.dropped) == (40, 40, 0)
    assert s.reads == 4 + 1  # frames 0, 10, 20, 30 and the final flush
    assert s.latency_p95_ms >= s.latency_p50_ms > 0


class EveryThirdFrameMoves:
    """Stand-in gate: a region on frames whose index is a multiple of 3; remembers what it saw."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def predict(self, frame: Frame) -> list[Region]:
        self.seen.append(frame.index)
        return [Region(Box(frame.index, 0, frame.index + 10, 10))] if frame.index % 3 == 0 else []


class RegionRecorder(Gated):
    """Runs `gate` as its own gate (on the worker's gate thread) and records the regions that
    `process` was handed for each frame."""

    def __init__(self, gate: EveryThirdFrameMoves, hold: threading.Event | None = None) -> None:
        super().__init__(hold)
        self.gate = gate
        self.handed: dict[int, list[Region]] = {}
        self.gate_threads: set[str] = set()

    def regions(self, frame: Frame) -> list[Region]:
        self.gate_threads.add(threading.current_thread().name)
        return self.gate.predict(frame)

    def process(self, frame: Frame, regions: list[Region] | None = None) -> list[Read]:
        assert regions is not None  # with a gate thread the regions always come from there
        self.handed[frame.index] = list(regions)
        return super().process(frame)


def test_gate_thread_hands_each_frame_its_own_regions(tmp_path: Path) -> None:
    clip = tmp_path / "c.mp4"
    write_clip(clip, frames=40)
    gate = EveryThirdFrameMoves()
    rec = RegionRecorder(gate)
    source = FileSource(clip, camera="cam")
    worker = CameraWorker("cam", source, rec, lambda r: True, drop_oldest=False, gate_thread=True)
    worker.start()
    assert worker.join(60)
    assert gate.seen == list(range(40))
    assert rec.gate_threads == {"gate-cam"}
    assert sorted(rec.handed) == list(range(40))
    for index, regions in rec.handed.items():
        assert [r.box.x1 for r in regions] == ([float(index)] if index % 3 == 0 else [])
    assert worker.snapshot().processed == 40


class FirstFrameInHand:
    """A source that, after its first frame, waits until recognition holds that frame: the scenario
    below does not then depend on which thread the scheduler runs first (on a loaded machine the
    inference thread started after the whole clip was gated, and frame 0 was dropped too)."""

    def __init__(self, inner: FileSource, in_hand: threading.Event) -> None:
        self.inner, self.in_hand = inner, in_hand
        self.camera, self.fps, self.stats = inner.camera, inner.fps, inner.stats

    def frames(self) -> Iterator[Frame]:
        for frame in self.inner.frames():
            yield frame
            if frame.index == 0:
                assert self.in_hand.wait(60)

    def close(self) -> None:
        self.inner.close()


def test_with_a_gate_thread_every_frame_is_recognised_or_counted_as_dropped(tmp_path: Path) -> None:
    clip = tmp_path / "c.mp4"
    write_clip(clip, frames=40)
    gate, hold = EveryThirdFrameMoves(), threading.Event()
    rec = RegionRecorder(gate, hold)
    source = FirstFrameInHand(FileSource(clip, camera="cam"), rec.busy)
    worker = CameraWorker("cam", source, rec, lambda r: True, queue_size=2, gate_thread=True)
    worker.start()
    assert worker._capture.join(60) is None
    assert worker._gate is not None
    worker._gate.join(60)
    assert not worker._gate.is_alive()
    hold.set()  # recognition was stuck on its first frame while the whole clip was captured and gated
    assert worker.join(60)
    s = worker.snapshot()
    assert worker.raw_queue is not None
    assert len(gate.seen) + worker.raw_queue.dropped == 40
    assert s.processed + s.dropped == 40
    assert s.processed == 1 + 2  # the frame in hand and a full queue: the newest gated frames
    assert rec.seen[1:] == gate.seen[-2:]
    for index, regions in rec.handed.items():
        assert [r.box.x1 for r in regions] == ([float(index)] if index % 3 == 0 else [])


def test_refused_reads_are_counted(tmp_path: Path) -> None:
    clip = tmp_path / "c.mp4"
    write_clip(clip, frames=12)
    worker = CameraWorker("cam", FileSource(clip, camera="cam"), Gated(), lambda r: False, drop_oldest=False)
    worker.start()
    assert worker.join(60)
    assert worker.snapshot().refused == 2 + 1
    assert worker.snapshot().reads == 0


def test_stop_ends_a_live_camera_and_drains() -> None:
    with MjpegServer(numbered_frames(30)) as srv:
        src = LiveSource(srv.url, "cam", read_timeout=2.0)
        rec = Gated()
        worker = CameraWorker("cam", src, rec, lambda r: True, queue_size=2)
        worker.start()
        assert rec.busy.wait(30)  # frames are flowing
        worker.stop()
        assert worker.join(30)
    s = worker.snapshot()
    assert s.processed >= 1
    assert s.processed + s.dropped == s.frames_in  # every captured frame recognised or counted as dropped
    assert rec.finished == 1


# -- Runner and `edge-alpr run` with the real models -------------------------------------------------


def render_clip(tmp_path: Path, seconds: float = 4.0) -> tuple[Path, dict[str, object]]:
    from edge_tools.synth.scene import render_clip as render

    clip, truth_path = tmp_path / "lane.mp4", tmp_path / "lane.json"
    truth = render(clip, truth_path, seed=7, seconds=seconds, fps=30, size=(1280, 720), n_vehicles=1)
    return clip, truth


def config_text(cameras: str, db: Path) -> str:
    # health port 0: any free port, so concurrent runs on this machine do not collide
    return f"cameras:\n{cameras}\nstore:\n  path: {db}\nhealth:\n  port: 0\n"


def test_runner_reads_plates_from_a_clip_into_the_store(tmp_path: Path) -> None:
    from edge.store import Store

    clip, truth = render_clip(tmp_path)
    db = tmp_path / "r.db"
    cfg = parse_config(config_text(f"  - name: lane-1\n    source: {clip}\n  - name: lane-2\n    source: {clip}", db))
    cv2.setNumThreads(2)
    with Store.from_config(cfg) as store:
        runner = Runner(cfg, store.write, pace_files=False)
        report = runner.run()
    assert cv2.getNumThreads() == 1  # the runner's threads are the parallelism, not OpenCV's pool
    assert not report.stopped_by_signal
    assert [c.camera for c in report.cameras] == ["lane-1", "lane-2"]
    for c in report.cameras:
        assert c.frames_in == truth["frames"]
        assert c.processed == c.frames_in
        assert c.dropped == 0
        assert c.detector_calls >= 1
        assert c.ocr_calls >= 1
        assert c.reads >= 1
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT camera, plate FROM reads").fetchall()
    assert {r[0] for r in rows} == {"lane-1", "lane-2"}
    assert len(rows) == sum(c.reads for c in report.cameras)


def cli(*args: str, **kw: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen(
        [sys.executable, "-m", "edge", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
        **kw,  # type: ignore[call-overload]
    )


def test_run_cli_with_a_file_camera_ends_with_the_file(tmp_path: Path) -> None:
    clip, truth = render_clip(tmp_path, seconds=3.0)
    db = tmp_path / "f.db"
    cfg = tmp_path / "c.yaml"
    cfg.write_text(config_text(f"  - name: gate-a\n    source: {clip}", db))
    proc = cli("run", "--config", str(cfg), "--no-pace", "--json")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    summary = json.loads(out)
    cam = summary["cameras"][0]
    assert cam["camera"] == "gate-a"
    assert cam["frames_in"] == truth["frames"]
    assert summary["stopped_by_signal"] is False
    assert summary["store"]["written"] == cam["reads"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM reads").fetchone()[0] == cam["reads"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_run_cli_stops_on_signal_drains_and_exits_0(tmp_path: Path, sig: signal.Signals) -> None:
    clip, _ = render_clip(tmp_path, seconds=2.0)
    server = subprocess.Popen(
        [sys.executable, "-m", "edge_tools.harness.mjpeg_server", str(clip), "--fps", "15"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        db = tmp_path / "s.db"
        cfg = tmp_path / "c.yaml"
        cfg.write_text(config_text(f"  - name: street\n    source: {url}\n    read_timeout: 2s", db))
        proc = cli("-v", "run", "--config", str(cfg), "--json", "--status-interval", "0.2")
        assert proc.stderr is not None
        log_lines: list[str] = []
        for line in proc.stderr:
            log_lines.append(line)
            if "camera street: in" in line and "processed 0," not in line:
                break  # frames are being recognised
        else:
            pytest.fail("run ended before recognising a frame:\n" + "".join(log_lines))
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        summary = json.loads(out)
        cam = summary["cameras"][0]
        assert summary["stopped_by_signal"] is True
        assert cam["processed"] >= 1
        assert cam["processed"] + cam["dropped"] == cam["frames_in"]
        assert summary["store"]["written"] == cam["reads"]
        assert db.exists()
    finally:
        server.terminate()
        server.wait(30)


def test_run_cli_refuses_a_config_without_cameras(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    db = tmp_path / "n.db"
    cfg.write_text(f"store:\n  path: {db}\n")
    proc = cli("run", "--config", str(cfg))
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert "no cameras" in err
    assert not db.exists()


def test_run_cli_refuses_a_missing_camera_file_before_opening_the_store(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    db = tmp_path / "n.db"
    cfg.write_text(config_text(f"  - name: gone\n    source: {tmp_path / 'gone.mp4'}", db))
    proc = cli("run", "--config", str(cfg))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert "gone.mp4" in err
    assert not db.exists()


def test_cameras_cli_lists_devices_and_checks_configured_cameras(tmp_path: Path) -> None:
    clip = tmp_path / "c.mp4"
    write_clip(clip, frames=5)
    empty = tmp_path / "dev"
    empty.mkdir()
    with MjpegServer(numbered_frames(5)) as srv:
        cfg = tmp_path / "c.yaml"
        cfg.write_text(f"cameras:\n  - name: ip-cam\n    source: {srv.url}\n  - name: clip\n    source: {clip}\n")
        proc = cli("cameras", "--config", str(cfg), "--dev-dir", str(empty), "--json")
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    data = json.loads(out)
    assert data["devices"] == []
    cams = {c["camera"]: c for c in data["cameras"]}
    assert cams["ip-cam"]["ok"]
    assert (cams["ip-cam"]["width"], cams["ip-cam"]["height"]) == (160, 120)
    assert cams["clip"]["ok"]

    cfg.write_text(f"cameras:\n  - name: lost\n    source: {tmp_path / 'lost.mp4'}\n")
    proc = cli("cameras", "--config", str(cfg), "--dev-dir", str(empty))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "no video devices" in out
    assert "lost" in out
    assert "cannot open camera(s): lost" in err


def test_latency_histogram_counts_every_sample_in_cumulative_buckets() -> None:
    from edge.runner import LATENCY_BUCKETS, Latency

    lat = Latency(keep=2)  # the percentile window is small; the histogram keeps every sample
    for seconds in (0.01, 0.3, 0.3, 20.0):
        lat.add(seconds)
    h = lat.histogram()
    assert h["le"] == list(LATENCY_BUCKETS)
    by_le = dict(zip(h["le"], h["counts"], strict=True))
    assert by_le[0.01] == 1  # a bound is inclusive (Prometheus 'le')
    assert by_le[0.25] == 1
    assert by_le[0.5] == 3
    assert by_le[10.0] == 3  # 20 s only in +Inf, which is the count
    assert h["count"] == 4
    assert h["sum_s"] == pytest.approx(20.61)


# -- reads made before the clock is synchronised (issue 30) -------------------------------------------


def test_clock_watch_asks_now_and_then_and_treats_cannot_say_as_no_finding() -> None:
    from edge.runner import ClockWatch

    answers = iter([False, True])
    asked: list[int] = []

    def ask() -> bool | None:
        asked.append(1)
        return next(answers)

    watch = ClockWatch(ask, every=3600)
    assert watch.unsynced() is True
    assert watch.unsynced() is True  # cached: the kernel is not asked for every read
    assert len(asked) == 1
    assert ClockWatch(lambda: None).unsynced() is False  # not Linux, or adjtimex refused


@pytest.mark.parametrize("synchronised", [False, True])
def test_reads_of_a_live_camera_are_flagged_while_the_clock_is_not_synchronised(synchronised: bool) -> None:
    from edge.runner import ClockWatch

    got: list[Read] = []
    with MjpegServer(numbered_frames(25)) as srv:
        src = LiveSource(srv.url, "cam", read_timeout=2.0)
        worker = CameraWorker(
            "cam", src, Gated(), lambda r: got.append(r) or True, clock=ClockWatch(lambda: synchronised)
        )
        worker.start()
        deadline = time.monotonic() + 30
        while not any(r.camera == "cam" for r in got) and time.monotonic() < deadline:
            time.sleep(0.05)
        worker.stop()
        assert worker.join(30)
    assert got, "no read came out"
    assert {r.clock_unsynced for r in got} == {not synchronised}


def test_a_flagged_read_is_stored_searched_and_shared_with_its_flag(tmp_path: Path) -> None:
    from dataclasses import replace

    from edge.share.message import read_message
    from edge.store import Store
    from edge.store.db import connect
    from tests.support.share import make_grant

    read = replace(fake_read("cam", 3), clock_unsynced=True)
    other = fake_read("cam", 4)
    with Store(tmp_path / "s.db", min_free_mb=0) as store:
        assert store.write(read)
        assert store.write(other)
        store.flush()
        assert store.get(read.id).clock_unsynced is True
        assert store.get(other.id).clock_unsynced is False
    conn = connect(tmp_path / "s.db", readonly=True)
    try:
        grant = make_grant(fields=["time", "camera"])
        sent = [read_message(conn, grant, node_id="n", read_id=r.id, kind="read", sent_at=r.ts) for r in (read, other)]
    finally:
        conn.close()
    assert [m["fields"].get("clock_unsynced") for m in sent if m] == [True, None]
