"""`edge-alpr cameras`: the video devices OpenCV can open here, and a check of configured cameras."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from edge.cli.common import config_option
from edge.config import Config, load_config
from edge.errors import EdgeError, InputError
from edge.types import Box


@click.command("cameras")
@config_option("Also open each camera in this config once and report what it delivers (env EDGE_ALPR_CONFIG).")
@click.option("--no-probe", is_flag=True, help="Do not try formats and sizes on each device (faster).")
@click.option(
    "--dev-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("/dev"),
    show_default=True,
    help="Folder holding the videoN device nodes.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.option(
    "--preview",
    "preview",
    metavar="NAME",
    default=None,
    help="Write a PNG of camera NAME (from --config) with its configured masks (red), the burned-in text "
    "learned over --seconds of its footage (yellow) and its ROI (green), then exit.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="PNG written by --preview (default: preview-NAME.png).",
)
@click.option(
    "--seconds",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Footage --preview runs the pipeline on to learn burned-in text.",
)
def cameras_cmd(
    config_path: Path | None,
    no_probe: bool,
    dev_dir: Path,
    as_json: bool,
    preview: str | None,
    out: Path | None,
    seconds: float,
) -> None:
    """List the video devices this machine can open, with their formats, sizes and rates.

    Each /dev/videoN is opened through V4L2 and one frame read; modes come from `v4l2-ctl
    --list-formats-ext` when it is installed, else from asking the driver for common sizes in MJPG
    and YUYV. With --config each configured camera (device, stream URL, file or folder) is opened
    once and the size and rate it delivers are shown, or why it failed. Exits 1 when a configured
    camera cannot be opened.

    With --preview NAME, the camera's footage (--seconds of it) runs through the pipeline so that
    burned-in text (a date/time overlay) is learned as it is at run time, and a PNG of its last
    frame is written with the masks drawn: what no plate is read from.

    \b
    Example:
      edge-alpr cameras
      edge-alpr cameras --config /etc/edge-alpr/config.yaml --json
      edge-alpr cameras --config /etc/edge-alpr/config.yaml --preview lane-1 --out lane-1.png
    """
    from edge.capture.live import list_devices, probe_camera

    cfg = load_config(config_path) if config_path is not None else None
    if preview is not None:
        if cfg is None:
            raise click.UsageError("--preview NAME needs --config with camera NAME under cameras:")
        path = out or Path(f"preview-{preview}.png")
        learned = write_preview(cfg, preview, path, seconds)
        click.echo(f"wrote {path}: {len(learned)} learned burned-in text area(s), "
                   f"{len(next(c for c in cfg.cameras if c.name == preview).masks)} configured mask(s)")  # fmt: skip
        return
    devices = list_devices(dev_dir, probe=not no_probe)
    probes = [probe_camera(cam) for cam in cfg.cameras] if cfg is not None else []
    if as_json:
        found = {
            "devices": [
                {
                    "path": d.path,
                    "name": d.name,
                    "opened": d.opened,
                    "current": asdict(d.current) if d.current else None,
                    "modes": [asdict(m) for m in d.modes],
                    "error": d.error,
                }
                for d in devices
            ],
            "cameras": [asdict(p) for p in probes],
        }
        click.echo(json.dumps(found, indent=2))
    else:
        if not devices:
            click.echo(f"no video devices in {dev_dir}")
        for d in devices:
            title = f"{d.path}" + (f" ({d.name})" if d.name else "")
            if not d.opened:
                click.echo(f"{title}: {d.error}")
                continue
            click.echo(f"{title}: now {d.current}")
            for m in d.modes:
                click.echo(f"    {m}")
        for p in probes:
            if p.ok:
                click.echo(f"camera {p.camera} ({p.kind} {p.source}): ok, {p.width}x{p.height} @ {p.fps:g} fps")
            else:
                click.echo(f"camera {p.camera} ({p.kind} {p.source}): FAILED: {p.error}")
    failed = [p.camera for p in probes if not p.ok]
    if failed:
        raise EdgeError(f"cannot open camera(s): {', '.join(failed)}")


def write_preview(cfg: Config, name: str, path: Path, seconds: float) -> list[Box]:
    """Run camera `name`'s first `seconds` of footage through the pipeline and write its last frame
    with the masks drawn to `path` (PNG); returns the learned burned-in text boxes."""
    import cv2

    from edge.capture.live import open_camera
    from edge.gate.overlay import draw_masks
    from edge.pipeline import Recognizer, load_models

    cams = {c.name: c for c in cfg.cameras}
    if name not in cams:
        raise InputError(f"--preview {name}: no camera of that name in the config ({', '.join(cams) or 'none'})")
    cam = cams[name]
    source = open_camera(cam)
    recognizer = Recognizer(cfg, load_models(cfg), camera=cam)
    last = None
    try:
        for frame in source.frames():
            recognizer.process(frame)
            last = frame
            if frame.index + 1 >= seconds * max(source.fps, 1.0):
                break
    finally:
        source.close()
    if last is None:
        raise EdgeError(f"camera {name}: no frame could be read from {cam.source}")
    learned = recognizer.overlay.learned
    image = draw_masks(last.image, cam.masks, learned, cam.roi)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), image):
        raise InputError(f"{path}: cannot write the PNG there")
    return learned
