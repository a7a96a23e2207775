"""Hotlist test helpers (tests.support.hotlist): synthetic plates, reads, a clock."""

from __future__ import annotations

import random
import string
import uuid
from datetime import datetime
from pathlib import Path

from edge.types import Read
from tests.support.clock import T0, Clock

__all__ = ["PLAIN", "T0", "Clock", "make_read", "random_plates", "write_csv"]

# Letters and digits that are in no default confusion group, so random plates have no tolerant variants
# unless a test puts a confusable character in on purpose.
PLAIN = "ACEFHJKLMNPRTUVWXY34579"


def random_plates(n: int, seed: int = 7, alphabet: str = string.ascii_uppercase + string.digits) -> list[str]:
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(alphabet) for _ in range(rng.randint(5, 7))))
    return sorted(out)


def make_read(plate: str, *, camera: str = "cam1", ts: datetime = T0, read_id: str | None = None) -> Read:
    return Read(
        id=read_id or str(uuid.uuid4()),
        plate=plate,
        confidence=0.93,
        camera=camera,
        ts=ts,
        frame_index=0,
        bbox=(10.0, 10.0, 110.0, 40.0),
        track_id="t1",
        observations=3,
        detector_model="det",
        ocr_model="ocr",
    )


def write_csv(path: Path, plates: list[str], notes: dict[str, str] | None = None) -> Path:
    notes = notes or {}
    lines = ["plate,note,expires"] + [f"{p},{notes.get(p, '')}," for p in plates]
    path.write_text("\n".join(lines) + "\n")
    return path
