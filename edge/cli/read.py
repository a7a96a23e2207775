"""`edge-alpr read`: plates in still images, with the detector and OCR of the config. Nothing is stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from edge.cli.common import config_option
from edge.errors import InputError

if TYPE_CHECKING:
    from edge.pipeline import StillPlate
    from edge.types import Image


def _images(path: Path) -> list[Path]:
    from edge.capture.files import IMAGE_SUFFIXES

    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise InputError(f"{path}: no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in this folder")
    return files


def _load(path: Path) -> Image | None:
    import cv2

    from edge.capture.files import valid_frame

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    return image if valid_frame(image) else None


def _annotate(image: Image, plates: list[StillPlate], out: Path) -> None:
    import cv2

    canvas = image.copy()
    thick = max(2, canvas.shape[1] // 400)
    for p in plates:
        b = p.box
        colour = (0, 200, 0) if p.valid_format else (0, 140, 255)
        cv2.rectangle(canvas, (int(b.x1), int(b.y1)), (int(b.x2), int(b.y2)), colour, thick)
        label = f"{p.text} {p.confidence:.2f}"
        scale = max(0.5, canvas.shape[1] / 1600)
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        y = int(b.y1) - 4 if b.y1 - th - base - 4 > 0 else int(b.y2) + th + 4
        cv2.rectangle(canvas, (int(b.x1), y - th - base), (int(b.x1) + tw, y + base), colour, -1)
        cv2.putText(canvas, label, (int(b.x1), y), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(out), canvas):
        raise InputError(f"{out}: cannot write the annotated image")


def _annotated_path(annotate: Path, image: Path, many: bool) -> Path:
    if not many and annotate.suffix.lower() == ".png":
        return annotate
    return annotate / f"{image.stem}.png"


@click.command("read")
@click.argument("path", type=click.Path(path_type=Path))
@config_option("YAML config whose detector, OCR and plate formats are used (default: built-in defaults).")
@click.option("--json", "as_json", is_flag=True, help="Print the plates as JSON on stdout.")
@click.option(
    "--annotate",
    type=click.Path(path_type=Path),
    default=None,
    help="Write a PNG with boxes, text and confidence: a .png file for one image, else a folder.",
)
def read_cmd(path: Path, config_path: Path | None, as_json: bool, annotate: Path | None) -> None:
    """Find and read plates in a still image or a folder of images.

    Runs the config's plate detector on the whole image and reads every plate with its OCR (the
    format rules applied), then prints box, text and confidence. Nothing is stored and nothing goes
    to the audit ledger: the images are your own. A file that is not an image is an error (exit 2);
    in a folder, unreadable images are reported and the others read.

    \b
    Example:
      edge-alpr read photo.jpg
      edge-alpr read shots/ --json
      edge-alpr read photo.jpg --annotate photo-plates.png
    """
    from edge.config import load_config
    from edge.pipeline import Recognizer, load_models

    files = _images(path)
    if path.is_file() and _load(path) is None:
        raise InputError(f"{path}: not an image OpenCV can read (jpg, png, bmp, webp...)")
    cfg = load_config(config_path)
    recognizer = Recognizer(cfg, load_models(cfg))
    results: list[dict[str, Any]] = []
    bad: list[Path] = []
    for file in files:
        image = _load(file)
        if image is None:
            bad.append(file)
            results.append({"image": str(file), "error": "not an image OpenCV can read"})
            continue
        plates = recognizer.read_image(image)
        results.append({"image": str(file), "plates": [_plate_doc(p) for p in plates]})
        if annotate is not None:
            _annotate(image, plates, _annotated_path(annotate, file, len(files) > 1 or path.is_dir()))
    if as_json:
        click.echo(json.dumps(results, indent=2))
    else:
        for r in results:
            if "error" in r:
                click.echo(f"{r['image']}: {r['error']}", err=True)
            elif not r["plates"]:
                click.echo(f"{r['image']}: no plate found")
            for p in r.get("plates", []):
                x1, y1, x2, y2 = p["box"]
                flag = "" if p["valid_format"] else "  (fits no configured plate format)"
                click.echo(
                    f"{r['image']}: {p['text']:<10} {p['confidence']:.2f}  box {x1},{y1}-{x2},{y2}  "
                    f"detector {p['detector_score']:.2f}{flag}"
                )
    if bad:
        raise InputError(f"{len(bad)} of {len(files)} file(s) are not images OpenCV can read: {bad[0]}")


def _plate_doc(p: StillPlate) -> dict[str, Any]:
    return {
        "text": p.text,
        "confidence": round(p.confidence, 3),
        "valid_format": p.valid_format,
        "box": [round(v) for v in (p.box.x1, p.box.y1, p.box.x2, p.box.y2)],
        "detector_score": round(p.detector_score, 3),
    }
