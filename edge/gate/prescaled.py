"""Motion gating on a prescaled frame, merged into one region: the gate replay and run both use."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import cv2

from edge.config.pipeline import DetectorConfig, GateConfig
from edge.gate.motion import MotionGate, blobs, in_place
from edge.types import Box, Frame, Image, Region


class PrescaledGate:
    """The motion gate fed a frame first shrunk with a cheap bilinear resize to twice the gate's
    working width; the gate's own area-averaging resize then works on a quarter of the pixels.

    Same regions in full-frame coordinates (the ROI is scaled down, the boxes back up); on a 720p
    frame the downscale drops from ~2.0 to ~0.8 ms CPU. Frames already small are passed unchanged.

    With `merge`, several moving regions become their one bounding box: a detector call costs the
    same whatever the region's size (it is letterboxed to the model's input), so one call on the
    union is cheaper than one per region, and never coarser than the whole frame.

    While nothing moves, only every `cfg.idle_stride`-th frame is looked at; the others get no
    regions without any work. Motion switches it back to every frame at once. On an empty road
    that halves the gate's cost (the most common state of a roadside camera).

    While every moving blob is narrower than `cfg.small_blob_plates` plates of `min_plate_width` (a
    walking person, a far vehicle: nothing that carries a plate the OCR would read), it looks at every
    `cfg.rest_stride`-th frame only: a frame in between gets the last look's regions (the detector
    still runs there when a plate is tracked). A wider blob ends the rest at the next look. With
    `cfg.rest_in_place`, and while the recognizer tracks no moving plate (`plates_moving`, which it
    sets after each frame), it also rests while every wider blob is one of the last look's still in
    place (`in_place` at `cfg.quiet_iou` and no larger: a tree or a flag in the wind; a blob that
    moves a third of its width or grows ends the rest). Frames whose timestamps do not advance (no
    frame rate known) are all looked at.
    """

    def __init__(
        self,
        cfg: GateConfig,
        roi: list[tuple[int, int]] | None = None,
        *,
        merge: bool = True,
        min_plate_width: int = DetectorConfig().min_width,
    ) -> None:
        self.cfg = cfg
        self.roi = roi
        self.merge = merge
        self._inner: MotionGate | None = None
        self._factor = 1.0
        self._idle = 0  # frames since the last look that found nothing moving; 0 when moving
        self._narrow = cfg.narrow_width(min_plate_width)  # blobs narrower carry no readable plate
        self._rest: tuple[int, datetime, list[Region]] | None = None  # a look to rest on (narrow or in-place blobs)
        self._last: list[Box] = []  # the moving blobs of the last look
        # Set by the recognizer after each frame: a moving plate is tracked, and wide blobs (its vehicle)
        # are looked at on every frame. The gate may run a frame or two ahead of it (edge/runner.py).
        self.plates_moving = False
        self.skipped = 0  # frames not looked at: nothing moved (idle_stride)
        self.rested = 0  # frames given the last look's regions: only narrow or in-place blobs moved (rest_stride)

    def predict(self, frame: Frame) -> list[Region]:
        if self._idle and self._idle < self.cfg.idle_stride:
            self._idle += 1
            self.skipped += 1
            return []
        if self._rest is not None:
            index, ts, rest = self._rest
            if frame.ts > ts and 0 < frame.index - index < self.cfg.rest_stride:
                self.rested += 1
                return rest
            self._rest = None
        regions = self._look(frame)
        self._idle = 0 if regions else 1
        if self.cfg.rest_stride > 1 and self._restful(regions):
            self._rest = (frame.index, frame.ts, regions)
        return regions

    def _restful(self, regions: list[Region]) -> bool:
        """Whether every moving blob is narrow, or (`rest_in_place`, no plate moving) narrow or still
        where it was at the last look."""
        parts = blobs(regions)
        last, self._last = self._last, parts or []
        if parts is None:
            return False
        if self.cfg.rest_in_place and not self.plates_moving:
            iou = self.cfg.quiet_iou
            # No larger at all: a vehicle nearing from afar grows a little from look to look (resting
            # on it, before its plate is found, changed which frames MOG2 learned from and the reads after)
            return all(p.width < self._narrow or any(in_place(p, b, iou, grown=1.0) for b in last) for p in parts)
        return all(p.width < self._narrow for p in parts)

    def _look(self, frame: Frame) -> list[Region]:
        h, w = frame.image.shape[:2]
        target = 2 * self.cfg.scale_width
        factor = target / w if w > target else 1.0
        if self._inner is None or factor != self._factor:
            roi = None if self.roi is None else [(round(x * factor), round(y * factor)) for x, y in self.roi]
            self._inner, self._factor = MotionGate(self.cfg, roi), factor
        if factor == 1.0:
            return self._merged(self._inner.predict(frame))
        size = (target, max(1, round(h * factor)))
        small = cast(Image, cv2.resize(frame.image, size, interpolation=cv2.INTER_LINEAR))
        regions = self._inner.predict(Frame(frame.camera, frame.index, frame.ts, small, frame.live))
        up = 1.0 / factor

        def back(b: Box) -> Box:
            return Box(max(0.0, b.x1 * up), max(0.0, b.y1 * up), min(float(w), b.x2 * up), min(float(h), b.y2 * up))

        return self._merged([Region(back(r.box), r.score, tuple(back(p) for p in r.parts)) for r in regions])

    def _merged(self, regions: list[Region]) -> list[Region]:
        if not self.merge or len(regions) < 2:
            return regions
        box = Box(
            min(r.box.x1 for r in regions),
            min(r.box.y1 for r in regions),
            max(r.box.x2 for r in regions),
            max(r.box.y2 for r in regions),
        )
        return [Region(box, max(r.score for r in regions), tuple(p for r in regions for p in r.parts))]
