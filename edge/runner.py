"""The multi-camera runtime behind `edge-alpr run`.

Per camera two threads joined by a small bounded queue:

    capture thread ──FrameQueue(queue_size)──▶ inference thread ──store.write──▶ store writer thread
    (decode; wall clock    newest frame wins:     (Recognizer: gate, detector,    (SQLite batches,
     for live cameras)     the oldest is dropped   OCR, tracker)                    its own queue)
                           and counted

Decoding (OpenCV) and inference (onnxruntime) release the GIL, so threads suffice: capture of the
next frame overlaps recognition of the current one. Under overload the queue never grows: live
cameras and paced files drop their oldest queued frame, so what is recognised is always recent.
Unpaced files (benchmarks) block instead and lose nothing.

One stop event ends everything: capture stops, the inference thread drains what is queued, the
tracker is flushed (`Recognizer.finish`) and its last reads are written; the caller then closes the
store.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

import cv2

from edge.capture.base import Source
from edge.capture.live import LiveSource, open_camera
from edge.config import Config
from edge.gate import make_gate
from edge.ocr import RapidOcr
from edge.pipeline import Models, Recognizer, StageTimes, load_models
from edge.types import Frame, LatencyHistogram, Read, Region

log = logging.getLogger(__name__)

Sink = Callable[[Read], bool]


class FrameProcessor(Protocol):
    """What the worker's threads run: `Recognizer` (or a stand-in in tests). With a gate thread,
    `regions` runs there and its result goes to `process` on the inference thread."""

    times: StageTimes

    def regions(self, frame: Frame) -> list[Region]: ...

    def process(self, frame: Frame, regions: list[Region] | None = None) -> list[Read]: ...

    def finish(self) -> list[Read]: ...


class FrameQueue:
    """A bounded FIFO between one producer and one consumer.

    `drop_oldest=True`: `put` never blocks; when full the oldest item is discarded and counted.
    `drop_oldest=False`: `put` waits for room (back-pressure), unless `stop` is set, then it drops.
    `get` returns None once the queue is closed and empty.
    """

    def __init__(self, maxsize: int, *, drop_oldest: bool = True, stop: threading.Event | None = None) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self.drop_oldest = drop_oldest
        self.dropped = 0
        self._stop = stop or threading.Event()
        self._items: deque[Any] = deque()
        self._cond = threading.Condition()
        self._closed = False

    def put(self, item: Any) -> int:
        """Queue `item`; returns how many older items were dropped to make room (0 or 1)."""
        with self._cond:
            if self._closed:
                raise RuntimeError("put on a closed FrameQueue")
            if not self.drop_oldest:
                while len(self._items) >= self.maxsize and not self._stop.is_set():
                    self._cond.wait(0.1)
            dropped = 0
            while len(self._items) >= self.maxsize:
                self._items.popleft()
                dropped += 1
            self.dropped += dropped
            self._items.append(item)
            self._cond.notify_all()
            return dropped

    def get(self, timeout: float | None = None) -> Any:
        """The oldest item; None when closed and empty (or on timeout)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._items or self._closed, timeout):
                return None
            if self._items:
                item = self._items.popleft()
                self._cond.notify_all()
                return item
            return None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)


# Upper bounds (seconds) of the frame-latency histogram buckets: a Pi's frame takes 50-500 ms.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Latency:
    """Recent latency samples (seconds) with percentiles; keeps the last `keep` samples. Also counts
    every sample since start into LATENCY_BUCKETS (a Prometheus histogram: never reset, never windowed)."""

    def __init__(self, keep: int = 20000) -> None:
        self._samples: deque[float] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self.count = 0
        self.max = 0.0
        self.sum = 0.0
        self._buckets = [0] * len(LATENCY_BUCKETS)  # per bucket, not cumulative

    def add(self, seconds: float) -> None:
        with self._lock:
            self._samples.append(seconds)
            self.count += 1
            self.sum += seconds
            self.max = max(self.max, seconds)
            i = bisect.bisect_left(LATENCY_BUCKETS, seconds)
            if i < len(self._buckets):
                self._buckets[i] += 1

    def histogram(self) -> LatencyHistogram:
        """{"le": bucket bounds, "counts": cumulative counts per bound, "count": all, "sum_s": total}."""
        with self._lock:
            counts = list(itertools.accumulate(self._buckets))
            return {"le": list(LATENCY_BUCKETS), "counts": counts, "count": self.count, "sum_s": round(self.sum, 6)}

    def percentile(self, q: float) -> float:
        with self._lock:
            data = sorted(self._samples)
        if not data:
            return 0.0
        k = min(len(data) - 1, max(0, round(q / 100 * (len(data) - 1))))
        return data[k]

    def samples(self) -> list[float]:
        with self._lock:
            return list(self._samples)


@dataclass
class CameraStats:
    """Counters of one camera: what the metrics endpoint exports and `run` prints at exit."""

    camera: str
    running: bool
    frames_in: int  # frames the source decoded and handed on
    decode_errors: int
    dropped: int  # frames discarded because recognition was busy (newest wins)
    processed: int  # frames recognised
    gated: int  # frames in which the gate saw motion
    detector_calls: int
    followed_frames: int  # frames with motion the detector skipped, tracked plates followed (detector.stride)
    quiet_frames: int  # frames with motion the detector skipped: only blobs it found no plate in (gate.recheck_frames)
    detections: int
    ocr_calls: int
    reads: int  # reads the store accepted
    refused: int  # reads the store refused (disk low, closed, queue full)
    errors: int  # frames whose recognition raised (logged, skipped)
    reopens: int
    disconnects: int
    latency_p50_ms: float  # frame decoded -> recognised and its reads handed to the store
    latency_p95_ms: float
    latency_max_ms: float
    stage_ms: dict[str, float] = field(default_factory=dict)  # mean ms per processed frame
    latency_histogram: LatencyHistogram = field(default_factory=lambda: Latency().histogram())  # since start
    tracks_dropped: dict[str, int] = field(default_factory=dict)  # tracks that ended without a read, by reason
    thread_cpu_s: dict[str, float] = field(default_factory=dict)  # CPU seconds used by each of its threads

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class CameraWorker:
    """Capture thread (+ gate thread) + inference thread for one camera.

    With `gate_thread`, the recognizer's motion gate (`regions`) runs on its own thread
    between capture and the drop queue: it sees every frame (a steadier background model under
    overload) and its cost overlaps the detector's instead of adding to it.
    """

    def __init__(
        self,
        name: str,
        source: Source,
        recognizer: FrameProcessor,
        sink: Sink,
        *,
        queue_size: int = 2,
        drop_oldest: bool = True,
        pace: bool = False,
        stop: threading.Event | None = None,
        on_emit: Callable[[Read, float], None] | None = None,
        gate_thread: bool = False,
        clock: ClockWatch | None = None,
    ) -> None:
        self.name = name
        self.clock = clock  # live cameras: reads made before the clock is synchronised are flagged
        self.gate_thread = gate_thread
        self.on_emit = on_emit  # (read, perf_counter when its frame was decoded), before the store gets it
        self.source = source
        self.recognizer = recognizer
        self.sink = sink
        self.pace = pace
        self.stop_event = stop or threading.Event()
        self.queue = FrameQueue(queue_size, drop_oldest=drop_oldest, stop=self.stop_event)
        # capture -> gate when the gate has its own thread; it keeps up (a few ms), drops counted alike
        self.raw_queue = FrameQueue(queue_size, drop_oldest=drop_oldest, stop=self.stop_event) if gate_thread else None
        self.latency = Latency()
        self.frames_in = 0
        self.processed = 0
        self.reads = 0
        self.refused = 0
        self.errors = 0
        self.capture_seconds = 0.0
        self.capture_error: str | None = None
        self.last_frame_at: float | None = None  # time.monotonic() of the last frame handed on (health)
        self._lock = threading.Lock()
        self.thread_cpu: dict[str, float] = {}  # thread role -> CPU seconds, filled as each thread ends
        self._capture = threading.Thread(target=self._run_capture, name=f"capture-{name}", daemon=True)
        self._infer = threading.Thread(target=self._run_inference, name=f"infer-{name}", daemon=True)
        self._gate = threading.Thread(target=self._run_gate, name=f"gate-{name}", daemon=True) if gate_thread else None
        self._threads = [t for t in (self._capture, self._gate, self._infer) if t is not None]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        """Ask capture to stop. A live source is interrupted at once (its close only sets a flag);
        a file source stops after the frame being decoded (releasing it from here would race)."""
        self.stop_event.set()
        if isinstance(self.source, LiveSource):
            self.source.close()

    @property
    def alive(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def join(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        for t in self._threads:
            t.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not self.alive

    def wait_some(self, timeout: float) -> None:
        """Return when one of this camera's threads still running ends, or after `timeout` seconds."""
        running = next((t for t in self._threads if t.is_alive()), None)
        if running is not None:
            running.join(timeout)

    def _run_capture(self) -> None:
        try:
            self._capture_loop()
        finally:
            self.thread_cpu["capture"] = time.thread_time()

    def _capture_loop(self) -> None:
        out = self.raw_queue if self.raw_queue is not None else self.queue
        start = time.perf_counter()
        frames = iter(self.source.frames())
        try:
            while not self.stop_event.is_set():
                t0 = time.perf_counter()
                frame: Frame | None = next(frames, None)
                if frame is None:
                    break
                t1 = time.perf_counter()
                self.capture_seconds += t1 - t0
                if self.stop_event.is_set():
                    break
                if self.pace:
                    delay = start + frame.index / max(self.source.fps, 0.1) - t1
                    if delay > 0 and self.stop_event.wait(delay):
                        break
                self.frames_in += 1
                self.last_frame_at = time.monotonic()
                out.put((frame, time.perf_counter(), None))
        except Exception:
            self.capture_error = "capture failed"
            log.exception("camera %s: capture failed; this camera stops", self.name)
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()
            self.source.close()
            out.close()

    def _run_gate(self) -> None:
        try:
            self._gate_loop()
        finally:
            self.thread_cpu["gate"] = time.thread_time()

    def _gate_loop(self) -> None:
        raw = self.raw_queue
        if raw is None:  # the thread exists only with gate_thread
            return
        try:
            while (item := raw.get()) is not None:
                frame, t_captured, _ = item
                try:
                    regions = self.recognizer.regions(frame)
                except Exception:
                    with self._lock:
                        self.errors += 1
                    log.exception("camera %s: frame %d: motion gate failed; frame skipped", self.name, frame.index)
                    continue
                self.queue.put((frame, t_captured, regions))
        finally:
            self.queue.close()

    def _emit(self, reads: list[Read], t_captured: float) -> None:
        if reads and self.clock is not None and self.clock.unsynced():
            reads = [replace(r, clock_unsynced=True) for r in reads]
        for read in reads:
            if self.on_emit is not None:
                self.on_emit(read, t_captured)
            if self.sink(read):
                self.reads += 1
            else:
                self.refused += 1
                log.warning("camera %s: read %s refused by the store", self.name, read.id)

    def _run_inference(self) -> None:
        try:
            self._inference_loop()
        finally:
            self.thread_cpu["inference"] = time.thread_time()

    def _inference_loop(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                break
            frame, t_captured, regions = item
            try:
                reads = self.recognizer.process(frame, regions)
                self._emit(reads, t_captured)
            except Exception:
                with self._lock:
                    self.errors += 1
                log.exception("camera %s: frame %d: recognition failed; frame skipped", self.name, frame.index)
                continue
            self.processed += 1
            self.latency.add(time.perf_counter() - t_captured)
        try:
            self._emit(self.recognizer.finish(), time.perf_counter())
        except Exception:
            with self._lock:
                self.errors += 1
            log.exception("camera %s: flushing the tracker failed", self.name)

    def snapshot(self) -> CameraStats:
        t = self.recognizer.times
        stats = self.source.stats
        n = max(self.processed, 1)
        stage_ms = {k: round(1000 * v / n, 3) for k, v in t.seconds.items()}
        stage_ms["capture"] = round(1000 * self.capture_seconds / max(self.frames_in, 1), 3)
        return CameraStats(
            camera=self.name,
            running=self.alive,
            frames_in=self.frames_in,
            decode_errors=stats.decode_errors,
            dropped=self.queue.dropped + (self.raw_queue.dropped if self.raw_queue is not None else 0),
            processed=self.processed,
            gated=t.gated_frames,
            detector_calls=t.detector_calls,
            followed_frames=t.followed_frames,
            quiet_frames=t.quiet_frames,
            detections=t.detections,
            ocr_calls=t.ocr_calls,
            reads=self.reads,
            refused=self.refused,
            errors=self.errors,
            reopens=stats.reopens,
            disconnects=int(getattr(stats, "disconnects", 0)),
            latency_p50_ms=round(1000 * self.latency.percentile(50), 2),
            latency_p95_ms=round(1000 * self.latency.percentile(95), 2),
            latency_max_ms=round(1000 * self.latency.max, 2),
            stage_ms=stage_ms,
            latency_histogram=self.latency.histogram(),
            tracks_dropped=dict(t.tracks_dropped),
            thread_cpu_s={k: round(v, 3) for k, v in self.thread_cpu.items()},
        )


@dataclass
class RunReport:
    seconds: float
    cameras: list[CameraStats]
    stopped_by_signal: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 2),
            "stopped_by_signal": self.stopped_by_signal,
            "cameras": [c.as_dict() for c in self.cameras],
        }


class ClockWatch:
    """Whether the system clock is known to be unsynchronised, asked at most every `every` seconds."""

    def __init__(self, ask: Callable[[], bool | None], every: float = 5.0) -> None:
        self.ask = ask
        self.every = every
        self._lock = threading.Lock()
        self._at = -float("inf")
        self._unsynced = False

    def unsynced(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if now - self._at >= self.every:
                self._at = now
                self._unsynced = self.ask() is False  # None (cannot say) is not a finding
            return self._unsynced


class Runner:
    """Every camera of the config, each on its own capture and inference threads, into one sink.

    `sources` overrides how a camera is opened (tests, benchmarks); by default `open_camera`.
    Recorded files are paced to their fps (they stand in for a camera) unless `pace_files=False`,
    in which case they run as fast as recognition allows and nothing is dropped.
    """

    def __init__(
        self,
        cfg: Config,
        sink: Sink,
        *,
        models: Models | None = None,
        sources: Mapping[str, Source] | None = None,
        pace_files: bool = True,
        status_interval: float = 60.0,
        on_emit: Callable[[Read, float], None] | None = None,
        clock_synchronised: Callable[[], bool | None] | None = None,
    ) -> None:
        """`clock_synchronised` (edge.health.clock) is asked now and then; while it says False, reads of
        live cameras are stored flagged clock_unsynced (a Pi without a real-time clock before NTP)."""
        if not cfg.cameras:
            from edge.errors import InputError

            raise InputError("no cameras in the config: add at least one under `cameras:`")
        self.cfg = cfg
        self.status_interval = status_interval
        self.stop_event = threading.Event()
        opened: dict[str, Source] = {}
        try:
            for cam in cfg.cameras:
                opened[cam.name] = sources[cam.name] if sources and cam.name in sources else open_camera(cam)
            self.models = models if models is not None else load_models(cfg)
            if isinstance(self.models.verifier, RapidOcr):
                self.models.verifier.warm()  # not at a camera's first unsure read: 0.7 s of frames would queue
        except Exception:
            for src in opened.values():
                src.close()
            raise
        self.workers: list[CameraWorker] = []
        watch = ClockWatch(clock_synchronised) if clock_synchronised is not None else None
        for cam in cfg.cameras:
            source = opened[cam.name]
            live = isinstance(source, LiveSource)
            pace = pace_files and not live
            recognizer = Recognizer(
                cfg, self.models, gate=make_gate(cfg.gate, cam.roi, min_plate_width=cfg.detector.min_width), camera=cam
            )
            self.workers.append(
                CameraWorker(
                    cam.name,
                    source,
                    recognizer,
                    sink,
                    queue_size=cam.queue_size,
                    drop_oldest=live or pace,
                    pace=pace,
                    stop=self.stop_event,
                    on_emit=on_emit,
                    gate_thread=True,
                    clock=watch if live else None,
                )
            )
        self._started = 0.0

    def start(self) -> None:
        # The runner's own threads (capture, gate and recognition per camera) are the parallelism;
        # OpenCV's pool on top of them spins idle workers after every resize and MOG2 call. Bench
        # street clip, four interleaved pairs of runs: 5.18-5.86 CPU ms a frame with one thread against
        # 5.27-6.63 with OpenCV's default, replay/decode 0.54-0.66 against 0.45-0.66 (docs/PERFORMANCE.md).
        # The results do not change: MOG2, resize and colour conversion compute each pixel the same either way.
        cv2.setNumThreads(1)
        self._started = time.perf_counter()
        for w in self.workers:
            w.start()
        log.info("runner: %d camera(s) started", len(self.workers))

    def stop(self) -> None:
        for w in self.workers:
            w.stop()

    @property
    def alive(self) -> bool:
        return any(w.alive for w in self.workers)

    def join(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        ok = True
        for w in self.workers:
            ok = w.join(None if deadline is None else max(0.0, deadline - time.monotonic())) and ok
        return ok

    def snapshot(self) -> list[CameraStats]:
        return [w.snapshot() for w in self.workers]

    def log_status(self) -> None:
        for s in self.snapshot():
            log.info(
                "camera %s: in %d, dropped %d, processed %d, reads %d, reopens %d, latency p95 %.0f ms",
                s.camera,
                s.frames_in,
                s.dropped,
                s.processed,
                s.reads,
                s.reopens,
                s.latency_p95_ms,
            )

    def run(self, stop: threading.Event | None = None, *, join_timeout: float = 60.0) -> RunReport:
        """Start, wait for `stop` (a signal) or for every camera to end, then stop and drain."""
        stop = stop or threading.Event()
        self.start()
        next_status = time.monotonic() + self.status_interval
        try:
            # Wake as a camera thread ends (a clip's last frame), not on a 0.2 s tick: a replay ends
            # when its work does (the tick added up to 0.2 s to every run, 10 % of a 2 s bench clip).
            # A signal's `stop` is still seen within 0.2 s.
            while not stop.is_set():
                running = next((w for w in self.workers if w.alive), None)
                if running is None:
                    break
                running.wait_some(0.2)
                if time.monotonic() >= next_status:
                    self.log_status()
                    next_status += self.status_interval
        finally:
            self.stop()
            if not self.join(join_timeout):
                log.error("runner: some camera threads did not stop within %.0f s", join_timeout)
        return RunReport(time.perf_counter() - self._started, self.snapshot(), stopped_by_signal=stop.is_set())
