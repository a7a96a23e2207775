#!/usr/bin/env python3
"""Generate a synthetic plate- or vehicle-detector dataset from rendered roadside clips.

Samples random frames of many clips (day/night/rain, two frame sizes), then either keeps the
whole frame or crops a region around a vehicle or at random (as the pipeline's gate hands the
detector a region), letterboxes it to SIZE x SIZE (aspect kept, pad 114, centred) and stores it
as a JPEG with its plate boxes in letterboxed pixel coordinates.

With `--target vehicle` the boxes are the vehicles' projected outlines (`Clip.vehicle_boxes`), the
samples are whole frames or large crops (never a region around one plate), and a third of the
clips carry pedestrians, swaying trees and a burned-in timestamp: things that move or look like
text but are not vehicles, so the detector learns them as background.

Writes OUT/images/NNNNNN.jpg and OUT/labels.json
({"imgsz": S, "items": [{"image": "images/000000.jpg", "boxes": [[x1, y1, x2, y2], ...]}]}).

Example:
    python scripts/make_detector_dataset.py --out /work/data-gen/det --clips 240 --per-clip 25 --workers 2
    python scripts/make_detector_dataset.py --target vehicle --size 256 --out /work/data-gen/veh --clips 100
    python scripts/make_detector_dataset.py --out /work/data-gen/det2 --clips 320 --per-clip 25 --hard 0.5 --clutter 0.5

Needs numpy, opencv-python-headless, Pillow and fonts (see edge_tools/synth/__init__.py).
"""

from __future__ import annotations

import argparse
import json
import time
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np

from edge_tools.synth.clutter import paste_clutter
from edge_tools.synth.plates import require_fonts
from edge_tools.synth.scene import Clip

MIN_VISIBLE = 0.5  # a plate box counts if at least half of it is inside the image


def letterbox(img: np.ndarray, size: int) -> tuple[np.ndarray, float, float, float]:
    """Resize keeping aspect into size x size, pad 114, centred. Returns (image, scale, pad_x, pad_y)."""
    h, w = img.shape[:2]
    r = min(size / w, size / h)
    nw, nh = round(w * r), round(h * r)
    out = np.full((size, size, 3), 114, np.uint8)
    px, py = (size - nw) / 2, (size - nh) / 2
    ix, iy = round(px - 0.1), round(py - 0.1)
    out[iy : iy + nh, ix : ix + nw] = cv2.resize(
        img, (nw, nh), interpolation=cv2.INTER_AREA if r < 1 else cv2.INTER_LINEAR
    )
    return out, r, ix, iy


def _label_boxes(
    truth: list[tuple[tuple[float, float, float, float], float]],
    window: tuple[int, int, int, int],
    r: float,
    px: float,
    py: float,
) -> list[list[float]]:
    """Truth boxes (box, visible fraction) that stay at least MIN_VISIBLE visible inside the crop
    `window`, in letterboxed pixels (scale r, pad px/py)."""
    x0, y0, x1, y1 = window
    boxes = []
    for (bx0, by0, bx1, by1), visible in truth:
        area = (bx1 - bx0) * (by1 - by0)
        ix0, iy0, ix1, iy1 = max(bx0, x0), max(by0, y0), min(bx1, x1), min(by1, y1)
        if ix1 <= ix0 or iy1 <= iy0:
            continue
        if (ix1 - ix0) * (iy1 - iy0) / max(area, 1e-6) * visible < MIN_VISIBLE:
            continue
        b = [(ix0 - x0) * r + px, (iy0 - y0) * r + py, (ix1 - x0) * r + px, (iy1 - y0) * r + py]
        if b[2] - b[0] < 3 or b[3] - b[1] < 2:
            continue
        boxes.append([round(v, 1) for v in b])
    return boxes


def _sample(args: tuple[int, int, int, str, int, str, float, float, float]) -> list[dict]:
    clip_idx, per_clip, seed, out, size, target, hard, clutter, lamps = args
    rng = np.random.default_rng([seed, clip_idx])
    cond = str(rng.choice(["day", "night", "rain"], p=[0.55, 0.25, 0.2]))
    fsize = (1280, 720) if rng.random() < 0.8 else (960, 540)
    extras: dict[str, object] = {}
    if target == "vehicle" and rng.random() < 0.35:  # non-vehicle motion and text as negatives
        extras = {"pedestrians": int(rng.integers(1, 5)), "trees": int(rng.integers(0, 4)), "overlay": True}
    if target == "plate" and hard and rng.random() < hard:  # the camera's overlay, walkers, trees: not plates
        extras = {"pedestrians": int(rng.integers(0, 4)), "trees": int(rng.integers(0, 4)), "overlay": True}
    if lamps and rng.random() < lamps:  # tail lights of every shape and size: not plates
        extras["lamps"] = True
    clip = Clip(
        seed=int(seed * 100000 + clip_idx),
        seconds=20,
        size=fsize,
        density=float(rng.uniform(0.4, 0.9)),
        condition=cond,
        speed=float(rng.uniform(0.7, 1.4)),
        **extras,  # type: ignore[arg-type]
    )
    items = []
    frames = rng.choice(clip.n_frames, size=min(per_clip, clip.n_frames), replace=False)
    for k, fi in enumerate(sorted(int(f) for f in frames)):
        frame, plates = clip.render(fi)
        fh, fw = frame.shape[:2]
        mode = rng.random()
        if mode < 0.45 or not plates or target == "vehicle":
            x0, y0, x1, y1 = 0, 0, fw, fh
            if rng.random() < 0.3:  # random crop of a large part of the frame
                cw = int(fw * rng.uniform(0.5, 1.0))
                ch = int(fh * rng.uniform(0.5, 1.0))
                x0, y0 = int(rng.integers(0, fw - cw + 1)), int(rng.integers(0, fh - ch + 1))
                x1, y1 = x0 + cw, y0 + ch
        else:
            # Region around one plate's vehicle, like a motion/vehicle gate would give.
            p = plates[int(rng.integers(len(plates)))]
            bx0, by0, bx1, by1 = p.box
            pw = max(bx1 - bx0, 4)
            vw = pw * rng.uniform(3.0, 9.0)
            vh = vw * rng.uniform(0.5, 1.1)
            cx = (bx0 + bx1) / 2 + rng.uniform(-0.3, 0.3) * vw
            cy = (by0 + by1) / 2 + rng.uniform(-0.4, 0.2) * vh
            x0, x1 = int(max(0, cx - vw / 2)), int(min(fw, cx + vw / 2))
            y0, y1 = int(max(0, cy - vh / 2)), int(min(fh, cy + vh / 2))
            if x1 - x0 < 32 or y1 - y0 < 32:
                x0, y0, x1, y1 = 0, 0, fw, fh
        crop = frame[y0:y1, x0:x1]
        img, r, px, py = letterbox(crop, size)
        if target == "vehicle":
            truth = [((b[0], b[1], b[2], b[3]), b[4]) for b in clip.vehicle_boxes(fi)]
        else:
            truth = [(p.box, p.visible_fraction) for p in plates]
        boxes = _label_boxes(truth, (x0, y0, x1, y1), r, px, py)
        if clutter and rng.random() < clutter:  # signs, house numbers, other overlays: hard negatives
            # Avoid every plate in the image, also those too hidden to be labelled.
            near = _label_boxes([(b, 1.0) for b, _v in truth], (x0, y0, x1, y1), r, px, py)
            content = (int(px), int(py), int(px + (x1 - x0) * r), int(py + (y1 - y0) * r))
            paste_clutter(img, [tuple(b) for b in near], rng, int(rng.integers(1, 4)), content)
        name = f"images/{clip_idx:05d}_{k:03d}.jpg"
        cv2.imwrite(str(Path(out) / name), img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(70, 96))])
        items.append({"image": name, "boxes": boxes, "condition": cond})
    return items


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/work/data-gen/det", help="output folder (outside the repository)")
    ap.add_argument("--clips", type=int, default=240, help="number of clips to sample from")
    ap.add_argument("--per-clip", type=int, default=25, help="frames sampled per clip")
    ap.add_argument("--size", type=int, default=384, help="letterbox size S")
    ap.add_argument("--seed", type=int, default=7, help="random seed (fixed for reproducibility)")
    ap.add_argument("--first-clip", type=int, default=0, help="index of the first clip (for a disjoint val set)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--target", choices=["plate", "vehicle"], default="plate", help="what the boxes mark")
    ap.add_argument(
        "--hard", type=float, default=0.0, help="plate target: share of clips with the camera overlay, walkers, trees"
    )
    ap.add_argument(
        "--clutter", type=float, default=0.0, help="share of images given signs, house numbers, overlays (negatives)"
    )
    ap.add_argument(
        "--lamps",
        type=float,
        default=0.0,
        help="share of clips whose vehicles' lamps vary in shape and size (tail lights as negatives)",
    )
    a = ap.parse_args()
    require_fonts()  # the same seeds render other plates under other fonts
    out = Path(a.out)
    (out / "images").mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    items: list[dict] = []
    jobs = [
        (c, a.per_clip, a.seed, str(out), a.size, a.target, a.hard, a.clutter, a.lamps)
        for c in range(a.first_clip, a.first_clip + a.clips)
    ]
    with Pool(a.workers) as pool:
        for k, it in enumerate(pool.imap(_sample, jobs)):
            items += it
            if k % 10 == 0 or k == len(jobs) - 1:
                nb = sum(len(i["boxes"]) for i in items)
                print(
                    f"clip {k + 1}/{len(jobs)}: {len(items)} images, {nb} boxes ({time.time() - t0:.0f} s)", flush=True
                )
    (out / "labels.json").write_text(json.dumps({"imgsz": a.size, "items": items}))
    print(f"done in {time.time() - t0:.0f} s -> {out}", flush=True)


if __name__ == "__main__":
    main()
