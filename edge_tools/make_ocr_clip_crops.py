#!/usr/bin/env python3
"""OCR training crops cut by the pipeline itself from rendered clips, labelled by the clips' truth.

`make_ocr_dataset.py` imitates the pipeline's crops (one vehicle, JPEG, jittered box). Measured,
plate-ocr-v5 read 0.60 of this script's crops of held-out clips against 0.73 of those imitations at
the same widths: what it had not seen is the real path (mp4v video coding with motion, the motion
gate's regions, the detector's own boxes and the crop padding). This script renders clips from its
own seeds (none shared with the validation clips, the sample or the detector's data), replays each
through the pipeline's gate, detector and crop step (`edge.pipeline.Recognizer`, shipped models),
and keeps every crop whose box matches a legible plate of that frame's truth (IoU >= 0.5), labelled
with that plate's text.

`--near W:B` also keeps crops of plates that are whole and unoccluded but just short of the truth's
legibility rule: at least W px wide (the tracker votes on plates from `tracking.min_plate_width`, 72
by default, while the truth calls a plate legible from 90 px) and blurred by at most B times the
truth's blur limit. The tracker reads such frames and votes with them, so the OCR should have seen
them; their labels are as exact as the legible ones'.

Writes OUT/train/*.png + OUT/train.csv (`image_path,plate_text`), the format `fast-plate-ocr train`
reads. PNG: the crops already carry the video's coding; a JPEG pass would add a second one.

Example:
    python -m edge_tools.make_ocr_clip_crops --out /work/data-gen/clipcrops --clips 30 --seed 3000000
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from edge.capture import open_source
from edge.config import load_config
from edge.pipeline import Recognizer, load_models
from edge.types import Box, Observation
from edge_tools.synth.plates import require_fonts
from edge_tools.synth.scene import CONDITIONS, Clip, PlateObs, write_clip

ROOT = Path(__file__).resolve().parents[1]


def clip_args(seed: int, index: int, seconds: float) -> dict[str, object]:
    """Condition, speed and traffic for clip `index`: spread like the validation set, from a seed."""
    rng = np.random.default_rng([seed, index])
    return {
        "seed": seed + index,
        "seconds": seconds,
        "condition": str(rng.choice(CONDITIONS, p=[0.5, 0.25, 0.25])),
        "speed": float(rng.choice([0.6, 1.0, 1.0, 1.3, 1.6, 1.8])),
        "density": float(rng.uniform(0.4, 0.9)),
    }


def usable(p: PlateObs, near: tuple[float, float] | None) -> bool:
    """Whether a truth plate's crop is worth training on: legible, or near it (see `--near`)."""
    if p.legible:
        return True
    if near is None or not p.clear:
        return False
    return p.width_px >= near[0] and p.blur_px <= near[1] * p.blur_limit_px


def mine(
    args: dict[str, object],
    recognizer: Recognizer,
    video: Path,
    per_vehicle: int,
    rng: np.random.Generator,
    near: tuple[float, float] | None = None,
):
    """(crop, text) pairs from one clip: pipeline crops matched to usable truth plates."""
    clip = Clip(**args)  # type: ignore[arg-type]
    write_clip(clip, video, video.with_suffix(".json"))
    found: dict[str, list[np.ndarray]] = {}
    update = recognizer.tracker.update

    def keep(fi, ts, obs: list[Observation]):  # type: ignore[no-untyped-def]
        truth = [p for p in clip.plates(fi) if usable(p, near)]
        for o in obs:
            if o.crop is None or o.at_edge:
                continue
            iou, text = max(((o.plate.box.iou(Box(*p.box)), p.text) for p in truth), default=(0.0, ""))
            if iou >= 0.5:
                found.setdefault(text, []).append(o.crop)
        return update(fi, ts, obs)

    recognizer.tracker.update = keep  # type: ignore[method-assign]
    for frame in open_source(video, camera="mine").frames():
        recognizer.process(frame)
    out = []
    for text, crops in found.items():
        pick = rng.permutation(len(crops))[:per_vehicle]
        out += [(crops[int(i)], text) for i in sorted(pick)]
    return out, len(found)


def near_arg(value: str) -> tuple[float, float]:
    try:
        width, blur = (float(x) for x in value.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--near {value!r}: expected W:B, e.g. 72:2") from None
    return width, blur


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="output folder (outside the repository)")
    ap.add_argument("--clips", type=int, default=30, help="number of clips to render and replay")
    ap.add_argument("--seconds", type=float, default=40.0, help="length of each clip")
    ap.add_argument(
        "--seed",
        type=int,
        default=3000000,
        help="first clip seed (keep clear of validation 50001-50007, sample 20261127, detector 700000+)",
    )
    ap.add_argument("--per-vehicle", type=int, default=40, help="at most this many crops per vehicle pass")
    ap.add_argument("--config", type=Path, default=None, help="edge-alpr config (models, gate, detector keys)")
    ap.add_argument(
        "--near",
        type=near_arg,
        default=None,
        metavar="W:B",
        help="also keep whole plates >= W px wide blurred <= B x the legibility limit (e.g. 72:2)",
    )
    a = ap.parse_args()
    require_fonts()  # the same seeds render other plates under other fonts
    (a.out / "train").mkdir(parents=True, exist_ok=True)
    cfg = load_config(a.config).with_db(a.out / "unused.db")
    models = load_models(cfg)
    rng = np.random.default_rng(a.seed)
    rows: list[tuple[str, str]] = []
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(a.clips):
            args = clip_args(a.seed, k, a.seconds)
            pairs, vehicles = mine(args, Recognizer(cfg, models), Path(tmp) / "clip.mp4", a.per_vehicle, rng, a.near)
            for crop, text in pairs:
                name = f"train/{k:03d}-{len(rows):06d}.png"
                cv2.imwrite(str(a.out / name), crop)
                rows.append((name, text))
            print(
                f"clip {k + 1}/{a.clips} {args['condition']} speed {args['speed']}: {vehicles} vehicles, "
                f"{len(pairs)} crops, {len(rows)} in all ({time.time() - t0:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
    with (a.out / "train.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["image_path", "plate_text"])
        w.writerows(rows)
    print(f"wrote {len(rows)} crops to {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
