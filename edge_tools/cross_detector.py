#!/usr/bin/env python3
"""The configured plate detector on the cross-renderer's clips: recall on legible plates, boxes on empty roads.

The cross set's truth gives each vehicle's plate box at its first and last legible frame. This runs
the config's detector on those whole 1280x720 frames (no motion gate: the pipeline detects inside
moving regions, which reach the model larger, so this recall is a floor) and counts a plate found
when a box overlaps it by IoU >= 0.5 (>= 0.3: found but off). On every frame of the empty-road
clips (pedestrians, trees in wind, the camera's date/time overlay) every box is off any plate.

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
    plates: int = 0
    found: int = 0  # a box at IoU >= 0.5
    near: int = 0  # best box at 0.3 <= IoU < 0.5: the plate found, the box off it
    empty_frames: int = 0
    empty_boxes: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # "first"/"last" -> [found, plates]

    def plate(self, truth: Box, boxes: list[Box], kind: str) -> None:
        best = max((truth.iou(b) for b in boxes), default=0.0)
        self.plates += 1
        self.found += best >= FOUND_IOU
        self.near += NEAR_IOU <= best < FOUND_IOU
        k = self.by_kind.setdefault(kind, [0, 0])
        k[0] += best >= FOUND_IOU
        k[1] += 1

    def report(self) -> str:
        lines = [
            "| legible plates (whole frame, no gate) | found (IoU >= 0.5) | found off the plate (0.3-0.5) |",
            "|---|---|---|",
        ]
        for kind, (n, total) in sorted(self.by_kind.items()):
            lines.append(f"| at the {kind} legible frame | {n}/{total} ({n / total:.0%}) | |")
        rate = self.found / self.plates if self.plates else 0.0
        lines.append(f"| **all** | **{self.found}/{self.plates} ({rate:.0%})** | {self.near} |")
        per = self.empty_boxes / self.empty_frames if self.empty_frames else 0.0
        lines += ["", f"empty roads: {self.empty_boxes} boxes in {self.empty_frames} frames ({per:.3f} per frame)"]
        return "\n".join(lines)


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
                tally.plate(box, boxes, kind)
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
