#!/usr/bin/env python3
"""What each config costs per frame and per plate crop on a busy road, and what that means on a Pi 4.

Replays one clip (default: the cross-renderer's busy road, data/cross/busy.mp4) through the
recognizer of each config, as `edge-alpr replay` would, and prints per config: the stages' wall
time per frame (gate, detector, OCR, tracker), the OCR's cost per plate crop, the plate crops read
per frame, and the process CPU time per frame. Then the Raspberry Pi 4 arithmetic: a Pi 4 core
taken as 4-6x slower than this machine's (docs/DEPLOY.md; an estimate, not a Pi measurement),
frames per second one core recognises while the road is this busy, against the camera's rate.

Wall times on a shared machine include waiting for a core: run it when the machine is quiet, and
compare configs within one run (they replay back to back).

Example:
  python -m edge_tools.ocr_cost --config config/example.yaml config/second-opinion.yaml config/rapidocr.yaml
  python -m edge_tools.ocr_cost --clip data/val/dense.mp4 --camera-fps 30 --config config/example.yaml
"""

from __future__ import annotations

import argparse
import resource
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from edge.types import Image

ROOT = Path(__file__).resolve().parents[1]
PI4_SLOWER = (4.0, 6.0)  # a Pi 4 (Cortex-A72 1.5 GHz) core against these x86 cores (docs/DEPLOY.md)
STAGES = ("gate", "detect", "ocr", "track")


@dataclass(frozen=True)
class Cost:
    """One config's replay of one clip: wall ms per frame by stage, OCR calls, CPU ms per frame."""

    config: str
    frames: int
    ms_per_frame: dict[str, float]
    ocr_calls: int
    detector_calls: int
    cpu_ms_per_frame: float

    @property
    def crops_per_frame(self) -> float:
        return self.ocr_calls / self.frames if self.frames else 0.0

    @property
    def ms_per_crop(self) -> float:
        return self.ms_per_frame["ocr"] * self.frames / self.ocr_calls if self.ocr_calls else 0.0

    @property
    def recognition_ms(self) -> float:
        """Wall ms of recognition per frame (decode not included)."""
        return sum(self.ms_per_frame[s] for s in STAGES)


def pi4_fps(cost: Cost) -> tuple[float, float]:
    """Frames per second one Pi 4 core would recognise at this cost (slowest, fastest estimate)."""
    if cost.recognition_ms <= 0:
        raise ValueError(f"{cost.config}: no recognition time measured")
    slow, fast = PI4_SLOWER[1], PI4_SLOWER[0]
    return 1000.0 / (cost.recognition_ms * slow), 1000.0 / (cost.recognition_ms * fast)


def measure(clip: Path, config: Path | None) -> Cost:
    """Replay `clip` through `config`'s recognizer (no store) and time its stages."""
    from edge.capture import open_source
    from edge.config import load_config
    from edge.pipeline import Recognizer, load_models, replay

    cfg = load_config(config)
    recognizer = Recognizer(cfg, load_models(cfg))
    recognizer.models.ocr.predict([_blank()])  # first call allocates: not the road's cost
    before = resource.getrusage(resource.RUSAGE_SELF)
    run = replay(open_source(clip, camera="cost"), recognizer, lambda read: True)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    t = run.times
    frames = max(t.frames, 1)
    return Cost(
        str(config or "default"),
        t.frames,
        {s: t.seconds[s] * 1000 / frames for s in STAGES},
        t.ocr_calls,
        t.detector_calls,
        cpu * 1000 / frames,
    )


def _blank() -> Image:
    import numpy as np

    return np.full((40, 140, 3), 128, np.uint8)


def table(costs: list[Cost], camera_fps: float) -> str:
    lines = [
        "| config | ms per crop (OCR) | crops per frame | detector ms per call | recognition ms per frame "
        "| CPU ms per frame (with decode) | Pi 4 fps on one core (est.) |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in costs:
        det = c.ms_per_frame["detect"] * c.frames / c.detector_calls if c.detector_calls else 0.0
        lo, hi = pi4_fps(c)
        lines.append(
            f"| {c.config} | {c.ms_per_crop:.1f} | {c.crops_per_frame:.2f} | {det:.1f} | {c.recognition_ms:.1f} "
            f"| {c.cpu_ms_per_frame:.1f} | {lo:.0f}-{hi:.0f} |"
        )
    lines.append("")
    for c in costs:
        lo, hi = pi4_fps(c)
        plates = c.crops_per_frame * camera_fps
        verdict = "keeps up" if lo >= camera_fps else ("keeps up only at best" if hi >= camera_fps else "falls behind")
        lines.append(
            f"{c.config}: a {camera_fps:g} fps camera on this road asks for {plates:.0f} plate crops/s; a Pi 4 core "
            f"({PI4_SLOWER[0]:g}-{PI4_SLOWER[1]:g}x slower) spends {c.recognition_ms * PI4_SLOWER[0]:.0f}-"
            f"{c.recognition_ms * PI4_SLOWER[1]:.0f} ms per frame: {lo:.0f}-{hi:.0f} fps, {verdict} "
            f"(busy frames beyond that are dropped, the newest wins)"
        )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip", type=Path, default=ROOT / "data" / "cross" / "busy.mp4", help="clip to replay")
    ap.add_argument("--config", type=Path, nargs="+", default=None, help="configs to compare (default: the default)")
    ap.add_argument("--camera-fps", type=float, default=15.0, help="the camera's frame rate (the clip's: 15)")
    a = ap.parse_args()
    if not a.clip.exists():
        print(
            f"error: --clip {a.clip}: file not found (python -m edge_tools.xrender --out data/cross)", file=sys.stderr
        )
        return 1
    from edge.errors import EdgeError

    costs = []
    try:
        for c in a.config or [None]:
            print(f"replaying {a.clip.name} with {c or 'the default config'} ...", file=sys.stderr, flush=True)
            costs.append(measure(a.clip, c))
    except EdgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(table(costs, a.camera_fps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
