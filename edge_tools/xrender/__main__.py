"""Render the cross set (or some of its clips) into a folder: NAME.mp4 and NAME.json (`edge-alpr eval --truth`).

Example:
  python -m edge_tools.xrender --out data/cross
  python -m edge_tools.xrender --out /tmp/x --only day night --seconds 6   # a quick look
  python -m edge_tools.xrender --out data/cross-calib --seed 7350000 --seconds 10   # the calibration split
  python -m edge_tools.xrender --out data/cross-dev2 --seed 7450000   # a second development split
  python -m edge_tools.xrender --out data/cross-dev3 --seed 7550000   # a third
  python -m edge_tools.xrender --out data/cross-dev4 --seed 7650000   # a fourth
  python -m edge_tools.xrender --out data/cross-dev5 --seed 7750000   # a fifth (and 7850000 a sixth)
  edge-alpr eval data/cross/day.mp4 --truth data/cross/day.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from edge_tools.xrender.clips import (
    CALIB_SEED,
    CROSS_SET,
    DEV2_SEED,
    DEV3_SEED,
    DEV4_SEED,
    DEV5_SEED,
    DEV6_SEED,
    SEED,
    clip_set,
    render_set,
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m edge_tools.xrender", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, required=True, help="folder for the clips (existing clips are kept)")
    ap.add_argument("--only", nargs="*", default=None, help="clip names: " + ", ".join(c.name for c in CROSS_SET))
    ap.add_argument("--seconds", type=float, default=None, help="shorten every clip to this (quick checks)")
    ap.add_argument(
        "--seed",
        type=int,
        default=SEED,
        help=f"base seed: {SEED} is the cross set (default); {CALIB_SEED} the calibration split, {DEV2_SEED}, "
        f"{DEV3_SEED}, {DEV4_SEED}, {DEV5_SEED} and {DEV6_SEED} the second to sixth development splits, disjoint "
        "from it",
    )
    ap.add_argument("--truth-only", action="store_true", help="print the truth JSON of the clips, render nothing")
    a = ap.parse_args(argv)
    if a.seconds is not None and not 3 <= a.seconds <= 600:
        print(f"error: --seconds {a.seconds}: give 3 to 600", file=sys.stderr)
        return 2
    try:
        clip_set(a.seed)
    except ValueError as exc:
        print(f"error: --seed {exc}", file=sys.stderr)
        return 2
    names = {c.name for c in CROSS_SET}
    unknown = sorted(set(a.only or []) - names)
    if unknown:
        print(f"error: --only: no clip named {', '.join(unknown)} (clips: {', '.join(sorted(names))})", file=sys.stderr)
        return 2
    try:
        truths = render_set(a.out, a.only, a.seconds, a.truth_only, seed=a.seed)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if a.truth_only:
        print(json.dumps(truths, indent=1))
        return 0
    total = sum(len(t["vehicles"]) for t in truths)
    print(f"{len(truths)} clips in {a.out}, {total} legible vehicles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
