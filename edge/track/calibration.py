"""Calibrated read confidence: a read's raw confidence mapped to the chance the read is exact.

A read's raw confidence (`edge.track.tracker.read_confidence`: the vote's mean over positions, or
the least sure character's confidence) orders reads but its value means nothing by itself: a read
at 0.6 may be exact nine times in ten. `edge_tools/calibrate.py` fits a monotone
(isotonic) map from it to the share of reads that were exact, on clips the models never trained on,
and writes it beside the OCR model as NAME.calibration.json. The tracker stores the mapped value, so
`store.min_confidence` and `hotlists.min_confidence` are precisions one can reason about.

File: {"ocr_model": "plate-ocr-v8", "method": "isotonic", "score": "weakest", "raw": [...],
"exact": [...], ...}; `raw` ascending, `exact` non-decreasing in [0, 1]; the map interpolates
linearly between the points and is flat beyond them. `score` names the raw confidence the map was
fitted on (`RAW_SCORES`, computed by `edge.track.tracker.read_confidence`); files without it were
fitted on "mean", the vote's figure, and the tracker computes that one for them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from edge.errors import InputError

log = logging.getLogger(__name__)

# The raw confidences a map can be fitted on: "mean", the vote's mean over positions (files before
# 2026-12-05 name none and mean this); "weakest", the least sure character's confidence.
RAW_SCORES = ("mean", "weakest")


@dataclass(frozen=True)
class Calibration:
    ocr_model: str
    raw: tuple[float, ...]
    exact: tuple[float, ...]
    score: str = "mean"
    # The share of reads under store.min_confidence that a second OCR (`ocr.verifier`) read the same
    # way, that were exact where the map was fitted (`edge_tools.calibrate verified`); None: not fitted.
    verified: float | None = None

    def __call__(self, confidence: float) -> float:
        return float(np.interp(confidence, self.raw, self.exact))

    def to_dict(self) -> dict[str, object]:
        return {
            "ocr_model": self.ocr_model,
            "method": "isotonic",
            "score": self.score,
            "raw": list(self.raw),
            "exact": list(self.exact),
            **({} if self.verified is None else {"verified": self.verified}),
        }

    @classmethod
    def load(cls, path: Path) -> Calibration:
        try:
            data = json.loads(path.read_text())
            raw = tuple(float(v) for v in data["raw"])
            exact = tuple(float(v) for v in data["exact"])
            name = str(data["ocr_model"])
            score = str(data.get("score", "mean"))
            verified = None if data.get("verified") is None else float(data["verified"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}: not a calibration file ({exc!r}); expected ocr_model, raw[], exact[]") from None
        if score not in RAW_SCORES:
            raise InputError(f"{path}: score {score!r} is none of {', '.join(RAW_SCORES)}")
        if not raw or len(raw) != len(exact):
            raise InputError(f"{path}: raw and exact must be non-empty lists of the same length")
        if any(b < a for a, b in pairwise(raw)):
            raise InputError(f"{path}: raw must be ascending")
        if any(b < a for a, b in pairwise(exact)) or not all(0 <= v <= 1 for v in exact):
            raise InputError(f"{path}: exact must be non-decreasing values in [0, 1]")
        if verified is not None and not 0 <= verified <= 1:
            raise InputError(f"{path}: verified must be in [0, 1], not {verified}")
        return cls(name, raw, exact, score, verified)


def calibration_path(ocr_model_path: Path) -> Path:
    """Where the calibration of an OCR model lives: NAME.calibration.json beside NAME.onnx."""
    return ocr_model_path.with_suffix(".calibration.json")


def find_calibration(ocr_model_path: Path | None, ocr_name: str) -> Calibration | None:
    """The calibration shipped beside the OCR model if it was fitted for this OCR setup (`ocr_name`,
    e.g. with a second opinion the vote differs); None (raw confidences) otherwise."""
    if ocr_model_path is None:
        return None
    path = calibration_path(ocr_model_path)
    if not path.is_file():
        log.info("no confidence calibration at %s: reads keep the raw confidence", path)
        return None
    cal = Calibration.load(path)
    if cal.ocr_model != ocr_name:
        log.warning("%s was fitted for %s, not %s: reads keep the raw confidence", path, cal.ocr_model, ocr_name)
        return None
    return cal


def fit_isotonic(raw: list[float], exact: list[bool], points: int = 24) -> tuple[list[float], list[float]]:
    """Pool-adjacent-violators fit of P(exact | raw), smoothed, reduced to at most `points` knots."""
    order = np.argsort(raw, kind="stable")
    xs = np.asarray(raw, float)[order]
    ys = np.asarray(exact, float)[order]
    # blocks: [sum y, count, min x, max x]
    blocks: list[list[float]] = []
    for x, y in zip(xs, ys, strict=True):
        blocks.append([y, 1.0, x, x])
        # Equal shares are pooled too (>=): ten exact reads in a row are one block of 10/10, smoothed
        # to 11/12, not ten blocks of 1/1 each smoothed to 2/3.
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            s, n, _, hi = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += n
            blocks[-1][3] = hi
    merged: list[list[float]] = []  # [mid x, sum y, count]: blocks with one mid x joined (np.interp needs ascending)
    for b in blocks:
        mid = (b[2] + b[3]) / 2
        if merged and mid <= merged[-1][0]:
            merged[-1][1] += b[0]
            merged[-1][2] += b[1]
        else:
            merged.append([mid, b[0], b[1]])
    kx = [m[0] for m in merged]
    # Each block's share with one exact and one inexact read added (Laplace): a block of 60 exact
    # reads says 0.98, not a certainty, and the few reads of a low block do not say 0. The running
    # maximum keeps the map monotone after smoothing.
    ky = list(np.maximum.accumulate([(m[1] + 1) / (m[2] + 2) for m in merged]))
    if len(kx) > points:
        idx = np.unique(np.linspace(0, len(kx) - 1, points).round().astype(int))
        kx, ky = [kx[i] for i in idx], [ky[i] for i in idx]
    return [round(v, 4) for v in kx], [round(v, 4) for v in ky]
