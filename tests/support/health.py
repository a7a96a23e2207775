"""Health test helpers (tests.support.health): stand-in models, an endless camera, HTTP get."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from edge.capture.base import SourceStats
from edge.pipeline import Models
from edge.types import Frame, Read


def _shipped_models() -> Models:
    """The real shipped detector and OCR (the health tests feed them blank frames: no reads, real work)."""
    from edge.config import Config
    from edge.pipeline import load_models

    return load_models(Config())


MODELS = _shipped_models()


class EndlessCamera:
    """A camera that gives small frames at `fps` until closed; `hold` (set) freezes it: a stalled camera."""

    def __init__(self, camera: str, fps: float = 50.0) -> None:
        self.camera = camera
        self.fps = fps
        self.stats = SourceStats()
        self.hold = threading.Event()
        self.closed = threading.Event()

    def frames(self) -> Iterator[Frame]:
        i = 0
        image = np.zeros((48, 64, 3), np.uint8)
        while not self.closed.is_set():
            if self.hold.is_set():
                self.closed.wait(0.05)
                continue
            self.stats.frames += 1
            yield Frame(self.camera, i, datetime.now(UTC), image)
            i += 1

    def close(self) -> None:
        self.closed.set()


def get(url: str, timeout: float = 30.0) -> tuple[int, str, str]:
    """(status, content type, body) of a GET; HTTP errors are returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()


def get_json(url: str) -> tuple[int, dict[str, Any]]:
    status, _ctype, body = get(url)
    return status, json.loads(body)


def make_read(plate: str, camera: str = "lane-1", ts: datetime | None = None) -> Read:
    return Read(
        id=str(uuid.uuid4()),
        plate=plate,
        confidence=0.9,
        camera=camera,
        ts=ts or datetime.now(UTC),
        frame_index=1,
        bbox=(0.0, 0.0, 10.0, 5.0),
        track_id="t1",
        observations=3,
        detector_model="d",
        ocr_model="o",
    )


def write_config(
    path: Path, store: Path, *, port: int = 0, extra: str = "", cameras: str = "", stale_after: str = "5s"
) -> Path:
    cams = cameras or "cameras:\n  - name: lane-1\n    source: '0'\n"
    path.write_text(
        f"node_id: test-node\n{cams}"
        f"store:\n  path: {store}\n  min_free_mb: 0\n"
        f"health:\n  port: {port}\n  stale_after: {stale_after}\n"
        f"{extra}"
    )
    return path
