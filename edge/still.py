"""Plates in still images: the config's detector and OCR on a whole picture.

What `edge-alpr read` runs. The images are the user's own: nothing is stored, nothing is shared,
nothing goes to the ledger. There is no track here, so there is no vote: each box is one reading,
with the OCR's confidence and whether its text fits the configured plate formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edge.config import Config
from edge.errors import InputError
from edge.pipeline import Models, one_box_per_plate
from edge.track.formats import PlateFormats
from edge.types import Box

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"})


@dataclass(frozen=True, slots=True)
class StillPlate:
    text: str
    confidence: float
    box: Box
    detector_score: float
    valid_format: bool

    def as_dict(self) -> dict[str, Any]:
        b = self.box
        return {
            "plate": self.text,
            "confidence": round(self.confidence, 3),
            "box": [round(b.x1, 1), round(b.y1, 1), round(b.x2, 1), round(b.y2, 1)],
            "detector_score": round(self.detector_score, 3),
            "valid_format": self.valid_format,
        }


def image_files(path: Path) -> list[Path]:
    """`path` itself, or the images of a folder (by suffix, sorted). A missing path is an InputError."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    return [path]


def load_image(path: Path) -> np.ndarray:
    """The image at `path` as BGR, or an InputError naming the file when OpenCV cannot decode it."""
    data = np.fromfile(str(path), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise InputError(f"{path}: not an image OpenCV can decode (JPEG, PNG, BMP, WebP, TIFF, PNM)")
    return image


def read_image(image: np.ndarray, cfg: Config, models: Models) -> list[StillPlate]:
    """Every plate the detector finds in `image`, read by the OCR, left to right."""
    h, w = image.shape[:2]
    plates = [p for p in models.detector.predict(image) if p.box.width >= cfg.detector.min_width]
    plates = one_box_per_plate(plates, cfg.detector.nms_iou)
    pad = cfg.ocr.crop_pad
    crops = []
    for p in plates:
        e = p.box.expanded(pad, pad, w, h)
        crops.append(image[int(e.y1) : int(e.y2), int(e.x1) : int(e.x2)].copy())
    texts = models.ocr.predict(crops) if crops else []
    formats = PlateFormats(cfg.tracking.formats, cfg.tracking.masks)
    found = []
    for p, t in zip(plates, texts, strict=True):
        text, valid = formats.normalise(t.text)
        found.append(StillPlate(text, t.confidence, p.box, p.score, valid))
    return sorted(found, key=lambda s: s.box.x1)


def annotate(image: np.ndarray, plates: list[StillPlate]) -> np.ndarray:
    """A copy of `image` with each plate's box and text drawn (green: fits a plate format, orange: not)."""
    out = image.copy()
    scale = max(0.5, min(2.0, image.shape[1] / 1280))
    for p in plates:
        b = p.box
        color = (0, 200, 0) if p.valid_format else (0, 140, 255)
        cv2.rectangle(out, (int(b.x1), int(b.y1)), (int(b.x2), int(b.y2)), color, max(1, int(2 * scale)))
        label = f"{p.text or '?'} {p.confidence:.2f}"
        y = int(b.y1) - 6 if b.y1 > 24 * scale else int(b.y2) + int(20 * scale)
        cv2.putText(out, label, (int(b.x1), y), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * scale, (0, 0, 0), int(4 * scale))
        cv2.putText(out, label, (int(b.x1), y), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * scale, color, max(1, int(2 * scale)))
    return out
