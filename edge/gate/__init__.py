"""Gates decide where in a frame the plate detector should look."""

from edge.gate.motion import FullFrameGate, Gate, MotionGate, make_gate

__all__ = ["FullFrameGate", "Gate", "MotionGate", "make_gate"]
