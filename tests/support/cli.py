"""`edge-alpr` as a user runs it: a real process from the checkout, its output captured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sample.mp4"
TRUTH = ROOT / "samples" / "sample.json"


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run `python -m edge ARGS` in `cwd` (the checkout by default); never raises on a non-zero exit."""
    return subprocess.run(
        [sys.executable, "-m", "edge", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        timeout=timeout,
    )


def replay(clip: Path, folder: Path, name: str, config: str | None = None, *extra: str) -> dict:
    """`edge-alpr replay CLIP --json` into FOLDER/NAME.db with `config` (YAML text, written to
    FOLDER/NAME.yaml; None: the default) and `extra` arguments; asserts it succeeded, returns its summary."""
    args = ["replay", str(clip), "--db", str(folder / f"{name}.db"), "--json", "--quiet", *extra]
    if config is not None:
        (folder / f"{name}.yaml").write_text(config)
        args += ["--config", str(folder / f"{name}.yaml")]
    res = run_cli(*args)
    assert res.returncode == 0, res.stderr
    summary: dict = json.loads(res.stdout)
    return summary
