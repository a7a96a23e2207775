"""Local store and retention."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from edge.config.common import Duration, Strict


class StoreConfig(Strict):
    path: str = Field(
        default="data/edge-alpr.db",
        description="SQLite file of the reads (relative paths from the working directory). The audit ledger, "
        "outbox and keys live beside it unless set elsewhere.",
    )
    keep_crops: bool = Field(default=False, description="Keep a small JPEG of the plate (never the full frame).")


class RetentionConfig(Strict):
    non_hit: Duration = Field(
        default=timedelta(days=21), description="How long a read that matched no hotlist is kept."
    )
    hit: Duration = Field(default=timedelta(days=90), description="How long a read that matched a hotlist is kept.")
