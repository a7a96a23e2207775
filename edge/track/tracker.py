"""Associate plate observations across frames, vote per character, emit one read per track.

A track continues when a new box overlaps the last one (IoU) or its centre is close (plates move
between frames); it ends when unseen for `max_gap_frames` and is then read once. A track still open
after `max_age` (a parked car) is read then, and not again while it stays.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import cv2

from edge.config.pipeline import TrackingConfig
from edge.track.formats import PlateFormats
from edge.types import Observation, Read


@dataclass
class _Track:
    id: str
    camera: str
    observations: list[Observation] = field(default_factory=list)
    emitted: bool = False

    @property
    def last(self) -> Observation:
        return self.observations[-1]

    @property
    def started(self) -> datetime:
        return self.observations[0].ts


def vote(observations: list[Observation]) -> tuple[str, float]:
    """Character-wise vote weighted by OCR confidence among the most supported text length.

    Returns the text and a confidence in [0, 1]: the mean over positions of the winning character's
    share of the weight times its mean confidence.
    """
    by_len: dict[int, list[Observation]] = defaultdict(list)
    for ob in observations:
        if ob.text.text:
            by_len[len(ob.text.text)].append(ob)
    if not by_len:
        return "", 0.0
    length = max(by_len, key=lambda n: (sum(o.text.confidence for o in by_len[n]), n))
    group = by_len[length]
    chars: list[str] = []
    score = 0.0
    for pos in range(length):
        weights: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)
        for ob in group:
            c = ob.text.text[pos]
            conf = ob.text.char_conf[pos] if pos < len(ob.text.char_conf) else ob.text.confidence
            weights[c] += max(conf, 1e-3)
            counts[c] += 1
        best = max(weights, key=lambda c: weights[c])
        total = sum(weights.values())
        chars.append(best)
        score += (weights[best] / total) * (weights[best] / counts[best])
    return "".join(chars), score / length


class PlateTracker:
    def __init__(self, cfg: TrackingConfig, *, detector_model: str, ocr_model: str, keep_crops: bool = False):
        self.cfg = cfg
        self.detector_model = detector_model
        self.ocr_model = ocr_model
        self.keep_crops = keep_crops
        self._formats = PlateFormats(cfg.formats, cfg.masks)
        self._tracks: list[_Track] = []
        self.dropped_short = 0
        self.dropped_format = 0
        self.dropped_low_confidence = 0

    @property
    def open_tracks(self) -> int:
        return len(self._tracks)

    def update(self, frame_index: int, ts: datetime, observations: list[Observation]) -> list[Read]:
        """Add one frame's observations; return reads of tracks that ended."""
        unmatched = list(observations)
        pairs = []
        for ti, track in enumerate(self._tracks):
            for oi, ob in enumerate(unmatched):
                s = self._affinity(track.last, ob)
                if s > 0:
                    pairs.append((s, ti, oi))
        used_t: set[int] = set()
        used_o: set[int] = set()
        for _, ti, oi in sorted(pairs, reverse=True):
            if ti in used_t or oi in used_o:
                continue
            used_t.add(ti)
            used_o.add(oi)
            self._tracks[ti].observations.append(unmatched[oi])
        for oi, ob in enumerate(unmatched):
            if oi not in used_o:
                self._tracks.append(_Track(id=uuid.uuid4().hex[:12], camera=ob.camera, observations=[ob]))
        reads: list[Read] = []
        still: list[_Track] = []
        for track in self._tracks:
            if frame_index - track.last.frame_index > self.cfg.max_gap_frames:
                reads.extend(self._finish(track))
                continue
            if not track.emitted and ts - track.started >= self.cfg.max_age:
                reads.extend(self._finish(track))
                track.emitted = True
            still.append(track)
        self._tracks = still
        return reads

    def flush(self) -> list[Read]:
        """End every open track (end of clip, shutdown)."""
        reads: list[Read] = []
        for track in self._tracks:
            reads.extend(self._finish(track))
        self._tracks = []
        return reads

    def _affinity(self, a: Observation, b: Observation) -> float:
        if b.frame_index <= a.frame_index or b.camera != a.camera:
            return 0.0
        iou = a.plate.box.iou(b.plate.box)
        if iou >= self.cfg.iou:
            return 1.0 + iou
        (ax, ay), (bx, by) = a.plate.box.centre, b.plate.box.centre
        gap = b.frame_index - a.frame_index
        reach = max(a.plate.box.width, b.plate.box.width) * (1.0 + 0.5 * gap)
        dist = ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5
        size_ratio = b.plate.box.width / max(a.plate.box.width, 1.0)
        if dist < reach and 0.5 < size_ratio < 2.0:
            return float(1.0 - dist / reach)
        return 0.0

    def _finish(self, track: _Track) -> list[Read]:
        if track.emitted:
            return []
        obs = track.observations
        if len(obs) < self.cfg.min_observations:
            self.dropped_short += 1
            return []
        text, confidence = vote(obs)
        if not text:
            self.dropped_short += 1
            return []
        if confidence < self.cfg.min_confidence:
            self.dropped_low_confidence += 1
            return []
        text, valid = self._formats.normalise(text)
        if not valid and self.cfg.invalid_format == "drop":
            self.dropped_format += 1
            return []
        # The read's frame and crop: among observations that read the voted text, the one a person
        # would check first, where the plate is largest and read most surely.
        agreeing = [o for o in obs if o.text.text == text] or obs
        best = max(agreeing, key=lambda o: (o.plate.box.width * o.text.confidence, o.plate.score))
        crop = None
        if self.keep_crops and best.crop is not None:
            ok, buf = cv2.imencode(".jpg", best.crop, [cv2.IMWRITE_JPEG_QUALITY, 80])
            crop = buf.tobytes() if ok else None
        b = best.plate.box
        return [
            Read(
                id=str(uuid.uuid4()),
                plate=text,
                confidence=round(confidence, 4),
                camera=track.camera,
                ts=best.ts,
                frame_index=None if best.live else best.frame_index,
                bbox=(round(b.x1, 1), round(b.y1, 1), round(b.x2, 1), round(b.y2, 1)),
                track_id=track.id,
                observations=len(obs),
                detector_model=self.detector_model,
                ocr_model=self.ocr_model,
                valid_format=valid,
                crop_jpeg=crop,
            )
        ]
