"""Gates decide where in a frame the plate detector should look."""

from __future__ import annotations

from edge.config.pipeline import DetectorConfig, GateConfig
from edge.gate.motion import FullFrameGate, Gate, MotionGate, blobs, in_place
from edge.gate.prescaled import PrescaledGate

__all__ = ["FullFrameGate", "Gate", "MotionGate", "PrescaledGate", "blobs", "in_place", "make_gate"]


def make_gate(
    cfg: GateConfig, roi: list[tuple[int, int]] | None = None, *, min_plate_width: int = DetectorConfig().min_width
) -> Gate:
    """The gate of a config: motion on a prescaled frame (regions merged into one), or the whole frame.
    `min_plate_width`: detector.min_width, what gate.small_blob_plates counts in."""
    if cfg.kind == "none":
        return FullFrameGate()
    return PrescaledGate(cfg, roi, min_plate_width=min_plate_width)
