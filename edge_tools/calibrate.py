#!/usr/bin/env python3
"""Calibrate read confidence: fit P(read exact | raw confidence) on clips the models never saw.

Reads come from edge_tools/tracker_lab.py caches (detector and OCR run once per clip set): each cache is
replayed through the tracker of --config with no confidence threshold and no calibration, and every
read is marked exact (its text is the plate of a vehicle in view then, as `edge-alpr eval` scores)
or not (a wrong plate, a fragment, junk). An isotonic (monotone) fit of exact on raw confidence is
written beside the OCR model as NAME.calibration.json; the tracker then stores the mapped value.
`--score` picks the raw confidence (`edge.track.tracker.read_confidence`): the least sure
character's (default since 2026-12-05; `cv` compares it with the vote's mean) or the vote's mean;
the file records it and the tracker computes the same one.

`table` prints the reliability table of a calibration on a set (predicted vs observed share of exact
reads per bin), and for candidate thresholds the share of stored reads that are exact and the
vehicles read exactly, as models/README.md shows them.

Example:
  python edge_tools/tracker_lab.py cache data/obs-dev1.pkl --dir data/dev1     # the fitting set
  python edge_tools/tracker_lab.py cache data/obs-val.pkl                     # the evaluation set
  python -m edge_tools.calibrate fit data/obs-dev1.pkl --out models/plate-ocr-v8.calibration.json
  python -m edge_tools.calibrate fit data/obs-calib.pkl data/obs-dev1.pkl --out x.json   # caches pooled
  python -m edge_tools.calibrate table data/obs-val.pkl --calibration models/plate-ocr-v8.calibration.json
  python -m edge_tools.calibrate cv data/obs-calib.pkl --with data/obs-ownval.pkl   # which fit, chosen on the split
  python -m edge_tools.calibrate cv data/obs-calib.pkl --score mean                  # the other raw score
  python -m edge_tools.tracker_lab cache data/crops-calib.pkl --dir data/cross-calib --crops
  python -m edge_tools.calibrate verified data/crops-calib.pkl data/crops-dev2.pkl \
      --calibration models/plate-ocr-ctc-v1.calibration.json     # how often reads ocr.verifier agrees with are exact

`verified` replays caches made with --crops through the tracker of a config (ocr.verifier: auto or rapidocr),
marks each read the verifier let through (under store.min_confidence, read the same way by the second
OCR) exact or not, and writes their share exact (one exact and one inexact added, as the map's blocks)
into the calibration file as `verified`: the confidence such reads are stored with.

The caches are pickles of this repository's own dataclasses: load only files you made.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import pickle
import shlex
import sys
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from edge.cli.common import resolve_config
from edge.evaluate import Truth
from edge.pipeline import verifier_ocr
from edge.track import PlateTracker
from edge.track.calibration import RAW_SCORES, Calibration, fit_isotonic
from edge.types import Read
from edge_tools.tracker_lab import cache_tracker

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "sample.json"
BINS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0001)
SCORE_HELP = (
    "the raw confidence to fit on (edge.track.tracker.read_confidence): weakest, the least sure character's "
    "confidence (default), or mean, the vote's mean over positions"
)
THRESHOLDS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def exact_flags(reads: list[Read], truth: Truth) -> tuple[list[bool], set[int]]:
    """Per read: exact or not (as edge.evaluate.score judges them), and the vehicles read exactly."""
    flags = []
    vehicles: set[int] = set()
    for r in reads:
        match = [i for i in truth.candidates(r.frame_index) if truth.vehicles[i].plate == r.plate]
        flags.append(bool(match))
        if match:
            vehicles.add(match[0])
    return flags, vehicles


def collect(cache: Path, config: Path | None, score: str) -> list[tuple[str, Truth, list[Read]]]:
    """Every clip of a cache replayed through the config's tracker without confidence threshold or
    calibration, each read carrying the raw confidence `score` (`edge.track.calibration.RAW_SCORES`)."""
    with cache.open("rb") as f:
        data = pickle.load(f)  # a file tracker_lab.py wrote (see the module docstring)
    cfg = resolve_config(config, cache.with_suffix(".unused.db"))
    tracking = cfg.tracking.model_copy(update={"min_confidence": 0.0})
    out = []
    for name, frames in data["clips"].items():
        if name == "sample":
            continue  # not in the validation totals (tracker_lab.py)
        truth = Truth.load(Path(data["dir"]) / f"{name}.json")
        tracker = PlateTracker(tracking, detector_model=data["detector"], ocr_model=data["ocr"], score=score)
        reads: list[Read] = []
        for fi, ts, obs in frames:
            reads += tracker.update(fi, ts, obs)
        reads += tracker.flush()
        out.append((name, truth, reads))
    return out


def fit(a: argparse.Namespace) -> None:
    metas = []
    for cache in a.cache:
        with cache.open("rb") as f:
            metas.append(pickle.load(f))  # files tracker_lab.py wrote (see the module docstring)
    models = {(m["ocr"], m["detector"]) for m in metas}
    if len(models) > 1:
        raise SystemExit(f"error: the caches were made with different models {sorted(models)}: fit one setup at a time")
    raws: list[float] = []
    exact: list[bool] = []
    parts = []
    for cache, meta in zip(a.cache, metas, strict=True):
        n0, e0 = len(raws), sum(exact)
        for _name, truth, reads in collect(cache, a.config, a.score):
            flags, _ = exact_flags(reads, truth)
            raws += [r.confidence for r in reads]
            exact += flags
        where = Path(meta["dir"])
        shown = where.relative_to(ROOT) if where.is_relative_to(ROOT) else where
        parts.append(f"{len(raws) - n0} reads ({sum(exact) - e0} exact) of the clips in {shown}")
    xs, ys = fit_isotonic(raws, exact)
    cal = Calibration(metas[0]["ocr"], tuple(xs), tuple(ys), a.score)
    doc = {
        **cal.to_dict(),
        "fitted_on": "; ".join(parts) + (f" ({a.note})" if a.note else ""),
        "detector": metas[0]["detector"],
        "fitted": datetime.now(UTC).strftime("%Y-%m-%d"),
        "command": "python -m edge_tools.calibrate fit " + shlex.join(sys.argv[2:]),
    }
    a.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {a.out}: {len(xs)} knots from {len(raws)} reads, {sum(exact)} exact")


def brier(rows: list[tuple[float, bool]]) -> float:
    return sum((p - e) ** 2 for p, e in rows) / max(len(rows), 1)


def labelled(cache: Path, config: Path | None, score: str) -> dict[str, list[tuple[float, bool]]]:
    """Per clip of a cache: each read's raw confidence and whether it was exact."""
    out = {}
    for name, truth, reads in collect(cache, config, score):
        flags, _ = exact_flags(reads, truth)
        out[name] = [(r.confidence, f) for r, f in zip(reads, flags, strict=True)]
    return out


def cv(a: argparse.Namespace) -> None:
    """Leave-one-clip-out on the fitting split: which fit to ship, decided without the set that scores it."""
    split = labelled(a.cache, a.config, a.score)
    extra = [x for c in a.with_ for v in labelled(c, a.config, a.score).values() for x in v]
    fits: dict[str, list[tuple[float, bool]]] = {"split alone": [], "split + --with pooled": [], "--with alone": []}
    for held, test in split.items():
        rest = [x for name, v in split.items() if name != held for x in v]
        for label, train in zip(fits, (rest, rest + extra, extra), strict=True):
            if not train or not test:
                continue
            xs, ys = fit_isotonic([c for c, _ in train], [e for _, e in train])
            cal = Calibration("cv", tuple(xs), tuple(ys), a.score)
            fits[label] += [(cal(c), e) for c, e in test]
    print(f"leave-one-clip-out on {a.cache} ({sum(map(len, split.values()))} reads in {len(split)} clips)")
    for label, rows in fits.items():
        if rows:
            mean = sum(p for p, _ in rows) / len(rows)
            seen = sum(e for _, e in rows) / len(rows)
            print(f"{label:22s} Brier {brier(rows):.4f}  mean predicted {mean:.3f}  observed exact {seen:.3f}")


def table(a: argparse.Namespace) -> None:
    cal = Calibration.load(a.calibration)
    rows: list[tuple[float, bool]] = []
    vehicles_total = 0
    exact_by_threshold = dict.fromkeys(THRESHOLDS, 0)
    for _name, truth, reads in collect(a.cache, a.config, cal.score):
        flags, _ = exact_flags(reads, truth)
        vehicles_total += len(truth.vehicles)
        mapped = [cal(r.confidence) for r in reads]
        rows += list(zip(mapped, flags, strict=True))
        for t in THRESHOLDS:
            kept = [r for r, m in zip(reads, mapped, strict=True) if m >= t]
            exact_by_threshold[t] += len(exact_flags(kept, truth)[1])
    print(f"reliability of {a.calibration.name} on {a.cache} ({len(rows)} reads, {vehicles_total} vehicles)")
    print(
        f"Brier score {brier(rows):.4f} (mean squared gap between calibrated confidence and exact: lower is better)\n"
    )
    print("| calibrated confidence | reads | mean predicted | observed exact |")
    print("|---|---|---|---|")
    for lo, hi in pairwise(BINS):
        b = [(p, e) for p, e in rows if lo <= p < hi]
        if b:
            pred = sum(p for p, _ in b) / len(b)
            obs = sum(e for _, e in b) / len(b)
            print(f"| {lo:.2f}-{min(hi, 1):.2f} | {len(b)} | {pred:.3f} | {obs:.3f} |")
    print("\n| threshold | reads kept | exact share of kept | wrong + junk | vehicles read exactly |")
    print("|---|---|---|---|---|")
    for t in THRESHOLDS:
        kept = [e for p, e in rows if p >= t]
        share = sum(kept) / len(kept) if kept else 1.0
        print(
            f"| {t:.2f} | {len(kept)} | {share:.1%} | {len(kept) - sum(kept)} | "
            f"{exact_by_threshold[t]}/{vehicles_total} ({exact_by_threshold[t] / max(vehicles_total, 1):.1%}) |"
        )


def verified(a: argparse.Namespace) -> None:
    cfg = resolve_config(a.config, a.cache[0].with_suffix(".unused.db"))
    doc = json.loads(a.calibration.read_text())
    cal = Calibration.load(a.calibration)
    if max(cal.exact) >= 1.0:
        raise SystemExit(f"error: {a.calibration} maps some reads to 1.0: verified reads could not be told apart")
    # The verified reads are stored at the `verified` figure: at 1.0 here, no other read's value.
    probe = dataclasses.replace(cal, verified=1.0)
    second = verifier_ocr(cfg, probe, cal.ocr_model)
    if second is None:
        raise SystemExit("error: the config's ocr.verifier is none: verified needs one (the default, auto, has it)")
    n = k = 0
    parts = []
    for cache in a.cache:
        with cache.open("rb") as f:
            data = pickle.load(f)  # a file tracker_lab.py wrote (see the module docstring)
        if not data.get("crops"):
            raise SystemExit(f"error: {cache} has no crops: make it with tracker_lab.py cache --crops")
        n0, k0 = n, k
        for name, frames in data["clips"].items():
            if name == "sample":
                continue
            truth = Truth.load(Path(data["dir"]) / f"{name}.json")
            tracker = cache_tracker(cfg, data, probe, second)
            reads: list[Read] = []
            for fi, ts, obs in frames:
                reads += tracker.update(fi, ts, obs)
            reads += tracker.flush()
            flags, _ = exact_flags([r for r in reads if r.confidence == 1.0], truth)
            n, k = n + len(flags), k + sum(flags)
        where = Path(data["dir"])
        shown = where.relative_to(ROOT) if where.is_relative_to(ROOT) else where
        parts.append(f"{k - k0} of {n - n0} in {shown}")
        print(f"{cache}: {n - n0} verified reads, {k - k0} exact", file=sys.stderr)
    value = round((k + 1) / (n + 2), 4)
    doc["verified"] = value
    doc["verified_on"] = (
        f"{n} reads under store.min_confidence {cfg.store.min_confidence} that {second.name} read the same way "
        f"on {cfg.ocr.verify_agree} of their best {cfg.ocr.verify_crops} crops, {k} exact ({'; '.join(parts)})"
        + (f" ({a.note})" if a.note else "")
    )
    doc["verified_command"] = "python -m edge_tools.calibrate verified " + shlex.join(sys.argv[2:])
    a.calibration.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {a.calibration}: verified {value} ({k} of {n} verified reads exact)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fit", help="fit the calibration on a cache's reads and write it")
    f.add_argument("cache", type=Path, nargs="+", help="one or more caches, pooled")
    f.add_argument("--out", type=Path, required=True, help="calibration JSON (models/NAME.calibration.json)")
    f.add_argument("--note", default="", help="what the caches are (split, seed, vehicles), kept in fitted_on")
    f.add_argument("--config", type=Path, default=None, help="edge-alpr config (its tracking keys)")
    f.add_argument("--score", choices=RAW_SCORES, default="weakest", help=SCORE_HELP)
    t = sub.add_parser("table", help="reliability table and thresholds of a calibration on a cache")
    t.add_argument("cache", type=Path)
    t.add_argument("--calibration", type=Path, required=True)
    t.add_argument("--config", type=Path, default=None, help="edge-alpr config (its tracking keys)")
    v = sub.add_parser("cv", help="leave-one-clip-out Brier of fits on a split, alone and pooled with --with caches")
    v.add_argument("cache", type=Path)
    v.add_argument("--with", dest="with_", type=Path, nargs="*", default=[], help="caches to pool with the split")
    v.add_argument("--config", type=Path, default=None, help="edge-alpr config (its tracking keys)")
    v.add_argument("--score", choices=RAW_SCORES, default="weakest", help=SCORE_HELP)
    w = sub.add_parser(
        "verified", help="how often reads ocr.verifier lets through are exact; written to the calibration"
    )
    w.add_argument("cache", type=Path, nargs="+", help="caches made with tracker_lab.py cache --crops, pooled")
    w.add_argument("--calibration", type=Path, required=True, help="the calibration JSON to add `verified` to")
    w.add_argument("--config", type=Path, default=None, help="edge-alpr config (ocr.verifier, its crops and agree)")
    w.add_argument("--note", default="", help="what the cache is (split, seed, vehicles), kept in verified_on")
    a = ap.parse_args()
    for p in a.cache if a.cmd in ("fit", "verified") else [a.cache, *getattr(a, "with_", [])]:
        if not p.is_file():
            raise SystemExit(f"error: {p}: no such cache (make one with edge_tools/tracker_lab.py cache {p})")
    {"fit": fit, "table": table, "cv": cv, "verified": verified}[a.cmd](a)


if __name__ == "__main__":
    main()
