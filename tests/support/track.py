"""Plates seen frame by frame for the tracker's tests: observations, a passing plate, a replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from edge.track import PlateTracker
from edge.types import Box, Observation, PlateBox, PlateText, Read

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def ob(
    frame: int,
    text: str,
    x: float,
    *,
    conf: float = 0.9,
    width: float = 120,
    on_vehicle: bool = True,
    unheld: bool = False,
) -> Observation:
    return Observation(
        camera="c",
        frame_index=frame,
        ts=T0 + timedelta(seconds=frame / 30),
        live=False,
        plate=PlateBox(Box(x, 100, x + width, 100 + width / 3), 0.9),
        text=PlateText(text, conf, tuple([conf] * len(text))),
        on_vehicle=on_vehicle,
        unheld=unheld,
    )


def run(tracker: PlateTracker, frames: list[list[Observation]]) -> list[Read]:
    reads: list[Read] = []
    for i, obs in enumerate(frames):
        reads += tracker.update(obs[0].frame_index if obs else i, T0 + timedelta(seconds=i / 30), obs)
    return reads + tracker.flush()


def passing(text: str = "ABC1234", n: int = 10, **kw: object) -> list[list[Observation]]:
    """A plate passing: moving and growing, read `text` every frame."""
    return [[ob(f, text, 100 + 12 * f, width=100 + 4 * f, **kw)] for f in range(n)]  # type: ignore[arg-type]
