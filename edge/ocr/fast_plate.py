"""fast-plate-ocr with a local ONNX model and its plate config (no hub download)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from edge.errors import EdgeError
from edge.models.runtime import Optimization, session_options
from edge.types import Image, PlateText


class PlateOcr(Protocol):
    name: str

    def predict(self, crops: list[Image]) -> list[PlateText]:
        """Text of each BGR plate crop, in order."""
        ...


class FastPlateOcr:
    def __init__(
        self,
        model: Path | str,
        plate_config: Path | str,
        threads: int = 1,
        *,
        spinning: bool = False,
        optimization: Optimization = "all",
        providers: list[str] | None = None,
    ):
        from fast_plate_ocr import LicensePlateRecognizer

        self.model_path, self.config_path = Path(model), Path(plate_config)
        for p in (self.model_path, self.config_path):
            if not p.is_file():
                raise EdgeError(f"{p}: OCR model file not found")
        self.name = self.model_path.stem
        try:
            self._rec = LicensePlateRecognizer(
                onnx_model_path=self.model_path,
                plate_config_path=self.config_path,
                providers=providers or ["CPUExecutionProvider"],
                sess_options=session_options(threads, spinning=spinning, optimization=optimization),
            )
        except Exception as exc:  # bad ONNX or YAML surface as assorted exception types
            raise EdgeError(f"{self.model_path}: cannot load OCR model: {exc}") from exc
        self._rgb = self._rec.config.image_color_mode == "rgb"
        self._pad = self._rec.config.pad_char

    def predict(self, crops: list[Image]) -> list[PlateText]:
        if not crops:
            return []
        code = cv2.COLOR_BGR2RGB if self._rgb else cv2.COLOR_BGR2GRAY
        images = [cv2.cvtColor(c, code) for c in crops]
        preds = self._rec.run(images, return_confidence=True)
        out = []
        for pred in preds:
            probs = np.asarray(pred.char_probs if pred.char_probs is not None else [], np.float32).ravel()
            # The library strips trailing pad characters only; a pad slot inside the text (the model
            # unsure whether a character is there) is dropped here with its probability.
            kept = [(c, float(probs[i]) if i < probs.size else 0.0) for i, c in enumerate(pred.plate) if c != self._pad]
            text = "".join(c for c, _ in kept)
            conf = tuple(p for _, p in kept)
            out.append(PlateText(text=text, confidence=float(np.mean(conf)) if conf else 0.0, char_conf=conf))
        return out
