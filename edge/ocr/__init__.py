"""OCR of plate crops behind one interface."""

from edge.ocr.fast_plate import FastPlateOcr, PlateOcr
from edge.ocr.rapid import RapidOcr
from edge.ocr.second import SecondOpinion

__all__ = ["FastPlateOcr", "PlateOcr", "RapidOcr", "SecondOpinion"]
