"""The product apart from its tooling (issue 28): what the Pi installs and imports, and how tests and
scripts reach their helpers.

- The runtime install (`pip install .`, no extras) carries no Pillow: it is a dependency of the `train`
  extra, which the `dev` extra includes, and nothing under edge/ imports PIL or the tooling package.
- No file under scripts/, tests/ or edge_tools/ edits sys.path: scripts import the installed `edge` and
  `edge_tools`, tests import their helpers as the `tests.support` package.
- Tests never import scripts/, scripts never import tests/, the tooling never imports tests/.

Static checks with ast over every .py file (function-level imports included), plus one real import of
every edge module in a fresh interpreter.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
TOOLING = "edge_tools"


def requirement_name(req: str) -> str:
    """`Pillow>=10,<13` -> `pillow`, `edge-alpr[train]` -> `edge-alpr` (PEP 503 normalised)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
    assert match, f"pyproject.toml: unreadable requirement {req!r}"
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def python_files(*folders: str) -> list[Path]:
    files = [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py")) if "__pycache__" not in p.parts]
    assert files, f"no Python files under {folders}"
    return files


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted module name) of every import in the file, at any depth; relative imports resolved
    against the file's own package are not used in this project and are reported as written."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            yield node.lineno, "." * node.level + module
            for alias in node.names:  # `from edge_tools import synth` imports edge_tools.synth
                yield node.lineno, f"{'.' * node.level}{module}.{alias.name}"


def sys_path_edits(path: Path) -> Iterator[tuple[int, str]]:
    """Calls like sys.path.insert(...) / sys.path.append(...) / sys.path.extend(...), and sys.path = ..."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if ast.unparse(target) == "sys.path" and node.func.attr in {"insert", "append", "extend"}:
                yield node.lineno, ast.unparse(node)[:80]
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if ast.unparse(t) == "sys.path":
                    yield node.lineno, ast.unparse(node)[:80]


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def top(module: str) -> str:
    return module.lstrip(".").split(".")[0]


# --- the runtime install -------------------------------------------------------------------------


def test_runtime_dependencies_carry_no_pillow_and_the_train_extra_does() -> None:
    runtime = {requirement_name(r) for r in PYPROJECT["project"]["dependencies"]}
    assert "pillow" not in runtime, "pyproject.toml [project] dependencies: Pillow belongs to the train extra"
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert "pillow" in {requirement_name(r) for r in extras["train"]}, "pyproject.toml: the train extra lacks Pillow"
    dev = extras["dev"]
    assert any(requirement_name(r) == "edge-alpr" and "train" in r for r in dev), (
        "pyproject.toml: the dev extra must include edge-alpr[train] (tests render synthetic clips)"
    )


def test_the_package_list_ships_runtime_and_tooling_by_name() -> None:
    include = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {"edge", "edge.*", TOOLING, f"{TOOLING}.*"} <= set(include), f"packages.find include: {include}"
    assert not any(p in {"tests", "tests.*", "scripts", "scripts.*"} for p in include), include


def test_no_runtime_module_imports_pillow_or_the_tooling() -> None:
    found = [
        f"{where(p, line)}: imports {mod}"
        for p in python_files("edge")
        for line, mod in imported_modules(p)
        if top(mod) in {"PIL", TOOLING, "tests", "scripts"}
    ]
    assert found == [], "edge/ must run without the tooling:\n" + "\n".join(found)


def test_importing_every_runtime_module_loads_neither_pillow_nor_the_tooling() -> None:
    code = (
        "import importlib, json, pkgutil, sys\n"
        "import edge\n"
        "names = [m.name for m in pkgutil.walk_packages(edge.__path__, 'edge.') if m.name != 'edge.__main__']\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(k for k in sys.modules if k.split('.')[0] in ('PIL', 'edge_tools', 'tests'))\n"
        "print(json.dumps({'modules': len(names), 'loaded': loaded}))\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["modules"] > 40, out  # the walk really covered the package
    assert out["loaded"] == [], f"importing edge loaded {out['loaded']}"


# --- sys.path, and who imports whom -------------------------------------------------------------


def test_no_sys_path_edits_in_scripts_tests_or_tooling() -> None:
    found = [
        f"{where(p, line)}: {call}"
        for p in python_files("scripts", "tests", TOOLING)
        for line, call in sys_path_edits(p)
    ]
    assert found == [], "import the packages instead of editing sys.path:\n" + "\n".join(found)


def test_the_sys_path_check_sees_an_edit(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import sys\n\ndef f():\n    sys.path.insert(0, 'x')\nsys.path.append('y')\n", encoding="utf-8")
    assert sorted(line for line, _ in sys_path_edits(sample)) == [4, 5]


def test_the_import_check_sees_function_level_and_from_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from PIL import Image\n\nfrom edge_tools import synth\n", encoding="utf-8")
    found = sorted(imported_modules(sample))
    assert (2, "PIL") in found
    assert (4, "edge_tools.synth") in found
    assert {top(m) for _, m in found} == {"PIL", "edge_tools"}


def test_tests_do_not_import_scripts() -> None:
    scripts = {p.stem for p in (ROOT / "scripts").glob("*.py")} | {"scripts"}
    found = [
        f"{where(p, line)}: imports {mod}"
        for p in python_files("tests")
        for line, mod in imported_modules(p)
        if top(mod) in scripts
    ]
    assert found == [], "tests import edge or edge_tools, not scripts/:\n" + "\n".join(found)


@pytest.mark.parametrize("folder", ["scripts", TOOLING])
def test_scripts_and_tooling_do_not_import_tests(folder: str) -> None:
    test_modules = {p.stem for p in (ROOT / "tests").rglob("*.py")} | {"tests"}
    found = [
        f"{where(p, line)}: imports {mod}"
        for p in python_files(folder)
        for line, mod in imported_modules(p)
        if top(mod) in test_modules
    ]
    assert found == [], f"{folder}/ must not depend on tests/ (shared code belongs in edge_tools):\n" + "\n".join(found)


def test_test_helpers_are_one_package() -> None:
    support = ROOT / "tests" / "support"
    assert (support / "__init__.py").is_file()
    loose = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "tests").rglob("*.py")
        if support not in p.parents and not p.name.startswith("test_") and p.name not in {"conftest.py", "__init__.py"}
    )
    assert loose == [], f"helper modules outside tests/support: {loose}"
