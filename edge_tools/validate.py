#!/usr/bin/env python3
"""Recognition on the validation set: render it from fixed seeds (once), replay each clip, score it.

Clips: day, night, rain, fast and slow traffic, dense traffic (overlapping vehicles) and an empty
road; none uses a seed of the training data. Prints a Markdown table of `edge-alpr eval` figures per
clip and in total, with false reads per 10 minutes of empty road, and writes it to --out.

Example:
  python -m edge_tools.validate                          # renders data/val/ on first run (a few minutes)
  python -m edge_tools.validate --config my.yaml --out models/VALIDATION.md
  python -m edge_tools.validate --seed-offset 1000 --dir data/dev1   # a development set: same clips, other seeds

--seed-offset N renders every clip from its seed + N into its own --dir (it records N there and
refuses a folder rendered with another offset): more vehicles under the same conditions, to tell a
real change from the noise of 108 vehicles.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from edge.app import evaluate_clip
from edge.config import load_config
from edge.evaluate import EvalResult
from edge_tools.synth.plates import PLATE_FONTS, available_fonts, require_fonts
from edge_tools.synth.scene import render_clip

ROOT = Path(__file__).resolve().parents[1]
# name: (seed, seconds, condition, density, speed, vehicles)
ClipSpec = tuple[int, float, str, float, float, int | None]
CLIPS: dict[str, ClipSpec] = {
    "day": (50001, 40, "day", 0.4, 1.0, None),
    "night": (50002, 40, "night", 0.4, 1.0, None),
    "rain": (50003, 40, "rain", 0.4, 1.0, None),
    "fast": (50004, 40, "day", 0.4, 1.6, None),
    "slow": (50005, 40, "day", 0.4, 0.6, None),
    "dense": (50006, 40, "day", 0.9, 1.0, None),
    "empty": (50007, 120, "day", 0.0, 1.0, 0),
}


def library_versions() -> str:
    """The libraries that render, code and decode the clips: the same seeds give other frames under others.

    Measured: plate-ocr-v8 read 98 of 108 on clips rendered under the libraries of 2026-11-28 and 101
    under opencv-python-headless 5.1.0.95 / numpy 2.4.6 (2026-12-02, the whole font set; 102 without osifont):
    compare figures only under one set.
    """
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("opencv-python-headless", "opencv-python", "numpy", "Pillow", "onnxruntime"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            continue
    fonts = len(available_fonts())
    return ", ".join(found) + f"; {fonts} of {len(PLATE_FONTS)} plate fonts"


SEEDS_FILE = "seed-offset.txt"


def check_seed_offset(where: Path, offset: int) -> None:
    """Record `offset` in `where` (the first time) or check it against the one recorded there.

    A folder with clips but no record was rendered by a run before --seed-offset: offset 0.
    Raises ValueError when the folder's clips come from another offset.
    """
    record = where / SEEDS_FILE
    if record.exists():
        text = record.read_text().strip()
        try:
            found = int(text)
        except ValueError:
            raise ValueError(f"{record}: expected one integer (the seed offset), found {text!r}") from None
    elif any(where.glob("*.mp4")):
        found = 0
    else:
        where.mkdir(parents=True, exist_ok=True)
        record.write_text(f"{offset}\n")
        return
    if found != offset:
        raise ValueError(
            f"{where} holds clips rendered with --seed-offset {found}, not {offset}: "
            f"give another --dir for offset {offset}"
        )
    if not record.exists():
        record.write_text(f"{found}\n")


def ensure_clip(
    where: Path, name: str, seed_offset: int = 0, clips: dict[str, ClipSpec] | None = None, **extra: object
) -> tuple[Path, Path]:
    """Clip `name` of `clips` (default CLIPS): its .mp4 and truth .json in `where`, rendered there
    first if missing; `extra` goes to `render_clip` (overlay, pedestrians, trees)."""
    seed, seconds, condition, density, speed, vehicles = (clips or CLIPS)[name]
    clip, truth = where / f"{name}.mp4", where / f"{name}.json"
    if not clip.exists() or not truth.exists():
        require_fonts()  # the same seeds render other plates under other fonts
        t0 = time.time()
        print(f"rendering {name} ({seconds:.0f} s, {condition}) ...", file=sys.stderr, flush=True)
        render_clip(
            clip, truth, seed=seed + seed_offset, seconds=seconds, condition=condition, density=density,
            speed=speed, n_vehicles=vehicles, **extra,  # type: ignore[arg-type]
        )  # fmt: skip
        print(f"  {time.time() - t0:.0f} s", file=sys.stderr)
    return clip, truth


def emit(lines: list[str], out: Path | None) -> None:
    """Print a Markdown table (its lines) and also write it to `out` when given."""
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        out.write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=ROOT / "data" / "val", help="where the clips are rendered")
    ap.add_argument("--config", type=Path, default=None, help="edge-alpr config to evaluate with")
    ap.add_argument("--out", type=Path, default=None, help="also write the Markdown table here")
    ap.add_argument("--only", nargs="*", default=None, help="clip names to run (default: all)")
    ap.add_argument("--seed-offset", type=int, default=0, help="render from each clip's seed + N (default 0)")
    a = ap.parse_args()
    try:
        check_seed_offset(a.dir, a.seed_offset)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    cfg = load_config(a.config)
    rows: dict[str, EvalResult] = {}
    total = EvalResult()
    empty_seconds = 0.0
    for name in CLIPS:
        if a.only and name not in a.only:
            continue
        clip, truth = ensure_clip(a.dir, name, a.seed_offset)
        print(f"evaluating {name} ...", file=sys.stderr, flush=True)
        res = evaluate_clip(clip, truth, cfg)
        rows[name] = res
        total.add(res)
        if name == "empty":
            empty_seconds = res.frames / 30.0
    cols = ["vehicles", "read_exact", "missed", "duplicate_reads", "wrong_reads", "false_reads", "fps"]
    lines = ["| clip | " + " | ".join(cols) + " | exact rate |", "|---" * (len(cols) + 2) + "|"]
    for name, r in [*rows.items(), ("**total**", total)]:
        d = r.as_dict()
        lines.append(f"| {name} | " + " | ".join(str(d[c]) for c in cols) + f" | {r.exact_rate:.1%} |")
    lines.append("")
    lines.append(
        f"read_exact {total.exact_rate:.1%} of {total.vehicles} vehicles; duplicate reads "
        f"{total.duplicate_reads / max(total.vehicles, 1):.1%} of vehicles"
    )
    if "empty" in rows and empty_seconds:
        per10 = rows["empty"].false_reads * 600 / empty_seconds
        lines.append(f"false reads on the empty road: {rows['empty'].false_reads} in {empty_seconds:.0f} s "
                     f"= {per10:.1f} per 10 minutes")  # fmt: skip
    lines.append(f"this run: {library_versions()} (clips rendered by an earlier run keep its libraries)")
    emit(lines, a.out)


if __name__ == "__main__":
    main()
