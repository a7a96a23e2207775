#!/usr/bin/env python3
"""Measure a plate detector on full frames of rendered clips, through the product's detector class.

Renders clips with seeds not used for training, runs edge.detect.OnnxPlateDetector (letterbox,
NMS, score >= 0.4) on every STEP-th full frame, and reports at IoU 0.5:
- recall on legible plates (the ground-truth rule of edge_tools/synth/scene.py: fully in frame, >= 90 px),
- recall on all plates at least 30 px wide,
- precision (a detection matching any visible plate, legible or not, counts as correct),
- median ms per frame (1 onnxruntime thread, letterbox included).

Example:
    python scripts/eval_detector.py --model models/plate-det-v1.onnx --json /tmp/det-eval.json

Needs onnxruntime, numpy, opencv-python-headless, Pillow, fonts.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from edge.detect import OnnxPlateDetector
from edge_tools.synth.scene import Clip

ROOT = Path(__file__).resolve().parents[1]


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / ua if ua > 0 else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "models/plate-det-v1.onnx"))
    ap.add_argument("--clip-seeds", default="515151:day,525252:night,535353:rain,545454:day")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--step", type=int, default=3, help="evaluate every STEP-th frame")
    ap.add_argument("--score", type=float, default=0.4)
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args()
    det = OnnxPlateDetector(a.model, score_threshold=a.score, threads=1)
    res: dict = {}
    tot = {"leg_tp": 0, "leg_n": 0, "big_tp": 0, "big_n": 0, "tp": 0, "fp": 0}
    ms: list[float] = []
    for spec in a.clip_seeds.split(","):
        seed_s, cond = spec.split(":")
        clip = Clip(seed=int(seed_s), seconds=a.seconds, n_vehicles=10, condition=cond)
        c = {"leg_tp": 0, "leg_n": 0, "big_tp": 0, "big_n": 0, "tp": 0, "fp": 0}
        for i in range(0, clip.n_frames, a.step):
            frame, plates = clip.render(i)
            t0 = time.perf_counter()
            boxes = det.predict(frame)
            ms.append((time.perf_counter() - t0) * 1000)
            pred = [(b.box.x1, b.box.y1, b.box.x2, b.box.y2) for b in boxes]
            for p in plates:
                hit = any(iou(p.box, q) >= 0.5 for q in pred)
                if p.legible:
                    c["leg_n"] += 1
                    c["leg_tp"] += hit
                if p.box[2] - p.box[0] >= 30 and p.visible_fraction >= 0.99:
                    c["big_n"] += 1
                    c["big_tp"] += hit
            for q in pred:
                if any(iou(p.box, q) >= 0.5 for p in plates):
                    c["tp"] += 1
                else:
                    c["fp"] += 1
        for k in tot:
            tot[k] += c[k]
        res[f"{cond}_{seed_s}"] = {
            "recall_legible": c["leg_tp"] / max(c["leg_n"], 1),
            "legible_plates": c["leg_n"],
            "recall_30px": c["big_tp"] / max(c["big_n"], 1),
            "precision": c["tp"] / max(c["tp"] + c["fp"], 1),
        }
        print(f"{cond}_{seed_s}:", json.dumps(res[f"{cond}_{seed_s}"]), flush=True)
    res["total"] = {
        "recall_legible": tot["leg_tp"] / max(tot["leg_n"], 1),
        "legible_plates": tot["leg_n"],
        "recall_30px": tot["big_tp"] / max(tot["big_n"], 1),
        "plates_30px": tot["big_n"],
        "precision": tot["tp"] / max(tot["tp"] + tot["fp"], 1),
        "detections": tot["tp"] + tot["fp"],
        "ms_per_frame_median": float(np.median(ms)),
        "frames": len(ms),
    }
    print("total:", json.dumps(res["total"]), flush=True)
    if a.json:
        a.json.write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
