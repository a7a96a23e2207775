"""A settable clock for the stores, hotlists and sharing tests, and the time they start at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta
