"""A second OCR backend's reading of each crop, carried beside the first for the tracker's vote.

Two recognisers trained on different data err on different characters: fast-plate-ocr's small
model confuses wide letters (M/N/W/H), B/8 and dirt-covered digits, PP-OCR (rapidocr) O and 0, and
reads borders, bolts and dirt as extra characters. Voting on both readings of each crop
(`edge.track.tracker.vote`, a second reading counting `weight`) reads more vehicles right than
either alone (models/README.md). `min_width` spares the second backend the far, narrow crops,
which weigh little in the vote.
"""

from __future__ import annotations

from dataclasses import replace

from edge.ocr.fast_plate import Layouts, PlateOcr
from edge.types import Image, PlateText


class SecondOpinion:
    """`first`'s readings, each carrying `second`'s reading of the same crop in `PlateText.others`."""

    def __init__(self, first: PlateOcr, second: PlateOcr, weight: float, min_width: int = 0):
        if not 0 < weight <= 1:
            raise ValueError(f"second opinion weight must be in (0, 1], not {weight}")
        self.first, self.second, self.weight = first, second, weight
        self.min_width = min_width  # crops narrower than this (pixels) get no second reading
        # Reads record the model name: both, so a read voted by two backends is told from one that was not.
        self.name = f"{first.name}+{second.name}"

    def predict(self, crops: list[Image], lines: Layouts | None = None) -> list[PlateText]:
        out = self.first.predict(crops, lines)
        wide = [i for i, c in enumerate(crops) if c.shape[1] >= self.min_width]
        for i, b in zip(wide, self.second.predict([crops[i] for i in wide]), strict=True):
            if b.text:
                out[i] = replace(out[i], others=(replace(b, weight=self.weight),))
        return out
