"""YAML loading that remembers where every key came from.

Duplicate keys, bad YAML and schema errors are refused with ``file:line: key.path: message`` so a
user can go straight to the line. Nothing here knows the schema; ``edge.config.model`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


class ConfigError(ValueError):
    """A configuration that cannot be used. The message names file, line and key path."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("\n".join(messages))


def _compose(text: str, source: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"{mark.line + 1}" if mark is not None else "?"
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError([f"{source}:{line}: invalid YAML: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{source}: invalid YAML: {exc}"]) from None


def _to_python(node: yaml.Node, path: Loc, lines: dict[Loc, int], loader: yaml.SafeLoader, source: str) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        first_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ConfigError(
                    [f"{source}:{key_node.start_mark.line + 1}: YAML merge keys ('<<') are not supported"]
                )
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            dotted = ".".join(str(p) for p in (*path, key))
            if not isinstance(key, str | int):
                raise ConfigError([f"{source}:{line}: {dotted}: keys must be plain strings"])
            if key in first_seen:
                raise ConfigError([f"{source}:{line}: {dotted}: duplicate key (first given at line {first_seen[key]})"])
            first_seen[key] = line
            lines[(*path, key)] = line
            out[key] = _to_python(value_node, (*path, key), lines, loader, source)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*path, i), lines, loader, source) for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. an explicit !!float tag on text
        dotted = ".".join(str(p) for p in path) or "(top level)"
        raise ConfigError(
            [f"{source}:{node.start_mark.line + 1}: {dotted}: invalid YAML value {node.value!r}: {exc}"]
        ) from None


def load_yaml(path: Path) -> tuple[dict[str, Any], dict[Loc, int]]:
    """Read a YAML mapping and a map from key path to line number."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{source}: config file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{source}: cannot read config file: {exc}"]) from None
    return parse_yaml(text, source)


def parse_yaml(text: str, source: str = "<config>") -> tuple[dict[str, Any], dict[Loc, int]]:
    node = _compose(text, source)
    if node is None:
        return {}, {}
    lines: dict[Loc, int] = {}
    loader = yaml.SafeLoader("")
    try:
        data = _to_python(node, (), lines, loader, source)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else "?"
        raise ConfigError([f"{source}:{line}: invalid YAML value: {exc.problem}"]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ConfigError([f"{source}:1: the config must be a mapping of keys to values"])
    return data, lines


def line_for(loc: Loc, lines: dict[Loc, int]) -> int | None:
    """Line of the longest prefix of `loc` that appears in the file."""
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def format_validation_error(exc: ValidationError, lines: dict[Loc, int], source: str) -> list[str]:
    messages = []
    for err in exc.errors():
        loc: Loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
        dotted = ".".join(str(p) for p in loc) or "(top level)"
        line = line_for(loc, lines)
        where = f"{source}:{line}" if line is not None else source
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (not part of the configuration schema; check spelling)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        messages.append(f"{where}: {dotted}: {msg}")
    return messages


def validate(model: type[M], data: dict[str, Any], lines: dict[Loc, int], source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, lines, source)) from None
