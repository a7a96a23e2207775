"""edge_tools/export_ultralytics_detector.py: the parts that run without torch, on real files and models.

The export itself needs torch and Ultralytics, which edge-alpr's environment does not carry; it was
run on this machine (see the script's docstring and issue 5's note). What is tested here is what
keeps a user safe: weights of another sha256 are refused and deleted, the output never lands in the
repository's models/ folder, a missing export Python is a clear error, and the check that accepts
an exported model runs edge-alpr's own detector on a real model of the same signature.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from edge.errors import EdgeError
from edge_tools import export_ultralytics_detector as exp

ROOT = Path(__file__).resolve().parents[2]


def _wheel(path: Path, payload: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(exp.MEMBER, payload)
        z.writestr("fastanpr/__init__.py", "")
    return path


def test_weights_of_the_pinned_sha256_are_taken_out_of_the_wheel(tmp_path: Path) -> None:
    payload = b"weights" * 100
    wheel = _wheel(tmp_path / "fastanpr-0.1.13-py3-none-any.whl", payload)
    out = tmp_path / "work"
    out.mkdir()
    got = exp.weights_from_wheel(wheel, out, expect=hashlib.sha256(payload).hexdigest())
    assert got.read_bytes() == payload


def test_weights_of_another_sha256_are_refused_and_deleted(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path / "fastanpr-0.1.13-py3-none-any.whl", b"tampered")
    out = tmp_path / "work"
    out.mkdir()
    with pytest.raises(EdgeError, match="refused and deleted"):
        exp.weights_from_wheel(wheel, out)  # the real pin
    assert not (out / "best.pt").exists()


def test_a_file_that_is_not_such_a_wheel_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "x.whl"
    bad.write_bytes(b"not a zip")
    with pytest.raises(EdgeError, match=r"x\.whl: not a wheel holding fastanpr/best\.pt"):
        exp.weights_from_wheel(bad, tmp_path)


def test_the_output_never_goes_into_the_repositorys_models_folder() -> None:
    with pytest.raises(EdgeError, match="never committed"):
        exp.refuse_repo_models(ROOT / "models" / "fastanpr.onnx")
    exp.refuse_repo_models(ROOT / "data" / "models" / "fastanpr.onnx")


def test_cli_fails_on_stderr_naming_the_export_python(tmp_path: Path) -> None:
    payload = b"weights"
    wheel = _wheel(tmp_path / "fastanpr-0.1.13-py3-none-any.whl", payload)
    cmd = [sys.executable, "-m", "edge_tools.export_ultralytics_detector", "--wheel", str(wheel)]
    cmd += ["--out", str(tmp_path / "d.onnx"), "--export-python", str(tmp_path / "no-such-python")]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120, cwd=ROOT)
    assert res.returncode == 1
    # the toy wheel's weights fail the pin before any export is tried
    assert "refused and deleted" in res.stderr
    assert not (tmp_path / "d.onnx").exists()
    with pytest.raises(EdgeError, match="no-such-python: cannot run it"):
        exp.export(str(tmp_path / "no-such-python"), tmp_path / "best.pt", 384)


def test_help_has_an_example() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "edge_tools.export_ultralytics_detector", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Example:" in res.stdout
    assert "--export-python" in res.stdout


def test_the_acceptance_check_runs_edge_alprs_detector_on_a_model_of_that_signature() -> None:
    # plate-det-v1 has the signature an Ultralytics export has: raw [1, 5, N], 384 px.
    found, legible = exp.check_detector(ROOT / "models" / "plate-det-v1.onnx")
    assert legible > 0
    assert found >= legible // 2


def test_the_acceptance_check_refuses_the_end2end_signature() -> None:
    with pytest.raises(EdgeError, match="end2end"):
        exp.check_detector(ROOT / "models" / "plate-det-v1-e2e.onnx")
