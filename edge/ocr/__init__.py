"""OCR of plate crops behind one interface."""

from edge.ocr.ctc import CtcOcr, is_ctc_config
from edge.ocr.fast_plate import FastPlateOcr, PlateOcr
from edge.ocr.rapid import RapidOcr
from edge.ocr.second import SecondOpinion

__all__ = ["CtcOcr", "FastPlateOcr", "PlateOcr", "RapidOcr", "SecondOpinion", "is_ctc_config"]
