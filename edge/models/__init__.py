"""Where models come from: names in the models folder, or explicit paths."""

from __future__ import annotations

import os
from pathlib import Path

from edge.errors import EdgeError

SHIPPED = Path(__file__).resolve().parent.parent.parent / "models"


def models_dir(configured: str | None = None) -> Path:
    """The models folder: config `models.dir`, else $EDGE_ALPR_MODELS, else the shipped models/."""
    return Path(configured or os.environ.get("EDGE_ALPR_MODELS") or SHIPPED)


def resolve_model(ref: str, folder: Path, suffix: str = ".onnx") -> Path:
    """A model name in `folder` (NAME + suffix) or a path to a file."""
    candidates = [Path(ref)] if ref.endswith(suffix) or "/" in ref else [folder / f"{ref}{suffix}", Path(ref)]
    for path in candidates:
        if path.is_file():
            return path
    tried = ", ".join(str(c) for c in candidates)
    raise EdgeError(f"model {ref!r} not found (looked for {tried}); see `edge-alpr models list`")


def resolve_ocr(ref: str, folder: Path) -> tuple[Path, Path]:
    """OCR model and its fast-plate-ocr plate config (.yaml beside the .onnx)."""
    model = resolve_model(ref, folder)
    config = model.with_suffix(".yaml")
    if not config.is_file():
        raise EdgeError(f"{model}: its plate config {config.name} is missing beside it")
    return model, config
