"""The Source protocol every capture backend implements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from edge.types import Frame


@dataclass
class SourceStats:
    """Counters a source keeps: frames handed on, frames that failed to decode, reopen attempts, and
    (recorded sources) the stretches of frame indices that could not be decoded, first and last."""

    frames: int = 0
    decode_errors: int = 0
    reopens: int = 0
    skipped: list[tuple[int, int]] = field(default_factory=list)

    def skip(self, first: int, last: int) -> None:
        """Count frames first..last (inclusive) as undecodable; a stretch next to the previous one joins it."""
        if last < first:
            return
        self.decode_errors += last - first + 1
        if self.skipped and self.skipped[-1][1] + 1 >= first:
            self.skipped[-1] = (self.skipped[-1][0], max(last, self.skipped[-1][1]))
        else:
            self.skipped.append((first, last))


def ranges_text(ranges: list[tuple[int, int]], limit: int = 8) -> str:
    """'26-61, 80, 95-99' (and 'and N more' past `limit` stretches)."""
    parts = [f"{a}-{b}" if b > a else str(a) for a, b in ranges[:limit]]
    if len(ranges) > limit:
        parts.append(f"and {len(ranges) - limit} more")
    return ", ".join(parts)


class Source(Protocol):
    camera: str
    fps: float
    stats: SourceStats

    def frames(self) -> Iterator[Frame]:
        """Yield frames until the source ends (files) or `close()` is called (live)."""
        ...

    def close(self) -> None: ...
