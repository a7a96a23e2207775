"""UTC timestamps as fixed-width ISO-8601 text, so text order is time order in SQLite."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_ts(value: datetime) -> str:
    """Aware datetime -> '2026-11-27T20:08:52.000000Z'. Naive datetimes are taken to be UTC already."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    v = value.astimezone(UTC)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}Z"


def from_ts(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
