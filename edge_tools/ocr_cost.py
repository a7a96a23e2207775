#!/usr/bin/env python3
"""What each config costs per frame and per plate crop on a busy road, and what that means on a Pi 4.

Replays one clip (default: the cross-renderer's busy road, data/cross/busy.mp4) through the
recognizer of each config, as `edge-alpr replay` would, and prints per config: the OCR's CPU time
per plate crop, the plate crops read per frame, the detector's CPU time per call, and the process
CPU time per frame (decode, gate and tracker included). Then the Raspberry Pi 4 arithmetic: a Pi 4 core
taken as 4-6x slower than this machine's (docs/DEPLOY.md; an estimate, not a Pi measurement),
frames per second one core recognises while the road is this busy, against the camera's rate.

CPU times, not wall times: on a shared machine wall time includes waiting for a core. Cache and
frequency effects of a busy machine remain: compare configs within one run (back to back).

Example:
  python -m edge_tools.ocr_cost --config config/example.yaml config/second-opinion.yaml config/rapidocr.yaml
  python -m edge_tools.ocr_cost --clip data/val/dense.mp4 --camera-fps 30 --config config/example.yaml
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edge.types import Image

ROOT = Path(__file__).resolve().parents[1]
PI4_SLOWER = (4.0, 6.0)  # a Pi 4 (Cortex-A72 1.5 GHz) core against these x86 cores (docs/DEPLOY.md)


class Timed:
    """A detector or OCR whose calls are timed in CPU seconds of the calling thread (onnxruntime with
    one intra-op thread runs on it), so a busy shared machine does not inflate the figure."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name = inner, inner.name
        self.cpu, self.calls, self.items = 0.0, 0, 0

    def predict(self, x: Any, *rest: Any) -> Any:
        t = time.thread_time()
        out = self.inner.predict(x, *rest)
        self.cpu += time.thread_time() - t
        self.calls += 1
        self.items += len(x) if isinstance(x, list) else 1
        return out


@dataclass(frozen=True)
class Cost:
    """One config's replay of one clip: CPU ms of the detector and the OCR, and of the whole process
    (decode, gate, tracker included), their calls, and the replay's wall fps."""

    config: str
    frames: int
    detector_ms: float  # CPU, all calls
    detector_calls: int
    ocr_ms: float  # CPU, all crops (both backends with a second opinion)
    crops: int
    cpu_ms_per_frame: float  # the whole process, decode included
    wall_fps: float

    @property
    def crops_per_frame(self) -> float:
        return self.crops / self.frames if self.frames else 0.0

    @property
    def ms_per_crop(self) -> float:
        return self.ocr_ms / self.crops if self.crops else 0.0

    @property
    def inference_ms_per_frame(self) -> float:
        """Detector and OCR CPU ms per frame: what the runner's recognition thread carries (capture and
        the motion gate run on threads of their own)."""
        return (self.detector_ms + self.ocr_ms) / self.frames if self.frames else 0.0

    @property
    def ms_per_detector_call(self) -> float:
        return self.detector_ms / self.detector_calls if self.detector_calls else 0.0


def pi4_fps(cost: Cost) -> tuple[float, float]:
    """Frames per second one Pi 4 core would decode and recognise at this cost (slowest, fastest)."""
    if cost.cpu_ms_per_frame <= 0:
        raise ValueError(f"{cost.config}: no CPU time measured")
    slow, fast = PI4_SLOWER[1], PI4_SLOWER[0]
    return 1000.0 / (cost.cpu_ms_per_frame * slow), 1000.0 / (cost.cpu_ms_per_frame * fast)


def measure(clip: Path, config: Path | None) -> Cost:
    """Replay `clip` through `config`'s recognizer (no store) and time its stages in CPU time."""
    from edge.capture import open_source
    from edge.config import load_config
    from edge.pipeline import Models, Recognizer, load_models, replay

    cfg = load_config(config)
    models = load_models(cfg)
    models.ocr.predict([_blank()])  # the first call allocates: not the road's cost
    det, ocr = Timed(models.detector), Timed(models.ocr)
    recognizer = Recognizer(cfg, Models(detector=det, ocr=ocr, calibration=models.calibration))
    before = resource.getrusage(resource.RUSAGE_SELF)
    run = replay(open_source(clip, camera="cost"), recognizer, lambda read: True)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    frames = max(run.frames, 1)
    return Cost(str(config or "default"), run.frames, det.cpu * 1000, det.calls, ocr.cpu * 1000, ocr.items,
                cpu * 1000 / frames, run.fps)  # fmt: skip


def _blank() -> Image:
    import numpy as np

    return np.full((40, 140, 3), 128, np.uint8)


def table(costs: list[Cost], camera_fps: float) -> str:
    lines = [
        "| config | OCR CPU ms per crop | crops per frame | detector CPU ms per call | detector + OCR CPU ms per "
        "frame | CPU ms per frame (decode included) | replay fps here | Pi 4 fps on one core (est.) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in costs:
        lo, hi = pi4_fps(c)
        lines.append(
            f"| {c.config} | {c.ms_per_crop:.1f} | {c.crops_per_frame:.2f} | {c.ms_per_detector_call:.1f} "
            f"| {c.inference_ms_per_frame:.1f} | {c.cpu_ms_per_frame:.1f} | {c.wall_fps:.0f} | {lo:.0f}-{hi:.0f} |"
        )
    lines.append("")
    for c in costs:
        lo, hi = pi4_fps(c)
        plates = c.crops_per_frame * camera_fps
        inf = (c.inference_ms_per_frame * PI4_SLOWER[0], c.inference_ms_per_frame * PI4_SLOWER[1])
        verdict = "keeps up" if lo >= camera_fps else ("keeps up only at best" if hi >= camera_fps else "falls behind")
        lines.append(
            f"{c.config}: a {camera_fps:g} fps camera on this road asks for {plates:.0f} plate crops/s; a Pi 4 core "
            f"({PI4_SLOWER[0]:g}-{PI4_SLOWER[1]:g}x slower) spends {c.cpu_ms_per_frame * PI4_SLOWER[0]:.0f}-"
            f"{c.cpu_ms_per_frame * PI4_SLOWER[1]:.0f} ms per frame: {lo:.0f}-{hi:.0f} fps, {verdict} "
            f"on one core; detector + OCR alone (the recognition thread) {inf[0]:.0f}-{inf[1]:.0f} ms per frame "
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
