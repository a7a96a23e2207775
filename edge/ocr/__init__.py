"""OCR of plate crops behind one interface."""

from edge.ocr.fast_plate import FastPlateOcr, PlateOcr
from edge.ocr.rapid import RapidOcr

__all__ = ["FastPlateOcr", "PlateOcr", "RapidOcr"]
