"""Burned-in text (a camera's date and time, its name, a sign) learned per camera and masked.

Nearly every CCTV camera burns a date/time overlay into its stream, and a plate detector finds
plate-like text in it; OCR then reads junk that changes every second. Such text differs from any
plate in one way a camera sees directly: its box stays exactly put while what is inside it changes.
A parked car's plate stays put too, but its pixels do not change; a passing plate moves.

`StaticText` keeps the detector's boxes of each frame as candidate sites. A box that overlaps a
site (IoU) is another sighting of it; a sighting whose pixels differ from the last one's (a digit
that ticked over) counts as a change. A site sighted `min_sightings` times over at least
`min_seconds`, with at least `min_changes` changes, is learned: from then on every plate box whose
centre lies in it is dropped before OCR. Sites keep being updated (a learned one stays learned while
it is sighted) and are forgotten when not sighted for `forget`.

The rest of an overlay does not change: the date beside a ticking clock, the camera's name after
it or on the line below. A site that has stayed put as long and been sighted as often as a learned
one needs, and lies in line with a learned site (on its text line, or on the line just above or
below and overlapping it sideways), is learned too. A parked car's plate is not in line with a
camera's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import cv2
import numpy as np

from edge.config.pipeline import OverlayConfig
from edge.types import Box, Image

_THUMB = (64, 16)  # a site's pixels, as compared between sightings (width, height)
# A sighting changed when the 98th percentile of the absolute difference of the two thumbnails
# exceeds this (grey levels): a digit ticking over in white-on-black text moves it by ~100+, the
# sensor noise of a still image by < 15 (noise averages out in the thumbnail).
_CHANGED = 45.0
_MAX_SITES = 64


@dataclass
class Site:
    box: Box
    first: datetime
    last: datetime
    thumb: np.ndarray
    sightings: int = 1
    changes: int = 0
    learned: bool = False


def _thumb(image: Image, box: Box) -> np.ndarray | None:
    h, w = image.shape[:2]
    b = box.clipped(w, h)
    x1, y1, x2, y2 = int(b.x1), int(b.y1), int(b.x2), int(b.y2)
    if x2 - x1 < 2 or y2 - y1 < 2:
        return None
    crop = image[y1:y2, x1:x2]
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    return np.asarray(cv2.resize(gray, _THUMB, interpolation=cv2.INTER_AREA), dtype=np.int16)


class StaticText:
    """Per-camera learner of burned-in text sites (see the module docstring)."""

    def __init__(self, cfg: OverlayConfig) -> None:
        self.cfg = cfg
        self.sites: list[Site] = []

    @property
    def learned(self) -> list[Box]:
        return [s.box for s in self.sites if s.learned]

    def observe(self, image: Image, ts: datetime, boxes: list[Box]) -> None:
        """Add one frame's detector boxes (all of them, masked or not)."""
        if not self.cfg.learn:
            return
        for box in boxes:
            thumb = _thumb(image, box)
            if thumb is None:
                continue
            site = max(self.sites, key=lambda s: s.box.iou(box), default=None)
            if site is None or site.box.iou(box) < self.cfg.iou:
                self.sites.append(Site(box, ts, ts, thumb))
                continue
            if ts <= site.last:
                continue  # one sighting per frame
            if float(np.percentile(np.abs(thumb - site.thumb), 98)) > _CHANGED:
                site.changes += 1
            site.thumb, site.last = thumb, ts
            site.sightings += 1
            if (
                not site.learned
                and site.sightings >= self.cfg.min_sightings
                and site.changes >= self.cfg.min_changes
                and site.last - site.first >= self.cfg.min_seconds
            ):
                site.learned = True
        self._learn_lines()
        self._forget(ts)

    def _learn_lines(self) -> None:
        """Learn the still sites in line with a learned one (module docstring), until none is added."""
        learned = [s for s in self.sites if s.learned]
        while learned:
            added = [
                s
                for s in self.sites
                if not s.learned
                and s.sightings >= self.cfg.min_sightings
                and s.last - s.first >= self.cfg.min_seconds
                and any(_in_line(s.box, t.box) for t in learned)
            ]
            for s in added:
                s.learned = True
            learned = added

    def _forget(self, now: datetime) -> None:
        keep = [s for s in self.sites if now - s.last < self.cfg.forget]
        if len(keep) > _MAX_SITES:  # unlearned sites seen least recently go first
            keep.sort(key=lambda s: (s.learned, s.last), reverse=True)
            keep = keep[:_MAX_SITES]
        self.sites = keep

    def covers(self, box: Box) -> bool:
        """Whether `box`'s centre lies in a learned site (grown by a tenth per side)."""
        cx, cy = box.centre
        for b in self.learned:
            g = b.grown(0.1, 0.1)
            if g.x1 <= cx <= g.x2 and g.y1 <= cy <= g.y2:
                return True
        return False


def _in_line(a: Box, b: Box) -> bool:
    """Whether text box `a` sits in line with text box `b`: on the same line (their heights overlap by
    half the smaller, the gap between them at most 3 text heights), or on the next line up or down
    (a gap under one text height, overlapping sideways)."""
    h = min(a.height, b.height)
    if h <= 0 or max(a.height, b.height) > 2 * h:
        return False
    v_overlap = min(a.y2, b.y2) - max(a.y1, b.y1)
    h_gap = max(a.x1, b.x1) - min(a.x2, b.x2)  # < 0: they overlap sideways
    if v_overlap >= 0.5 * h:
        return h_gap <= 3 * h
    return -v_overlap <= h and h_gap < 0


def in_polygons(box: Box, polygons: list[list[tuple[int, int]]]) -> bool:
    """Whether `box`'s centre lies inside one of `polygons` (frame pixels)."""
    centre = (float(box.centre[0]), float(box.centre[1]))
    for poly in polygons:
        pts = np.array(poly, np.float32).reshape(-1, 1, 2)
        if cv2.pointPolygonTest(pts, centre, False) >= 0:
            return True
    return False


def draw_masks(
    image: Image,
    configured: list[list[tuple[int, int]]],
    learned: list[Box],
    roi: list[tuple[int, int]] | None = None,
) -> Image:
    """A copy of `image` with the configured masks (red, filled), the learned burned-in text (yellow
    boxes) and the ROI (green outline) drawn, for an installer to check (`cameras --preview`)."""
    out = image.copy()
    shade = out.copy()
    for poly in configured:
        cv2.fillPoly(shade, [np.array(poly, np.int32)], (0, 0, 255))
    out = np.asarray(cv2.addWeighted(shade, 0.35, out, 0.65, 0), dtype=np.uint8)
    for poly in configured:
        cv2.polylines(out, [np.array(poly, np.int32)], True, (0, 0, 255), 2)
    for b in learned:
        g = b.grown(0.1, 0.1)
        cv2.rectangle(out, (int(g.x1), int(g.y1)), (int(g.x2), int(g.y2)), (0, 255, 255), 2)
        cv2.putText(out, "learned", (int(g.x1), int(g.y2) + 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 255, 255), 1)
    if roi:
        cv2.polylines(out, [np.array(roi, np.int32)], True, (0, 200, 0), 2)
    return np.asarray(out, dtype=np.uint8)
