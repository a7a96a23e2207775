#!/usr/bin/env python3
"""Regenerate samples/sample.mp4 and samples/sample.json from a fixed seed.

A 20-second 1280x720 30 fps daytime roadside clip with 9 synthetic vehicles (no real plates).
The JSON is the ground truth: {"fps", "frames", "vehicles": [{"plate", "first_frame", "last_frame"}]},
first/last being the frames where the plate is legible (see edge_tools/synth/scene.py for the rule).

Example:
    python scripts/make_sample.py            # writes samples/sample.mp4 + samples/sample.json

Needs numpy, opencv-python-headless, Pillow and fonts (see edge_tools/synth/__init__.py).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from edge_tools.synth.plates import require_fonts
from edge_tools.synth.scene import render_clip

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261127


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", type=Path, default=ROOT / "samples", help="output folder")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--vehicles", type=int, default=9)
    ap.add_argument("--condition", default="day", choices=["day", "night", "rain"])
    a = ap.parse_args()
    require_fonts()  # the same seeds render other plates under other fonts
    t0 = time.time()
    truth = render_clip(
        a.out_dir / "sample.mp4",
        a.out_dir / "sample.json",
        seed=a.seed,
        seconds=a.seconds,
        n_vehicles=a.vehicles,
        condition=a.condition,
        progress=True,
    )
    print(
        f"{len(truth['vehicles'])} legible vehicles in {truth['frames']} frames; "
        f"{(a.out_dir / 'sample.mp4').stat().st_size / 1e6:.1f} MB; {time.time() - t0:.0f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
