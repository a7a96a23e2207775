"""The Source protocol every capture backend implements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from edge.types import Frame


@dataclass
class SourceStats:
    """Counters a source keeps: frames handed on, frames that failed to decode, reopen attempts."""

    frames: int = 0
    decode_errors: int = 0
    reopens: int = 0


class Source(Protocol):
    camera: str
    fps: float
    stats: SourceStats

    def frames(self) -> Iterator[Frame]:
        """Yield frames until the source ends (files) or `close()` is called (live)."""
        ...

    def close(self) -> None: ...
