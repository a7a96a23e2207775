"""Plate detection: ONNX models behind one interface, one adapter per output format."""

from edge.detect.onnx import OnnxPlateDetector, PlateDetector, letterbox, nms

__all__ = ["OnnxPlateDetector", "PlateDetector", "letterbox", "nms"]
