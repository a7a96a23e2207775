"""Local store and retention.

Retention is a hard limit, not advice: the purge job deletes every read past its tier's duration.
The jurisdiction cap is checked by the root config against ``RetentionConfig.longest()``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from edge.config.common import Duration, Strict, format_duration

Tier = Literal["non_hit", "hit"]

_CAMERA_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_MAX_AUTO_INTERVAL = timedelta(hours=1)
_MIN_AUTO_INTERVAL = timedelta(seconds=10)


class StoreConfig(Strict):
    path: str = Field(
        default="data/edge-alpr.db",
        description="SQLite file of the reads (relative paths from the working directory). The audit ledger, "
        "outbox and keys live beside it unless set elsewhere.",
    )
    keep_crops: bool = Field(
        default=False,
        description="Keep a small JPEG of the plate (never the full frame), for `retention.crops` at most.",
    )
    min_confidence: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Reads whose calibrated confidence (the share of such reads that are exact, models/README.md) "
        "is below this are not stored (low_confidence: drop) or stored flagged low_confidence (keep), and counted.",
    )
    low_confidence: Literal["drop", "keep"] = Field(
        default="drop",
        description="Reads below store.min_confidence: 'drop' them (counted), or 'keep' them flagged low_confidence "
        "in searches and shared reads.",
    )
    min_free_mb: int = Field(
        default=200,
        ge=0,
        description="Free disk space (MiB) below which new reads are refused and counted instead of written; "
        "writing resumes by itself once space is back.",
    )

    @property
    def drop_below(self) -> float:
        """The confidence under which reads are not stored at all: min_confidence when low_confidence is
        drop, else 0 (they are kept, flagged)."""
        return self.min_confidence if self.low_confidence == "drop" else 0.0

    def is_low(self, confidence: float) -> bool:
        """Whether a read of this confidence is flagged low_confidence (searches, shared reads)."""
        return confidence < self.min_confidence


class CameraRetention(Strict):
    """Per-camera override; a key left out uses the global setting."""

    non_hit: Duration | None = Field(default=None, description="Retention of this camera's non-hit reads.")
    hit: Duration | None = Field(default=None, description="Retention of this camera's hotlist-hit reads.")
    crops: Duration | None = Field(default=None, description="Retention of this camera's plate crops (0: none).")

    @field_validator("non_hit", "hit")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        return _positive(value) if value is not None else None


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be longer than 0s (to keep nothing, do not run the camera)")
    return value


class Policy(Strict):
    """Effective retention of one camera (after overrides); crops already capped by the tier."""

    non_hit: timedelta
    hit: timedelta
    crops: timedelta

    def crops_for(self, tier: Tier) -> timedelta:
        return min(self.crops, self.non_hit if tier == "non_hit" else self.hit)


class RetentionConfig(Strict):
    non_hit: Duration = Field(
        default=timedelta(days=21), description="How long a read that matched no hotlist is kept (e.g. 3m, 21d)."
    )
    hit: Duration = Field(default=timedelta(days=90), description="How long a read that matched a hotlist is kept.")
    crops: Duration = Field(
        default=timedelta(days=7),
        description="How long a plate crop is kept (0: never stored). Never longer than its read's tier.",
    )
    cameras: dict[str, CameraRetention] = Field(
        default_factory=dict,
        description="Per-camera overrides by camera name: {name: {non_hit: ..., hit: ..., crops: ...}}.",
    )
    purge_interval: Duration | None = Field(
        default=None,
        description="How often the purge job runs (it also runs on start). Default: a quarter of the shortest "
        "retention, between 10s and 1h. Cannot exceed the shortest retention.",
    )

    @field_validator("non_hit", "hit")
    @classmethod
    def _tier_positive(cls, value: timedelta) -> timedelta:
        return _positive(value)

    @field_validator("cameras")
    @classmethod
    def _camera_names(cls, value: dict[str, CameraRetention]) -> dict[str, CameraRetention]:
        bad = sorted(name for name in value if not _CAMERA_NAME.match(name))
        if bad:
            raise ValueError(f"not a camera name: {', '.join(bad)} (lowercase letters, digits, - and _)")
        return value

    @field_validator("purge_interval")
    @classmethod
    def _interval_keeps_up(cls, value: timedelta | None, info: ValidationInfo) -> timedelta | None:
        if value is None:
            return None
        _positive(value)
        tiers = [info.data[k] for k in ("non_hit", "hit") if k in info.data]
        for o in info.data.get("cameras", {}).values():
            tiers += [v for v in (o.non_hit, o.hit) if v is not None]
        if tiers and value > min(tiers):
            raise ValueError(
                f"{format_duration(value)} is longer than the shortest retention {format_duration(min(tiers))}: "
                "reads would outlive their retention by up to the interval"
            )
        return value

    def policy(self, camera: str | None = None) -> Policy:
        """Effective retention for a camera (its overrides over the global settings)."""
        o = self.cameras.get(camera) if camera is not None else None
        return Policy(
            non_hit=o.non_hit if o is not None and o.non_hit is not None else self.non_hit,
            hit=o.hit if o is not None and o.hit is not None else self.hit,
            crops=o.crops if o is not None and o.crops is not None else self.crops,
        )

    def longest(self, tier: Tier) -> timedelta:
        """Longest retention of a tier over the global setting and every camera override (for the legal cap)."""
        values = [self.non_hit if tier == "non_hit" else self.hit]
        values += [v for o in self.cameras.values() if (v := getattr(o, tier)) is not None]
        return max(values)

    def shortest(self) -> timedelta:
        """Shortest read retention (any tier, any camera): the purge interval may not exceed it."""
        values = [self.non_hit, self.hit]
        for o in self.cameras.values():
            values += [v for v in (o.non_hit, o.hit) if v is not None]
        return min(values)

    def effective_purge_interval(self) -> timedelta:
        if self.purge_interval is not None:
            return self.purge_interval
        shortest = self.shortest()
        auto = max(_MIN_AUTO_INTERVAL, min(_MAX_AUTO_INTERVAL, shortest / 4))
        return min(auto, shortest)
