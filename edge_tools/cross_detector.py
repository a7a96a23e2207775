#!/usr/bin/env python3
"""The configured plate detector on the cross-renderer's clips: recall on legible plates, boxes off them.

The cross set's truth gives each vehicle's plate box at its first and last legible frame. This runs
the config's detector on those frames twice:

- in a vehicle-sized window around the plate (4 plate widths wide, at least 320 px, 0.8 as tall,
  inside the frame): what the motion gate hands the detector when the vehicle moves. Boxes in the
  window that miss the plate (IoU < 0.3) are counted as boxes off the plate: dealer-frame text,
  grilles, bolts, another vehicle's plate in busy traffic (an upper bound);
- on the whole 1280x720 frame (no gate): far plates reach the 384 px model small, so this recall
  is a floor.

A plate counts as found when a box overlaps it by IoU >= 0.5 (0.3-0.5: found, the box off it). On
every frame of the empty-road clips (pedestrians, trees in wind, the camera's date/time overlay)
every whole-frame box is off any plate.

Example:
  python -m edge_tools.cross_detector                               # data/cross, the default config
  python -m edge_tools.cross_detector --config my.yaml --cross-dir data/cross
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edge.types import Box

if TYPE_CHECKING:
    from edge.types import Image

ROOT = Path(__file__).resolve().parents[1]
FOUND_IOU = 0.5
NEAR_IOU = 0.3


@dataclass
class Tally:
    # (where, which frame) -> [plates, found at IoU >= 0.5, found at 0.3-0.5 only, boxes off the plate]
    rows: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    empty_frames: int = 0
    empty_boxes: int = 0

    def plate(self, truth: Box, boxes: list[Box], where: str, kind: str) -> None:
        best = max((truth.iou(b) for b in boxes), default=0.0)
        row = self.rows.setdefault((where, kind), [0, 0, 0, 0])
        row[0] += 1
        row[1] += best >= FOUND_IOU
        row[2] += NEAR_IOU <= best < FOUND_IOU
        row[3] += sum(truth.iou(b) < NEAR_IOU for b in boxes)

    def report(self) -> str:
        lines = [
            "| detector input | legible plates | found (IoU >= 0.5) | box off it (IoU 0.3-0.5) | other boxes |",
            "|---|---|---|---|---|",
        ]
        for where in ("window", "frame"):
            total = [0, 0, 0, 0]
            for kind in ("first", "last"):
                row = self.rows.get((where, kind))
                if row is None:
                    continue
                total = [a + b for a, b in zip(total, row, strict=True)]
                lines.append(f"| {where}, {kind} legible frame | {row[0]} | {_share(row[1], row[0])} | {row[2]} "
                             f"| {row[3] if where == 'window' else '-'} |")  # fmt: skip
            if total[0]:
                lines.append(f"| **{where}, both** | {total[0]} | **{_share(total[1], total[0])}** | {total[2]} "
                             f"| {total[3] if where == 'window' else '-'} |")  # fmt: skip
        per = self.empty_boxes / self.empty_frames if self.empty_frames else 0.0
        lines += ["", f"empty roads: {self.empty_boxes} boxes in {self.empty_frames} frames ({per:.3f} per frame)"]
        return "\n".join(lines)


def _share(n: int, total: int) -> str:
    return f"{n}/{total} ({n / total:.0%})" if total else "-"


def window(plate: Box, width: int, height: int) -> tuple[int, int, int, int]:
    """A vehicle-sized window around `plate` (x1, y1, x2, y2), inside a width x height frame."""
    w = max(plate.width * 4, 320.0)
    h = w * 0.8
    cx, cy = plate.centre
    x1, y1 = max(0, int(cx - w / 2)), max(0, int(cy - h / 2))
    return x1, y1, min(width, int(cx + w / 2)), min(height, int(cy + h / 2))


def frames_of(clip: Path, wanted: set[int] | None) -> Any:
    """(index, image) of the clip's frames, all of them or those in `wanted`, decoded in order."""
    import cv2

    cap = cv2.VideoCapture(str(clip))
    if not cap.isOpened():
        raise RuntimeError(f"{clip}: cannot open")
    i = 0
    try:
        while True:
            ok, image = cap.read()
            if not ok:
                return
            if wanted is None or i in wanted:
                yield i, image
            i += 1
    finally:
        cap.release()


def score_set(where: Path, detect: Any) -> Tally:
    """`detect(image) -> [Box]` on the set's legible-frame plates and empty roads."""
    tally = Tally()
    truths = sorted(where.glob("*.json"))
    if not truths:
        raise RuntimeError(f"{where}: no cross-renderer clips (python -m edge_tools.xrender --out {where})")
    for truth_path in truths:
        truth = json.loads(truth_path.read_text())
        clip = truth_path.with_suffix(".mp4")
        if not truth["vehicles"]:
            for _, image in frames_of(clip, None):
                tally.empty_frames += 1
                tally.empty_boxes += len(detect(image))
            continue
        wanted: dict[int, list[tuple[str, Box]]] = {}
        for v in truth["vehicles"]:
            for kind, frame, (x, y, w, h) in (("first", v["first_frame"], v["box_first"]),
                                              ("last", v["last_frame"], v["box_last"])):  # fmt: skip
                wanted.setdefault(frame, []).append((kind, Box(x, y, x + w, y + h)))
        for index, image in frames_of(clip, set(wanted)):
            boxes = detect(image)
            for kind, box in wanted[index]:
                tally.plate(box, boxes, "frame", kind)
                x1, y1, x2, y2 = window(box, image.shape[1], image.shape[0])
                inside = [Box(b.x1 + x1, b.y1 + y1, b.x2 + x1, b.y2 + y1) for b in detect(image[y1:y2, x1:x2])]
                tally.plate(box, inside, "window", kind)
    return tally


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cross-dir", type=Path, default=ROOT / "data" / "cross", help="the cross-renderer's clips")
    ap.add_argument("--config", type=Path, default=None, help="edge-alpr config whose detector is scored")
    a = ap.parse_args()
    from edge.config import load_config
    from edge.errors import EdgeError
    from edge.pipeline import load_models

    try:
        models = load_models(load_config(a.config))

        def detect(image: Image) -> list[Box]:
            return [p.box for p in models.detector.predict(image)]

        print(score_set(a.cross_dir, detect).report())
    except (RuntimeError, EdgeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
