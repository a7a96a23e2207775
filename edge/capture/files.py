"""Recorded sources: a video file decoded by OpenCV, or a folder of images."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeGuard

import cv2
import numpy as np

from edge.capture.base import Source, SourceStats
from edge.errors import InputError
from edge.types import Frame, Image

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
MAX_CONSECUTIVE_FAILURES = 25


def valid_frame(image: object) -> TypeGuard[Image]:
    """A frame the pipeline can use: an HxWx3 uint8 array with some pixels."""
    return (
        isinstance(image, np.ndarray)
        and image.dtype == np.uint8
        and image.ndim == 3
        and image.shape[2] == 3
        and image.shape[0] >= 16
        and image.shape[1] >= 16
    )


class FileSource:
    """Decode a video file frame by frame. `ts` = start time + stream position.

    Frames that fail to decode are counted (stats.decode_errors) and skipped; the clip is refused up
    front when OpenCV cannot open it or cannot decode a single frame.
    """

    def __init__(self, path: Path | str, camera: str = "replay", start: datetime | None = None):
        self.path = Path(path)
        self.camera = camera
        self.stats = SourceStats()
        if not self.path.exists():
            raise InputError(f"{self.path}: no such file")
        if self.path.is_dir():
            raise InputError(f"{self.path}: is a folder, not a video file (use an image-folder source)")
        self._cap = cv2.VideoCapture(str(self.path))
        if not self._cap.isOpened():
            raise InputError(f"{self.path}: not a video OpenCV can open (unknown or corrupt container)")
        ok, first = self._cap.read()
        if not ok or not valid_frame(first):
            self._cap.release()
            raise InputError(f"{self.path}: frame 0: cannot decode any frame; is this a video file?")
        self._first: Any = first
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 0.5 < fps < 500 else 30.0
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.frame_count = count if count > 0 else None
        self.start = start or datetime.now(UTC)

    def frames(self) -> Iterator[Frame]:
        index = 0
        failures = 0
        while True:
            if self._first is not None:
                ok, image = True, self._first
                self._first = None
            else:
                ok, image = self._cap.read()  # (bool, Any) for the type checker
            if not ok:
                # OpenCV returns not-ok both at the end and on a broken packet; look past a few.
                if self.frame_count is not None and index < self.frame_count and failures < MAX_CONSECUTIVE_FAILURES:
                    failures += 1
                    self.stats.decode_errors += 1
                    log.warning("%s: frame %d: could not decode; skipped", self.path, index)
                    index += 1
                    continue
                break
            if not valid_frame(image):
                self.stats.decode_errors += 1
                log.warning("%s: frame %d: unusable frame %s; skipped", self.path, index, _describe(image))
                index += 1
                continue
            failures = 0
            self.stats.frames += 1
            ts = self.start + timedelta(seconds=index / self.fps)
            yield Frame(camera=self.camera, index=index, ts=ts, image=image, live=False)
            index += 1

    def close(self) -> None:
        self._cap.release()


class ImageFolderSource:
    """Images in a folder, in name order, as frames at a nominal rate."""

    def __init__(self, path: Path | str, camera: str = "replay", fps: float = 5.0, start: datetime | None = None):
        self.path = Path(path)
        self.camera = camera
        self.fps = fps
        self.stats = SourceStats()
        if not self.path.is_dir():
            raise InputError(f"{self.path}: not a folder")
        self.files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.files:
            raise InputError(f"{self.path}: no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in folder")
        self.frame_count = len(self.files)
        self.start = start or datetime.now(UTC)

    def frames(self) -> Iterator[Frame]:
        for index, file in enumerate(self.files):
            image = cv2.imread(str(file), cv2.IMREAD_COLOR)
            if not valid_frame(image):
                self.stats.decode_errors += 1
                log.warning("%s: frame %d: cannot decode image; skipped", file, index)
                continue
            self.stats.frames += 1
            ts = self.start + timedelta(seconds=index / self.fps)
            yield Frame(camera=self.camera, index=index, ts=ts, image=image, live=False)

    def close(self) -> None:
        return None


def _describe(image: object) -> str:
    if isinstance(image, np.ndarray):
        return f"shape={image.shape} dtype={image.dtype}"
    return type(image).__name__


def open_source(spec: str | Path, camera: str = "replay", start: datetime | None = None) -> Source:
    """Open a recorded source: a folder of images or a video file."""
    path = Path(spec)
    if path.is_dir():
        return ImageFolderSource(path, camera=camera, start=start)
    return FileSource(path, camera=camera, start=start)
