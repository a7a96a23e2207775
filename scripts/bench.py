"""Benchmark: this pipeline vs the per-frame baseline vs decode only, on the same clips and models.

One run, same machine, same clips, same models, side by side:
  decode    the physical floor: decode every frame and nothing else
  pipeline  edge.runner.Runner on the clip as fast as it goes (unpaced, nothing dropped), reads
            into a real SQLite store
  paced     the same Runner with the clip paced at its frame rate like a camera (newest frame wins;
            drops counted): frame->store latency under real-time input
  baseline  what fast-alpr's `ALPR.predict` does, every frame: detector on the whole frame, OCR of
            every box. Uses fast-alpr 0.4 itself with our detector (a BaseDetector adapter) and our
            OCR model plugged in when it is importable, else the same loop written plainly.

Each (clip, mode) runs in its own subprocess, so peak RSS and CPU time belong to that mode alone.
Clips are rendered once by edge_tools.synth.scene (deterministic seeds) into --clips-dir:
  empty   an empty road (no vehicle)
  one     one vehicle always in view (a slow approach; the plate is visible in every frame)
  sparse  sparse traffic (two vehicles in the clip)
  busy    traffic with distractors: a vehicle every ~2 s, 4 pedestrians, 3 trees in wind, a lighting
          flicker (clouds, a lamp's beat, headlights sweeping) and a burned-in date/time overlay
  street  an empty road with the same distractors and no vehicle: what the gate must learn to ignore
at 1280x720 and 1920x1080, 30 fps, MPEG-4 Part 2 (the wheels' OpenCV has no H.264 encoder), and
  xstreet the second renderer's empty road (edge_tools.xrender: its own pedestrians, trees in wind,
          camera, JPEG and date/time overlay; a seed of neither the cross set nor its calibration
          split) at its 1280x720 and 15 fps, with the same lighting flicker laid over each frame:
          the kind of clip issue 29 was measured on (720p only)
  xbusy   the second renderer's busy road the same way (its `busy` plan: ~1 vehicle a second and 9-12
          pedestrians), with the flicker
Each repeat runs every mode once before the next repeat (interleaved: a change in the machine's
load hits all modes alike); the median run by CPU ms/frame is reported, and each ratio is the median
of the repeats' side-by-side ratios (a mode against decode or the baseline of the same repeat).

Usage and examples:
  python scripts/bench.py                                   # all clips, all modes; table on stdout
  python scripts/bench.py --sizes 720 --json docs/bench-720.json
  python scripts/bench.py costs                             # CPU ms per operation; Pi 4 / Pi 5 estimate
  python scripts/bench.py --clip data/cross/empty-day.mp4 --loop-frames 1860 --modes decode pipeline
                                                            # a clip of your own (here looped as issue 29 did)
  PYTHONPATH=data/bench-deps python scripts/bench.py        # with fast-alpr for the baseline:
      pip install --target data/bench-deps --no-deps fast-alpr==0.4.0 open-image-models==0.6.0
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

SIZES = {"720": (1280, 720), "1080": (1920, 1080)}
MODES = ("decode", "pipeline", "paced", "baseline")
SCENES = ("empty", "one", "sparse", "busy", "street", "xstreet", "xbusy")
# Street furniture and light on top of traffic (busy) or on an empty road (street); fixed seeds.
_DISTRACTORS: dict[str, Any] = {"pedestrians": 4, "trees": 3, "flicker": 0.25, "overlay": True}
DISTRACTED: dict[str, dict[str, Any]] = {
    "busy": {"seed": 29, "density": 0.5, **_DISTRACTORS},
    "street": {"seed": 31, "n_vehicles": 0, **_DISTRACTORS},
}
# The second renderer's scenes: a plan of the cross set (edge_tools.xrender.clips) drawn from a base seed
# of their own (the cross set's clip seeds are 7_250_000.., the calibration split's 7_350_000..).
_X_SEED = 7_450_000
X_SCENES = {"xstreet": "empty-day", "xbusy": "busy"}


# -- clips -----------------------------------------------------------------------------------------


def _one_vehicle_seed(seconds: float, size: tuple[int, int]) -> tuple[int, float]:
    """A seed and speed whose single vehicle's plate is in view in every frame of the clip."""
    from edge_tools.synth.scene import Clip

    for speed in (0.06, 0.05, 0.04):
        for seed in range(1, 60):
            clip = Clip(seed=seed, seconds=seconds, fps=30, size=size, n_vehicles=1, speed=speed)
            if all(clip.plates(i) for i in range(0, clip.n_frames, 3)) and clip.plates(clip.n_frames - 1):
                return seed, speed
    raise SystemExit("no seed keeps one vehicle in view for the whole clip; shorten --seconds")


def ensure_clip(folder: Path, scene: str, size_key: str, seconds: float) -> Path:
    from edge_tools.synth.scene import render_clip

    size = SIZES[size_key]
    path = folder / f"{scene}-{size_key}p-{seconds:g}s.mp4"
    truth = path.with_suffix(".json")
    if path.exists() and truth.exists():
        return path
    print(f"rendering {path.name} ...", file=sys.stderr, flush=True)
    if scene == "empty":
        render_clip(path, truth, seed=11, seconds=seconds, size=size, n_vehicles=0)
    elif scene == "one":
        seed, speed = _one_vehicle_seed(seconds, size)
        render_clip(path, truth, seed=seed, seconds=seconds, size=size, n_vehicles=1, speed=speed)
    elif scene == "sparse":
        render_clip(path, truth, seed=21, seconds=seconds, size=size, n_vehicles=2)
    elif scene in DISTRACTED:
        render_clip(path, truth, **DISTRACTED[scene], seconds=seconds, size=size)
    elif scene in X_SCENES:
        render_x(path, truth, X_SCENES[scene], seconds)
    else:
        raise SystemExit(f"unknown scene {scene}")
    return path


def x_spec(plan: str, seconds: float) -> Any:
    """The second renderer's `plan` clip (a cross set plan name) from the bench's base seed, cut to `seconds`."""
    from edge_tools.xrender.clips import clip_set, shortened

    spec = next(c for c in clip_set(_X_SEED) if c.name == plan)
    return shortened(spec, seconds)


def render_x(path: Path, truth: Path, plan: str, seconds: float) -> None:
    """The second renderer's `plan` clip with `street`'s lighting flicker laid over each frame."""
    import cv2

    from edge_tools.synth.scene import flicker_gain
    from edge_tools.xrender.scene import FPS, Clip, write_clip

    def flicker(i: int, frame: Any) -> Any:
        return cv2.convertScaleAbs(frame, alpha=flicker_gain(i / FPS, _DISTRACTORS["flicker"]))

    try:
        write_clip(Clip(x_spec(plan, seconds)), path, truth, post=flicker)
    except RuntimeError as exc:  # no video writer
        raise SystemExit(str(exc)) from None


def looped(clip: Path, frames: int, folder: Path) -> Path:
    """`clip` played over and over to `frames` frames, written once into `folder` (MPEG-4 Part 2, its
    frame rate and size): how issue 29 measured its empty road. No truth goes with it."""
    import hashlib

    import cv2

    st = clip.stat()  # which file, as it is now: two clips of one name, or a clip re-recorded, get their own loop
    key = hashlib.sha256(f"{clip.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:8]
    out = folder / f"{clip.stem}-{key}-loop{frames}.mp4"
    if out.exists():
        return out
    cap = cv2.VideoCapture(str(clip))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    folder.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.stem + ".part.mp4")  # renamed when whole: an interrupted loop is not reused
    writer = cv2.VideoWriter(str(part), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
    written = this_pass = 0
    try:
        while written < frames:  # decoded again on each pass: the bench's own RSS stays that of one frame
            ok, image = cap.read()
            if not ok:
                if this_pass == 0:
                    raise SystemExit(f"{clip}: no frame could be decoded")
                cap.release()
                cap = cv2.VideoCapture(str(clip))
                this_pass = 0
                continue
            writer.write(image)
            written += 1
            this_pass += 1
    finally:
        cap.release()
        writer.release()
    part.replace(out)
    return out


# -- workers (one per subprocess) --------------------------------------------------------------------


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    data = sorted(values)
    return data[min(len(data) - 1, round(q / 100 * (len(data) - 1)))]


def _truth_hits(clip: Path, plates: set[str]) -> tuple[int, int]:
    """Vehicles of the clip's truth JSON read exactly, and how many it lists (0, 0 without one)."""
    if not clip.with_suffix(".json").exists():
        return 0, 0
    truth = json.loads(clip.with_suffix(".json").read_text())
    want = {v["plate"] for v in truth["vehicles"]}
    return len(want & plates), len(want)


def worker_decode(clip: Path) -> dict[str, Any]:
    from edge.capture import FileSource

    src = FileSource(clip, camera="bench")
    t0, c0 = time.perf_counter(), _cpu()
    n = sum(1 for _ in src.frames())
    return {"frames": n, "wall": time.perf_counter() - t0, "cpu": _cpu() - c0}


def load_cfg(path: str | None, clip: Path, db: Path) -> Any:
    """The --config file (or the defaults) with one camera on the clip and the store in `db`."""
    from edge.config import load_config
    from edge.config.cameras import CameraConfig

    cfg = load_config(path)
    cam = CameraConfig(name="bench", source=str(clip))
    return cfg.model_copy(update={"cameras": [cam], "store": cfg.store.model_copy(update={"path": str(db)})})


def worker_runner(clip: Path, paced: bool, config: str | None) -> dict[str, Any]:
    from edge.runner import Runner
    from edge.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_cfg(config, clip, Path(tmp) / "bench.db")
        store = Store.from_config(cfg)
        plates: set[str] = set()
        captured: dict[str, float] = {}
        committed: list[float] = []

        def on_emit(read: Any, t_captured: float) -> None:
            captured[read.id] = t_captured

        def on_commit(_conn: Any, reads: list[Any], _hits: Any) -> None:
            now = time.perf_counter()
            committed.extend(now - captured[r.id] for r in reads if r.id in captured)

        store.add_write_hook(on_commit)

        def sink(read: Any) -> bool:
            plates.add(read.plate)
            return bool(store.write(read))

        runner = Runner(cfg, sink, pace_files=paced, status_interval=3600, on_emit=on_emit)
        t0, c0 = time.perf_counter(), _cpu()
        report = runner.run()
        store.close()
        wall, cpu = time.perf_counter() - t0, _cpu() - c0
        cam = report.cameras[0]
        lat = runner.workers[0].latency.samples()
    hit, vehicles = _truth_hits(clip, plates)
    return {
        "frames": cam.frames_in,
        "processed": cam.processed,
        "dropped": cam.dropped,
        "gated": cam.gated,
        "detector_calls": cam.detector_calls,
        "quiet_frames": cam.quiet_frames,
        "followed_frames": cam.followed_frames,
        "ocr_calls": cam.ocr_calls,
        "detector_calls_per_frame": cam.detector_calls / max(cam.frames_in, 1),
        "ocr_calls_per_frame": cam.ocr_calls / max(cam.frames_in, 1),
        "reads": cam.reads,
        "exact_vehicles": hit,
        "vehicles": vehicles,
        "wall": wall,
        "cpu": cpu,
        "lat_p50_ms": 1000 * _pct(lat, 50),
        "lat_p95_ms": 1000 * _pct(lat, 95),
        "stage_ms": cam.stage_ms,
        "thread_cpu_ms_per_frame": {k: round(1000 * v / max(cam.frames_in, 1), 2) for k, v in cam.thread_cpu_s.items()},
        # Reads only: decode of the frame whose recognition ended the track -> its row committed.
        "read_commit_p50_ms": 1000 * _pct(committed, 50),
        "read_commit_p95_ms": 1000 * _pct(committed, 95),
        "read_commits": len(committed),
    }


def worker_baseline(clip: Path, impl: str, config: str | None) -> dict[str, Any]:
    from edge.capture import FileSource
    from edge.models import model_folders, resolve_ocr
    from edge.models.runtime import session_options
    from edge.pipeline import load_models

    cfg = load_cfg(config, clip, Path(tempfile.gettempdir()) / "unused.db")
    models = load_models(cfg)
    detector = models.detector
    used = impl
    predict: Any
    if impl == "fast-alpr":
        try:
            from fast_alpr import ALPR
            from fast_alpr.base import BaseDetector
            from open_image_models.detection.core.base import BoundingBox, DetectionResult
        except ImportError:
            used = "loop"
        else:

            class OurDetector(BaseDetector):  # type: ignore[misc]
                def predict(self, frame: Any) -> list[Any]:
                    return [
                        DetectionResult(
                            "License Plate",
                            p.score,
                            BoundingBox(int(p.box.x1), int(p.box.y1), int(p.box.x2), int(p.box.y2)),
                        )
                        for p in detector.predict(frame)
                    ]

            ocr_model, ocr_config = resolve_ocr(cfg.models.ocr, model_folders(cfg.models.dir))
            try:
                alpr = ALPR(
                    detector=OurDetector(),
                    ocr_model_path=ocr_model,
                    ocr_config_path=ocr_config,
                    ocr_device="cpu",
                    ocr_sess_options=session_options(
                        cfg.ocr.threads, spinning=cfg.ocr.spinning, optimization=cfg.ocr.optimization
                    ),
                )
            except (TypeError, ValueError, KeyError) as exc:
                # fast-plate-ocr reads only its own models (the CTC OCR's config is not one): the loop
                print(f"baseline: fast-alpr cannot load OCR {cfg.models.ocr!r} ({exc}); the loop", file=sys.stderr)
                used = "loop"
            else:

                def predict(image: Any) -> list[str]:
                    return [r.ocr.text for r in alpr.predict(image) if r.ocr is not None]

    if used == "loop":
        ocr = models.ocr

        def predict(image: Any) -> list[str]:
            h, w = image.shape[:2]
            crops = []
            for p in detector.predict(image):
                b = p.box
                crops.append(image[max(int(b.y1), 0) : min(int(b.y2), h), max(int(b.x1), 0) : min(int(b.x2), w)])
            return [t.text for t in ocr.predict(crops)] if crops else []

    src = FileSource(clip, camera="bench")
    frames = iter(src.frames())
    texts: set[str] = set()
    lat: list[float] = []
    ocr_calls = 0
    frames_n = 0
    t0, c0 = time.perf_counter(), _cpu()
    while True:
        f = next(frames, None)
        if f is None:
            break
        t1 = time.perf_counter()
        out = predict(f.image)
        lat.append(time.perf_counter() - t1)
        frames_n += 1
        ocr_calls += len(out)
        texts.update(out)
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    hit, vehicles = _truth_hits(clip, texts)
    return {
        "frames": src.stats.frames,
        "wall": wall,
        "cpu": cpu,
        "ocr_calls": ocr_calls,
        "detector_calls": frames_n,
        "detector_calls_per_frame": 1.0,
        "ocr_calls_per_frame": ocr_calls / max(frames_n, 1),
        "stage_ms": {"detect+ocr": round(1000 * sum(lat) / max(frames_n, 1), 3)},
        "exact_vehicles": hit,
        "vehicles": vehicles,
        "lat_p50_ms": 1000 * _pct(lat, 50),
        "lat_p95_ms": 1000 * _pct(lat, 95),
        "impl": used,
    }


# How many times slower than one core of the measuring machine a Pi's core is assumed to run this
# work (decode, OpenCV, onnxruntime): docs/PERFORMANCE.md says where the factors come from.
PI_FACTORS = {"Pi 4 (A72 1.5-1.8 GHz)": (4.0, 6.0), "Pi 5 (A76 2.4 GHz)": (2.0, 3.0)}


def unit_costs(clip: Path, config: str | None, n: int = 150) -> dict[str, float]:
    """CPU ms of each operation alone, on one thread, over the first `n` frames of `clip`: decode per
    frame, motion gate per frame, one detector call on the gate's region, one OCR batch of one plate."""
    import cv2

    from edge.capture import FileSource
    from edge.gate import make_gate
    from edge.pipeline import load_models

    cv2.setNumThreads(1)
    cfg = load_cfg(config, clip, Path(tempfile.gettempdir()) / "unused.db")
    models = load_models(cfg)
    src = FileSource(clip, camera="bench")
    c0 = time.process_time()
    frames = [f for _, f in zip(range(n), src.frames(), strict=False)]
    decode = (time.process_time() - c0) / len(frames)
    gate = make_gate(cfg.gate, min_plate_width=cfg.detector.min_width)
    c0 = time.process_time()
    regions = [gate.predict(f) for f in frames]
    gate_s = (time.process_time() - c0) / len(frames)
    crops = [
        f.image[int(r[0].box.y1) : int(r[0].box.y2), int(r[0].box.x1) : int(r[0].box.x2)]
        for f, r in zip(frames, regions, strict=True)
        if r
    ]
    c0 = time.process_time()
    plates = [(img, models.detector.predict(img)) for img in crops]
    detect = (time.process_time() - c0) / max(len(crops), 1)
    boxes = [img[int(p.box.y1) : int(p.box.y2), int(p.box.x1) : int(p.box.x2)] for img, ps in plates for p in ps[:1]]
    boxes = [b for b in boxes if b.size] or [np.zeros((40, 120, 3), np.uint8)]
    c0 = time.process_time()
    for b in boxes:
        models.ocr.predict([b])
    ocr = (time.process_time() - c0) / len(boxes)
    return {"decode": 1000 * decode, "gate": 1000 * gate_s, "detect_call": 1000 * detect, "ocr_plate": 1000 * ocr}


def pi_estimate(costs: dict[str, float], per_frame: dict[str, float]) -> str:
    """A Markdown table: CPU ms per frame here and on each Pi, from the unit costs times the calls per
    frame a pipeline run made (`per_frame`: gate, detector and OCR calls per frame), times PI_FACTORS."""
    here = (
        costs["decode"]
        + per_frame["gate"] * costs["gate"]
        + per_frame["detector"] * costs["detect_call"]
        + per_frame["ocr"] * costs["ocr_plate"]
    )
    rows = [
        "| machine | CPU ms / frame | frames/s on one core | frames/s on 4 cores (upper bound) |",
        "|---|---:|---:|---:|",
        f"| this machine (measured unit costs) | {here:.1f} | {1000 / here:.0f} | - |",
    ]
    for name, (lo, hi) in PI_FACTORS.items():
        slow, fast = here * hi, here * lo
        rows.append(
            f"| {name}, x{lo:g}-{hi:g} | {fast:.0f}-{slow:.0f} | {1000 / slow:.0f}-{1000 / fast:.0f}"
            f" | {4000 / slow:.0f}-{4000 / fast:.0f} |"
        )
    return "\n".join(rows)


def worker_main(args: argparse.Namespace) -> int:
    import logging

    logging.basicConfig(level=logging.ERROR)
    clip = Path(args.clip)
    if args.mode == "decode":
        res = worker_decode(clip)
    elif args.mode == "pipeline":
        res = worker_runner(clip, paced=False, config=args.config)
    elif args.mode == "paced":
        res = worker_runner(clip, paced=True, config=args.config)
    else:
        res = worker_baseline(clip, args.baseline, args.config)
    res["peak_rss_mb"] = _peak_rss_mb()
    res["fps"] = res.get("processed", res["frames"]) / res["wall"] if res["wall"] > 0 else 0.0
    res["cpu_ms_per_frame"] = 1000 * res["cpu"] / max(res["frames"], 1)
    print(json.dumps(res))
    return 0


# -- driver ------------------------------------------------------------------------------------------


def run_worker(mode: str, clip: Path, baseline: str, config: Path | None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "worker", "--mode", mode, "--clip", str(clip), "--baseline", baseline]
    if config is not None:
        cmd += ["--config", str(config)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"worker {mode} {clip.name} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _stages(r: dict[str, Any]) -> str:
    st = r.get("stage_ms") or {}
    keys = [k for k in ("gate", "detect", "ocr", "track", "detect+ocr") if k in st]
    return " / ".join(f"{k} {st[k]:.2f}" for k in keys) or "-"


def paired_ratios(done: list[dict[str, Any]], runs: dict[str, list[dict[str, Any]]]) -> dict[str, list[float]]:
    """Each repeat's ratio against the decode and baseline runs of the same repeat (run just before or
    after it): the machine's load drifts between repeats (decode alone has moved 475-790 fps here), and a
    ratio of two runs side by side is steadier than one of two medians picked apart."""
    out: dict[str, list[float]] = {}
    for ref, key, name in (
        ("decode", "fps", "fps_per_decode"),
        ("baseline", "fps", "fps_per_baseline"),
        ("baseline", "cpu_ms_per_frame", "cpu_per_baseline"),
    ):
        other = runs.get(ref)
        if other and other is not done:
            out[name] = [round(a[key] / b[key], 3) for a, b in zip(done, other, strict=True) if b[key] > 0]
    return out


def _ratio(r: dict[str, Any], key: str, fallback: float) -> str:
    """The median of the paired ratios `key` when there are any, else `fallback` (one run's ratio)."""
    pairs = (r.get("paired") or {}).get(key)
    return f"{statistics.median(pairs) if pairs else fallback:.2f}×"


def table(results: list[dict[str, Any]]) -> str:
    """One row per (clip, mode): the median run by CPU; ratios against the baseline and decode of that
    clip as the median of each repeat's side-by-side ratio (`paired_ratios`)."""
    head = (
        "| clip | mode | fps | CPU ms/frame | CPU ÷ baseline | fps ÷ baseline | fps ÷ decode | "
        "detector calls/frame | OCR calls/frame | stage ms/frame | p95 frame→store ms | dropped | "
        "peak RSS MB | exact vehicles | runs (fps) |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|"
    )
    rows = [head]
    by_clip: dict[str, dict[str, dict[str, Any]]] = {}
    for r in results:
        by_clip.setdefault(r["clip"], {})[r["mode"]] = r
    for clip, modes in by_clip.items():
        base, dec = modes.get("baseline"), modes.get("decode")
        for mode in MODES:
            r = modes.get(mode)
            if r is None:
                continue
            name = mode if mode != "baseline" else f"baseline ({r.get('impl')})"
            paced = mode == "paced"  # its fps is the clip's frame rate: no ratio means anything
            cpu_b = (
                _ratio(r, "cpu_per_baseline", r["cpu_ms_per_frame"] / base["cpu_ms_per_frame"])
                if base and mode != "baseline"
                else ""
            )
            fps_b = (
                _ratio(r, "fps_per_baseline", r["fps"] / base["fps"]) if base and base["fps"] > 0 and not paced else ""
            )
            fps_d = _ratio(r, "fps_per_decode", r["fps"] / dec["fps"]) if dec and dec["fps"] > 0 and not paced else ""
            det = f"{r['detector_calls_per_frame']:.2f}" if "detector_calls_per_frame" in r else "-"
            ocr = f"{r['ocr_calls_per_frame']:.2f}" if "ocr_calls_per_frame" in r else "-"
            lat = f"{r['lat_p95_ms']:.0f}" if "lat_p95_ms" in r else "-"
            exact = f"{r['exact_vehicles']}/{r['vehicles']}" if "vehicles" in r else "-"
            rows.append(
                f"| {clip} | {name} | {r['fps']:.1f} | {r['cpu_ms_per_frame']:.2f} | {cpu_b} | {fps_b} | {fps_d} | "
                f"{det} | {ocr} | {_stages(r)} | {lat} | {r.get('dropped', 0)} | {r['peak_rss_mb']:.0f} | {exact} | "
                f"{', '.join(str(x) for x in r.get('fps_runs', []))} |"
            )
    return "\n".join(rows)


def costs_main(args: argparse.Namespace) -> int:
    clip = args.clip or ensure_clip(ROOT / "data" / "bench", "busy", "720", 20.0)
    if not clip.is_file():
        raise SystemExit(f"error: --clip {clip}: no such file")
    costs = unit_costs(clip, args.config)
    if args.per_frame is not None:
        per_frame = dict(zip(("gate", "detector", "ocr"), args.per_frame, strict=True))
    else:
        r = run_worker("pipeline", clip, "loop", Path(args.config) if args.config else None)
        frames = max(r["frames"], 1)
        per_frame = {
            # an upper bound: the gate rests on some frames (idle_stride when nothing moves, rest_stride while
            # only narrow blobs do); on the busy clip it looks at about 0.8 of them
            "gate": 1.0,
            "detector": r["detector_calls"] / frames,
            "ocr": r["ocr_calls"] / frames,
        }
    print(f"unit costs, CPU ms on one thread ({clip.name}): " + ", ".join(f"{k} {v:.2f}" for k, v in costs.items()))
    print("priced per frame: " + ", ".join(f"{k} {v:.2f}" for k, v in per_frame.items()))
    print(pi_estimate(costs, per_frame))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd")
    w = sub.add_parser("worker", help="internal: one mode on one clip, JSON on stdout")
    w.add_argument("--mode", choices=MODES, required=True)
    w.add_argument("--clip", required=True)
    w.add_argument("--baseline", choices=("fast-alpr", "loop"), default="fast-alpr")
    w.add_argument("--config", default=None)
    c = sub.add_parser("costs", help="CPU ms per operation alone, and a Pi 4 / Pi 5 estimate from them")
    c.add_argument("--clip", type=Path, default=None, help="default: the busy 720p clip (rendered if absent)")
    c.add_argument("--config", default=None)
    c.add_argument(
        "--per-frame",
        nargs=3,
        type=float,
        metavar=("GATE", "DETECTOR", "OCR"),
        default=None,
        help="gate looks, detector calls and OCR plates per frame to price (default: from one pipeline run)",
    )
    ap.add_argument("--sizes", nargs="+", choices=sorted(SIZES), default=["720", "1080"])
    ap.add_argument("--scenes", nargs="+", choices=SCENES, default=list(SCENES))
    ap.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per (clip, mode), interleaved; the median by CPU ms/frame is reported",
    )
    ap.add_argument("--seconds", type=float, default=20.0, help="clip length")
    ap.add_argument(
        "--clip",
        type=Path,
        nargs="+",
        default=None,
        help="measure these video files instead of the rendered scenes (your camera's own recording; a truth "
        "JSON beside one, as `edge-alpr replay --truth` takes, adds its exact vehicles)",
    )
    ap.add_argument(
        "--loop-frames",
        type=int,
        default=0,
        help="with --clip: play each clip over and over to this many frames first (written into --clips-dir)",
    )
    ap.add_argument("--clips-dir", type=Path, default=ROOT / "data" / "bench")
    ap.add_argument("--baseline", choices=("fast-alpr", "loop"), default="fast-alpr")
    ap.add_argument(
        "--config",
        type=Path,
        default=None,
        help="edge-alpr YAML config for models, gate, detector threads (cameras and store are replaced)",
    )
    ap.add_argument("--json", type=Path, default=None, help="also write every measurement here")
    args = ap.parse_args(argv)
    if args.cmd == "worker":
        return worker_main(args)
    if args.cmd == "costs":
        return costs_main(args)

    jobs: list[tuple[str, Path]] = []
    if args.clip:
        for path in args.clip:
            if not path.is_file():
                raise SystemExit(f"{path}: no such video file")
            clip = looped(path, args.loop_frames, args.clips_dir) if args.loop_frames > 0 else path
            jobs.append((clip.name, clip))
    else:
        for size in args.sizes:
            for scene in args.scenes:
                if scene in X_SCENES and size != "720":
                    print(f"{scene}: rendered at 720p only; not run at {size}p", file=sys.stderr)
                    continue
                jobs.append((f"{scene} {size}p", ensure_clip(args.clips_dir, scene, size, args.seconds)))
    results: list[dict[str, Any]] = []
    for label, clip in jobs:
        runs: dict[str, list[dict[str, Any]]] = {m: [] for m in args.modes}
        for rep in range(args.repeat):  # interleaved: every mode once per repeat
            for mode in args.modes:
                r = run_worker(mode, clip, args.baseline, args.config)
                runs[mode].append(r)
                print(
                    f"{clip.name} {mode} #{rep + 1}: {r['fps']:.1f} fps, {r['cpu_ms_per_frame']:.2f} CPU ms/frame",
                    file=sys.stderr,
                    flush=True,
                )
        for mode, done in runs.items():
            r = sorted(done, key=lambda x: x["cpu_ms_per_frame"])[len(done) // 2]  # the median run
            r["fps_runs"] = [round(x["fps"], 1) for x in done]
            r["cpu_runs"] = [round(x["cpu_ms_per_frame"], 2) for x in done]
            r["paired"] = paired_ratios(done, runs)
            r.update(clip=label, mode=mode)
            results.append(r)
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "loadavg_at_end": os.getloadavg(),
        "seconds": args.seconds,
        "config": args.config.read_text() if args.config else "defaults",
        "command": "python scripts/bench.py " + " ".join(sys.argv[1:] if argv is None else argv),
    }
    print(f"<!-- {json.dumps(meta)} -->")
    print(table(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
