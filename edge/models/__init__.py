"""Where models come from: names in the models folders, or explicit paths."""

from __future__ import annotations

import os
from pathlib import Path

from edge.errors import EdgeError

SHIPPED = Path(__file__).resolve().parent.parent.parent / "models"
MANIFEST = SHIPPED / "manifest.yaml"


def model_folders(configured: str | None = None) -> list[Path]:
    """Folders searched for named models, in order: config `models.dir` or $EDGE_ALPR_MODELS, then shipped."""
    first = configured or os.environ.get("EDGE_ALPR_MODELS")
    folders = [Path(first)] if first else []
    if SHIPPED not in folders:
        folders.append(SHIPPED)
    return folders


def resolve_model(ref: str, folders: list[Path], suffix: str = ".onnx", *, key: str | None = None) -> Path:
    """A model name (NAME + suffix in one of `folders`) or a path to a file; `key` (the config key
    that named it) leads the error message when it is not found."""
    if ref.endswith(suffix) or "/" in ref:
        candidates = [Path(ref)]
    else:
        candidates = [folder / f"{ref}{suffix}" for folder in folders]
    for path in candidates:
        if path.is_file():
            return path
    tried = ", ".join(str(c) for c in candidates)
    where = f"{key}: " if key else ""
    raise EdgeError(f"{where}model {ref!r} not found (looked for {tried}); see `edge-alpr models list`")


def resolve_ocr(ref: str, folders: list[Path]) -> tuple[Path, Path]:
    """OCR model and its fast-plate-ocr plate config (.yaml beside the .onnx)."""
    model = resolve_model(ref, folders)
    config = model.with_suffix(".yaml")
    if not config.is_file():
        raise EdgeError(f"{model}: its plate config {config.name} is missing beside it")
    return model, config
