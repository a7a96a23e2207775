"""Small real video files for the capture and replay tests: clean, or damaged in the middle."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def write_clip(path: Path, frames: int = 20, fps: float = 10.0) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (160, 120))
    assert writer.isOpened()
    for i in range(frames):
        img = np.full((120, 160, 3), i * 10 % 255, np.uint8)
        writer.write(img)
    writer.release()


def write_damaged_clip(path: Path, frames: int, start: float, end: float, seed: int = 0) -> None:
    """A real encoded clip whose bytes from `start` to `end` (fractions of the file) are random."""
    clean = path.with_name("clean-" + path.name)
    write_clip(clean, frames=frames)
    data = bytearray(clean.read_bytes())
    rng = np.random.default_rng(seed)
    a, b = int(len(data) * start), int(len(data) * end)
    data[a:b] = rng.integers(0, 256, b - a, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
