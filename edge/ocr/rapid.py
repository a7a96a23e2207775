"""rapidocr (Apache-2.0, PP-OCR recognition models inside the wheel) as a second OCR backend.

Optional: `pip install 'edge-alpr[rapidocr]'`. Recognition only (no text detection, no angle
classifier): the plate detector already cut the crop.
"""

from __future__ import annotations

import re
from typing import Any

from edge.errors import EdgeError
from edge.types import Image, PlateText

_NOT_PLATE = re.compile(r"[^A-Z0-9]")


class RapidOcr:
    name = "rapidocr-ppocr-rec"

    def __init__(self, threads: int = 1):
        try:
            from rapidocr import RapidOCR
        except ImportError:
            raise EdgeError(
                "ocr.backend 'rapidocr' needs the rapidocr package: pip install 'edge-alpr[rapidocr]'"
            ) from None
        self._engine: Any = RapidOCR(
            params={
                "Global.use_det": False,
                "Global.use_cls": False,
                "Global.log_level": "critical",
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )

    def predict(self, crops: list[Image]) -> list[PlateText]:
        out = []
        for crop in crops:
            result = self._engine(crop)
            texts = getattr(result, "txts", None) or ("",)
            scores = getattr(result, "scores", None) or (0.0,)
            text = _NOT_PLATE.sub("", str(texts[0]).upper())
            conf = float(scores[0]) if text else 0.0
            out.append(PlateText(text=text, confidence=conf, char_conf=tuple([conf] * len(text))))
        return out
