"""Motion gating: MOG2 background subtraction on a downscaled frame (~1 ms per 720p frame)."""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np

from edge.config.pipeline import GateConfig
from edge.types import Box, Frame, Region

# MOG2 learns at rate 1/frames seen at first: in its first frames noise alone is most of the picture,
# which is no change of light (gate.light_change applies after these).
_SETTLING = 5


class Gate(Protocol):
    def predict(self, frame: Frame) -> list[Region]:
        """Regions of `frame` worth running the plate detector on (empty: nothing moves)."""
        ...


class FullFrameGate:
    """No gating: the whole frame, every frame (the per-frame baseline)."""

    def predict(self, frame: Frame) -> list[Region]:
        h, w = frame.image.shape[:2]
        return [Region(Box(0, 0, w, h))]


class MotionGate:
    """Regions where the MOG2 foreground has blobs larger than `min_area` of the frame.

    A frame where most pixels changed at once (`light_change`) is a change of light and has none.

    Overlapping regions are merged; when the merged regions cover most of the frame the whole frame
    is returned (one detector call instead of several).
    """

    def __init__(self, cfg: GateConfig, roi: list[tuple[int, int]] | None = None):
        self.cfg = cfg
        self.roi = roi
        self._mog = cv2.createBackgroundSubtractorMOG2(
            history=cfg.history, varThreshold=cfg.var_threshold, detectShadows=False
        )
        self._kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
        self._mask: np.ndarray | None = None
        self._seen = 0
        self.light_changes = 0  # frames taken for a change of light (gate.light_change)

    def _roi_mask(self, shape: tuple[int, int], scale: float) -> np.ndarray | None:
        if self.roi is None:
            return None
        if self._mask is None or self._mask.shape != shape:
            mask = np.zeros(shape, np.uint8)
            pts = np.array([[int(x * scale), int(y * scale)] for x, y in self.roi], np.int32)
            cv2.fillPoly(mask, [pts], 255)
            self._mask = mask
        return self._mask

    def predict(self, frame: Frame) -> list[Region]:
        h, w = frame.image.shape[:2]
        scale = min(1.0, self.cfg.scale_width / w)
        small = cv2.resize(frame.image, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
        plane = small if self.cfg.color else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        fg = self._mog.apply(cv2.GaussianBlur(plane, (5, 5), 0))
        self._seen += 1
        if self._seen <= self.cfg.warmup_frames:
            return [Region(Box(0, 0, w, h))]
        mask = self._roi_mask(fg.shape[:2], scale)
        if mask is not None:
            fg = cv2.bitwise_and(fg, mask)
        _, fg = cv2.threshold(fg, 127, 255, cv2.THRESH_BINARY)
        share = self.cfg.light_change
        if self._seen > _SETTLING and share < 1.0 and cv2.countNonZero(fg) >= share * fg.size:
            # Most of the picture changed at once: light, not a vehicle (a vehicle's moving edges
            # cover a fifth of the frame at most even when it fills the view). MOG2 learns the new
            # light within a few frames.
            self.light_changes += 1
            return []
        fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, self._kernel)
        fg = cv2.dilate(fg, self._kernel, iterations=2)
        contours, _ = cv2.findContours(fg, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        min_px = self.cfg.min_area * fg.shape[0] * fg.shape[1]
        boxes: list[Box] = []
        for contour in contours:
            if cv2.contourArea(contour) < min_px:
                continue
            x, y, bw, bh = cv2.boundingRect(contour)
            box = Box(x / scale, y / scale, (x + bw) / scale, (y + bh) / scale)
            boxes.append(box.expanded(self.cfg.pad, self.cfg.pad, w, h))
        merged = merge_boxes(boxes)
        if sum(b.area for b in merged) > 0.6 * w * h:
            return [Region(Box(0, 0, w, h), parts=tuple(merged))]
        return [Region(b, parts=(b,)) for b in merged]


# A blob larger than this times one it overlaps has grown: a vehicle approaching.
GROWN = 1.2


def in_place(blob: Box, before: Box, iou: float, grown: float = GROWN) -> bool:
    """Whether moving `blob` is `before` still where it was: overlapping it by at least `iou` and not
    grown past `grown` times its area (a tree in the wind; not an approaching vehicle)."""
    return blob.iou(before) >= iou and blob.area <= grown * before.area


def blobs(regions: list[Region]) -> list[Box] | None:
    """The moving blobs of `regions` (`Region.parts`), or None when a region came without them (no
    motion gate, MOG2's warm-up: the whole frame) and nothing is known of what moves there."""
    parts = [p for r in regions for p in r.parts]
    return parts if parts and len(parts) >= len(regions) else None


def merge_boxes(boxes: list[Box]) -> list[Box]:
    """Union overlapping boxes until none overlap."""
    out = list(boxes)
    changed = True
    while changed:
        changed = False
        result: list[Box] = []
        while out:
            cur = out.pop()
            i = 0
            while i < len(out):
                o = out[i]
                if cur.x1 <= o.x2 and o.x1 <= cur.x2 and cur.y1 <= o.y2 and o.y1 <= cur.y2:
                    cur = Box(min(cur.x1, o.x1), min(cur.y1, o.y1), max(cur.x2, o.x2), max(cur.y2, o.y2))
                    out.pop(i)
                    changed = True
                else:
                    i += 1
            result.append(cur)
        out = result
    return sorted(out, key=lambda b: (b.y1, b.x1))
