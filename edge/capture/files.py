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

    Frames that fail to decode are counted (stats.decode_errors) and skipped, and decoding goes on
    past a damaged stretch to the end of the clip; the stretches are in stats.skipped. The clip is
    refused up front when OpenCV cannot open it or cannot decode a single frame.
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
        cursor = 0  # index the next read should return
        last = -1  # index of the last frame handed on
        gap = False  # a read failed since the last frame handed on
        while True:
            if self._first is not None:
                ok, image = True, self._first
                self._first = None
            else:
                ok, image = self._cap.read()  # (bool, Any) for the type checker
            if not ok:
                # OpenCV returns not-ok both at the end and on a damaged stretch, after which it decodes
                # again: go on to the clip's frame count, however long the stretch.
                if self.frame_count is not None and cursor < self.frame_count:
                    cursor += 1
                    gap = True
                    continue
                break
            index = self._resync(cursor, last) if gap else cursor
            gap = False
            self._skip(last + 1, index - 1)
            last, cursor = index, index + 1
            if not valid_frame(image):
                self._skip(index, index)
                log.warning("%s: frame %d: unusable frame %s; skipped", self.path, index, _describe(image))
                continue
            self.stats.frames += 1
            ts = self.start + timedelta(seconds=index / self.fps)
            yield Frame(camera=self.camera, index=index, ts=ts, image=image, live=False)
        if self.frame_count is not None:
            self._skip(last + 1, min(cursor, self.frame_count) - 1)

    def _resync(self, cursor: int, last: int) -> int:
        """The index of a frame decoded after a damaged stretch: from its stream time when that is
        plausible (a failed read need not be exactly one frame), else counted."""
        msec = float(self._cap.get(cv2.CAP_PROP_POS_MSEC) or 0.0)
        index = round(msec * self.fps / 1000.0)
        limit = self.frame_count if self.frame_count is not None else index + 1
        return index if last < index < limit else cursor

    def _skip(self, first: int, last: int) -> None:
        if last >= first:
            self.stats.skip(first, last)
            log.warning("%s: frames %d-%d could not be decoded; skipped", self.path, first, last)

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
                self.stats.skip(index, index)
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
