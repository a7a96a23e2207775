"""OCR of plate crops behind one interface."""

from edge.ocr.fast_plate import FastPlateOcr, PlateOcr

__all__ = ["FastPlateOcr", "PlateOcr"]
