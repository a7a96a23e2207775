"""Recognition stages: models, motion gate, detector, OCR and tracking."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from edge.config.common import Duration, Strict
from edge.lookalike import AS_DIGIT


class ModelsConfig(Strict):
    detector: str = Field(
        default="plate-det-v2",
        description="Plate detector: a model name in the models folder, or a path to an .onnx file. plate-det-v2 "
        "(plate-det-v1 fine-tuned with overlays, signs and degraded cameras) boxes far less text that is not a "
        "plate and finds overexposed plates v1 misses (models/plate-det-v2.md).",
    )
    ocr: str = Field(
        default="plate-ocr-ctc-v1",
        description="OCR model: a name in the models folder (NAME.onnx + NAME.yaml), or a path to an .onnx "
        "file with its .yaml beside it. plate-ocr-ctc-v1 (PP-OCR pretrained on real text, fine-tuned on plates) "
        "reads far more of footage our renderer never made than plate-ocr-v8 (trained on our renders only), at "
        "about 5x the CPU per plate (models/README.md).",
    )
    vehicle: str | None = Field(
        default=None,
        description="Optional vehicle detector: a model name in the models folder (e.g. vehicle-det-v1) or a path "
        "to an .onnx file (COCO-style: Ultralytics raw [1, 4+C, N] with class `names` in its metadata, car, truck, "
        "bus and motorcycle counted; or a single-class vehicle model). When set, a plate counts only inside a "
        "detected vehicle (see `vehicles`); null: no vehicle detector.",
    )
    dir: str | None = Field(
        default=None,
        description="Folder holding named models; default: the models/ folder shipped with edge-alpr "
        "(or $EDGE_ALPR_MODELS).",
    )


class GateConfig(Strict):
    kind: Literal["motion", "none"] = Field(
        default="motion", description="'motion' runs the detector only where something moves; 'none' on every frame."
    )
    scale_width: int = Field(default=320, ge=64, le=1920, description="Width of the downscaled frame for motion.")
    min_area: float = Field(
        default=0.002, gt=0, lt=1, description="Smallest moving blob, as a fraction of the frame area."
    )
    color: bool = Field(
        default=True,
        description="Model the background in colour (MOG2 on the three channels) rather than brightness alone: a "
        "red or blue car on grey asphalt can be as bright as the road and drive through unseen in grey (the cross "
        "renderer's calibration split: 7 of 12 cars in rain missed in grey, 1 in colour). With false, set "
        "gate.var_threshold near 25.",
    )
    var_threshold: float = Field(
        default=80.0,
        gt=0,
        description="MOG2 variance threshold (higher: less sensitive). 80 suits gate.color (on the calibration "
        "split 25 in colour let sensor and JPEG colour noise widen the regions: 144 vehicles read against 148, "
        "9 wrong reads against 5); 25 suits grey.",
    )
    history: int = Field(default=300, ge=10, description="MOG2 background history in frames.")
    pad: float = Field(default=0.15, ge=0, le=1, description="Grow each moving region by this fraction per side.")
    warmup_frames: int = Field(
        default=0, ge=0, description="Frames in which the whole frame is passed on while the background settles."
    )
    vehicle_plate_widths: float = Field(
        default=1.0,
        ge=0,
        description="A plate lies on a vehicle when a moving blob holding its centre is at least this many plate "
        "widths wide (and shaped like a vehicle: gate.vehicle_min_aspect); tracks with fewer than "
        "tracking.min_on_vehicle such observations are dropped. 0: no check.",
    )
    vehicle_min_aspect: float = Field(
        default=0.3,
        ge=0,
        description="A vehicle's moving blob is at least this many times as wide as it is tall (a walking "
        "person's is about 0.3-0.45).",
    )
    recheck_frames: int = Field(
        default=8,
        ge=1,
        le=60,
        description="Motion the detector looked at and found no plate in (a pedestrian, a tree in the wind, a "
        "flag) is not looked at again for this many frames while it stays where it was (gate.quiet_iou) and no "
        "plate is tracked; new motion elsewhere, or motion wider than gate.small_blob_plates that moved on, is "
        "looked at at once. 1: the detector runs on every frame with motion.",
    )
    small_blob_plates: float = Field(
        default=2.5,
        ge=0,
        description="A moving blob narrower than this many detector.min_width (100 px at the defaults: a walking "
        "person, a far vehicle) that the detector found no plate in stays quiet (gate.recheck_frames) while it "
        "moves on and stays that narrow; a wider one only while it stays in place. 0: only blobs in place.",
    )
    quiet_iou: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="A moving blob overlapping one the detector found no plate in by at least this much (IoU) "
        "is the same thing, still in place (gate.recheck_frames).",
    )
    light_change: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="A frame in which at least this share of the pixels differs from the background is a change "
        "of light (a cloud, a lamp's flicker, headlights sweeping, the camera's exposure), not motion: no regions, "
        "and the background takes the new light. 1: off.",
    )
    idle_stride: int = Field(
        default=2,
        ge=1,
        le=10,
        description="While nothing moves, look for motion on every Nth frame only (1: every frame). A vehicle "
        "entering is noticed at most N-1 frames late, while its plate is still far and small.",
    )
    rest_stride: int = Field(
        default=2,
        ge=1,
        le=10,
        description="While every moving blob is narrower than gate.small_blob_plates (walking people, far "
        "vehicles), look for motion on every Nth frame only (1: every frame); a frame in between gets the last "
        "look's regions, and a wider blob ends the rest at the next look. Frames whose timestamps do not advance "
        "(no frame rate known) are all looked at. 2 halves the gate's cost while only people move.",
    )
    rest_in_place: bool = Field(
        default=True,
        description="While no moving plate is tracked, rest (gate.rest_stride) also while every wider blob is "
        "one of the last look's still in place (overlap gate.quiet_iou, no larger): trees and flags in the wind. "
        "A blob that moves on by a third of its width or grows ends the rest at the next look; a vehicle that "
        "enters on a rested frame is seen one frame later.",
    )

    def narrow_width(self, min_plate_width: float) -> float:
        """Moving blobs narrower than this (pixels) carry no plate the OCR would read: a walking person,
        a far vehicle (`small_blob_plates` plates of `min_plate_width`, the detector's min_width)."""
        return self.small_blob_plates * min_plate_width


class OverlayConfig(Strict):
    """Burned-in text (date/time overlays, camera names, signs) learned per camera and masked."""

    learn: bool = Field(
        default=True,
        description="Learn where burned-in text sits (detector boxes that stay put while their pixels change) "
        "and drop every plate found there before OCR.",
    )
    iou: float = Field(
        default=0.6, gt=0, le=1, description="A box overlapping a site by this much (IoU) is a sighting."
    )
    min_sightings: int = Field(default=6, ge=2, description="Sightings of a site before it can be learned.")
    min_changes: int = Field(
        default=3, ge=1, description="Sightings whose pixels changed (a digit ticking over) before a site is learned."
    )
    min_seconds: Duration = Field(
        default=timedelta(seconds=3), description="A site is learned only after it stayed put at least this long."
    )
    forget: Duration = Field(
        default=timedelta(hours=24), description="A site not sighted for this long is forgotten (learned or not)."
    )


class OnnxSessionConfig(Strict):
    """onnxruntime session settings of one model (the detector's or the OCR's)."""

    threads: int = Field(default=1, ge=1, le=16, description="onnxruntime intra-op threads for this model.")
    spinning: bool = Field(
        default=False,
        description="Let onnxruntime's idle worker threads spin-wait for work (only matters with threads > 1): "
        "lower latency on cores nothing else uses, a core burnt while waiting when cameras share them.",
    )
    optimization: Literal["disable", "basic", "extended", "all"] = Field(
        default="all", description="onnxruntime graph optimisation level (disable, basic, extended, all)."
    )
    device: Literal["cpu", "cuda"] = Field(
        default="cpu",
        description="Where the model runs: cpu (every machine), or cuda (a Jetson or an NVIDIA GPU, with the "
        "onnxruntime-gpu wheel installed; the CPU runs what the GPU cannot). A device this onnxruntime lacks is "
        "refused at start.",
    )


class DetectorConfig(OnnxSessionConfig):
    score_threshold: float = Field(
        default=0.15,
        gt=0,
        lt=1,
        description="Minimum plate detector score. 0.15 with plate-det-v2 (0.25 was plate-det-v1's, 0.4 "
        "plate-ocr-v8's days) finds plates higher thresholds miss on footage our renderer never made (chosen on "
        "the cross renderer's calibration split); the overlay learner, the OCR, the tracker and the calibrated "
        "confidence drop what is not a plate (models/README.md).",
    )
    nms_iou: float = Field(
        default=0.2,
        gt=0,
        lt=1,
        description="Two plate boxes of one frame overlapping by more than this (IoU) are one plate, and the "
        "better-scored box is kept: in the model's own NMS and across the gate's regions. Plates of two vehicles do "
        "not overlap (a hidden plate is not seen), so such a pair is one plate seen twice (two overlapping regions, "
        "or a box of part of the plate beside the whole), which would split its track.",
    )
    min_width: int = Field(default=40, ge=1, description="Plates narrower than this (pixels) are not read.")
    stride: int = Field(
        default=1,
        ge=1,
        le=4,
        description="Run the detector on every Nth frame with motion (1: on every one). In between, each plate "
        "tracked in the frame before is followed (its track's motion, re-centred on its last crop) and read; a "
        "plate that cannot be followed makes the detector run at once, a new plate is found at the next run. 2 "
        "halves detector calls: for detectors that cost tens of ms (YOLOv8n-class, above all on a Pi).",
    )
    large_region: int = Field(
        default=0,
        ge=0,
        description="A gate region (or a whole frame) whose longer side exceeds this (pixels) is letterboxed to "
        "large_size instead of the model's own input size: a busy road's region is nearly the whole frame, and "
        "shrunk into 384 px a 60-px plate reaches the model at 18 px, too small to be boxed whole. Needs a model "
        "with a free input size (plate-det-v2; a fixed-size model says so at start and takes its own size). At "
        "1000 with large_size 512 the busy clips read more vehicles on every set (cross renderer 13 -> 14 of 17, "
        "its splits 14 -> 17 of 20 and 10 -> 12 of 18), but the whole cross set read 142 of 176 against 144, "
        "with a third more plate crops to read on busy roads and (512/384)^2 = 1.8x the detector's cost on such "
        "regions (models/README.md). 0: off (the default).",
    )
    large_size: int = Field(
        default=512,
        ge=64,
        le=2048,
        multiple_of=32,
        description="The square (pixels, a multiple of 32) a region larger than large_region is letterboxed to.",
    )


class VehicleConfig(OnnxSessionConfig):
    """The optional vehicle detector (`models.vehicle`): plates count only on a detected vehicle."""

    score_threshold: float = Field(default=0.4, gt=0, lt=1, description="Minimum vehicle detector score.")
    nms_iou: float = Field(default=0.5, gt=0, lt=1, description="NMS IoU between two vehicle boxes of one frame.")
    stride: int = Field(
        default=3,
        ge=1,
        le=15,
        description="Run the vehicle detector on every Nth frame with motion (1: on every one), on the whole "
        "frame; the frames in between reuse its boxes (grown by `vehicles.margin`). The first frame with motion "
        "after a still spell always runs it.",
    )
    margin: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="A plate counts when its centre lies inside a vehicle box grown by this fraction of the box "
        "per side (room for the vehicle's motion between the detector's runs); the others are dropped before OCR "
        "and counted (replay: no_vehicle).",
    )
    regions: bool = Field(
        default=False,
        description="Run the plate detector on the vehicles' boxes (their union, grown by `vehicles.margin`) "
        "instead of the motion gate's regions.",
    )


class OcrConfig(OnnxSessionConfig):
    backend: Literal["fast-plate-ocr", "rapidocr"] = Field(
        default="fast-plate-ocr",
        description="OCR engine: fast-plate-ocr runs the project's model named by `models.ocr` (a fast-plate-ocr "
        "model, or a CTC line recogniser when its YAML says `recognizer: ctc`); rapidocr (PP-OCR, a dependency) its "
        "own models.",
    )
    crop_pad: float = Field(
        default=0.10, ge=0, le=0.5, description="Grow the detector box by this fraction per side before OCR."
    )
    text_band: float = Field(
        default=0.35,
        ge=0,
        lt=1,
        description="CTC models: read a crop cut to the rows of its characters (rows whose horizontal-gradient "
        "energy is at least this fraction of the strongest row's, plus 30 % of the band each side), so a loose "
        "detector box does not shrink them in the OCR's 48-px input; 0 reads the whole crop. Chosen on the cross "
        "renderer's development splits (models/README.md, twelfth session).",
    )
    min_width: int = Field(
        default=48,
        ge=0,
        description="Plates in video narrower than this (pixels, the detector's box) are tracked but not read: "
        "their motion and size count, their OCR is skipped (`edge-alpr read` reads every box of a still image, "
        "which has no nearer frame to come). A plate that narrow is seldom read surely and weighs "
        "little in its track's vote; on the cross renderer's development splits and our own clips 48 skipped 13 % "
        "of OCR readings for one vehicle of 807 (models/README.md, fourteenth session). 0 reads every plate "
        "detector.min_width lets through; at most tracking.min_plate_width.",
    )
    views: int = Field(
        default=1,
        ge=1,
        le=2,
        description="fast-plate-ocr reads of each crop: 2 also reads it framed tighter and averages the two "
        "(more plates right per frame, up to twice the OCR time per plate).",
    )

    second_opinion: Literal["none", "rapidocr"] = Field(
        default="none",
        description="Also read every crop with this backend and vote on both readings: "
        "fewer wrong reads and more plates right, at several times the OCR time per plate "
        "(models/README.md). Needs backend fast-plate-ocr.",
    )
    second_weight: float = Field(
        default=0.75,
        gt=0,
        le=1,
        description="How much a second_opinion reading counts in the tracker's vote against one of the backend's.",
    )
    second_min_width: int = Field(
        default=0,
        ge=0,
        description="Only crops at least this wide (pixels, the padded crop the OCR reads) get a second_opinion "
        "reading: 86 (a 72 px plate) about halves its cost for one vehicle fewer in 480 (models/README.md).",
    )

    verifier: Literal["auto", "none", "rapidocr"] = Field(
        default="auto",
        description="A second OCR that looks again at a read too unsure to store (calibrated confidence under "
        "store.min_confidence): the read is stored, at the calibration's `verified` precision, when it reads the "
        "same text on ocr.verify_agree of the track's best ocr.verify_crops crops. It reads only those few crops "
        "of unsure tracks, not every plate. rapidocr: PP-OCR (the default OCR's parent, pretrained on real text); "
        "needs a calibration with a `verified` figure (edge_tools.calibrate verified). auto: rapidocr where the "
        "OCR's calibration has that figure and ocr.backend is not rapidocr, none otherwise. On the cross "
        "renderer's development splits it stored 7 more reads, 6 exact (models/README.md, fifteenth session).",
    )
    verify_crops: int = Field(
        default=3, ge=1, le=10, description="How many of an unsure track's best crops ocr.verifier reads."
    )
    verify_agree: int = Field(
        default=2, ge=1, le=10, description="How many of those readings must be the read's text to store it."
    )

    @model_validator(mode="after")
    def _keys_fit_the_backend(self) -> OcrConfig:
        if self.backend == "rapidocr" and (
            self.spinning or self.optimization != "all" or self.device != "cpu" or self.views != 1
        ):
            raise ValueError(
                "ocr.spinning, ocr.optimization, ocr.device and ocr.views apply to the fast-plate-ocr backend; "
                "rapidocr takes only ocr.threads"
            )
        if self.second_opinion == self.backend:
            raise ValueError(
                f"ocr.second_opinion {self.second_opinion!r} is ocr.backend already: pick another or 'none'"
            )
        if self.verifier == self.backend:
            raise ValueError(f"ocr.verifier {self.verifier!r} is ocr.backend already: a verifier must be another OCR")
        if self.verify_agree > self.verify_crops:
            raise ValueError(
                f"ocr.verify_agree ({self.verify_agree}) is more than ocr.verify_crops ({self.verify_crops}): "
                "no read could ever agree that often"
            )
        return self


# The default plate shapes: what the world's common plates look like once spaces and dashes are
# dropped. Nearly every national format for cars mixes letters and digits in 6-8 characters (US and
# Canadian standard issues, the EU's, UK, Russia, Brazil, Australia, ...); India's run to 11
# (MH12AB1234). Shorter plates exist (parts of Germany, Austria and Switzerland, Hong Kong,
# low-number and vanity series, motorcycles), and so do fragments of longer ones: small stacked
# letters left unread (PA 32130 read as 32130), a plate cut by its box, a covered half. On the cross
# renderer's calibration split 14 of 20 wrong reads had 4-5 characters and none of 136 exact ones
# did, so the default asks for 6: a site whose plates run shorter lists its own formats (4-8, as
# the default was until 2026-12-05, or its jurisdiction's). Not plates: all-letter strings (vanity
# plates aside).
WORLD_FORMATS = (
    r"^(?=[A-Z0-9]*[0-9])[A-Z0-9]{6,8}$",
    r"^[A-Z]{2}[0-9]{1,2}[A-Z]{0,3}[0-9]{4}$",
)
# The letters many plate systems leave out because they read like digits (I/1, O/0, Q/0), and how
# much a reading of one counts in a track's vote (tracking.letter_weights).
RARE_LETTER_WEIGHTS = {"I": 0.3, "O": 0.3, "Q": 0.3}


class TrackingConfig(Strict):
    iou: float = Field(default=0.2, ge=0, le=1, description="Least IoU to continue a track from the last box.")
    max_gap_frames: int = Field(
        default=15, ge=1, description="A track whose plate is unseen for this many frames ends and is read."
    )
    min_observations: int = Field(default=2, ge=1, description="Tracks seen fewer times are dropped as noise.")
    min_plate_width: int = Field(
        default=64,
        ge=0,
        description="A track whose plate was never this wide (pixels) is dropped and counted (replay's summary, "
        "metric edge_alpr_tracks_dropped{reason=far}): seen only far away, too small for every character to be read "
        "surely. The same vehicle seen nearer later is read then. Lower it for a camera that sees plates smaller.",
    )
    min_confidence: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Reads whose voted confidence is below this are dropped and counted (junk from far, "
        "illegible plates).",
    )
    min_agreeing: int = Field(
        default=2,
        ge=0,
        description="A track needs at least this many observations whose own reading is the voted text or one "
        "character from it; fewer are dropped and counted (reason disagree): a read no two frames support. 0: no "
        "check.",
    )
    min_on_vehicle: int = Field(
        default=1,
        ge=0,
        description="A track needs at least this many observations on a moving blob shaped and sized like a "
        "vehicle (gate.vehicle_plate_widths); fewer are dropped and counted (reason off_vehicle): text on a sign, a "
        "wall or a camera overlay. 0: no check.",
    )
    unheld_travel: float = Field(
        default=2.0,
        ge=0,
        description="Observations on no moving blob at all (the motion gate missed what carries the plate, e.g. a "
        "dark car at night; a plate on a walker's blob is not one) count towards tracking.min_on_vehicle when the "
        "track is not still and their plate travelled at least this many of its widths: text on a sign or a "
        "camera overlay does not travel. 0: they never count.",
    )
    settled_readings: int = Field(
        default=3,
        ge=0,
        description="A track whose last this many OCR readings all read its voted text, each at least "
        "tracking.settled_confidence sure, has settled: its plate is followed and counted without OCR, but for "
        "every 5th frame (another plate taking its place is still read). 0: OCR on every frame. 3 (default) "
        "saved a third of the sample's OCR calls (591 -> 399) with the same reads there and on the cross "
        "renderer's calibration split (docs/PERFORMANCE.md).",
    )
    settled_confidence: float = Field(
        default=0.9,
        gt=0,
        le=1,
        description="The least OCR confidence of each reading that settles a track (tracking.settled_readings).",
    )
    layout_readings: int = Field(
        default=0,
        ge=0,
        description="A square plate crop is read both as one line and as two lines side by side, and the surer "
        "reading kept, which costs about three times one reading. A track whose last this many OCR readings all took "
        "one layout is read in that layout only, but for every 5th frame (both again). 0 (default): every square "
        "crop is read both ways. 1 saves CPU on a busy road (cross renderer's busy clip: 0.90x -> 0.81x the per-frame "
        "loop's CPU) at a measured price: the same reads on the calibration split and the own validation set, but "
        "2 fewer two-line plates read on the cross-renderer set (144 -> 142 of 176) (docs/PERFORMANCE.md).",
    )
    parked_window: Duration = Field(
        default=timedelta(minutes=10),
        description="A track whose plate never moved (a parked car) is read at most once in this window at its "
        "place on a camera; a repeat is dropped and counted (reason static). 0: no check.",
    )
    still_min_observations: int = Field(
        default=6,
        ge=0,
        description="A track whose plate never moved (a parked car; or text that is not on a vehicle: a camera's "
        "name, a sign) needs at least this many observations: a parked car is seen on the detector's every run "
        "near it, text the detector boxed once or twice in passing is no plate. So does a read whose frames "
        "agreeing with its text never moved while its track's other boxes moved (a car passing under a "
        "camera's name joins its own boxes to the name's track): they held the text within a quarter of its "
        "width. Fewer are dropped and counted (reason still). "
        "0: no check.",
    )
    max_age: Duration = Field(
        default=timedelta(seconds=30), description="A track still open after this long is read anyway (parked car)."
    )
    dedupe_window: Duration = Field(
        default=timedelta(seconds=10),
        description="A track reading the same plate as one that ended less than this before it began (or "
        "overlaps it) on the same camera is the same vehicle (a split track): no second read. 0 turns it off.",
    )
    formats: list[str] = Field(
        default_factory=lambda: list(WORLD_FORMATS),
        description="Regular expressions a valid plate matches (uppercase A-Z, 0-9). Default: the shapes of the "
        "world's common plates (6-8 letters and digits with at least one digit, and India's format of up to 11 "
        "characters). A read of 4-5 characters is far more often a fragment of a longer plate (small stacked letters "
        "unread, a plate cut by its box) than a plate; where plates run that short (parts of Germany, Austria, "
        "Switzerland, Hong Kong, motorcycles), list them, e.g. '^(?=[A-Z0-9]*[0-9])[A-Z0-9]{4,8}$'. An "
        "all-letter vanity plate needs a format of its own. Left unset with masks given, it is empty: the masks "
        "alone say what a valid plate is.",
    )
    masks: list[str] = Field(
        default_factory=list,
        description="Position masks of valid plates: L letter, D digit, A either (e.g. LLLDDDD). A read that fits "
        "no format has look-alike characters (O/0, I/1, B/8, S/5, Z/2, G/6) swapped only where a mask demands. "
        "Refused beside a format that takes any text of a mask's length (it would leave the mask inert).",
    )
    letter_weights: dict[str, float] = Field(
        default_factory=lambda: dict(RARE_LETTER_WEIGHTS),
        description="How much a reading of these letters counts in its track's vote against the digit it reads "
        "like (O and Q against 0, I against 1; also D, L, S, Z, G, B), where both were read at one position. Many "
        "plate systems leave out I, O and Q (France, Italy, Spain and the Netherlands, for example), while the OCR "
        "was trained on plates drawing all 26 letters alike: where a track's readings split between O and 0 the "
        "digit wins unless the letter has more than 1 / 0.3 = 3.3 times its support; a plate read O in every "
        "frame stays O, and a split between the letter and another letter is left alone. 0.3 was chosen on the "
        "cross renderer's development splits (2 more vehicles of 699 read exactly, 1 wrong read fewer, the same "
        "from 0.1 to 0.5; the training renderer's own clips, whose plates have O, I and Q, read as before: "
        "models/README.md). {} where plates use "
        "these letters as often as others.",
    )
    invalid_format: Literal["keep", "drop"] = Field(
        default="drop",
        description="Reads matching no format: 'drop' them (counted: fragments such as 'JN' or '1', partial "
        "plates), or 'keep' them flagged invalid.",
    )

    @model_validator(mode="before")
    @classmethod
    def _masks_replace_the_catch_all(cls, data: object) -> object:
        # The default format accepts any 4-8 characters, so every read would be valid and no mask
        # would ever repair one: masks given without formats replace it.
        if isinstance(data, dict) and data.get("masks") and "formats" not in data:
            return {**data, "formats": []}
        return data

    @field_validator("masks")
    @classmethod
    def _masks_letters(cls, value: list[str], info: ValidationInfo) -> list[str]:
        for mask in value:
            if not re.fullmatch(r"[LDA]{1,10}", mask):
                raise ValueError(f"invalid mask {mask!r}: use L (letter), D (digit), A (either), up to 10")
        # A read that fits a format is never repaired: a format taking any text of a mask's length
        # (the default's ^[A-Z0-9]{4,8}$, kept from config/example.yaml) would leave the masks inert.
        for mask in value:
            n = len(mask)
            probes = ("A" * n, "0" * n, ("A0" * n)[:n], ("0A" * n)[:n])
            for pattern in info.data.get("formats", []):
                if all(re.match(pattern, p) for p in probes):
                    raise ValueError(
                        f"tracking.formats {pattern!r} accepts any {n} characters, so mask {mask!r} would never "
                        "repair a read: leave tracking.formats out (the masks alone then say what a valid plate "
                        "is) or narrow it"
                    )
        return value

    @field_validator("letter_weights")
    @classmethod
    def _weights_of_characters(cls, value: dict[str, float]) -> dict[str, float]:
        for ch, w in value.items():
            if ch not in AS_DIGIT:
                raise ValueError(f"{ch!r} is none of the letters that read like a digit ({', '.join(AS_DIGIT)})")
            if not 0 < w <= 1:
                raise ValueError(
                    f"the weight of {ch!r} is {w}: it must be above 0 and at most 1 (to rule a "
                    "character out, list the plates' formats or masks)"
                )
        return value

    @field_validator("formats")
    @classmethod
    def _regexes_compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        return value
