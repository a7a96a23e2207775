"""Associate plate observations across frames, vote per character, emit one read per track.

A track continues when a new box overlaps the last one (IoU) or its centre is close to where the
track's motion predicts it, unless a sure read of a different plate says it is another vehicle. It
ends when unseen for `max_gap_frames` and is then read once, or twice when its first and second
parts read surely as two different plates (one vehicle took over another's track in dense
traffic). A track still open after `max_age`
(a parked car) is read then, and not again while it stays.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher

import cv2

from edge.config.pipeline import TrackingConfig
from edge.lookalike import AS_DIGIT
from edge.track.calibration import RAW_SCORES, Calibration
from edge.track.formats import PlateFormats
from edge.types import Box, Image, Observation, PlateBox, PlateText, Read

# Two reads at least this sure (OCR confidence) that share less than this (difflib ratio) are
# two different plates.
_SURE = 0.75
_SAME_PLATE = 0.4
# No tracking.letter_weights: every character counts its reading's weight (`vote`).
_NO_WEIGHTS: Mapping[str, float] = {}
# A track is split in two (`_split`) when one part's vote is at least this sure, both have at least
# _MIN_SEGMENT observations and they read different plates (_SAME_PLATE).
_SPLIT_SURE = 0.6
_MIN_SEGMENT = 5

# A settled track (tracking.settled_readings) is read by OCR again every this many observations, and
# a plate box continues one when it overlaps the track's predicted box by at least _SETTLED_IOU.
_RESETTLE = 5
_SETTLED_IOU = 0.5
# ... and only while its plate is no wider than this times its widest read box: an approaching plate
# is read on while it grows (its near frames read best), a receding or crossing one is not.
_SETTLED_GROWTH = 1.1

# Why a track ended without a read, with the config key that decides it.
DROP_REASONS = {
    "short": "seen too few times (tracking.min_observations)",
    "far": "never near enough (tracking.min_plate_width)",
    "overlay": "in burned-in text or a mask, as known when it ended (overlays, cameras[].masks)",
    "off_vehicle": "not on a moving vehicle (tracking.min_on_vehicle)",
    "disagree": "too few frames agreeing on the text (tracking.min_agreeing)",
    "low_confidence": "too unsure (tracking.min_confidence, store.min_confidence; ocr.verifier did not agree)",
    "format": "fit no plate format (tracking.formats, invalid_format: drop)",
    "still": (
        "never moved (or its text never did) and seen too few times for a parked vehicle "
        "(tracking.still_min_observations)"
    ),
    "static": "a plate that never moved, read at its place already (tracking.parked_window)",
    "repeat": "repeated a plate just read (tracking.dedupe_window)",
}


class Verifier:
    """A second OCR's look at a read too unsure to store (`ocr.verifier`): the read is stored when the
    second OCR reads the same text (letters and digits, normalised to the plate formats) on at least `agree` of the
    track's best `crops` crops that read it. Its stored confidence is then the calibration's `verified`
    figure: the share of such reads that were exact where the map was fitted.

    `read` is the second OCR (crops in, one text per crop out); `edge.pipeline` builds it."""

    def __init__(self, read: Callable[[list[Image]], list[str]], crops: int, agree: int):
        if not 1 <= agree <= crops:
            raise ValueError(f"verifier: agree ({agree}) must be between 1 and crops ({crops})")
        self.read, self.crops, self.agree = read, crops, agree
        self.calls = 0  # crops read (its cost)

    def agrees(self, evidence: list[Observation], text: str, formats: PlateFormats) -> bool:
        crops = [o.crop for o in evidence if o.crop is not None][: self.crops]
        if len(crops) < self.agree:
            return False
        self.calls += len(crops)
        want = formats.normalise(text)[0]
        readings = ("".join(c for c in t.upper() if c.isascii() and c.isalnum()) for t in self.read(crops))
        return sum(formats.normalise(t)[0] == want for t in readings if t) >= self.agree


# A track whose plate centre stayed within this share of the plate's width, and whose width changed
# by less than _STILL_GROWTH, never moved: a parked car, or text that is not on a vehicle.
_STILL = 0.5
_STILL_GROWTH = 1.25
# The frames that read a text held it within this share of its width: the text was read only in place
# (`stationary` at this reach). A camera's name jitters by a tenth of its width from box to box; a plate
# read while its vehicle moves travels further between the frames that read it (a fast one a third to
# a half of its width from one frame to the next: half, `_STILL`, took two such frames for still).
_IN_PLACE = 0.25


@dataclass
class _Track:
    id: str
    camera: str
    observations: list[Observation] = field(default_factory=list)
    emitted: bool = False
    # Observations of tracks that ended while this one was open and read the same plate
    # (`PlateTracker._absorb`): part of this vehicle's pass, read with it, never associated with.
    absorbed: list[Observation] = field(default_factory=list)
    _voted: tuple[str, float] | None = None
    weights: Mapping[str, float] = field(default_factory=dict)  # tracking.letter_weights (`vote`)

    def add(self, ob: Observation) -> None:
        self.observations.append(ob)
        self._voted = None

    @property
    def voted(self) -> tuple[str, float]:
        """The track's text so far (`vote` over its observations), cached until the next `add`."""
        if self._voted is None:
            self._voted = vote(self.observations, self.weights)
        return self._voted

    @property
    def last(self) -> Observation:
        return self.observations[-1]

    @property
    def started(self) -> datetime:
        return self.observations[0].ts

    def extrapolated(self, frame_index: int) -> Box:
        """The last box moved and scaled to `frame_index` at the rate of the last two observations
        (constant velocity and growth); where it was when the track has one observation."""
        a = self.last
        box = a.plate.box
        if len(self.observations) < 2:
            return box
        p = self.observations[-2]
        dt = max(1, a.frame_index - p.frame_index)
        gap = frame_index - a.frame_index
        (ax, ay), (px, py) = box.centre, p.plate.box.centre
        scale = (box.width / max(p.plate.box.width, 1.0)) ** (gap / dt)
        cx, cy = ax + (ax - px) / dt * gap, ay + (ay - py) / dt * gap
        w, h = box.width * scale / 2, box.height * scale / 2
        return Box(cx - w, cy - h, cx + w, cy + h)


def _split(obs: list[Observation], least: int, weights: Mapping[str, float]) -> list[list[Observation]]:
    """A track's observations as one part per plate: split once where one part reads surely as a
    plate and the other reads differently (another plate, or junk); each part is then read, or
    dropped, by the rules as a track of its own.

    In dense traffic a plate that leaves (a receding car, shrinking) and one that appears at the
    same spot a frame or two later (an approaching car, still far and misread, so no sure read
    contradicts the track yet) are joined by position. Both vehicles would get one mixed read. And a
    plate can join a track of junk boxes (a car's grille or panel boxed large and read unsurely as
    'A', '1', ''): the vote weighs each reading by its box's size, so the junk outvoted 17 sure
    readings of the plate (the calibration split's HUC01G). Requiring both parts to be sure left
    such tracks whole. Each part needs `least` observations; the split point is searched on at
    most ~40 candidates.
    """
    n = len(obs)
    if n < 2 * least:
        return [obs]
    best: tuple[float, int, str, str] | None = None
    for k in range(least, n - least + 1, max(1, (n - 2 * least) // 40 + 1)):
        (a, ca), (b, cb) = vote(obs[:k], weights), vote(obs[k:], weights)
        sure, different = max(ca, cb) >= _SPLIT_SURE, SequenceMatcher(None, a, b).ratio() < _SAME_PLATE
        if sure and different and (best is None or ca + cb > best[0]):
            best = (ca + cb, k, a, b)
    if best is None:
        return [obs]
    # The searched split point is where the two plates' votes are surest; the boundary itself is
    # where the observations stop reading like the first plate and start reading like the second.
    _, k, a, b = best
    lead, run = float("-inf"), 0.0
    for i in range(n - least):
        run += _likeness(obs[i].text.text, a) - _likeness(obs[i].text.text, b)
        if i + 1 >= least and run > lead:
            lead, k = run, i + 1
    return [obs[:k], obs[k:]]


def _likeness(text: str, plate: str) -> float:
    """Share of positions where `text` has `plate`'s character (0 for an empty text)."""
    return sum(x == y for x, y in zip(text, plate, strict=False)) / max(len(text), len(plate), 1)


def _sureness(ob: Observation, text: str) -> float | None:
    """How surely `ob` read `text`: its best reading of it (a second backend's times its weight), or None."""
    found = [t.confidence * t.weight for t in ob.text.readings if t.text == text]
    return max(found) if found else None


def _near(a: str, b: str) -> bool:
    """Whether `a` is `b` or differs from it in one character (same length)."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 1


def supporting(obs: list[Observation], text: str) -> list[Observation]:
    """Observations one of whose readings is `text` or one character from it."""
    return [o for o in obs if any(_near(t.text, text) for t in o.text.readings)]


def stationary(obs: list[Observation], reach_widths: float = _STILL) -> bool:
    """Whether the plate never moved over `obs`: its centre stayed within `reach_widths` of its width
    (half, by default) of where it was first seen and its size changed little (a vehicle passing
    grows, shrinks or crosses)."""
    widths = [o.plate.box.width for o in obs]
    if min(widths) <= 0 or max(widths) / min(widths) >= _STILL_GROWTH:
        return False
    reach = reach_widths * _median_width(obs)
    return all(_from_first(obs, o) < reach for o in obs)


def on_vehicle_count(obs: list[Observation], travel: float) -> int:
    """How many of `obs` count as on a vehicle: those on a vehicle-shaped moving blob, and those on no
    moving blob at all (`Observation.unheld`) when the track is not still and their plate travelled at
    least `travel` of its widths (0: never). The gate misses a dark car on a dark road; it does not
    miss a sign's or an overlay's stillness."""
    on = sum(o.on_vehicle for o in obs)
    loose = [o for o in obs if o.unheld]
    if travel <= 0 or len(loose) < 2 or stationary(obs):
        return on
    xs = [o.plate.box.centre[0] for o in loose]
    ys = [o.plate.box.centre[1] for o in loose]
    span = math.hypot(max(xs) - min(xs), max(ys) - min(ys))
    return on + len(loose) if span >= travel * _median_width(loose) else on


def _median_width(obs: list[Observation]) -> float:
    widths = sorted(o.plate.box.width for o in obs)
    return widths[len(widths) // 2]


def _from_first(obs: list[Observation], o: Observation) -> float:
    """How far `o`'s plate centre lies from where `obs` first saw the plate (pixels)."""
    return math.dist(o.plate.box.centre, obs[0].plate.box.centre)


def _tally(observations: list[Observation], letters: Mapping[str, float]) -> tuple[str, list[tuple[float, float]]]:
    """Character-wise vote weighted by OCR confidence and plate size, among the most supported
    text length: the voted text and, per position, the winning character's share of the weight and
    its mean confidence (`vote` and `read_confidence` say what they make of them).

    An observation's weight is its confidence times (its plate width / the track's widest plate)
    squared: a plate read at half the size has a quarter of the pixels, and the far frames of a
    receding car (many, small, often misread) must not outvote the few near ones. A second
    backend's reading of the same crop (`PlateText.others`) votes beside it, its weight scaled by
    its own `weight`. Where a letter of `letters` (tracking.letter_weights) and the digit it reads
    like (`AS_DIGIT`: O and 0, I and 1) both have readings at a position, the letter's support counts
    its weight in `letters`: I, O and Q, which many plate systems leave out, lose a split vote to
    their digit twins, and nothing else changes; the winner's share is of the weighted total.
    """
    seen = [ob for ob in observations if any(t.text for t in ob.text.readings)]
    if not seen:
        return "", []
    widest = max(ob.plate.box.width for ob in seen) or 1.0
    readings: list[tuple[PlateText, float]] = []  # (reading, its size weight times backend weight)
    for ob in seen:
        size = min(1.0, max(ob.plate.box.width / widest, 0.05)) ** 2
        readings += [(t, size * t.weight) for t in ob.text.readings if t.text]
    by_len: dict[int, list[tuple[PlateText, float]]] = defaultdict(list)
    for r in readings:
        by_len[len(r[0].text)].append(r)
    length = max(by_len, key=lambda n: (sum(t.confidence * w for t, w in by_len[n]), n))
    group = by_len[length]
    chars: list[str] = []
    per: list[tuple[float, float]] = []
    for pos in range(length):
        votes: dict[str, float] = defaultdict(float)
        confs: dict[str, float] = defaultdict(float)
        sizes: dict[str, float] = defaultdict(float)
        for t, w in group:
            c = t.text[pos]
            conf = t.char_conf[pos] if pos < len(t.char_conf) else t.confidence
            votes[c] += max(conf, 1e-3) * w
            confs[c] += conf * w
            sizes[c] += w
        for letter, weight in letters.items():  # a rare letter against the digit it reads like
            if letter in votes and AS_DIGIT[letter] in votes:
                votes[letter] *= weight
        best = max(votes, key=lambda c: votes[c])
        chars.append(best)
        per.append((votes[best] / sum(votes.values()), confs[best] / sizes[best]))
    return "".join(chars), per


def vote(observations: list[Observation], weights: Mapping[str, float] = _NO_WEIGHTS) -> tuple[str, float]:
    """The voted text (`_tally`, with the characters' `weights`: tracking.letter_weights) and a
    confidence in [0, 1]: the mean over positions of the winning character's share of the weight
    times its mean confidence. The tracker's own decisions (is a track sure enough to split, to
    contradict a box, settled) use this figure."""
    text, per = _tally(observations, weights)
    if not text:
        return "", 0.0
    return text, sum(share * conf for share, conf in per) / len(per)


def read_confidence(
    observations: list[Observation], score: str, weights: Mapping[str, float] = _NO_WEIGHTS
) -> tuple[str, float]:
    """The voted text and the raw confidence of the read made from it, as `score` (`RAW_SCORES`) says.

    "mean" is `vote`'s figure. "weakest" is the mean OCR confidence of the voted text's least sure
    character: a single-character confusion (5/6, S/8, 0/O, a dropped character) is one unsure
    position among sure ones, which a mean over seven positions hides (six at 0.99 and one at 0.5
    average 0.93). The calibration file names the score it was fitted on (`Calibration.score`).
    """
    if score == "mean":
        return vote(observations, weights)
    text, per = _tally(observations, weights)
    if not text:
        return "", 0.0
    return text, min(conf for _, conf in per)


class PlateTracker:
    def __init__(
        self,
        cfg: TrackingConfig,
        *,
        detector_model: str,
        ocr_model: str,
        keep_crops: bool = False,
        calibration: Calibration | None = None,
        min_store_confidence: float = 0.0,
        masked: Callable[[Box], bool] | None = None,
        score: str | None = None,
        verifier: Verifier | None = None,
    ):
        """`calibration` maps a read's raw confidence to the stored one (`edge.track.calibration`);
        the raw confidence is the `score` it was fitted on (`read_confidence`), or `score` when given
        (uncalibrated replays that fit one), "mean" without either;
        reads whose stored confidence is below `tracking.min_confidence` or `min_store_confidence`
        (`store.min_confidence` when `store.low_confidence` is drop) are dropped as low_confidence.
        `masked` says whether a plate box lies in the camera's masks or its burned-in text as learned
        so far: a track mostly there when it ends is dropped, though its first boxes came before the
        text was learned (a camera's clock and name, read while the overlay learner still watched).
        `verifier` (`ocr.verifier`) gets a second look at a read too unsure to store: `Verifier`."""
        self.cfg = cfg
        self.masked = masked
        self.calibration = calibration
        self.score = score or (calibration.score if calibration is not None else "mean")
        if self.score not in RAW_SCORES:
            raise ValueError(f"score {self.score!r}: one of {RAW_SCORES}")
        self.min_store_confidence = min_store_confidence
        if verifier is not None and (calibration is None or calibration.verified is None):
            raise ValueError("a verifier needs a calibration with a `verified` figure (edge_tools.calibrate verified)")
        self.verifier = verifier
        self.verified = 0  # reads stored because the verifier agreed (replay prints it)
        self.detector_model = detector_model
        self.ocr_model = ocr_model
        self.keep_crops = keep_crops
        self._formats = PlateFormats(cfg.formats, cfg.masks)
        self._tracks: list[_Track] = []
        # Tracks that ended without a read, by DROP_REASONS key (replay prints them, metrics export them).
        self.drops: dict[str, int] = dict.fromkeys(DROP_REASONS, 0)
        # (camera, text) -> time of the last frame of the latest track emitted with that text
        self._recent: dict[tuple[str, str], datetime] = {}
        # (camera, last box, time of its last frame) of tracks read: where a plate that never moves
        # was read already (tracking.parked_window)
        self._places: list[tuple[str, Box, datetime]] = []
        self._last_frame: int | None = None  # the frame index of the last `update`

    @property
    def open_tracks(self) -> int:
        return len(self._tracks)

    @property
    def moving_tracks(self) -> int:
        """Open tracks whose plate moved (not `stationary`), or was seen once, in the last frame (not
        known yet): a plate that never moves (a camera's name, a parked car) is not counted, nor one seen
        once and not found again in the frame after (a box on a walking person, a flicker)."""
        return sum(
            1
            for t in self._tracks
            if (t.last.frame_index == self._last_frame if len(t.observations) < 2 else not stationary(t.observations))
        )

    def update(self, frame_index: int, ts: datetime, observations: list[Observation]) -> list[Read]:
        """Add one frame's observations; return reads of tracks that ended."""
        self._last_frame = frame_index
        unmatched = list(observations)
        pairs = []
        for ti, track in enumerate(self._tracks):
            for oi, ob in enumerate(unmatched):
                s = self._affinity(track, ob)
                if s > 0:
                    pairs.append((s, ti, oi))
        used_t: set[int] = set()
        used_o: set[int] = set()
        for _, ti, oi in sorted(pairs, reverse=True):
            if ti in used_t or oi in used_o:
                continue
            used_t.add(ti)
            used_o.add(oi)
            self._tracks[ti].add(unmatched[oi])
        for oi, ob in enumerate(unmatched):
            if oi not in used_o:
                track = _Track(uuid.uuid4().hex[:12], ob.camera, [ob], weights=self.cfg.letter_weights)
                self._tracks.append(track)
        reads: list[Read] = []
        still: list[_Track] = []
        for track in self._tracks:
            if frame_index - track.last.frame_index > self.cfg.max_gap_frames:
                if not self._absorb(track, frame_index):
                    reads.extend(self._finish(track))
                continue
            if not track.emitted and ts - track.started >= self.cfg.max_age:
                reads.extend(self._finish(track))
                track.emitted = True
            still.append(track)
        self._tracks = still
        return reads

    def predicted(self, frame_index: int) -> list[tuple[PlateBox, Observation]]:
        """Where the plates seen in the last frame given to `update` are in `frame_index` (the
        detector's `stride` reads them there without detecting), each with its track's last
        observation: the last box moved and scaled at the rate of its last two observations, over
        however many frames lie between (a live camera drops frames under load). A track seen once
        stays where it was."""
        out = []
        for track in self._tracks:
            a = track.last
            gap = frame_index - a.frame_index
            if a.frame_index != self._last_frame or gap < 1:
                continue
            box = track.extrapolated(frame_index)
            out.append((PlateBox(box, a.plate.score), a))
        return out

    def settled(self, frame_index: int, box: Box) -> bool:
        """Whether the plate in `box` (of frame `frame_index`, not yet given to `update`) continues a
        track seen in the last frame whose reading has settled, so its OCR can be skipped: the track's
        last `settled_readings` readings are all its voted text, each at least `settled_confidence`
        sure, and fewer than _RESETTLE - 1 observations went unread since (every _RESETTLE-th is
        read, so another plate taking the place of a settled one is read and splits the track), and
        the plate is not wider than at its widest reading (x _SETTLED_GROWTH).

        An unread observation (empty text) counts for the track's length and plate size but not in
        the vote or agreement (`vote` and `supporting` skip empty readings).
        """
        n = self.cfg.settled_readings
        if n <= 0:
            return False
        track = self._continued(frame_index, box)
        if track is None:
            return False
        obs = track.observations
        read = [i for i, o in enumerate(obs) if o.text.text]
        if len(read) < n or len(obs) - 1 - read[-1] >= _RESETTLE - 1:
            return False
        if box.width > _SETTLED_GROWTH * max(obs[i].plate.box.width for i in read):
            return False  # nearer than at any reading: this frame may read better (an approaching plate)
        text, sure = track.voted[0], self.cfg.settled_confidence
        return all(obs[i].text.text == text and obs[i].text.confidence >= sure for i in read[-n:])

    def layout(self, frame_index: int, box: Box) -> int | None:
        """The layout (1: one line, 2: two lines) to read the plate in `box` (of frame `frame_index`,
        not yet given to `update`) in, when it continues a track whose last `layout_readings` readings
        all took that layout (`PlateText.lines`); None (the OCR reads both where the crop is square
        enough and keeps the surer) otherwise, and for every _RESETTLE-th observation of the track, so
        a layout taken wrongly from a far, unsure plate is looked at again as the plate nears.

        A square crop read both ways costs about three times one reading (the two-line reading is its
        halves side by side: twice the width); a track's plate does not change its layout.
        """
        n = self.cfg.layout_readings
        if n <= 0:
            return None
        track = self._continued(frame_index, box)
        if track is None or (len(track.observations) + 1) % _RESETTLE == 0:
            return None
        layouts = [o.text.lines for o in track.observations if o.text.text][-n:]
        return layouts[0] if len(layouts) == n and len(set(layouts)) == 1 else None

    def _continued(self, frame_index: int, box: Box) -> _Track | None:
        """The track seen in the last frame whose predicted box overlaps `box` most, by at least
        _SETTLED_IOU (the plate in `box` continues it), if any."""
        best: tuple[float, _Track] | None = None
        for track in self._tracks:
            if track.last.frame_index != self._last_frame or frame_index <= track.last.frame_index:
                continue
            iou = track.extrapolated(frame_index).iou(box)
            if iou >= _SETTLED_IOU and (best is None or iou > best[0]):
                best = (iou, track)
        return best[1] if best else None

    def flush(self) -> list[Read]:
        """End every open track (end of clip, shutdown)."""
        reads: list[Read] = []
        last = self._last_frame if self._last_frame is not None else 0
        ending = sorted(self._tracks, key=lambda t: t.last.frame_index)  # a fragment before its main track
        for track in ending:
            self._tracks.remove(track)
            if not self._absorb(track, last):
                reads.extend(self._finish(track))
        return reads

    def _absorb(self, track: _Track, frame_index: int) -> bool:
        """Hand an ending track's observations to an open track of the same camera that read the
        same plate while the ending one was seen; True when one took them.

        One plate seen as two tracks at once (a far fragment beside the main track, joined to it by
        neither overlap nor motion) is one vehicle pass. Read on its own, the fragment that ends
        first would be the read, from its far frames, and the main track would then be dropped as
        a repeat (`dedupe_window`): measured 2026-12-03 on a night clip, a 2-frame fragment read
        at frame 874 while the 89-frame track of the same plate, legible from frame 917, was dropped.
        Part of the one-read-per-plate rule: off with it (`dedupe_window: 0`).
        """
        if track.emitted or self.cfg.dedupe_window.total_seconds() <= 0:
            return False
        text = track.voted[0]
        if not text:
            return False
        since, until = track.observations[0].frame_index, track.last.frame_index + self.cfg.max_gap_frames
        for other in self._tracks:
            if (
                other is not track
                and not other.emitted
                and other.camera == track.camera
                and frame_index - other.last.frame_index <= self.cfg.max_gap_frames  # still open
                and any(o.text.text == text for o in other.observations if since <= o.frame_index <= until)
            ):
                other.absorbed += track.observations + track.absorbed
                return True
        return False

    def _affinity(self, track: _Track, b: Observation) -> float:
        """How well observation `b` continues `track`: > 1 for box overlap, (0, 1] for a nearby
        box, 0 for no match.

        A box overlapping the last one a frame or two later always continues the track, whatever
        it reads. Otherwise a sure read of another plate is another vehicle (`_contradicts`), and
        without overlap `b` must lie near where the track's plate is predicted to be (its last
        centre moved at its constant velocity over the gap), within a reach that grows slowly
        with the gap. A fixed-speed reach that grew with the gap let a following vehicle, seen
        at the same place a few frames after the first left, continue the first's track: two
        vehicles, one (mixed) read.
        """
        a = track.last
        if b.frame_index <= a.frame_index or b.camera != a.camera:
            return 0.0
        gap = b.frame_index - a.frame_index
        iou = a.plate.box.iou(b.plate.box)
        if self._contradicts(track, b):
            return 0.0
        if iou >= self.cfg.iou:
            return 1.0 + iou
        size_ratio = b.plate.box.width / max(a.plate.box.width, 1.0)
        if not 0.5 < size_ratio < 2.0:
            return 0.0
        (ax, ay), (bx, by) = track.extrapolated(b.frame_index).centre, b.plate.box.centre
        reach = max(a.plate.box.width, b.plate.box.width) * min(0.75 + 0.15 * gap, 2.0)
        dist = ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5
        if dist < reach:
            return float(1.0 - dist / reach)
        return 0.0

    @staticmethod
    def _contradicts(track: _Track, b: Observation) -> bool:
        """True when `b` surely reads a different plate than the track has read so far.

        Where a receding car's plate shrinks to a few pixels, an approaching car's plate appears
        at the same spot; position alone joins them. A sure read sharing few characters with the
        track's voted text is another plate. The vote (weighted towards the track's largest,
        surest frames), not its last frames: a receding plate's last, tiny frames are often
        misread with confidence. Unsure reads never split a track.
        """
        if b.text.confidence < _SURE:
            return False
        text, confidence = track.voted
        return confidence >= _SURE and SequenceMatcher(None, text, b.text.text).ratio() < _SAME_PLATE

    def _repeats(self, camera: str, obs: list[Observation], text: str) -> bool:
        """True when a track of the same camera with the same text ended less than
        `dedupe_window` before this one began (or overlaps it): one vehicle whose track was split
        (an occlusion, a far misread) is one read. Remembers this track either way."""
        window = self.cfg.dedupe_window
        key = (camera, text)
        seen = self._recent.get(key)
        end = obs[-1].ts
        self._recent[key] = max(end, seen) if seen is not None else end
        if len(self._recent) > 256:  # forget what is far behind
            self._recent = {k: t for k, t in self._recent.items() if end - t <= window}
        return seen is not None and window.total_seconds() > 0 and obs[0].ts - seen <= window

    def _parked_again(self, camera: str, obs: list[Observation]) -> bool:
        """True when the plate of `obs` never moved and a read on this camera ended at its place
        less than `parked_window` before: a parked car is read once per window. Remembers this
        track's place either way."""
        window = self.cfg.parked_window
        if window.total_seconds() <= 0:
            return False
        end = obs[-1].ts
        box = obs[-1].plate.box
        self._places = [p for p in self._places if end - p[2] <= window]
        again = stationary(obs) and any(c == camera and b.iou(box) >= 0.3 for c, b, _ in self._places)
        self._places.append((camera, box, end))
        return again

    def _finish(self, track: _Track) -> list[Read]:
        if track.emitted:
            return []
        reads: list[Read] = []
        # A split track's second vehicle gets a track id of its own: one id, one vehicle pass.
        obs = sorted(track.observations + track.absorbed, key=lambda o: o.frame_index)
        for i, part in enumerate(_split(obs, max(self.cfg.min_observations, _MIN_SEGMENT), self.cfg.letter_weights)):
            reads += self._read(track, part, f"{track.id}.{i}" if i else track.id)
        return reads

    @staticmethod
    def _evidence(obs: list[Observation], text: str) -> list[Observation]:
        """The observations that read `text`, best first: the ones a person would check first, where
        the plate is whole (not cut by the frame's edge), largest and read most surely (a receding
        car's plate is largest as it enters, half out of the frame). An observation's sureness is that
        of its reading of `text` (a second backend's counts its weight), not of a reading that disagrees."""
        sure = {id(o): _sureness(o, text) for o in obs}
        agreeing = [o for o in obs if sure[id(o)] is not None]
        return sorted(
            agreeing,
            key=lambda o: (not o.at_edge, o.plate.box.width * (sure[id(o)] or 0.0), o.plate.score),
            reverse=True,
        )

    def _read(self, track: _Track, obs: list[Observation], track_id: str) -> list[Read]:
        """The read of one vehicle's observations (a track, or one plate's part of it), or none."""
        if len(obs) < self.cfg.min_observations:
            self.drops["short"] += 1
            return []
        if len(obs) < self.cfg.still_min_observations and stationary(obs):
            self.drops["still"] += 1
            return []
        if max(o.plate.box.width for o in obs) < self.cfg.min_plate_width:
            self.drops["far"] += 1
            return []
        if self.masked is not None and 2 * sum(self.masked(o.plate.box) for o in obs) > len(obs):
            self.drops["overlay"] += 1
            return []
        if self.cfg.min_on_vehicle and on_vehicle_count(obs, self.cfg.unheld_travel) < self.cfg.min_on_vehicle:
            self.drops["off_vehicle"] += 1
            return []
        text, confidence = read_confidence(obs, self.score, self.cfg.letter_weights)
        if not text:
            self.drops["short"] += 1
            return []
        support = supporting(obs, text)
        if len(support) < self.cfg.min_agreeing:
            self.drops["disagree"] += 1
            return []
        # The text was read only in place, though the track may have moved: a camera's name or a sign,
        # and a vehicle passing near it whose boxes (reading nothing, or something else) joined its
        # track. The cross renderer's calibration split stored a camera's name (CAM7) so, the car
        # moving on; its development splits 187GATE1, 4CAM87 and M10GATE2, a car passing just under
        # the camera's name line. The frames that read the text held it within a quarter of its
        # width: it needs as many agreeing frames as a parked car (the rule above); a plate read while
        # its vehicle moves does not.
        if support and len(support) < self.cfg.still_min_observations and stationary(support, _IN_PLACE):
            self.drops["still"] += 1
            return []
        if self.calibration is not None:
            confidence = self.calibration(confidence)
        floor = max(self.cfg.min_confidence, self.min_store_confidence)
        verified = False
        if confidence < floor:
            if self.verifier is None or not self.verifier.agrees(self._evidence(obs, text), text, self._formats):
                self.drops["low_confidence"] += 1
                return []
            assert self.calibration is not None  # __init__ checked: a verifier comes with a verified figure
            assert self.calibration.verified is not None
            confidence = self.calibration.verified
            if confidence < floor:  # the verified reads' own precision is under the bar too
                self.drops["low_confidence"] += 1
                return []
            verified = True
        text, valid = self._formats.normalise(text)
        if not valid and self.cfg.invalid_format == "drop":
            self.drops["format"] += 1
            return []
        if self._parked_again(track.camera, obs):
            self.drops["static"] += 1
            return []
        if self._repeats(track.camera, obs, text):
            self.drops["repeat"] += 1
            return []
        # The read's frame and crop: the best evidence of the voted text; if no observation reads it
        # (a format repair changed it), the whole, largest, surest observation.
        evidence = self._evidence(obs, text)
        whole = [o for o in obs if not o.at_edge] or obs
        best = (
            evidence[0]
            if evidence
            else max(whole, key=lambda o: (o.plate.box.width * o.text.confidence, o.plate.score))
        )
        crop = None
        if self.keep_crops and best.crop is not None:
            ok, buf = cv2.imencode(".jpg", best.crop, [cv2.IMWRITE_JPEG_QUALITY, 80])
            crop = buf.tobytes() if ok else None
        b = best.plate.box
        self.verified += verified
        return [
            Read(
                id=str(uuid.uuid4()),
                plate=text,
                confidence=round(confidence, 4),
                camera=track.camera,
                ts=best.ts,
                frame_index=None if best.live else best.frame_index,
                bbox=(round(b.x1, 1), round(b.y1, 1), round(b.x2, 1), round(b.y2, 1)),
                track_id=track_id,
                observations=len(obs),
                detector_model=self.detector_model,
                ocr_model=self.ocr_model,
                valid_format=valid,
                crop_jpeg=crop,
            )
        ]
