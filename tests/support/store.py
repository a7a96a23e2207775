"""Store test helpers (imported by name; tests/ has no packages): a hand-moved clock, made-up reads."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from edge.types import Read

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


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
