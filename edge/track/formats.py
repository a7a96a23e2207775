"""Plate formats: regular expressions and position masks, with confusable-character repair.

A mask is a string of L (letter), D (digit) and A (either), e.g. "LLLDDDD" for ABC1234. OCR mixes
up characters that look alike (O/0, I/1, B/8, S/5, Z/2, G/6); a read that fits no format is repaired
only where a mask of its length demands the other class at that position, never elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from edge.lookalike import AS_DIGIT, AS_LETTER


def fits_mask(text: str, mask: str) -> bool:
    if len(text) != len(mask):
        return False
    for ch, m in zip(text, mask, strict=True):
        if (m == "L" and not ch.isalpha()) or (m == "D" and not ch.isdigit()):
            return False
    return True


def repair(text: str, mask: str) -> str | None:
    """`text` made to fit `mask` by swapping confusable characters, or None if it cannot be."""
    if len(text) != len(mask):
        return None
    out = []
    for ch, m in zip(text, mask, strict=True):
        fixed = ch
        if m == "L" and ch.isdigit():
            fixed = AS_LETTER.get(ch, "")
        elif m == "D" and ch.isalpha():
            fixed = AS_DIGIT.get(ch, "")
        if not fixed:
            return None
        out.append(fixed)
    return "".join(out)


class PlateFormats:
    def __init__(self, regexes: Sequence[str], masks: Sequence[str] = ()):
        self._regexes = [re.compile(p) for p in regexes]
        self._masks = list(masks)

    def valid(self, text: str) -> bool:
        if self._masks and any(fits_mask(text, m) for m in self._masks):
            return True
        return any(r.match(text) for r in self._regexes)

    def normalise(self, text: str) -> tuple[str, bool]:
        """(text, valid): unchanged when valid; else the repair needing fewest swaps, if any mask allows one."""
        if self.valid(text):
            return text, True
        best: tuple[int, str] | None = None
        for mask in self._masks:
            fixed = repair(text, mask)
            if fixed is not None:
                swaps = sum(a != b for a, b in zip(text, fixed, strict=True))
                if best is None or swaps < best[0]:
                    best = (swaps, fixed)
        if best is not None:
            return best[1], True
        return text, False
