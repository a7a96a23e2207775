"""Frozen values that flow between the pipeline stages (source -> gate -> plates -> ocr -> tracker -> store).

Each stage takes one of these and returns another; no stage reaches back up the data path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


class LatencyHistogram(TypedDict):
    """Frame latency since start in cumulative buckets (what the runner hands to the health status)."""

    le: list[float]  # bucket upper bounds, seconds
    counts: list[int]  # cumulative count per bound
    count: int  # all samples (the +Inf bucket)
    sum_s: float  # total seconds


# What people type between the characters of a plate: spaces, hyphens (ASCII and typographic), dots.
_PLATE_SEPARATORS = re.compile(r"[\s\-.\u00b7\u2010-\u2015]+")


def plate_key(text: str) -> str:
    """A plate as it is stored and compared: upper case, separators removed ('qrh-50 44' -> 'QRH5044').

    The one normalisation of plate input: searches (CLI and remote), hotlist entries, shared plate
    hashes and the ledger's plate tokens all use it, so 'QRH-5044', 'QRH 5044' and 'qrh5044' are one
    plate everywhere. Other characters are kept, so a wildcard or a stray symbol still shows.
    """
    return _PLATE_SEPARATORS.sub("", text).upper()


@dataclass(frozen=True, slots=True)
class Box:
    """Axis-aligned box in frame pixel coordinates (x1, y1) top-left, (x2, y2) bottom-right."""

    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        return max(0.0, self.x2 - self.x1)

    @property
    def height(self) -> float:
        return max(0.0, self.y2 - self.y1)

    @property
    def area(self) -> float:
        return self.width * self.height

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.x1 + self.x2) / 2.0, (self.y1 + self.y2) / 2.0)

    def intersection(self, other: Box) -> float:
        """The area this box shares with `other` (0 when they do not overlap)."""
        ix = max(0.0, min(self.x2, other.x2) - max(self.x1, other.x1))
        iy = max(0.0, min(self.y2, other.y2) - max(self.y1, other.y1))
        return ix * iy

    def iou(self, other: Box) -> float:
        inter = self.intersection(other)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def grown(self, fx: float, fy: float) -> Box:
        """Grow by fx*width / fy*height on each side (may reach outside the image)."""
        dx, dy = self.width * fx, self.height * fy
        return Box(self.x1 - dx, self.y1 - dy, self.x2 + dx, self.y2 + dy)

    def clipped(self, width: int, height: int) -> Box:
        """The part inside an image of width x height (the same box when it lies wholly inside)."""
        return Box(max(0.0, self.x1), max(0.0, self.y1), min(float(width), self.x2), min(float(height), self.y2))

    def expanded(self, fx: float, fy: float, width: int, height: int) -> Box:
        """Grow by fx*width / fy*height on each side, clipped to an image of width x height."""
        return self.grown(fx, fy).clipped(width, height)


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame. `ts` is wall clock for live sources, stream position for files."""

    camera: str
    index: int
    ts: datetime
    image: Image
    live: bool = False


@dataclass(frozen=True, slots=True)
class Region:
    """Part of a frame where the gate saw something move (or a vehicle).

    `parts`: the moving blobs the region was merged from (the gate merges them into one detector
    call); empty when the gate knows none (no motion gate). A plate lies on a vehicle when one of
    them is shaped and sized like one (`edge.gate.vehicle.on_vehicle`).
    """

    box: Box
    score: float = 1.0
    parts: tuple[Box, ...] = ()


@dataclass(frozen=True, slots=True)
class PlateBox:
    """A plate found by the detector, in frame coordinates."""

    box: Box
    score: float


@dataclass(frozen=True, slots=True)
class PlateText:
    """OCR result for one plate crop. `char_conf` holds one probability per character of `text`.

    `others`: the same crop read by a second OCR backend (`ocr.second_opinion`); the tracker votes
    on them beside this reading, each counting `weight` of a first reading (`ocr.second_weight`).
    `lines`: 2 when the crop was read as a two-line plate (its halves side by side), else 1.
    """

    text: str
    confidence: float
    char_conf: tuple[float, ...] = ()
    others: tuple[PlateText, ...] = ()
    weight: float = 1.0
    lines: int = 1

    @property
    def readings(self) -> tuple[PlateText, ...]:
        """This reading and the other backends' of the same crop."""
        return (self, *self.others)


@dataclass(frozen=True, slots=True)
class Observation:
    """One plate seen in one frame: box, OCR text and the crop it was read from.

    `at_edge`: the plate's box, grown by the margin a detector box leaves inside a plate's outline
    (`edge.pipeline.may_be_cut`), reaches past the frame's border, so the plate may be cut: such a
    frame is no evidence of the whole plate.

    `on_vehicle`: the plate lay on a moving region shaped and sized like a vehicle (True when the
    gate reports no moving regions to check against, e.g. `gate.kind: none`).

    `unheld`: the gate reported moving regions, but none held the plate's centre: the motion gate
    missed what carries it (a dark car at night moves little against a dark road). Unlike a plate on
    a walker's region, such a plate is no evidence against a vehicle: a track of them that travels
    counts as on one (`tracking.unheld_travel`).
    """

    camera: str
    frame_index: int
    ts: datetime
    live: bool
    plate: PlateBox
    text: PlateText
    crop: Image | None = None
    at_edge: bool = False
    on_vehicle: bool = True
    unheld: bool = False


@dataclass(frozen=True, slots=True)
class Read:
    """One read per vehicle pass: what the tracker emits and the store keeps."""

    id: str
    plate: str
    confidence: float
    camera: str
    ts: datetime
    frame_index: int | None
    bbox: tuple[float, float, float, float]
    track_id: str
    observations: int
    detector_model: str
    ocr_model: str
    valid_format: bool = True
    crop_jpeg: bytes | None = field(default=None, repr=False)
    clock_unsynced: bool = False  # a live camera's read made while the system clock was not synchronised
