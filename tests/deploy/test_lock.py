"""requirements/lock.txt: the runtime packages the installer puts on a device, each pinned with its
sha256 hashes, for x86-64 and aarch64 (scripts/lock.sh checks a wheel exists on both)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "lock.txt"
TRAINING_ONLY = {"tensorflow", "keras", "torch", "torchvision", "ultralytics", "jax", "onnx", "albumentations"}


def pins() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes), from the lock's `name==version ; marker \\` blocks."""
    out: dict[str, tuple[str, list[str]]] = {}
    text = LOCK.read_text(encoding="utf-8")
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", block)
        if m:
            out[canonicalize_name(m.group(1))] = (m.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return out


def test_every_package_is_pinned_with_hashes() -> None:
    locked = pins()
    assert len(locked) >= 20
    body = [line for line in LOCK.read_text().splitlines() if line and not line.startswith(("#", " "))]
    assert all("==" in line for line in body), [line for line in body if "==" not in line]
    for name, (_version, hashes) in locked.items():
        assert hashes, f"{name} has no hash"


def test_every_runtime_dependency_is_locked_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    locked = pins()
    for spec in project["dependencies"]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} is not in requirements/lock.txt: run `bash scripts/lock.sh`"
        assert req.specifier.contains(locked[name][0], prereleases=True), (spec, locked[name][0])


def test_no_training_package_goes_to_the_device() -> None:
    assert not TRAINING_ONLY & set(pins())


def test_the_installer_installs_the_lock_with_hashes_and_wheels_only() -> None:
    script = (ROOT / "scripts" / "install-pi.sh").read_text()
    assert "--require-hashes --only-binary :all:" in script
    assert 'requirements/lock.txt"' in script
    assert "pip install -q --no-deps --upgrade" in script
