"""The runtime lock files: every Pi installs the versions this release was tested with, hash-checked.

`scripts/lock.sh` writes them (it needs the registry, so tests only check what it wrote): one per
machine, each pinning every runtime dependency of pyproject.toml within its declared range, every
pin with its sha256 hashes, and scripts/install-pi.sh installing from it with --require-hashes.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
ARCHES = ("x86_64", "aarch64")


def pins(text: str) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of a pip requirements file written with --generate-hashes."""
    out: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        m = re.match(r"([A-Za-z0-9_.\-\[\]]+)==([^\s\\;]+)", block)
        if m:
            name = canonicalize_name(m.group(1).split("[")[0])
            out[name] = (m.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return out


@pytest.mark.parametrize("arch", ARCHES)
def test_the_lock_pins_every_runtime_dependency_within_its_range_with_hashes(arch: str) -> None:
    lock = pins((ROOT / "requirements" / f"runtime-{arch}.lock").read_text())
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert deps
    for dep in map(Requirement, deps):
        name = canonicalize_name(dep.name)
        assert name in lock, f"{dep.name} is not in runtime-{arch}.lock: run scripts/lock.sh"
        version, _ = lock[name]
        assert dep.specifier.contains(version, prereleases=True), f"{name}=={version} is outside {dep.specifier}"
    for name, (version, hashes) in lock.items():
        assert hashes, f"{name}=={version} has no hash"
    # Pillow is the train extra's; it comes into the runtime install only as rapidocr's dependency (the
    # default ocr.verifier), and edge/ never imports it (tests/test_tooling_apart.py)
    if "pillow" in lock:
        block = (ROOT / "requirements" / f"runtime-{arch}.lock").read_text().split("\npillow==", 1)[1]
        via = [line.strip() for line in block.split("\n") if line.strip().startswith("#")]
        assert via[:1] == ["# via rapidocr"], via


def test_the_installer_installs_from_the_lock_with_hashes_required() -> None:
    script = (ROOT / "scripts" / "install-pi.sh").read_text()
    assert 'pip install -q --require-hashes -r "$lock"' in script
    assert 'lock="$R$APP_DIR/src/requirements/runtime-$(uname -m).lock"' in script
    assert "requirements)" in script  # the lock files are copied with the project
