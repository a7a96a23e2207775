"""An optional ONNX vehicle detector: plates count only on a detected vehicle.

Accepted models are the detectors `OnnxBoxDetector` runs (Ultralytics raw [1, 4+C, N] or end2end
[K, 7]) whose metadata `names` (Ultralytics' `{0: 'person', 1: 'bicycle', 2: 'car', ...}`) holds at
least one of `VEHICLE_CLASSES`; only those classes' scores count (COCO: car, motorcycle, bus,
truck). A single-class model without `names` is taken for a vehicle model. edge-alpr ships its own
single-class `vehicle-det-v1` (models/vehicle-det-v1.md); COCO YOLO weights are AGPL and are not
shipped, but one a user exports runs as it is.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterable
from typing import Protocol

from edge.detect.onnx import OnnxBoxDetector
from edge.errors import EdgeError
from edge.types import Box, Image, Region

log = logging.getLogger(__name__)


class VehicleDetector(Protocol):
    name: str

    def predict(self, image: Image) -> list[Region]:
        """Vehicles in a BGR image, boxes in that image's pixel coordinates."""
        ...


VEHICLE_CLASSES = frozenset({"car", "truck", "bus", "motorcycle", "motorbike", "van", "vehicle"})


def class_names(meta: dict[str, str]) -> dict[int, str] | None:
    """The `names` metadata of an ONNX detector ({index: name}); None when absent or unreadable."""
    raw = meta.get("names")
    if not raw:
        return None
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return None
    if isinstance(value, dict):
        return {int(k): str(v) for k, v in value.items()}
    if isinstance(value, list):
        return {i: str(v) for i, v in enumerate(value)}
    return None


class OnnxVehicleDetector(OnnxBoxDetector):
    """Vehicles in a frame, as regions (box and score); see the module docstring for the models."""

    kind = "vehicle detector"

    def _check_classes(self) -> None:
        names = class_names(self.session.get_modelmeta().custom_metadata_map)
        if names is None:
            if self.n_classes != 1:
                raise EdgeError(
                    f"{self.path}: a vehicle detector needs class names in its metadata (`names`) unless it has "
                    f"one class; this one has {self.n_classes or 'end2end'} classes and no names"
                )
            names = {0: "vehicle"}
        self.classes = sorted(i for i, n in names.items() if n.lower() in VEHICLE_CLASSES)
        if not self.classes:
            raise EdgeError(
                f"{self.path}: no vehicle class among the model's classes {sorted(set(names.values()))[:12]}: "
                f"expected one of {', '.join(sorted(VEHICLE_CLASSES))}"
            )
        if self.n_classes is not None and max(self.classes) >= self.n_classes:
            raise EdgeError(
                f"{self.path}: metadata `names` lists class {max(self.classes)} but the output has "
                f"{self.n_classes} class columns"
            )
        log.info("vehicle detector %s: classes %s", self.name, [names[i] for i in self.classes])

    def predict(self, image: Image) -> list[Region]:
        """Vehicles in a BGR image, boxes in its pixel coordinates, best first."""
        return [Region(box, score, (box,)) for box, score in self.boxes(image)]


def on_detected_vehicle(plate: Box, vehicles: Iterable[Box], margin: float) -> bool:
    """Whether the centre of `plate` lies inside one of the `vehicles` boxes, each grown by `margin`
    of its size per side (a plate sits on the front or back, inside the vehicle's outline)."""
    cx, cy = plate.centre
    for v in vehicles:
        g = v.grown(margin, margin)
        if g.x1 <= cx <= g.x2 and g.y1 <= cy <= g.y2:
            return True
    return False
