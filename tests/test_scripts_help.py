"""Every script in scripts/ answers --help with its usage and an example, exits 0, and does nothing else.

The edge-alpr commands have their own test (tests/test_replay_e2e.py); these are the set-up, benchmark,
training and chaos scripts a user runs by hand. Two training scripts import the training venv's
packages (torch, albumentations) before they can parse anything: their docstrings, which are their
--help there, are checked instead.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
TRAINING_VENV_ONLY = {"train_detector.py", "make_ocr_augment.py"}  # import torch / albumentations at the top


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        cmd, check=False, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL
    )


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("*.sh")))
def test_shell_script_help(script: str) -> None:
    res = _run(["bash", str(SCRIPTS / script), "--help"])
    assert res.returncode == 0, res.stderr
    text = res.stdout
    assert "usage" in text.lower(), f"scripts/{script} --help names no usage"
    assert "example" in text.lower(), f"scripts/{script} --help gives no example"
    assert "set -euo" not in text, f"scripts/{script} --help prints its own code"
    assert len(text) < 6000, f"scripts/{script} --help ran something besides printing its help"


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("*.py") if p.name not in TRAINING_VENV_ONLY))
def test_python_script_help(script: str) -> None:
    res = _run([sys.executable, str(SCRIPTS / script), "--help"])
    assert res.returncode == 0, res.stderr
    assert "usage" in res.stdout.lower()
    assert "example" in res.stdout.lower(), f"scripts/{script} --help gives no example"


@pytest.mark.parametrize("script", sorted(TRAINING_VENV_ONLY))
def test_training_venv_script_documents_an_example(script: str) -> None:
    doc = ast.get_docstring(ast.parse((SCRIPTS / script).read_text())) or ""
    assert "Example" in doc
    assert "venv" in doc or "Needs" in doc  # says what it needs beyond the runtime
