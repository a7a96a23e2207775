"""Plate keys and OCR-confusion variants: what a read is looked up by.

A read is looked up by its plate and, when tolerant matching is on, by every plate one substitution
away within a confusion group (O/0, I/1, B/8, S/5...). All of them go into one indexed ``IN (...)``
query, so the cost does not depend on the size of the hotlist and nothing is held in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from edge.types import plate_key

__all__ = ["PLATE", "Confusions", "plate_key", "valid_plate"]

PLATE = re.compile(r"^[A-Z0-9]{2,10}$")


def valid_plate(key: str) -> bool:
    return bool(PLATE.match(key))


class Confusions:
    """Character -> the other characters of its confusion group(s)."""

    def __init__(self, groups: Iterable[str]) -> None:
        alt: dict[str, set[str]] = {}
        for group in groups:
            for ch in group:
                alt.setdefault(ch, set()).update(c for c in group if c != ch)
        self._alt = {ch: "".join(sorted(others)) for ch, others in alt.items()}

    def variants(self, key: str) -> list[str]:
        """Every plate one substitution away from `key` within a group (without `key` itself)."""
        out: list[str] = []
        for i, ch in enumerate(key):
            for other in self._alt.get(ch, ""):
                out.append(key[:i] + other + key[i + 1 :])
        return out

    def __bool__(self) -> bool:
        return bool(self._alt)
