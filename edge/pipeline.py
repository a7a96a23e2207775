"""Wires the stages: source -> gate -> plate detector -> OCR -> tracker -> store.

`Recognizer` does the per-frame work of one camera and knows nothing of where frames come from or
where reads go; `replay` drives it from a recorded source into a store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from edge.capture.base import Source
from edge.config import Config
from edge.config.cameras import CameraConfig
from edge.detect import OnnxPlateDetector, PlateDetector, nms
from edge.detect.vehicle import OnnxVehicleDetector, VehicleDetector, on_detected_vehicle
from edge.errors import EdgeError
from edge.gate import Gate, PrescaledGate, blobs, in_place, make_gate
from edge.gate.overlay import StaticText, in_polygons
from edge.gate.vehicle import held, on_vehicle
from edge.models import model_folders, resolve_model, resolve_ocr
from edge.models.runtime import providers
from edge.ocr import CtcOcr, FastPlateOcr, PlateOcr, RapidOcr, SecondOpinion, is_ctc_config
from edge.track import PlateTracker
from edge.track.calibration import Calibration, find_calibration
from edge.track.follow import follow
from edge.track.tracker import Verifier
from edge.types import Box, Frame, Observation, PlateBox, PlateText, Read, Region

log = logging.getLogger(__name__)


@dataclass
class StageTimes:
    """Seconds spent per stage and call counts: the figures replay prints and metrics export."""

    seconds: dict[str, float] = field(
        default_factory=lambda: {"gate": 0.0, "vehicle": 0.0, "detect": 0.0, "ocr": 0.0, "track": 0.0}
    )
    frames: int = 0
    gated_frames: int = 0
    detector_calls: int = 0
    followed_frames: int = 0  # frames with motion the detector skipped, tracked plates followed (detector.stride)
    quiet_frames: int = 0  # frames with motion the detector skipped: only blobs without a plate (gate.recheck_frames)
    detections: int = 0
    masked: int = 0  # plate boxes dropped before OCR: in a configured mask or learned burned-in text
    vehicle_calls: int = 0  # runs of the optional vehicle detector (models.vehicle)
    no_vehicle: int = 0  # plate boxes dropped before OCR: on no detected vehicle (models.vehicle)
    ocr_calls: int = 0
    settled: int = 0  # plate boxes not read: their track's reading had settled (tracking.settled_readings)
    narrow: int = 0  # plate boxes tracked but not read: narrower than ocr.min_width
    reads: int = 0
    verified: int = 0  # of the reads, those stored because ocr.verifier read them the same way
    tracks_dropped: dict[str, int] = field(default_factory=dict)  # the tracker's own counts, by reason

    def add(self, stage: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[stage] += now - since
        return now


@dataclass(frozen=True)
class Models:
    detector: PlateDetector
    ocr: PlateOcr
    calibration: Calibration | None = None  # raw read confidence -> share of reads exact
    vehicles: VehicleDetector | None = None  # optional: plates count only on a detected vehicle
    verifier: PlateOcr | None = None  # optional: a second look at unsure reads (ocr.verifier)


def load_models(cfg: Config) -> Models:
    folders = model_folders(cfg.models.dir)
    det_path = resolve_model(cfg.models.detector, folders, key="models.detector")
    detector = OnnxPlateDetector(
        det_path,
        score_threshold=cfg.detector.score_threshold,
        nms_iou=cfg.detector.nms_iou,
        threads=cfg.detector.threads,
        spinning=cfg.detector.spinning,
        optimization=cfg.detector.optimization,
        providers=providers(cfg.detector.device, "detector.device"),
        large_above=cfg.detector.large_region,
        large_size=cfg.detector.large_size,
    )
    ocr: PlateOcr
    ocr_model = None
    if cfg.ocr.backend == "rapidocr":
        ocr = RapidOcr(threads=cfg.ocr.threads)
    else:
        ocr_model, ocr_config = resolve_ocr(cfg.models.ocr, folders)
        o, device = cfg.ocr, providers(cfg.ocr.device, "ocr.device")
        if not is_ctc_config(ocr_config):
            ocr = FastPlateOcr(
                ocr_model, ocr_config, o.threads, spinning=o.spinning, optimization=o.optimization,
                providers=device, views=o.views,
            )  # fmt: skip
        elif o.views != 1:
            raise EdgeError(
                f"ocr.views: {o.views} reads fast-plate-ocr models twice; {ocr_model.name} is a CTC "
                "model (its YAML says recognizer: ctc): use 1"
            )
        else:
            ocr = CtcOcr(
                ocr_model, ocr_config, o.threads, spinning=o.spinning, optimization=o.optimization, providers=device,
                text_band=o.text_band,
            )  # fmt: skip
    if cfg.ocr.second_opinion == "rapidocr":
        ocr = SecondOpinion(ocr, RapidOcr(threads=cfg.ocr.threads), cfg.ocr.second_weight, cfg.ocr.second_min_width)
    vehicles = None
    if cfg.models.vehicle is not None:
        v = cfg.vehicles
        vehicles = OnnxVehicleDetector(
            resolve_model(cfg.models.vehicle, folders, key="models.vehicle"),
            score_threshold=v.score_threshold,
            nms_iou=v.nms_iou,
            threads=v.threads,
            spinning=v.spinning,
            optimization=v.optimization,
            providers=providers(v.device, "vehicles.device"),
        )
    calibration = find_calibration(ocr_model, ocr.name)
    verifier = verifier_ocr(cfg, calibration, ocr.name)
    return Models(detector=detector, ocr=ocr, calibration=calibration, vehicles=vehicles, verifier=verifier)


def verifier_ocr(cfg: Config, calibration: Calibration | None, ocr_name: str) -> PlateOcr | None:
    """The second OCR of `ocr.verifier` (auto resolved against the calibration), or None. Its engine
    starts on its first reading: most runs never need one."""
    kind = cfg.ocr.verifier
    measured = calibration is not None and calibration.verified is not None
    if kind == "auto":
        kind = "rapidocr" if measured and cfg.ocr.backend != "rapidocr" else "none"
    elif kind == "rapidocr" and not measured:
        raise EdgeError(
            f"ocr.verifier: {kind} needs the OCR's calibration to say how often the reads it agrees with are "
            f"exact, and {ocr_name} has {'no calibration' if calibration is None else 'no `verified` figure in its'}: "
            "fit one with python -m edge_tools.calibrate verified, or set ocr.verifier: none"
        )
    if kind == "none":
        return None
    return RapidOcr(threads=cfg.ocr.threads, lazy=True, key="ocr.verifier")


def make_verifier(cfg: Config, second: PlateOcr | None) -> Verifier | None:
    """The tracker's second look at unsure reads (`ocr.verifier`) through `second`, or None."""
    if second is None:
        return None
    return Verifier(lambda crops: [t.text for t in second.predict(crops)], cfg.ocr.verify_crops, cfg.ocr.verify_agree)


# A detector box sits inside the plate's own outline: on the validation clips (2,771 boxes matched
# to the renderer's plate outlines) by a median 4 % of the width and 1.5 % of the height per side,
# 95th percentile 12.5 % and 17 %. So a padded crop that just fits the frame can still hold a plate
# whose border the frame cuts; the plate counts as whole when its box grown by this much fits.
WHOLE_PLATE_MARGIN = 0.2
# A plate box overlapping one of the detector's run before by this much has not moved (gate.recheck_frames).
_STILL_IOU = 0.8
_UNREAD = PlateText("", 0.0)  # the text of a plate not read: its track's reading has settled, or too narrow


def _near(a: Box, b: Box) -> bool:
    """Whether `a`'s centre is within one of the larger's width and height of `b`'s: the same blob,
    moved on (a walking person from frame to frame), not a new one."""
    (ax, ay), (bx, by) = a.centre, b.centre
    return abs(ax - bx) <= max(a.width, b.width) and abs(ay - by) <= max(a.height, b.height)


# A blob with this share of its area inside a quiet blob no smaller than it is that blob, changed in shape.
_INSIDE = 0.8


def _inside(a: Box, b: Box) -> bool:
    """Whether `a` lies mostly (_INSIDE of its area) within `b` and is no larger than it: a tree's blob
    that shrank or changed its shape within the tree's crown."""
    return a.intersection(b) >= _INSIDE * a.area and a.area <= b.area


def may_be_cut(box: Box, width: int, height: int) -> bool:
    """Whether the frame's border may cut the plate in `box` (the tracker's `at_edge`)."""
    g = box.grown(WHOLE_PLATE_MARGIN, WHOLE_PLATE_MARGIN)
    return g.clipped(width, height) != g


def one_box_per_plate(plates: list[PlateBox], iou: float) -> list[PlateBox]:
    """The boxes of one frame less those overlapping a better-scored one by more than `iou`, in order.

    Each gate region is detected on its own, so a plate inside two overlapping regions is found
    twice, and a model's own NMS at a looser threshold (an end2end model's is its own; the raw
    adapter's was 0.5) keeps a box of part of a plate beside the whole one. Two observations of one
    plate in a frame split its track: one part is read early, from its far frames, and the near
    part is then dropped as a repeat (measured 2026-12-03: 106 such boxes in 366 vehicle passes;
    one box per plate read 3 more vehicles right and made 5 fewer wrong reads).
    """
    if len(plates) < 2:
        return plates
    boxes = np.array([[p.box.x1, p.box.y1, p.box.x2, p.box.y2] for p in plates], np.float32)
    scores = np.array([p.score for p in plates], np.float32)
    return [plates[i] for i in sorted(nms(boxes, scores, iou))]


class Recognizer:
    """Per-camera recognition: gate, detect inside the gated regions, read plates, track, vote."""

    def __init__(self, cfg: Config, models: Models, gate: Gate | None = None, camera: CameraConfig | None = None):
        self.cfg = cfg
        self.models = models
        self.gate = gate or make_gate(cfg.gate, min_plate_width=cfg.detector.min_width)
        self.masks = list(camera.masks) if camera is not None else []  # cameras[].masks
        self.overlay = StaticText(cfg.overlays)
        self.tracker = PlateTracker(
            cfg.tracking,
            detector_model=models.detector.name,
            ocr_model=models.ocr.name,
            keep_crops=True,  # the evidence crop of every alert (the store keeps it only with store.keep_crops)
            calibration=models.calibration,
            min_store_confidence=cfg.store.drop_below,
            masked=self._masked,
            verifier=make_verifier(cfg, models.verifier),
        )
        self.times = StageTimes(tracks_dropped=self.tracker.drops)
        self._undetected = 0  # frames with motion since the detector last ran (detector.stride)
        # Moving blobs the detector looked at and found no plate in, with the frame it looked (gate.recheck_frames).
        self._quiet: list[tuple[Box, int]] = []
        self._last_plates: list[Box] = []  # the plates of the detector's last run
        self._plates_moving = False  # whether one of them had moved since the run before
        self._vehicle_boxes: list[Box] | None = None  # the vehicle detector's last boxes (vehicles.stride)
        self._vehicle_age = 0  # frames with motion since the vehicle detector last ran

    def regions(self, frame: Frame) -> list[Region]:
        """The gate's regions of `frame`, timed. The runner calls this on a thread of its own (the gate
        then sees every frame, even ones recognition drops) and hands the result to `process`."""
        t = time.perf_counter()
        regions = self.gate.predict(frame)
        self.times.add("gate", t)
        return regions

    def process(self, frame: Frame, regions: list[Region] | None = None) -> list[Read]:
        """Recognise one frame: detect inside `regions` (the gate runs here when None), read, track."""
        if regions is None:
            regions = self.regions(frame)
        vehicles = self._vehicles(frame, regions)
        if vehicles is not None and self.cfg.vehicles.regions and regions:
            regions = self._vehicle_regions(frame, vehicles)
        t = time.perf_counter()
        self.times.frames += 1
        plates: list[PlateBox] = []
        skipped = False  # the detector did not run on this frame (detector.stride)
        if regions:
            self.times.gated_frames += 1
            followed = self._followed(frame) if self._undetected < self.cfg.detector.stride - 1 else None
            skipped = followed is not None
            if followed is not None:
                plates = followed
                self._undetected += 1
                self.times.followed_frames += 1
            elif self._all_quiet(regions, frame.index):
                skipped = True
                self.times.quiet_frames += 1
            else:
                self._undetected = 0
                plates = self._detect(frame, regions)
        if not skipped:
            self.overlay.observe(frame.image, frame.ts, [p.box for p in plates])
        kept = [p for p in plates if not self._masked(p.box)]
        self.times.masked += len(plates) - len(kept)
        if vehicles is not None:
            margin = self.cfg.vehicles.margin
            on = [p for p in kept if on_detected_vehicle(p.box, vehicles, margin)]
            self.times.no_vehicle += len(kept) - len(on)
            kept = on
        plates = [p for p in kept if p.box.width >= self.cfg.detector.min_width]
        if not skipped:
            self.times.detections += len(plates)
            if regions:
                self._remember_quiet(regions, plates, frame.index)
        t = self.times.add("detect", t)
        h, w = frame.image.shape[:2]
        moving = [b for r in regions for b in r.parts]
        crops = []
        at_edge = []
        vehicle = []
        unheld = []  # on no moving blob at all (not a walker's: the gate missed what carries it)
        unread = []  # no OCR: narrower than ocr.min_width, or their track's reading has settled
        narrow = 0
        for p in plates:
            e = self._crop_box(p.box, w, h)
            # A copy, not a view: the tracker keeps crops for the whole track, and a view would keep
            # every full frame of a long track (a parked car) alive: 2.7 MB per 720p frame. Unread
            # plates keep theirs too: detector.stride follows a plate from its last crop.
            crops.append(frame.image[int(e.y1) : int(e.y2), int(e.x1) : int(e.x2)].copy())
            at_edge.append(may_be_cut(p.box, w, h))
            vehicle.append(self._on_vehicle(p.box, moving))
            unheld.append(not vehicle[-1] and not held(p.box, moving))
            if p.box.width < self.cfg.ocr.min_width:  # tracked, not read: too small to read surely
                narrow += 1
                unread.append(True)
            else:
                unread.append(self.tracker.settled(frame.index, p.box))
        to_read = [c for c, u in zip(crops, unread, strict=True) if not u]
        lines = [self.tracker.layout(frame.index, p.box) for p, u in zip(plates, unread, strict=True) if not u]
        read = iter(self.models.ocr.predict(to_read, lines) if to_read else [])  # one batch: one OCR call per frame
        texts = [_UNREAD if u else next(read) for u in unread]
        self.times.ocr_calls += len(to_read)
        self.times.settled += len(crops) - len(to_read) - narrow
        self.times.narrow += narrow
        t = self.times.add("ocr", t)
        observations = [
            Observation(frame.camera, frame.index, frame.ts, frame.live, p, txt, crop, edge, veh, off)
            for p, txt, crop, edge, veh, off in zip(plates, texts, crops, at_edge, vehicle, unheld, strict=True)
        ]
        reads = self.tracker.update(frame.index, frame.ts, observations)
        if isinstance(self.gate, PrescaledGate):  # it rests on blobs in place only while no plate moves
            self.gate.plates_moving = bool(self._plates_moving or self.tracker.moving_tracks)
        self.times.add("track", t)
        self.times.reads += len(reads)
        self.times.verified = self.tracker.verified
        return reads

    def _all_quiet(self, regions: list[Region], index: int) -> bool:
        """Whether the detector can skip this frame: no plate that moves is tracked, its last run found
        no moving plate, and every moving blob is one it found no moving plate in less than
        `gate.recheck_frames` ago, still in place (IoU `gate.quiet_iou`) and not grown
        (`edge.gate.in_place`: an approaching vehicle grows), or lying mostly inside it and no larger
        (`_inside`: the second renderer's trees swing their blobs' shapes within the crown, under the
        IoU, and made the detector look again most frames: its empty road looped, 344 -> 272 calls).

        What moves on an empty road is mostly what can never carry a plate: pedestrians, trees and
        flags in the wind, shadows. Looking at each again every few frames instead of every frame cuts
        the detector's calls there; a vehicle entering is a new blob and is looked at at once, and a
        far one the detector could not yet see is looked at again within `gate.recheck_frames` (its
        blob also grows and moves on as it nears, which makes it new sooner). A plate that stays put
        between runs (a camera's name beside a walking pedestrian, a parked car) does not keep the
        detector running; the tracker still gets it at every run.

        A blob narrower than `gate.small_blob_plates` plates of `detector.min_width` stays quiet while
        it moves on (`_near` the one looked at) and stays that narrow: a walking person's blob shifts
        and swings in shape from frame to frame and made the detector look at it again most frames
        (bench street clip: 166 of 600 frames looked at, 107 with this). No vehicle that narrow
        carries a plate the OCR would read; a vehicle that nears grows past it and is looked at then.
        """
        g = self.cfg.gate
        if g.recheck_frames <= 1 or self._plates_moving or self.tracker.moving_tracks:
            return False
        self._quiet = [(b, i) for b, i in self._quiet if index - i < g.recheck_frames]
        parts = blobs(regions)
        if parts is None:
            return False  # a region without blobs (no motion gate, warm-up): nothing to compare
        small = g.narrow_width(self.cfg.detector.min_width)
        return all(
            any(
                in_place(p, b, g.quiet_iou) or _inside(p, b) or (p.width < small and b.width < small and _near(p, b))
                for b, _ in self._quiet
            )
            for p in parts
        )

    def _remember_quiet(self, regions: list[Region], plates: list[PlateBox], index: int) -> None:
        """After a detector run: each moving blob holding no moving plate (a plate is one left after
        masks and detector.min_width; it moved when no plate of the run before lies where it lies)."""
        g = self.cfg.gate
        if g.recheck_frames <= 1:
            return
        moving = [q.box for q in plates if not any(q.box.iou(o) >= _STILL_IOU for o in self._last_plates)]
        self._last_plates = [q.box for q in plates]
        self._plates_moving = bool(moving)
        for part in (p for r in regions for p in r.parts):
            self._quiet = [(b, i) for b, i in self._quiet if part.iou(b) < g.quiet_iou]
            if not any(part.x1 <= q.centre[0] <= part.x2 and part.y1 <= q.centre[1] <= part.y2 for q in moving):
                self._quiet.append((part, index))

    def _vehicles(self, frame: Frame, regions: list[Region]) -> list[Box] | None:
        """The vehicles of `frame` (None without a vehicle detector): the detector runs on the whole
        frame on the first frame with motion and then every `vehicles.stride`-th; frames in between
        reuse its boxes; a frame without motion has none (and the next with motion runs it)."""
        detector = self.models.vehicles
        if detector is None:
            return None
        if not regions:
            self._vehicle_boxes = None
            return []
        if self._vehicle_boxes is None or self._vehicle_age >= self.cfg.vehicles.stride - 1:
            t = time.perf_counter()
            self._vehicle_boxes = [r.box for r in detector.predict(frame.image)]
            self.times.add("vehicle", t)
            self.times.vehicle_calls += 1
            self._vehicle_age = 0
        else:
            self._vehicle_age += 1
        return self._vehicle_boxes

    def _vehicle_regions(self, frame: Frame, vehicles: list[Box]) -> list[Region]:
        """One region for the plate detector: the union of the vehicles' boxes grown by
        `vehicles.margin` (none when no vehicle is seen), its parts the moving blobs (the vehicles)."""
        if not vehicles:
            return []
        h, w = frame.image.shape[:2]
        m = self.cfg.vehicles.margin
        grown = [v.expanded(m, m, w, h) for v in vehicles]
        box = Box(
            min(b.x1 for b in grown), min(b.y1 for b in grown), max(b.x2 for b in grown), max(b.y2 for b in grown)
        )
        return [Region(box, 1.0, tuple(grown))]

    def _masked(self, box: Box) -> bool:
        """A plate box in a configured mask (cameras[].masks) or in learned burned-in text (overlays)."""
        return in_polygons(box, self.masks) or self.overlay.covers(box)

    def _on_vehicle(self, box: Box, moving: list[Box]) -> bool:
        """Whether the plate lies on a moving blob shaped like a vehicle; True when the gate reports
        no blobs (no motion gate) or the check is off (gate.vehicle_plate_widths 0)."""
        g = self.cfg.gate
        if not moving or g.vehicle_plate_widths <= 0:
            return True
        return on_vehicle(box, moving, plate_widths=g.vehicle_plate_widths, min_aspect=g.vehicle_min_aspect)

    def _crop_box(self, plate: Box, width: int, height: int) -> Box:
        """Where the OCR's crop of a plate box is cut: the box grown by `ocr.crop_pad`, inside the frame."""
        pad = self.cfg.ocr.crop_pad
        return plate.expanded(pad, pad, width, height)

    def _detect(self, frame: Frame, regions: list[Region]) -> list[PlateBox]:
        plates: list[PlateBox] = []
        for region in regions:
            r = region.box
            x1, y1, x2, y2 = int(r.x1), int(r.y1), int(r.x2), int(r.y2)
            if x2 - x1 < 16 or y2 - y1 < 16:
                continue
            crop = frame.image[y1:y2, x1:x2]
            self.times.detector_calls += 1
            for p in self.models.detector.predict(crop):
                b = p.box
                plates.append(PlateBox(type(b)(b.x1 + x1, b.y1 + y1, b.x2 + x1, b.y2 + y1), p.score))
        return one_box_per_plate(plates, self.cfg.detector.nms_iou)

    def _followed(self, frame: Frame) -> list[PlateBox] | None:
        """Between the detector's runs (`detector.stride`): every plate tracked in the last frame
        recognised, followed into this one (none when nothing is tracked: a new plate waits for the
        next run); None when one of them cannot be followed, so the detector runs now."""
        h, w = frame.image.shape[:2]
        out = []
        for p, last in self.tracker.predicted(frame.index):
            box = follow(frame.image, p.box, last, self._crop_box(last.plate.box, w, h))
            if box is None:
                return None
            box = box.clipped(w, h)
            if box.width < 4 or box.height < 4:
                return None
            out.append(PlateBox(box, p.score))
        return out

    def finish(self) -> list[Read]:
        reads = self.tracker.flush()
        self.times.reads += len(reads)
        self.times.verified = self.tracker.verified
        return reads


@dataclass
class ReplayResult:
    frames: int
    decode_errors: int
    reads: int
    refused: int
    seconds: float
    times: StageTimes
    skipped: tuple[tuple[int, int], ...] = ()  # stretches of frames that could not be decoded (first, last)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def replay(
    source: Source,
    recognizer: Recognizer,
    sink: Callable[[Read], bool],
    *,
    realtime: bool = False,
    on_frame: Callable[[Frame], None] | None = None,
) -> ReplayResult:
    """Run every frame of a recorded source through the recognizer into `sink` (the store's write)."""
    start = time.perf_counter()
    reads = refused = 0

    def emit(batch: list[Read]) -> None:
        nonlocal reads, refused
        for read in batch:
            if sink(read):
                reads += 1
            else:
                refused += 1

    try:
        for frame in source.frames():
            if realtime:
                due = start + frame.index / source.fps
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            emit(recognizer.process(frame))
            if on_frame is not None:
                on_frame(frame)
        emit(recognizer.finish())
    finally:
        source.close()
    return ReplayResult(
        frames=source.stats.frames,
        decode_errors=source.stats.decode_errors,
        reads=reads,
        refused=refused,
        seconds=time.perf_counter() - start,
        times=recognizer.times,
        skipped=tuple(source.stats.skipped),
    )
