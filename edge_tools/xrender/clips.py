"""The cross set: one clip per condition plus empty roads, fixed seeds, 720p at 15 fps."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from edge_tools.xrender.plates import require_fonts
from edge_tools.xrender.scene import Clip, ClipSpec, write_clip

SEED = 7_250_000  # the set's base seed; a clip's seed is SEED + its index (never a training seed)

# (name, condition, vehicles that pass, seconds, further conditions shown). Empty roads have
# pedestrians, trees in wind and the camera's date/time overlay, and no vehicle: every read there
# is a false read.
_PLAN: tuple[tuple[str, str, int, float, tuple[str, ...]], ...] = (
    ("day", "day", 15, 26, ()),
    ("dusk", "dusk", 15, 26, ()),
    ("night", "night", 17, 28, ()),
    ("ir", "ir", 16, 27, ("night",)),
    ("rain", "rain", 16, 27, ()),
    ("fog", "fog", 16, 27, ()),
    ("glare", "glare", 16, 27, ()),
    ("overexposure", "overexposure", 15, 24, ("fast",)),
    ("low-light", "low-light", 17, 28, ()),
    ("occlusion", "occlusion", 16, 27, ()),
    ("shake", "shake", 15, 26, ()),
    ("busy", "busy", 22, 24, ()),
    ("empty-day", "day", 0, 20, ("empty", "wind")),
    ("empty-night", "night", 0, 20, ("empty",)),
    ("empty-rain", "rain", 0, 20, ("empty", "wind")),
)
CROSS_SET: tuple[ClipSpec, ...] = tuple(
    ClipSpec(name, SEED + k, seconds, cond, n, tags) for k, (name, cond, n, seconds, tags) in enumerate(_PLAN)
)


def shortened(spec: ClipSpec, seconds: float) -> ClipSpec:
    """`spec` cut to `seconds` with as many vehicles as fit (at least 2 where it had any): quick checks."""
    n = max(2, round(spec.vehicles * seconds / spec.seconds)) if spec.vehicles else 0
    return ClipSpec(spec.name, spec.seed, seconds, spec.condition, n, spec.tags)


def render_set(
    out: Path,
    only: list[str] | None = None,
    seconds: float | None = None,
    truth_only: bool = False,
    quiet: bool = False,
) -> list[dict[str, Any]]:
    """Render the clips of CROSS_SET missing from `out` (NAME.mp4 + NAME.json); return every clip's truth.

    `seconds` shortens every clip (tests, quick looks); `truth_only` computes the truth without pixels
    and writes nothing.
    """
    if not truth_only:
        require_fonts()
    truths = []
    for full in CROSS_SET:
        if only and full.name not in only:
            continue
        spec = full if seconds is None else shortened(full, seconds)
        if truth_only:
            truths.append(Clip(spec).truth())
            continue
        mp4, js = out / f"{spec.name}.mp4", out / f"{spec.name}.json"
        if mp4.exists() and js.exists():
            truths.append(json.loads(js.read_text()))
            continue
        t0 = time.time()
        if not quiet:
            print(f"xrender: rendering {spec.name} ({spec.seconds:.0f} s) ...", file=sys.stderr, flush=True)
        truths.append(write_clip(Clip(spec), mp4, js))
        if not quiet:
            n = len(truths[-1]["vehicles"])
            print(f"  {n} legible vehicles, {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    return truths
