"""Configuration: validated pydantic models loaded from YAML with file:line errors."""

from __future__ import annotations

from pathlib import Path

from edge.config.loader import ConfigError, load_yaml, parse_yaml, validate
from edge.config.model import Config

__all__ = ["Config", "ConfigError", "load_config", "parse_config"]


def load_config(path: Path | str | None) -> Config:
    """Load and validate a YAML config file; None gives the defaults."""
    if path is None:
        return Config()
    p = Path(path)
    data, lines = load_yaml(p)
    return validate(Config, data, lines, str(p))


def parse_config(text: str, source: str = "<config>") -> Config:
    data, lines = parse_yaml(text, source)
    return validate(Config, data, lines, source)
