#!/usr/bin/env python3
"""Measure the plate OCR model on a held-out synthetic set and on crops from rendered clips.

1. Val set: every image of VAL_CSV (from scripts/make_ocr_dataset.py) through
   fast_plate_ocr.LicensePlateRecognizer with the shipped ONNX model and plate config.
2. Clips: renders clips (seeds not used for training), crops every legible plate the way the
   pipeline does (plate box grown by 10 % per side, no jitter) in every frame, and reports per-crop
   accuracy and per-vehicle accuracy after a majority vote over the vehicle's crops.

Plate accuracy = exact match; character accuracy = position-wise matches over the longer of
(true, predicted) length.

Example:
    python scripts/eval_ocr.py --val-csv /work/data-gen/ocr/val.csv --json /tmp/ocr-eval.json

Needs fast-plate-ocr[onnx]==1.1.x, onnxruntime, numpy, opencv-python-headless, Pillow, fonts.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from edge_tools.synth.plates import require_fonts
from edge_tools.synth.scene import Clip

ROOT = Path(__file__).resolve().parents[1]


def char_acc(t: str, p: str) -> tuple[int, int]:
    n = max(len(t), len(p))
    return sum(1 for a, b in zip(t, p, strict=False) if a == b), n


def summarize(pairs: list[tuple[str, str]]) -> dict:
    ok = sum(t == p for t, p in pairs)
    cm = cn = 0
    for t, p in pairs:
        m, n = char_acc(t, p)
        cm += m
        cn += n
    return {"n": len(pairs), "plate_acc": ok / max(len(pairs), 1), "char_acc": cm / max(cn, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "models/plate-ocr-v8.onnx"))
    ap.add_argument("--plate-config", default=str(ROOT / "models/plate-ocr-v8.yaml"))
    ap.add_argument("--val-csv", default="/work/data-gen/ocr/val.csv")
    ap.add_argument("--clip-seeds", default="424242:day,434343:night,454545:rain", help="seed:condition,...")
    ap.add_argument("--clip-seconds", type=float, default=20)
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    a = ap.parse_args()
    require_fonts()  # the same seeds render other plates under other fonts

    from fast_plate_ocr import LicensePlateRecognizer

    rec = LicensePlateRecognizer(onnx_model_path=a.model, plate_config_path=a.plate_config, device="cpu")
    res: dict = {}
    if a.val_csv and Path(a.val_csv).is_file():
        base = Path(a.val_csv).parent
        with open(a.val_csv) as f:
            rows = list(csv.DictReader(f))
        t0 = time.perf_counter()
        pairs = []
        for i in range(0, len(rows), 64):
            chunk = rows[i : i + 64]
            preds = rec.run([str(base / r["image_path"]) for r in chunk])
            pairs += [(r["plate_text"], p.plate) for r, p in zip(chunk, preds, strict=True)]
        res["val"] = summarize(pairs)
        res["val"]["ms_per_plate_batched"] = (time.perf_counter() - t0) * 1000 / max(len(rows), 1)
        print("val:", json.dumps(res["val"]), flush=True)
        bad = [(t, p) for t, p in pairs if t != p][:15]
        print("  some errors (true -> predicted):", ", ".join(f"{t}->{p}" for t, p in bad), flush=True)
    # Single-crop latency.
    one = np.full((40, 160, 3), 200, np.uint8)
    rec.run(one)
    t0 = time.perf_counter()
    for _ in range(50):
        rec.run(one)
    res["ms_per_plate_single"] = (time.perf_counter() - t0) * 1000 / 50

    for spec in filter(None, a.clip_seeds.split(",")):  # "" : the val set only
        seed_s, cond = spec.split(":")
        clip = Clip(seed=int(seed_s), seconds=a.clip_seconds, n_vehicles=10, condition=cond)
        truth = clip.truth()
        listed = {v["plate"] for v in truth["vehicles"]}
        pairs = []
        votes: dict[str, Counter] = {}
        w, h = clip.size
        for i in range(clip.n_frames):
            plates = clip.plates(i)
            if not any(p.legible and p.text in listed for p in plates):
                continue
            frame, plates = clip.render(i)
            for p in plates:
                if not (p.legible and p.text in listed):
                    continue
                x1, y1, x2, y2 = p.box
                bw, bh = x2 - x1, y2 - y1
                cx1, cy1 = int(max(0, x1 - 0.1 * bw)), int(max(0, y1 - 0.1 * bh))
                cx2, cy2 = int(min(w, x2 + 0.1 * bw)), int(min(h, y2 + 0.1 * bh))
                crop = cv2.cvtColor(frame[cy1:cy2, cx1:cx2], cv2.COLOR_BGR2RGB)
                pred = rec.run(crop)[0].plate
                pairs.append((p.text, pred))
                votes.setdefault(p.text, Counter())[pred] += 1
        key = f"clip_{cond}_{seed_s}"
        res[key] = summarize(pairs)
        res[key]["vehicles"] = len(listed)
        res[key]["vehicle_acc_majority_vote"] = sum(
            1 for t in listed if t in votes and votes[t].most_common(1)[0][0] == t
        ) / max(len(listed), 1)
        print(f"{key}:", json.dumps(res[key]), flush=True)
    if a.json:
        a.json.write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
