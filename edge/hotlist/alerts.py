"""Alerts: a read that matched a live hotlist entry, and the muting that keeps a parked car to one alert.

Muting is per camera and per hotlist entry plate (so "AB0123" and an OCR variant "ABO123" of the same
car mute each other): after an alert, further sightings on that camera raise none until the plate has
been out of sight for ``hotlists.mute``. Every sighting, muted or not, restarts the quiet period, so a
car parked in view for hours raises one alert. Times are the reads' own (stream time in a replay).
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from edge.store.timefmt import to_ts

MatchKind = str  # "exact" or "tolerant"

# Every alert says it: an ALPR read is a lead, not an identification.
CONFIRM = (
    "Confirm visually before acting: compare the evidence crop with the plate and the vehicle, "
    "and check the hotlist entry is still current. A misread sends officers after the wrong car."
)


@dataclass(frozen=True, slots=True)
class Alert:
    read_id: str
    plate: str  # as read
    entry_plate: str  # as listed
    camera: str
    ts: datetime
    hotlist: str
    category: str
    source: str
    basis: str
    match_kind: MatchKind
    confidence: float
    crop_jpeg: bytes | None = field(default=None, repr=False)  # the evidence: the read's plate crop
    instruction: str = CONFIRM

    def ledger_detail(self) -> dict[str, Any]:
        """What the ledger keeps: no plate text."""
        return {
            "read_id": self.read_id,
            "camera": self.camera,
            "ts": to_ts(self.ts),
            "hotlist": self.hotlist,
            "category": self.category,
            "source": self.source,
            "basis": self.basis,
            "match_kind": self.match_kind,
            "confidence": round(self.confidence, 3),
        }

    def as_dict(self) -> dict[str, Any]:
        """The alert as shown to a person: with the plate, the evidence crop (base64 JPEG) and the instruction."""
        crop = base64.b64encode(self.crop_jpeg).decode() if self.crop_jpeg else None
        return {
            **self.ledger_detail(),
            "plate": self.plate,
            "evidence_crop_jpeg": crop,
            "instruction": self.instruction,
        }


class Muter:
    """Remembers when each (camera, plate) was last seen; thread-safe; bounded by pruning old keys."""

    def __init__(self, window: timedelta, *, max_keys: int = 100_000) -> None:
        self.window = window
        self.max_keys = max_keys
        self._last: dict[tuple[str, str], datetime] = {}
        self._lock = threading.Lock()

    def sighting(self, camera: str, plate: str, ts: datetime) -> bool:
        """Record a sighting; True if it is muted (the plate was seen on this camera within the window)."""
        if self.window <= timedelta(0):
            return False
        key = (camera, plate)
        with self._lock:
            last = self._last.get(key)
            muted = last is not None and timedelta(0) <= ts - last < self.window
            if last is None or ts > last:
                self._last[key] = ts
            if len(self._last) > self.max_keys:
                self._prune(ts)
            return muted

    def _prune(self, now: datetime) -> None:
        cutoff = now - self.window
        self._last = {k: v for k, v in self._last.items() if v >= cutoff}
        if len(self._last) > self.max_keys:  # still too many live keys: keep the newest
            newest = sorted(self._last.items(), key=lambda kv: kv[1])[-self.max_keys // 2 :]
            self._last = dict(newest)
