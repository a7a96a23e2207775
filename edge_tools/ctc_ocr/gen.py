"""Render plate crops for CTC fine-tuning into a folder, one JPEG per crop, text in the name.

Crops come from the training generator `edge_tools.synth` only (never `edge_tools.xrender`, which
is kept for validation). Extra fonts (families xrender never uses) join through
EDGE_SYNTH_FONT_DIR. Runs until --count crops exist, so it can feed a training run that is
already reading the folder.

Example:
    EDGE_SYNTH_FONT_DIR=/work/data-gen/ppocr/fonts \\
      python -m edge_tools.ctc_ocr.gen --out /work/data-gen/ppocr/crops --count 40000 --seed 1
    python -m edge_tools.ctc_ocr.gen --out /work/data-gen/ppocr/crops-s --count 12000 --seed 3 --stacked 0.35
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from edge_tools.synth.plates import require_fonts
from edge_tools.synth.scene import render_plate_crop


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="folder for the crops (outside the repository)")
    ap.add_argument("--count", type=int, default=40000, help="stop when this many crops were written")
    ap.add_argument("--seed", type=int, default=1, help="random seed; use another per parallel worker")
    ap.add_argument("--max-width", type=float, default=260, help="widest plate in pixels")
    ap.add_argument(
        "--stacked", type=float, default=0.0, help="share of plates whose first two characters are small and stacked"
    )
    a = ap.parse_args(argv)
    require_fonts()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([a.seed, 2026_12_04])
    t0 = time.time()
    for i in range(a.count):
        crop, text = render_plate_crop(rng, max_width=a.max_width, stacked=a.stacked)
        tmp = out / f".{a.seed}_{i:07d}.jpg"
        cv2.imwrite(str(tmp), crop, [cv2.IMWRITE_JPEG_QUALITY, 97])
        tmp.rename(out / f"{a.seed}_{i:07d}_{text}.jpg")  # readers never see half a file
        if i % 1000 == 999:
            print(f"{i + 1} crops, {(time.time() - t0) / (i + 1) * 1000:.0f} ms each", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
