"""YAML loading that remembers where every key came from.

Duplicate keys, bad YAML and schema errors are refused with ``file:line: key.path: message`` so a
user can go straight to the line. Nothing here knows the schema; ``edge.config.model`` does.

Limits (issue 27, finding 7: a 372-byte alias bomb took 3.5 GB and 37 s): a config file larger than
``MAX_BYTES`` is refused before it is parsed, and one whose values, aliases expanded, number more than
``MAX_VALUES`` is refused while it is read, naming the line of the anchor that is repeated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

MAX_BYTES = 1 << 20  # the biggest shipped config is a few KB
MAX_VALUES = 20_000  # keys, items and scalars after alias expansion (example.yaml has ~300)


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


class _Budget:
    """Counts values as aliases expand them; refuses a config that expands past MAX_VALUES."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.values = 0
        self.seen: set[int] = set()
        self.alias_line: int | None = None  # line of the first anchored node seen twice

    def spend(self, node: yaml.Node) -> None:
        self.values += 1
        if id(node) in self.seen:
            if self.alias_line is None:
                self.alias_line = node.start_mark.line + 1
        elif isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            self.seen.add(id(node))
        if self.values > MAX_VALUES:
            line = self.alias_line or node.start_mark.line + 1
            raise ConfigError(
                [
                    f"{self.source}:{line}: the config expands to more than {MAX_VALUES} values (YAML aliases "
                    "repeating an anchor: an alias bomb?); write the values out instead of aliasing them"
                ]
            )


def _to_python(
    node: yaml.Node, path: Loc, lines: dict[Loc, int], loader: yaml.SafeLoader, source: str, budget: _Budget
) -> Any:
    budget.spend(node)
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
            out[key] = _to_python(value_node, (*path, key), lines, loader, source, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*path, i), lines, loader, source, budget) for i, item in enumerate(node.value)]
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
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigError([f"{source}: config file is {size} bytes; the limit is {MAX_BYTES}"])
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)  # a file that grows after stat is still bounded
        if len(raw) > MAX_BYTES:
            raise ConfigError([f"{source}: config file is over {MAX_BYTES} bytes"])
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{source}: config file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{source}: cannot read config file: {exc}"]) from None
    return parse_yaml(text, source)


def parse_yaml(text: str, source: str = "<config>") -> tuple[dict[str, Any], dict[Loc, int]]:
    if len(text) > MAX_BYTES:
        raise ConfigError([f"{source}: config text is {len(text)} characters; the limit is {MAX_BYTES}"])
    node = _compose(text, source)
    if node is None:
        return {}, {}
    lines: dict[Loc, int] = {}
    loader = yaml.SafeLoader("")
    try:
        data = _to_python(node, (), lines, loader, source, _Budget(source))
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


# Keys an earlier version took, with what replaced them: named in the error instead of "check spelling".
RENAMED = {
    "gate.rest_fps": "replaced by gate.rest_stride (look at every Nth frame while only narrow blobs move; "
    "2 is what rest_fps 15 did on a 30 fps camera, and it now rests 15 fps cameras too)",
}


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
            if dotted in RENAMED:
                msg = f"no longer a key: {RENAMED[dotted]}"
        elif err["type"] == "missing":
            msg = "required key is missing"
        messages.append(f"{where}: {dotted}: {msg}")
    return messages


def validate(model: type[M], data: dict[str, Any], lines: dict[Loc, int], source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, lines, source)) from None
