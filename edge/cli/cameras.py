"""`edge-alpr cameras`: the video devices OpenCV can open here, and a check of configured cameras."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from edge.cli.common import config_option
from edge.config import load_config
from edge.errors import EdgeError


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
def cameras_cmd(config_path: Path | None, no_probe: bool, dev_dir: Path, as_json: bool) -> None:
    """List the video devices this machine can open, with their formats, sizes and rates.

    Each /dev/videoN is opened through V4L2 and one frame read; modes come from `v4l2-ctl
    --list-formats-ext` when it is installed, else from asking the driver for common sizes in MJPG
    and YUYV. With --config each configured camera (device, stream URL, file or folder) is opened
    once and the size and rate it delivers are shown, or why it failed. Exits 1 when a configured
    camera cannot be opened.

    \b
    Example:
      edge-alpr cameras
      edge-alpr cameras --config /etc/edge-alpr/config.yaml --json
    """
    from edge.capture.live import list_devices, probe_camera

    cfg = load_config(config_path) if config_path is not None else None
    devices = list_devices(dev_dir, probe=not no_probe)
    probes = [probe_camera(cam) for cam in cfg.cameras] if cfg is not None else []
    if as_json:
        out = {
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
        click.echo(json.dumps(out, indent=2))
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
