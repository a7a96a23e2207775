"""`edge-alpr config ...`: check a configuration before deploying it."""

from __future__ import annotations

from pathlib import Path

import click

from edge.config import load_config


@click.group("config")
def config_group() -> None:
    """Inspect and validate configuration files.

    \b
    Example:
      edge-alpr config check config/example.yaml
    """


@config_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def check(files: tuple[Path, ...]) -> None:
    """Validate one or more YAML configs; exit non-zero naming file, line and key of each problem.

    \b
    Example:
      edge-alpr config check config/example.yaml config/pi-usb.yaml
    """
    for file in files:
        cfg = load_config(file)
        click.echo(f"{file}: ok (profile {cfg.profile}, {len(cfg.cameras)} camera(s))")


@config_group.command("example")
def example() -> None:
    """Print an example config documenting every key with its default value.

    \b
    Example:
      edge-alpr config example > my.yaml
    """
    from edge.config.example import render_example

    click.echo(render_example(), nl=False)
