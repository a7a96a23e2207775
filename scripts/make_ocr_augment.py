#!/usr/bin/env python3
"""Write models/train/ocr-augment.yaml: the light Albumentations pipeline the OCR trains with.

fast-plate-ocr's default training augmentation rotates crops by up to 12 degrees and scales them
down to 0.8, cuts holes and erodes strokes. On our crops (plate box + 10 % padding, already
degraded by the renderer: perspective, motion blur, noise, JPEG) that pushed end characters out
of the frame - 8-character plates were learned as 7 - and kept training accuracy below
validation accuracy (0.41 vs 0.58): the tiny model spent its capacity on damage the pipeline
never produces. This pipeline only jitters what the detector and camera really vary.

Example:
    /work/venv-train/bin/python scripts/make_ocr_augment.py   # needs albumentations (training venv)
"""

from __future__ import annotations

import sys
from pathlib import Path

import albumentations as A  # noqa: N812 - the library's own convention
import cv2

OUT = Path(__file__).resolve().parents[1] / "models" / "train" / "ocr-augment.yaml"


def pipeline() -> A.Compose:
    return A.Compose(
        [
            A.Affine(
                translate_percent=(-0.02, 0.02),
                scale=(0.96, 1.04),
                rotate=(-3, 3),
                border_mode=cv2.BORDER_REPLICATE,
                p=0.5,
            ),
            A.RandomBrightnessContrast(brightness_limit=0.15, contrast_limit=0.15, p=0.4),
            A.RandomGamma(gamma_limit=(85, 115), p=0.2),
            A.ToGray(p=0.05),
            A.ImageCompression(quality_range=(40, 90), p=0.2),
        ]
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0)
    A.save(pipeline(), str(OUT), data_format="yaml")
    print(f"wrote {OUT}")
