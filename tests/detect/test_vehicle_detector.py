"""The optional vehicle detector (models.vehicle, issue 26): loading, classes, and refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from edge.config import Config
from edge.errors import EdgeError
from edge.pipeline import load_models

ROOT = Path(__file__).resolve().parents[2]


def test_a_missing_vehicle_model_is_refused_naming_the_key() -> None:
    cfg = Config.model_validate({"models": {"vehicle": "no-such-vehicle-model"}})
    with pytest.raises(EdgeError, match=r"^models\.vehicle: model 'no-such-vehicle-model' not found"):
        load_models(cfg)


def test_replay_with_a_missing_vehicle_model_fails_on_stderr_naming_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "v.yaml"
    cfg.write_text(f"models:\n  vehicle: {tmp_path / 'gone.onnx'}\n")
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "edge",
            "replay",
            str(ROOT / "samples" / "sample.mp4"),
            "--config",
            str(cfg),
            "--db",
            str(tmp_path / "r.db"),
            "--quiet",
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        timeout=300,
    )
    assert res.returncode != 0
    assert "models.vehicle" in res.stderr, res.stderr
    assert "gone.onnx" in res.stderr, res.stderr
    assert res.stdout == ""
