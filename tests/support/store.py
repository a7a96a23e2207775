"""Store test helpers (tests.support.store): a settable clock, a factory of reads (the `make_read` fixture
of tests/conftest.py)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import datetime

from edge.types import Read
from tests.support.clock import T0, Clock

__all__ = ["T0", "Clock", "MakeRead", "read_factory"]

MakeRead = Callable[..., Read]


def read_factory() -> MakeRead:
    """A factory of reads numbered from 1: read n has plate TSTnnnn (unless given) and track trk-n."""
    counter = itertools.count(1)

    def make(
        plate: str | None = None,
        ts: datetime = T0,
        camera: str = "cam1",
        crop: bytes | None = None,
        read_id: str | None = None,
        frame_index: int | None = None,
    ) -> Read:
        n = next(counter)
        return Read(
            id=read_id or str(uuid.uuid4()),
            plate=plate or f"TST{n:04d}",
            confidence=0.91,
            camera=camera,
            ts=ts,
            frame_index=n if frame_index is None else frame_index,
            bbox=(10.0, 20.0, 110.0, 50.0),
            track_id=f"trk-{n}",
            observations=4,
            detector_model="det-test",
            ocr_model="ocr-test",
            valid_format=True,
            crop_jpeg=crop,
        )

    return make
