"""`edge-alpr read`: plates in still images, with boxes, text and confidence."""

from __future__ import annotations

import json
from pathlib import Path

import click

from edge.cli.common import config_option, resolve_config
from edge.errors import InputError


@click.command("read")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@config_option("YAML config whose detector, OCR and plate formats are used (default: built-in defaults).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per image on stdout (JSON lines).")
@click.option(
    "--annotate",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write each image with its plates drawn, as PNG: a file name for one image, else a folder.",
)
def read_cmd(paths: tuple[Path, ...], config_path: Path | None, as_json: bool, annotate: Path | None) -> None:
    """Find and read the plates in still images (files, or folders of them) with the config's models.

    Nothing is stored, shared or written to the ledger: the images are your own. Each plate is one
    reading (no tracking, no vote), printed with its OCR confidence, its box (x1 y1 x2 y2 in pixels)
    and whether its text fits the configured plate formats. A file that is not an image is reported
    on stderr and the command exits 2 after reading the others.

    \b
    Example:
      edge-alpr read car.jpg
      edge-alpr read photos/ --json
      edge-alpr read car.jpg --annotate car-plates.png
      edge-alpr read photos/ --config config/second-opinion.yaml --annotate annotated/
    """
    import cv2

    from edge.app import App
    from edge.still import annotate as draw
    from edge.still import image_files, load_image, read_image

    cfg = resolve_config(config_path, None)
    files = [f for p in paths for f in image_files(p)]
    if not files:
        raise InputError(f"no images in {', '.join(map(str, paths))} (looked for {', '.join(sorted(_suffixes()))})")
    one = len(files) == 1 and not (annotate is not None and annotate.is_dir())
    if annotate is not None and not one:
        annotate.mkdir(parents=True, exist_ok=True)
    models = App(cfg).models
    failed = 0
    for f in files:
        try:
            image = load_image(f)
        except InputError as exc:
            failed += 1
            click.echo(f"error: {exc}", err=True)
            continue
        plates = read_image(image, cfg, models)
        if as_json:
            click.echo(json.dumps({"image": str(f), "plates": [p.as_dict() for p in plates]}))
        elif not plates:
            click.echo(f"{f}: no plate found")
        else:
            for p in plates:
                b = p.box
                fmt = "" if p.valid_format else "  (fits no configured plate format)"
                click.echo(
                    f"{f}: {p.text or '?'}  confidence {p.confidence:.2f}  "
                    f"box {b.x1:.0f} {b.y1:.0f} {b.x2:.0f} {b.y2:.0f}{fmt}"
                )
        if annotate is not None:
            out = annotate if one else annotate / f"{f.stem}.png"
            if not cv2.imwrite(str(out.with_suffix(".png")), draw(image, plates)):
                raise InputError(f"{out}: cannot write the annotated image")
    if failed:
        raise InputError(f"{failed} of {len(files)} file(s) could not be read as images")


def _suffixes() -> frozenset[str]:
    from edge.still import IMAGE_SUFFIXES

    return IMAGE_SUFFIXES
