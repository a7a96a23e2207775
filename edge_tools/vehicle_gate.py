#!/usr/bin/env python3
"""The optional vehicle detector (models.vehicle) measured side by side, off and on, in one run.

For each clip set and each setting it replays the clips through the whole application (as
`edge-alpr eval` does) and reports reads kept, exact and wrong reads, false reads, the plate boxes
dropped because they lay on no detected vehicle, and the vehicle detector's cost per frame.

Clip sets:
- distractors: empty roads (no vehicle at all) with a burned-in timestamp, walking people and
  swaying trees, rendered into --dir from seeds no training used: every read there is false;
- sample: samples/sample.mp4 with samples/sample.json;
- val: the own-renderer validation clips of `edge_tools.validate` (in --val-dir, rendered if missing).

Settings: `default` (the shipped config) and `bare` (the other precision rules off: no overlay
learner, no motion-shape vehicle check, one agreeing observation, no confidence floor, so that what
the vehicle detector removes on its own shows), each without and with `models.vehicle`.

Example:
  python -m edge_tools.vehicle_gate --model vehicle-det-v1 --out /tmp/vehicle-gate.md
  python -m edge_tools.vehicle_gate --model models/vehicle-det-v1.onnx --sets distractors sample --settings bare
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from edge.app import evaluate_clip
from edge.config import Config
from edge.evaluate import EvalResult
from edge.pipeline import load_models
from edge_tools.validate import CLIPS, ClipSpec, emit, ensure_clip

ROOT = Path(__file__).resolve().parents[1]
# Empty roads: (seed, seconds, condition, density, speed, vehicles); rendered with overlay, walkers, trees.
DISTRACTORS: dict[str, ClipSpec] = {
    "empty-day": (61001, 20, "day", 0.0, 1.0, 0),
    "empty-night": (61002, 20, "night", 0.0, 1.0, 0),
    "empty-rain": (61003, 20, "rain", 0.0, 1.0, 0),
}
BARE: dict[str, Any] = {
    "overlays": {"learn": False},
    "tracking": {"min_on_vehicle": 0, "min_agreeing": 1},
    "store": {"min_confidence": 0},
}


class Tally:
    """Sums the vehicle detector's counts over replays (`evaluate_clip(on_replay=...)`)."""

    def __init__(self) -> None:
        self.no_vehicle = self.vehicle_calls = 0
        self.vehicle_s = 0.0

    def __call__(self, run: Any) -> None:
        self.no_vehicle += run.times.no_vehicle
        self.vehicle_calls += run.times.vehicle_calls
        self.vehicle_s += run.times.seconds["vehicle"]


def config(setting: str, model: str | None) -> Config:
    raw: dict[str, Any] = dict(BARE) if setting.startswith("bare") else {}
    if setting.endswith("+vehicle"):
        raw["models"] = {"vehicle": model}
    return Config.model_validate(raw)


def clips_of(name: str, where: Path, val_dir: Path) -> list[tuple[str, Path, Path]]:
    if name == "sample":
        return [("sample", ROOT / "samples" / "sample.mp4", ROOT / "samples" / "sample.json")]
    if name == "distractors":
        where.mkdir(parents=True, exist_ok=True)
        return [
            (n, *ensure_clip(where, n, clips=DISTRACTORS, overlay=True, pedestrians=4, trees=4)) for n in DISTRACTORS
        ]
    val_dir.mkdir(parents=True, exist_ok=True)
    return [(n, *ensure_clip(val_dir, n)) for n in CLIPS]


def detector_ms(model: str, frames: int = 60) -> float:
    """Median ms of one vehicle-detector call on a 1280x720 rendered frame (letterbox and NMS included)."""
    from edge_tools.synth.scene import Clip

    det = load_models(Config.model_validate({"models": {"vehicle": model}})).vehicles
    assert det is not None
    clip = Clip(seed=61100, seconds=frames / 30, density=0.8)
    images = [clip.render(i)[0] for i in range(clip.n_frames)]
    det.predict(images[0])
    times = []
    for img in images:
        t = time.perf_counter()
        det.predict(img)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="vehicle-det-v1", help="models.vehicle: a model name or an .onnx path")
    ap.add_argument("--dir", type=Path, default=ROOT / "data" / "distractors", help="where distractors are rendered")
    ap.add_argument("--val-dir", type=Path, default=ROOT / "data" / "val", help="edge_tools.validate's clips")
    ap.add_argument(
        "--sets", nargs="*", default=["distractors", "sample", "val"], choices=["distractors", "sample", "val"]
    )
    ap.add_argument("--settings", nargs="*", default=["default", "bare"], choices=["default", "bare"])
    ap.add_argument(
        "--bare-val", action="store_true", help="run the bare setting on the val set too (by default: default only)"
    )
    ap.add_argument("--out", type=Path, default=None, help="also write the Markdown table here")
    a = ap.parse_args()
    lines = [
        "| set | setting | vehicles | reads | exact | wrong | false | no_vehicle boxes | vehicle calls | "
        "vehicle ms/frame | fps |",
        "|---" * 11 + "|",
    ]
    for set_name in a.sets:
        clips = clips_of(set_name, a.dir, a.val_dir)
        for base in a.settings:
            if base == "bare" and set_name == "val" and not a.bare_val:
                continue
            for setting in (base, base + "+vehicle"):
                cfg = config(setting, a.model)
                total, tally = EvalResult(), Tally()
                for name, clip, truth in clips:
                    print(f"{set_name}/{name}: {setting} ...", file=sys.stderr, flush=True)
                    total.add(evaluate_clip(clip, truth, cfg, on_replay=tally))
                ms = 1000 * tally.vehicle_s / max(total.frames, 1)
                lines.append(
                    f"| {set_name} | {setting} | {total.vehicles} | {total.reads} | {total.read_exact} | "
                    f"{total.wrong_reads} | {total.false_reads} | {tally.no_vehicle} | "
                    f"{tally.vehicle_calls} | {ms:.2f} | {total.fps:.1f} |"
                )
                print(lines[-1], file=sys.stderr, flush=True)
    lines += ["", f"vehicle detector alone: {detector_ms(a.model):.1f} ms per 1280x720 frame (median, 1 thread)"]
    emit(lines, a.out)


if __name__ == "__main__":
    main()
