"""Live sources: USB cameras (V4L2) and network streams (RTSP, HTTP MJPEG), reopened when they fail.

A live source never ends on its own: a camera that disappears or a stream that stalls is released,
logged, counted, and reopened with exponential backoff (up to `backoff_max`) until `close()` is
called. Frames carry the wall-clock UTC time at which they were read and an index that keeps
counting across reopens.

`open_camera` turns a configured camera into the right source (device, stream, video file or image
folder); `list_devices` probes the V4L2 devices for `edge-alpr cameras`.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import cv2

from edge.capture.base import Source, SourceStats
from edge.capture.files import FileSource, ImageFolderSource, valid_frame
from edge.config.cameras import CameraConfig
from edge.errors import InputError
from edge.types import Frame

log = logging.getLogger(__name__)

STREAM_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://", "rtmp://", "udp://", "tcp://")
_DEVICE_PATH = re.compile(r"^/dev/video\d+$")
# Consecutive unusable frames after which the connection is treated as broken and reopened.
MAX_BAD_FRAMES = 25

Kind = Literal["device", "stream"]


def source_kind(spec: str) -> Literal["device", "stream", "path"]:
    """What a camera `source` string names: a V4L2 device, a stream URL, or a file/folder path."""
    s = spec.strip()
    if s.isdigit() or _DEVICE_PATH.match(s) or s.startswith("/dev/v4l/"):
        return "device"
    if s.lower().startswith(STREAM_SCHEMES):
        return "stream"
    return "path"


def redact_url(spec: str) -> str:
    """A stream URL without its credentials, for logs (rtsp://user:pass@host -> rtsp://***@host)."""
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", r"\1***@", spec)


def fourcc_code(fourcc: str) -> int:
    return int(cv2.VideoWriter.fourcc(*fourcc[:4]))


def fourcc_text(code: float) -> str:
    n = int(code)
    text = "".join(chr((n >> (8 * i)) & 0xFF) for i in range(4))
    return text if text.isprintable() and text.strip() else ""


@dataclass
class LiveStats(SourceStats):
    """SourceStats plus what a live source goes through: failed opens and lost connections."""

    open_failures: int = 0
    disconnects: int = 0


class LiveSource:
    """A USB camera or a network stream; never ends until `close()`.

    `frames()` blocks in the camera's read for at most `read_timeout` seconds, so `close()` from
    another thread takes effect within that time (or immediately while waiting to reopen).
    """

    def __init__(
        self,
        spec: str,
        camera: str = "live",
        *,
        width: int | None = None,
        height: int | None = None,
        fps: float | None = None,
        fourcc: str | None = None,
        open_timeout: float = 10.0,
        read_timeout: float = 5.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
    ) -> None:
        kind = source_kind(spec)
        if kind == "path":
            raise InputError(f"{spec}: not a camera device or stream URL")
        self.kind: Kind = kind
        self.spec = spec.strip()
        self.camera = camera
        self.width, self.height, self.requested_fps, self.fourcc = width, height, fps, fourcc
        self.fps = fps or 30.0
        self.open_timeout = open_timeout
        self.read_timeout = read_timeout
        self.backoff_initial = backoff_initial
        self.backoff_max = max(backoff_max, backoff_initial)
        self.live_stats = LiveStats()
        self.stats: SourceStats = self.live_stats
        self.mode: tuple[int, int, float, str] | None = None  # what the last open actually got
        self._stop = threading.Event()

    @property
    def label(self) -> str:
        return redact_url(self.spec) if self.kind == "stream" else self.spec

    def _open(self) -> Any:
        """An opened cv2.VideoCapture, or None."""
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            int(self.open_timeout * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            int(self.read_timeout * 1000),
        ]
        cap: Any
        if self.kind == "stream":
            if self.spec.lower().startswith(("rtsp://", "rtsps://")):
                # TCP interleaved RTSP: no lost UDP packets (smeared frames) on busy networks.
                os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp")
            cap = cv2.VideoCapture(self.spec, cv2.CAP_FFMPEG, params)
        else:
            target: int | str = int(self.spec) if self.spec.isdigit() else self.spec
            cap = cv2.VideoCapture(target, cv2.CAP_V4L2)
            if cap.isOpened():
                cap.set(cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(self.read_timeout * 1000))
                # V4L2 wants the pixel format before the size.
                if self.fourcc:
                    cap.set(cv2.CAP_PROP_FOURCC, fourcc_code(self.fourcc))
                if self.width:
                    cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
                if self.height:
                    cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
                if self.requested_fps:
                    cap.set(cv2.CAP_PROP_FPS, self.requested_fps)
                cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        if not cap.isOpened():
            cap.release()
            return None
        got_fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if 0.5 < got_fps < 500:
            self.fps = got_fps
        self.mode = (
            int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0),
            int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0),
            round(got_fps, 2),
            fourcc_text(cap.get(cv2.CAP_PROP_FOURCC)),
        )
        return cap

    def frames(self) -> Iterator[Frame]:
        index = 0
        backoff = self.backoff_initial
        opened_before = False
        while not self._stop.is_set():
            if opened_before:
                self.stats.reopens += 1
            cap = self._open()
            if cap is None:
                self.live_stats.open_failures += 1
                log.warning("camera %s: cannot open %s; retrying in %.1f s", self.camera, self.label, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.backoff_max)
                opened_before = True
                continue
            w, h, fps, fcc = self.mode or (0, 0, 0.0, "")
            log.info("camera %s: opened %s (%dx%d %s fps %s)", self.camera, self.label, w, h, fps, fcc or "-")
            if opened_before:
                log.info("camera %s: %s reopened", self.camera, self.label)
            opened_before = True
            bad = 0
            try:
                while not self._stop.is_set():
                    ok, image = cap.read()
                    if not ok:
                        self.live_stats.disconnects += 1
                        log.warning(
                            "camera %s: %s stalled or closed (no frame within %.1f s); reopening",
                            self.camera,
                            self.label,
                            self.read_timeout,
                        )
                        break
                    if not valid_frame(image):
                        self.stats.decode_errors += 1
                        bad += 1
                        if bad >= MAX_BAD_FRAMES:
                            self.live_stats.disconnects += 1
                            log.warning("camera %s: %d unusable frames in a row; reopening", self.camera, bad)
                            break
                        continue
                    bad = 0
                    backoff = self.backoff_initial
                    self.stats.frames += 1
                    yield Frame(camera=self.camera, index=index, ts=datetime.now(UTC), image=image, live=True)
                    index += 1
            finally:
                cap.release()
            if not self._stop.is_set():
                self._stop.wait(min(backoff, self.backoff_max))
                backoff = min(backoff * 2, self.backoff_max)

    def close(self) -> None:
        """Stop `frames()`: it returns after the read in progress (at most `read_timeout`)."""
        self._stop.set()


def open_camera(cam: CameraConfig, *, start: datetime | None = None) -> Source:
    """The source for a configured camera: device, stream, video file or image folder."""
    kind = source_kind(cam.source)
    if kind != "path":
        return LiveSource(
            cam.source,
            cam.name,
            width=cam.width,
            height=cam.height,
            fps=cam.fps,
            fourcc=cam.fourcc,
            open_timeout=cam.open_timeout.total_seconds(),
            read_timeout=cam.read_timeout.total_seconds(),
            backoff_max=cam.reopen_backoff_max.total_seconds(),
        )
    path = Path(cam.source)
    if path.is_dir():
        return ImageFolderSource(path, camera=cam.name, fps=cam.fps or 5.0, start=start)
    if not path.exists():
        raise InputError(f"camera {cam.name}: source {cam.source!r} is not a device, a stream URL or an existing file")
    return FileSource(path, camera=cam.name, start=start)


# -- device listing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mode:
    fourcc: str
    width: int
    height: int
    fps: float

    def __str__(self) -> str:
        return f"{self.fourcc or '?'} {self.width}x{self.height} @ {self.fps:g} fps"


@dataclass
class DeviceInfo:
    path: str
    name: str = ""
    opened: bool = False
    current: Mode | None = None
    modes: list[Mode] = field(default_factory=list)
    error: str | None = None


_PROBE_SIZES = ((640, 480), (1280, 720), (1920, 1080))
_PROBE_FOURCCS = ("MJPG", "YUYV")


def _v4l2_ctl_modes(path: str) -> list[Mode] | None:
    """Modes from `v4l2-ctl --list-formats-ext` when the tool is installed (exact and quick)."""
    tool = shutil.which("v4l2-ctl")
    if tool is None:
        return None
    try:
        argv = [tool, "-d", path, "--list-formats-ext"]  # fixed argv, no shell
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False).stdout  # noqa: S603
    except (OSError, subprocess.SubprocessError):
        return None
    modes: list[Mode] = []
    fourcc = ""
    size = (0, 0)
    for line in out.splitlines():
        if m := re.search(r"'(\w{3,4})'", line):
            fourcc = m.group(1)
        elif m := re.search(r"Size: \w+ (\d+)x(\d+)", line):
            size = (int(m.group(1)), int(m.group(2)))
        elif (m := re.search(r"\(([\d.]+) fps\)", line)) and size != (0, 0):
            modes.append(Mode(fourcc, size[0], size[1], float(m.group(1))))
    return modes


def _probe_modes(cap: Any) -> list[Mode]:
    """Without v4l2-ctl: ask for common formats and sizes and keep what the driver grants."""
    seen: list[Mode] = []
    for fcc in _PROBE_FOURCCS:
        for w, h in _PROBE_SIZES:
            cap.set(cv2.CAP_PROP_FOURCC, fourcc_code(fcc))
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, w)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, h)
            mode = Mode(
                fourcc_text(cap.get(cv2.CAP_PROP_FOURCC)),
                int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
                int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                round(float(cap.get(cv2.CAP_PROP_FPS) or 0.0), 2),
            )
            if mode.width > 0 and mode not in seen:
                seen.append(mode)
    return seen


def list_devices(dev_dir: Path | str = "/dev", *, probe: bool = True) -> list[DeviceInfo]:
    """Every /dev/videoN: whether OpenCV can open it and read a frame, its current mode and its modes.

    UVC cameras expose a second, metadata-only node per camera; it is listed as not readable.
    """
    devices = sorted(Path(dev_dir).glob("video[0-9]*"), key=lambda p: int(p.name[5:]) if p.name[5:].isdigit() else 0)
    out: list[DeviceInfo] = []
    for dev in devices:
        info = DeviceInfo(str(dev))
        name_file = Path("/sys/class/video4linux") / dev.name / "name"
        try:
            info.name = name_file.read_text().strip()
        except OSError:
            info.name = ""
        cap: Any = cv2.VideoCapture(str(dev), cv2.CAP_V4L2)
        try:
            if not cap.isOpened():
                info.error = "cannot open (busy, no permission, or not a capture device)"
                out.append(info)
                continue
            ok, image = cap.read()
            if not ok or not valid_frame(image):
                info.error = "opens but gives no frames (metadata node or busy)"
                out.append(info)
                continue
            info.opened = True
            info.current = Mode(
                fourcc_text(cap.get(cv2.CAP_PROP_FOURCC)),
                int(image.shape[1]),
                int(image.shape[0]),
                round(float(cap.get(cv2.CAP_PROP_FPS) or 0.0), 2),
            )
            if probe:
                modes = _v4l2_ctl_modes(str(dev))
                info.modes = modes if modes is not None else _probe_modes(cap)
        finally:
            cap.release()
        out.append(info)
    return out


@dataclass
class ProbeResult:
    camera: str
    source: str
    kind: str
    ok: bool
    width: int = 0
    height: int = 0
    fps: float = 0.0
    error: str | None = None


def probe_camera(cam: CameraConfig, timeout: float = 10.0) -> ProbeResult:
    """Open a configured camera once and read one frame: what `edge-alpr cameras --config` shows."""
    kind = source_kind(cam.source)
    label = redact_url(cam.source) if kind == "stream" else cam.source
    try:
        source = open_camera(cam)
    except InputError as exc:
        return ProbeResult(cam.name, label, kind, False, error=str(exc))
    if isinstance(source, LiveSource):
        source.backoff_max = source.backoff_initial = 0.1
        source.open_timeout = source.read_timeout = min(timeout, source.read_timeout)
        cap = source._open()
        if cap is None:
            return ProbeResult(cam.name, label, kind, False, error="cannot open")
        try:
            ok, image = cap.read()
        finally:
            cap.release()
        if not ok or not valid_frame(image):
            return ProbeResult(cam.name, label, kind, False, error="opened but no frame arrived")
        return ProbeResult(cam.name, label, kind, True, int(image.shape[1]), int(image.shape[0]), source.fps)
    try:
        frame = next(iter(source.frames()), None)
    finally:
        source.close()
    if frame is None:
        return ProbeResult(cam.name, label, kind, False, error="no frames")
    return ProbeResult(cam.name, label, kind, True, frame.image.shape[1], frame.image.shape[0], source.fps)
