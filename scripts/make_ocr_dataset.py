#!/usr/bin/env python3
"""Generate a synthetic OCR dataset of plate crops for fast-plate-ocr training.

Each crop comes from `edge_tools.synth.scene.render_plate_crop`: a plate on a vehicle drawn by the
clip renderer (perspective, motion blur, night/rain lighting, noise), cropped like the pipeline
crops a detector box (edges jittered by +-8 %, then 10 % padding per side), JPEG-compressed.

Writes OUT/train/*.jpg + OUT/train.csv and OUT/val/*.jpg + OUT/val.csv (CSV columns
`image_path,plate_text`, paths relative to the CSV), the format `fast-plate-ocr train` reads.

Example:
    python scripts/make_ocr_dataset.py --out /work/data-gen/ocr --train 24000 --val 2000 --workers 2

Needs numpy, opencv-python-headless, Pillow and fonts
(apt-get install fonts-dejavu-core fonts-liberation2 fonts-roboto-unhinted fonts-b612).
"""

from __future__ import annotations

import argparse
import csv
import time
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np

from edge_tools.synth.plates import require_fonts
from edge_tools.synth.scene import render_plate_crop

CHUNK = 500


def _work(args: tuple[str, int, int, int, str]) -> list[tuple[str, str]]:
    split, start, count, seed, out = args
    rng = np.random.default_rng([seed, 1 if split == "train" else 2, start])
    rows = []
    d = Path(out) / split
    for i in range(start, start + count):
        crop, text = render_plate_crop(rng)
        name = f"{i:06d}.jpg"
        cv2.imwrite(str(d / name), crop, [cv2.IMWRITE_JPEG_QUALITY, 97])
        rows.append((f"{split}/{name}", text))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/work/data-gen/ocr", help="output folder (outside the repository)")
    ap.add_argument("--train", type=int, default=24000, help="number of training crops")
    ap.add_argument("--val", type=int, default=2000, help="number of validation crops")
    ap.add_argument("--seed", type=int, default=20261127, help="random seed (fixed for reproducibility)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes")
    a = ap.parse_args()
    require_fonts()  # the same seeds render other plates under other fonts
    out = Path(a.out)
    t0 = time.time()
    for split, n in (("val", a.val), ("train", a.train)):
        (out / split).mkdir(parents=True, exist_ok=True)
        jobs = [(split, s, min(CHUNK, n - s), a.seed, str(out)) for s in range(0, n, CHUNK)]
        rows: list[tuple[str, str]] = []
        with Pool(a.workers) as pool:
            for _k, r in enumerate(pool.imap(_work, jobs)):
                rows += r
                print(f"{split}: {len(rows)}/{n} crops ({time.time() - t0:.0f} s)", flush=True)
        with open(out / f"{split}.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["image_path", "plate_text"])
            w.writerows(rows)
    print(f"done in {time.time() - t0:.0f} s -> {out}", flush=True)


if __name__ == "__main__":
    main()
