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


def preprocess(bgr: np.ndarray[Any, Any], height: int = HEIGHT, max_width: int = MAX_WIDTH) -> np.ndarray[Any, Any]:
    """BGR crop -> float32 [3, height, w], w from its aspect ratio (at most max_width), in [-1, 1]."""
    h, w = bgr.shape[:2]
    nw = max(8, min(max_width, math.ceil(height * w / max(h, 1))))
    r = cv2.resize(bgr, (nw, height), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    return ((r / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)


def stitch_lines(bgr: np.ndarray[Any, Any], overlap: float = 0.06) -> np.ndarray[Any, Any]:
    """A two-line plate as one line: its top half, then its bottom half, side by side."""
    h = bgr.shape[0]
    mid, extra = h // 2, round(h * overlap)
    top, bottom = bgr[: mid + extra], bgr[mid - extra :]
    rows = min(top.shape[0], bottom.shape[0])
    return np.concatenate([top[:rows], bottom[bottom.shape[0] - rows :]], axis=1)


def batch(images: list[np.ndarray[Any, Any]], height: int, max_width: int) -> np.ndarray[Any, Any]:
    xs = [preprocess(i, height, max_width) for i in images]
    width = int(math.ceil(max(x.shape[2] for x in xs) / 8) * 8)
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
    ):
        import onnxruntime as ort

        self.model_path, self.config_path = Path(model), Path(config)
        for p in (self.model_path, self.config_path):
            if not p.is_file():
                raise EdgeError(f"{p}: OCR model file not found")
        self.config = read_ctc_config(self.config_path)
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
        probs = self._session.run(None, {self._input: batch(images, c.img_height, c.max_width)})[0]
        return decode(probs, c.alphabet)

    def predict(self, crops: list[Image], lines: Layouts | None = None) -> list[PlateText]:
        """Each crop read as one line; a crop narrower than `two_line_below` also as two lines, the
        surer reading kept. `lines[i]` 1 or 2 reads such a crop in that layout only (its track has
        settled on it: `PlateTracker.layout`); a wider crop is one line whatever `lines` says."""
        if not crops:
            return []
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
    )
