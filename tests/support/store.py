"""Store test helpers (tests.support.store; tests/store/conftest.py re-exports the fixtures): a clock, reads."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import pytest

from edge.types import Read
from tests.support.clock import T0, Clock

__all__ = ["T0", "Clock", "MakeRead", "clock", "make_read"]


@pytest.fixture
def clock() -> Clock:
    return Clock()


MakeRead = Callable[..., Read]


@pytest.fixture
def make_read() -> MakeRead:
    def make(
        plate: str = "TEST123",
        ts: datetime = T0,
        camera: str = "cam1",
        crop: bytes | None = None,
        read_id: str | None = None,
        frame_index: int | None = None,
    ) -> Read:
        return Read(
            id=read_id or str(uuid.uuid4()),
            plate=plate,
            confidence=0.91,
            camera=camera,
            ts=ts,
            frame_index=frame_index,
            bbox=(10.0, 20.0, 110.0, 50.0),
            track_id="trk-1",
            observations=4,
            detector_model="det-test",
            ocr_model="ocr-test",
            valid_format=True,
            crop_jpeg=crop,
        )

    return make
