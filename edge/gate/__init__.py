"""Gates decide where in a frame the plate detector should look."""

from __future__ import annotations

from edge.config.pipeline import GateConfig
from edge.gate.motion import FullFrameGate, Gate, MotionGate
from edge.gate.prescaled import PrescaledGate

__all__ = ["FullFrameGate", "Gate", "MotionGate", "PrescaledGate", "make_gate"]


def make_gate(cfg: GateConfig, roi: list[tuple[int, int]] | None = None) -> Gate:
    """The gate of a config: motion on a prescaled frame (regions merged into one), or the whole frame."""
    if cfg.kind == "none":
        return FullFrameGate()
    return PrescaledGate(cfg, roi)
