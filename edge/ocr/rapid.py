"""rapidocr (Apache-2.0, PP-OCR recognition models inside the wheel) as a second OCR backend.

A runtime dependency since the default `ocr.verifier` (auto) reads with it. Recognition only (no
text detection, no angle classifier): the plate detector already cut the crop.
"""

from __future__ import annotations

import importlib.util
import re
from typing import Any

from edge.errors import EdgeError
from edge.ocr.fast_plate import Layouts
from edge.types import Image, PlateText

_NOT_PLATE = re.compile(r"[^A-Z0-9]")


class RapidOcr:
    name = "rapidocr-ppocr-rec"

    def __init__(self, threads: int = 1, lazy: bool = False, key: str = "ocr.backend"):
        """`lazy`: check the package now, start the engine (about 0.7 s) on the first reading. `key`
        names the config key that asked for it in the error when the package is missing."""
        if importlib.util.find_spec("rapidocr") is None:
            raise EdgeError(
                f"{key} 'rapidocr' needs the rapidocr package (a dependency of edge-alpr: reinstall with "
                "pip install -r requirements/runtime-$(uname -m).lock), or set ocr.verifier: none"
            )
        self.threads = threads
        self._engine: Any = None if lazy else self._start()

    def _start(self) -> Any:
        from rapidocr import RapidOCR

        return RapidOCR(
            params={
                "Global.use_det": False,
                "Global.use_cls": False,
                "Global.log_level": "critical",
                # PP-OCR pads every crop to at least this width-to-height (320/48 by default, a line of
                # text); a plate crop is 2-4.5 wide to 1 high, and a wider plate still gets its own
                # width. 160 (2026-12-03, 150 rendered crops): 33.5 -> 19.0 ms per crop, 76 -> 84 exact.
                "Rec.rec_img_shape": [3, 48, 160],
                "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )

    def warm(self) -> None:
        """Start the engine now, not on the first reading (a camera would stall on it for its start)."""
        if self._engine is None:
            self._engine = self._start()

    def predict(self, crops: list[Image], lines: Layouts | None = None) -> list[PlateText]:
        self.warm()
        out = []
        for crop in crops:
            result = self._engine(crop)
            texts = getattr(result, "txts", None) or ("",)
            scores = getattr(result, "scores", None) or (0.0,)
            text = _NOT_PLATE.sub("", str(texts[0]).upper())
            conf = float(scores[0]) if text else 0.0
            out.append(PlateText(text=text, confidence=conf, char_conf=tuple([conf] * len(text))))
        return out
