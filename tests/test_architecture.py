"""The import rule of docs/ARCHITECTURE.md, checked: dependencies go one way, down the layers.

Every `import edge.X` inside edge/ (module level or inside a function: a function-level import is
still a dependency, only a hidden one; imports under `if TYPE_CHECKING:` are type hints, not
dependencies) must name a package in the same layer or a lower one. And
loading a config must not drag in the runtime: no store, hotlist, share, OpenCV, onnxruntime,
sqlite-utils or MQTT client just to check a YAML file.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EDGE = ROOT / "edge"

# Lowest first. A package may import its own layer and the layers below it, never one above.
LAYERS: list[set[str]] = [
    {"types", "errors", "files", "lookalike"},
    {"policy"},  # the law: profiles, prohibited uses, decisions; pure functions, no I/O
    {"config"},  # pydantic models and the YAML loader; a config is checked against the law
    {"models", "logs", "evaluate"},
    {"capture", "gate", "detect", "ocr", "track", "store", "audit"},
    {"hotlist", "share", "pipeline", "still", "reload"},
    {"runner", "health"},
    {"app"},
    {"cli", "__main__", "__init__"},
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}


def _package(path: Path) -> str:
    rel = path.relative_to(EDGE)
    return rel.parts[0].removesuffix(".py")


def _type_only(tree: ast.AST) -> set[int]:
    """Ids of the import nodes under `if TYPE_CHECKING:` (type hints only: no dependency at run time)."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            ids |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return ids


def _imports(path: Path) -> list[tuple[str, int]]:
    found = []
    tree = ast.parse(path.read_text(), str(path))
    hints = _type_only(tree)
    for node in ast.walk(tree):
        if id(node) in hints:
            continue
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
    return [(m.split(".")[1], line) for m, line in found if m.startswith("edge.")]


def test_every_package_of_edge_has_a_layer() -> None:
    packages = {_package(p) for p in EDGE.rglob("*.py")}
    assert packages - set(LAYER) == set(), "add new packages to LAYERS here and in docs/ARCHITECTURE.md"


def test_no_package_imports_one_above_it() -> None:
    upward = []
    for path in sorted(EDGE.rglob("*.py")):
        src = _package(path)
        for dst, line in _imports(path):
            if dst != src and LAYER[dst] > LAYER[src]:
                upward.append(f"{path.relative_to(ROOT)}:{line}: {src} imports {dst}")
    assert upward == []


def test_the_architecture_doc_states_the_same_layers() -> None:
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    for names in LAYERS:
        for name in names - {"__main__", "__init__"}:
            assert f"`{name}`" in doc, f"docs/ARCHITECTURE.md does not place `{name}`"


def test_loading_a_config_loads_no_runtime_module() -> None:
    code = (
        "import json, sys\n"
        "from edge.config import load_config\n"
        "load_config('config/site-il.yaml')\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    forbidden = {"cv2", "onnxruntime", "sqlite_utils", "paho", "PIL", "numpy", "sqlite3"}
    forbidden |= {f"edge.{p}" for p in ("store", "hotlist", "share", "audit", "pipeline", "runner", "health")}
    assert sorted(loaded & forbidden) == []
    assert sorted(m for m in loaded if m.startswith("edge.") and m.split(".")[1] not in ("config", "policy",
                  "types", "errors", "lookalike")) == []  # fmt: skip


def _cli_flags() -> set[str]:
    """Every long option of every `edge-alpr` command."""
    import click

    from edge.cli import main

    flags: set[str] = set()

    def walk(cmd: click.Command) -> None:
        for p in cmd.params:
            flags.update(o for o in [*p.opts, *p.secondary_opts] if o.startswith("--"))
        if isinstance(cmd, click.Group):
            for sub in cmd.commands.values():
                walk(sub)

    walk(main)
    return flags


def test_core_error_messages_name_fields_not_command_line_flags() -> None:
    """Errors and denials of the core reach the ledger and MQTT peers, where `--since` means nothing:
    outside edge/cli a message names fields (FieldError), and only the CLI shows them as flags."""
    flags = _cli_flags()
    assert {"--since", "--plate", "--source", "--replace"} <= flags
    flagged = []
    for path in sorted(EDGE.rglob("*.py")):
        if _package(path) == "cli":
            continue
        tree = ast.parse(path.read_text(), str(path))
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and n.body
            and isinstance(n.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant) or not isinstance(node.value, str) or id(node) in docstrings:
                continue
            named = set(re.findall(r"--[a-z][a-z-]+", node.value)) & flags
            if named and not _is_option_help(node, tree):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                flagged.append(f"{where}: {sorted(named)} in {node.value.strip()[:60]!r}")
    assert flagged == []


def _is_option_help(node: ast.Constant, tree: ast.AST) -> bool:
    """A constant that is a `help=`/`description=` keyword (text written for a person at a prompt)."""
    return any(
        isinstance(k, ast.keyword) and k.arg in ("help", "description") and any(c is node for c in ast.walk(k.value))
        for k in ast.walk(tree)
    )
