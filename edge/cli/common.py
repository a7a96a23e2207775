"""Options and helpers shared by the `edge-alpr` commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from edge.config import Config, load_config

F = TypeVar("F", bound=Callable[..., Any])


_CONFIG_HELP = "YAML config file (default: built-in defaults; env EDGE_ALPR_CONFIG)."


def config_option(text: str = _CONFIG_HELP) -> Callable[[F], F]:
    """--config FILE alone (commands that store nothing), with a help `text` that says what it is for."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        envvar="EDGE_ALPR_CONFIG",
        help=text,
    )


def config_options(func: F) -> F:
    """Add --config FILE and --db PATH (every command that touches stored data takes both)."""
    func = click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="SQLite store file (overrides store.path in the config).",
    )(func)
    return config_option()(func)


def resolve_config(config_path: Path | None, db: Path | None) -> Config:
    """Load the config and apply --db. Raises ConfigError with file:line on bad input."""
    cfg = load_config(config_path)
    if db is not None:
        cfg = cfg.with_db(db)
    return cfg
