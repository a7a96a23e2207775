"""A CTC line recogniser in ONNX: the plate OCR fine-tuned from PP-OCR (pretrained on real text).

The model's YAML beside it says `recognizer: ctc` and carries its alphabet and input height; the
network takes float32 `x` [N, 3, height, W] (BGR, PP-OCR's scaling to [-1, 1], any W, a multiple
of 8, right-padded with zeros) and gives per-column probabilities [N, W/8, 1 + len(alphabet)],
index 0 the CTC blank. Greedy decoding: the most likely class per column, repeats collapsed,
blanks dropped; a character's confidence is its column's probability (the best column of a run),
and the reading's confidence the product of its characters' (the probability that every one is
right, which is what an exact read needs; on the cross renderer's calibration split it ranked
wrong reads lower than the mean did: 8 against 10 wrong reads for the same 47 exact ones).

Two-line plates (`two_line_below` in the YAML, a width-to-height ratio): a crop narrower than that
is also read as its top and bottom halves set side by side (one line, top line first), and the
reading the model is surer of is kept. On the cross renderer's calibration split (68 vehicles, 10 of
them two-line; PP-OCR before fine-tuning), two-line plates read exactly in at least two frames went
from 0 to 8 of 10, and vehicles read exactly from 31 to 37. One-line plates are 2:1 (US) to 4.7:1
(EU); a two-line square plate is about 1.5:1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from edge.errors import EdgeError
from edge.models.runtime import Optimization, session_options
from edge.ocr.fast_plate import Layouts
from edge.types import Image, PlateText

HEIGHT = 48  # input height, pixels (PP-OCR's)
MAX_WIDTH = 256  # widest input, pixels: a 4.7:1 plate at height 48 with the crop's padding


@dataclass(frozen=True)
class CtcConfig:
    """A CTC model's YAML (`read_ctc_config`)."""

    alphabet: str  # class i + 1 of the output; 0 is the blank
    img_height: int = HEIGHT
    max_width: int = MAX_WIDTH
    two_line_below: float = 0.0  # crops narrower than this times their height are also read as two lines
    # Every input is padded with zeros on the right to at least this width (0: to the widest of its batch).
    # The model was trained on inputs padded to the widest of a batch of 32, so read alone a narrow crop
    # is off what it learned, and in a batch it reads differently beside a wider crop than alone; padded,
    # it reads the same beside any crop no wider than this (a wider one still widens its batch).
    pad_width: int = 0


def preprocess(bgr: np.ndarray[Any, Any], height: int = HEIGHT, max_width: int = MAX_WIDTH) -> np.ndarray[Any, Any]:
    """BGR crop -> float32 [3, height, w], w from its aspect ratio (at most max_width), in [-1, 1]."""
    h, w = bgr.shape[:2]
    nw = max(8, min(max_width, math.ceil(height * w / max(h, 1))))
    r = cv2.resize(bgr, (nw, height), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    return ((r / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)


# text_band: the band's rows grow by this fraction of its height on each side (the characters' tops and
# bottoms are weaker in horizontal gradient than their middles); a second line joins across a gap
# under BAND_GAP of the first's height; a band this close to the crop's height, or fewer rows than
# this, leaves the crop as it is.
BAND_PAD = 0.3
BAND_GAP = 1.0
BAND_MAX = 0.75
BAND_MIN_ROWS = 8


def text_band(bgr: np.ndarray[Any, Any], threshold: float) -> np.ndarray[Any, Any]:
    """The rows of a plate crop that hold its characters, when the detector's box left much else
    above or below them (the plate's frame and dealer text, the bumper, a dark car body).

    The OCR scales a crop to 48 px high: in a box twice as tall as the characters they reach it at
    half the height they could. Rows are scored by their mean absolute horizontal gradient (the
    characters' vertical strokes; a bumper's or frame's edges are mostly horizontal), smoothed over
    a twelfth of the crop; the band is the run of rows around the strongest one scoring at least
    `threshold` of it, joined with a neighbouring run at least half as tall across a gap under
    BAND_GAP of its height (a two-line plate's other line: the band of such a plate stays square
    and is read both ways), then grown by BAND_PAD of its height each side. The crop is returned
    whole when the band is most of it (BAND_MAX) or too thin to be characters (BAND_MIN_ROWS)."""
    if threshold <= 0 or bgr.shape[0] < BAND_MIN_ROWS:
        return bgr
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(np.float32)
    energy = np.abs(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)).mean(axis=1)
    k = max(3, bgr.shape[0] // 12) | 1
    energy = np.convolve(energy, np.ones(k, np.float32) / k, mode="same")
    strong = energy >= threshold * energy.max()
    edges = np.flatnonzero(np.diff(np.concatenate([[0], strong.astype(np.int8), [0]])))
    runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]  # [start, end)
    peak = int(np.argmax(energy))
    core = next(i for i, (a, b) in enumerate(runs) if a <= peak < b)
    top, bottom = runs[core]
    line = bottom - top
    for i in (core - 1, core + 1):  # the other line of a two-line plate, above or below
        if 0 <= i < len(runs):
            a, b = runs[i]
            gap = a - bottom if i > core else top - b
            if b - a >= 0.5 * line and gap < BAND_GAP * line:
                top, bottom = min(top, a), max(bottom, b)
                break
    rows = bottom - top
    if rows >= BAND_MAX * bgr.shape[0] or rows < BAND_MIN_ROWS:
        return bgr
    pad = round(BAND_PAD * rows)
    return bgr[max(0, top - pad) : bottom + pad]


def stitch_lines(bgr: np.ndarray[Any, Any], overlap: float = 0.06) -> np.ndarray[Any, Any]:
    """A two-line plate as one line: its top half, then its bottom half, side by side."""
    h = bgr.shape[0]
    mid, extra = h // 2, round(h * overlap)
    top, bottom = bgr[: mid + extra], bgr[mid - extra :]
    rows = min(top.shape[0], bottom.shape[0])
    return np.concatenate([top[:rows], bottom[bottom.shape[0] - rows :]], axis=1)


def batch(images: list[np.ndarray[Any, Any]], height: int, max_width: int, min_width: int = 0) -> np.ndarray[Any, Any]:
    """The images preprocessed and right-padded with zeros to one width: the widest's (a multiple of 8),
    or `min_width` when that is wider."""
    xs = [preprocess(i, height, max_width) for i in images]
    width = int(math.ceil(max(min_width, *(x.shape[2] for x in xs)) / 8) * 8)
    out = np.zeros((len(xs), 3, height, width), np.float32)
    for i, x in enumerate(xs):
        out[i, :, :, : x.shape[2]] = x
    return out


def decode(probs: np.ndarray[Any, Any], alphabet: str) -> list[tuple[str, tuple[float, ...]]]:
    """Greedy CTC decoding of [N, T, C] probabilities: (text, per-character confidence) per row."""
    out = []
    best, score = probs.argmax(-1), probs.max(-1)
    for row, conf in zip(best, score, strict=False):
        chars: list[str] = []
        confs: list[float] = []
        prev = 0
        for t, k in enumerate(row.tolist()):
            if k != 0 and k == prev:
                confs[-1] = max(confs[-1], float(conf[t]))
            elif k != 0:
                chars.append(alphabet[k - 1])
                confs.append(float(conf[t]))
            prev = k
        out.append(("".join(chars), tuple(confs)))
    return out


class CtcOcr:
    """A CTC line recogniser (NAME.onnx with NAME.yaml saying `recognizer: ctc`) on BGR crops."""

    def __init__(
        self,
        model: Path | str,
        config: Path | str,
        threads: int = 1,
        *,
        spinning: bool = False,
        optimization: Optimization = "all",
        providers: list[str] | None = None,
        text_band: float = 0.0,
        pad_width: int | None = None,
    ):
        """`text_band` > 0 cuts each crop to the rows of its characters before it is read
        (`text_band`, the module function, at that threshold). `pad_width` overrides the YAML's (the
        width every input is padded to at least: `CtcConfig.pad_width`)."""
        import onnxruntime as ort

        self.text_band = text_band

        self.model_path, self.config_path = Path(model), Path(config)
        for p in (self.model_path, self.config_path):
            if not p.is_file():
                raise EdgeError(f"{p}: OCR model file not found")
        self.config = read_ctc_config(self.config_path)
        self.pad_width = self.config.pad_width if pad_width is None else pad_width
        self.name = self.model_path.stem
        try:
            self._session = ort.InferenceSession(
                str(self.model_path),
                sess_options=session_options(threads, spinning=spinning, optimization=optimization),
                providers=providers or ["CPUExecutionProvider"],
            )
        except Exception as exc:  # onnxruntime raises assorted types for a bad file
            raise EdgeError(f"{self.model_path}: cannot load OCR model: {exc}") from exc
        self._input = self._session.get_inputs()[0].name
        classes = self._session.get_outputs()[0].shape[-1]
        alphabet = self.config.alphabet
        if isinstance(classes, int) and classes != len(alphabet) + 1:
            raise EdgeError(
                f"{self.model_path}: the model has {classes} classes, its YAML's alphabet {len(alphabet)} + blank"
            )

    def read_images(self, images: list[np.ndarray[Any, Any]]) -> list[tuple[str, tuple[float, ...]]]:
        if not images:
            return []
        c = self.config
        probs = self._session.run(None, {self._input: batch(images, c.img_height, c.max_width, self.pad_width)})[0]
        return decode(probs, c.alphabet)

    def predict(self, crops: list[Image], lines: Layouts | None = None) -> list[PlateText]:
        """Each crop, cut to its text band when `text_band` is set, read as one line; one narrower than
        `two_line_below` also as two lines, the surer reading kept (a two-line plate's band holds both
        lines; a band of one line is no longer square, and is read as one line only).
        `lines[i]` 1 or 2 reads such a crop in that layout only (its track has settled on it:
        `PlateTracker.layout`); a wider crop is one line whatever `lines` says."""
        if not crops:
            return []
        crops = [text_band(c, self.text_band) for c in crops]
        layout = list(lines) if lines is not None else [None] * len(crops)
        if len(layout) != len(crops):
            raise ValueError(f"{len(layout)} layouts for {len(crops)} crops")
        square = {i for i, c in enumerate(crops) if c.shape[1] < self.config.two_line_below * c.shape[0]}
        one = [i for i in range(len(crops)) if i not in square or layout[i] != 2]
        two = [i for i in sorted(square) if layout[i] != 1]
        reads: dict[int, tuple[str, tuple[float, ...], int]] = {}
        for i, (t, c) in zip(one, self.read_images([crops[i] for i in one]) if one else [], strict=True):
            reads[i] = (t, c, 1)
        for i, (t, c) in zip(two, self.read_images([stitch_lines(crops[i]) for i in two]) if two else [], strict=True):
            if i not in reads or _sureness(c) > _sureness(reads[i][1]):
                reads[i] = (t, c, 2)
        return [
            PlateText(text=t, confidence=_sureness(c), char_conf=c, lines=n)
            for t, c, n in (reads[i] for i in range(len(crops)))
        ]


def _sureness(conf: tuple[float, ...]) -> float:
    return float(np.prod(conf)) if conf else 0.0


def _document(path: Path) -> Any:
    """An OCR model's YAML, parsed. Raises OSError or yaml.YAMLError."""
    return yaml.safe_load(path.read_text())


def is_ctc_config(path: Path) -> bool:
    """Whether an OCR model's YAML describes a CTC line recogniser (else: a fast-plate-ocr plate config)."""
    try:
        doc = _document(path)
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(doc, dict) and doc.get("recognizer") == "ctc"


def read_ctc_config(path: Path) -> CtcConfig:
    try:
        doc = _document(path)
    except (OSError, yaml.YAMLError) as exc:
        raise EdgeError(f"{path}: cannot read the OCR model's YAML: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("recognizer") != "ctc":
        raise EdgeError(f"{path}: not a CTC recogniser's YAML (recognizer: ctc)")
    alphabet = doc.get("alphabet")
    if not isinstance(alphabet, str) or not alphabet or len(set(alphabet)) != len(alphabet):
        raise EdgeError(f"{path}: key 'alphabet' must be a string of distinct characters, not {alphabet!r}")

    def number(key: str, default: float, low: float, high: float) -> float:
        value = doc.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise EdgeError(f"{path}: key {key!r} must be a number from {low} to {high}, not {value!r}")
        return float(value)

    return CtcConfig(
        alphabet=alphabet,
        img_height=int(number("img_height", HEIGHT, 8, 256)),
        max_width=int(number("max_width", MAX_WIDTH, 8, 2048)),
        two_line_below=number("two_line_below", 0.0, 0.0, 10.0),
        pad_width=int(number("pad_width", 0, 0, 2048)),
    )
