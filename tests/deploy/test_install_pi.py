"""scripts/install-pi.sh and deploy/edge-alpr.service: shellcheck, an install into a scratch root
(--prefix: files only, privileged steps printed), idempotence, --dry-run, and `systemd-analyze verify`
of the unit it installs. shellcheck and systemd-analyze come from Debian packages (scripts/test.sh
installs them)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from edge.config import load_config

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "install-pi.sh"
UNIT = ROOT / "deploy" / "edge-alpr.service"
HARDENING = [
    "Restart=on-failure",
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "SupplementaryGroups=video",
    "ReadWritePaths=/var/lib/edge-alpr",
    "ExecReload=/bin/kill -HUP $MAINPID",
    "User=edge-alpr",
    "Type=notify",
    "NotifyAccess=main",
    "WatchdogSec=60",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged @resources",
    "SystemCallErrorNumber=EPERM",
    "MemoryDenyWriteExecute=yes",
    "ProtectProc=invisible",
    "RemoveIPC=yes",
    "IPAddressDeny=any",
]
DEPLOY_DOC = ROOT / "docs" / "DEPLOY.md"


def install(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON": sys.executable}
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def need(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is not installed (Debian package {package}; scripts/test.sh installs it)")
        pytest.skip(f"{tool} not installed (Debian package {package}; scripts/test.sh installs it)")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("root")
    res = install("--prefix", str(root), "--camera", "/dev/video2", "--port", "9200")
    assert res.returncode == 0, res.stderr
    return root, res


def test_shellcheck_is_clean() -> None:
    need("shellcheck", "shellcheck")
    res = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stdout


def test_prefix_install_writes_the_files_with_safe_modes(
    installed: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    root, _res = installed
    config = root / "etc/edge-alpr/config.yaml"
    key = root / "var/lib/edge-alpr/audit-ed25519.key"
    unit = root / "etc/systemd/system/edge-alpr.service"
    assert mode(config) == 0o640
    assert mode(key) == 0o600
    assert mode(root / "etc/edge-alpr") == 0o750
    assert mode(root / "var/lib/edge-alpr") == 0o750
    assert key.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    cfg = load_config(config)  # the starter config is valid as installed
    assert cfg.cameras[0].source == "/dev/video2"
    assert cfg.health.port == 9200
    assert cfg.health.bind == "127.0.0.1"
    assert cfg.store.path == "/var/lib/edge-alpr/edge-alpr.db"
    assert (root / "opt/edge-alpr/src/edge/cli/status.py").is_file()
    assert (root / "opt/edge-alpr/models/plate-ocr-v8.yaml").is_file()
    # the default OCR with its calibration map: without it a confidence would be the raw vote's
    for name in ("plate-ocr-ctc-v1.onnx", "plate-ocr-ctc-v1.yaml", "plate-ocr-ctc-v1.calibration.json"):
        assert (root / "opt/edge-alpr/models" / name).is_file(), name
    assert os.readlink(root / "usr/local/bin/edge-alpr") == "/opt/edge-alpr/venv/bin/edge-alpr"
    text = unit.read_text()
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert not [line for line in body if re.search(r"@[A-Z_]+@", line)], "unfilled placeholders in the unit"
    for line in HARDENING:
        assert line in body, line
    assert "ExecStart=/opt/edge-alpr/venv/bin/edge-alpr -v run --config /etc/edge-alpr/config.yaml" in body


def test_prefix_install_prints_the_privileged_steps_instead_of_running_them(
    installed: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _root, res = installed
    out = res.stdout
    for step in (
        "useradd --system",
        "usermod --append --groups video edge-alpr",
        "chown edge-alpr:edge-alpr",
        "systemctl daemon-reload",
        "systemctl enable edge-alpr",
        "systemctl restart edge-alpr",
        "venv",
    ):
        assert "would run: " in out
        assert step in out, step
    assert "created the ledger signing key" in res.stderr


def test_a_second_run_keeps_config_and_key(installed: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    root, _res = installed
    config = root / "etc/edge-alpr/config.yaml"
    key = root / "var/lib/edge-alpr/audit-ed25519.key"
    config.write_text(config.read_text().replace("node_id: pi-edge-1", "node_id: my-pi"))
    before = (config.read_bytes(), key.read_bytes())
    res = install("--prefix", str(root))
    assert res.returncode == 0, res.stderr
    assert (config.read_bytes(), key.read_bytes()) == before
    assert "keeping the existing /etc/edge-alpr/config.yaml" in res.stderr
    assert "keeping the existing ledger key" in res.stderr


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "root"
    res = install("--prefix", str(root), "--dry-run")
    assert res.returncode == 0, res.stderr
    assert not root.exists()
    assert "would run: render_unit" in res.stdout
    assert "would run: make_key" in res.stdout
    assert "would run: write_config" in res.stdout
    assert "models pull" not in res.stdout  # upstream models only when asked for (they need internet)


def test_upstream_models_are_pulled_by_pinned_name_when_asked(tmp_path: Path) -> None:
    import yaml

    res = install("--prefix", str(tmp_path / "root"), "--dry-run", "--upstream-models")
    assert res.returncode == 0, res.stderr
    pulled = re.findall(r"edge-alpr models pull (\S+) --dir /opt/edge-alpr/models", res.stdout)
    manifest = yaml.safe_load((ROOT / "models" / "manifest.yaml").read_text())
    upstream = {m["name"] for m in manifest["models"] if m.get("source") == "upstream"}
    assert set(pulled) == upstream  # every upstream model of the manifest, each checked by its sha256 there
    named = yaml.safe_load((ROOT / "config" / "upstream.yaml").read_text())["models"]
    assert {named["detector"], named["ocr"]} == upstream  # the config that uses them names the same


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "unknown option --bogus"),
        (["--port", "70000"], "--port must be a number"),
        (["--user", "Bad User"], "--user must be a plain user name"),
    ],
)
def test_bad_arguments_are_refused(tmp_path: Path, args: list[str], message: str) -> None:
    res = install("--prefix", str(tmp_path / "r"), *args)
    assert res.returncode != 0
    assert message in res.stderr


def test_the_installed_unit_verifies(installed: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    """`systemd-analyze verify` checks every key and that the commands exist: point the unit's app folder at
    a scratch one whose venv/bin/edge-alpr is this checkout's entry point."""
    need("systemd-analyze", "systemd")
    root, _res = installed
    assert (Path(sys.executable).parent / "edge-alpr").is_file()
    unit = scratch_unit(root, tmp_path)
    res = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False)
    output = res.stdout + res.stderr
    assert res.returncode == 0, output
    for problem in ("Unknown key", "ignoring", "not executable", "Failed", "Invalid"):
        assert problem not in output, output


def test_the_unit_template_has_every_placeholder_filled_by_the_script() -> None:
    placeholders = set(re.findall(r"@([A-Z_]+)@", UNIT.read_text()))
    script = SCRIPT.read_text()
    assert placeholders == {"USER", "APP_DIR", "STATE_DIR", "CONFIG_DIR", "CONFIG"}
    for name in placeholders:
        assert f"s|@{name}@|" in script, name


def scratch_unit(root: Path, tmp_path: Path) -> Path:
    """The installed unit with its app folder pointed at one whose venv/bin/edge-alpr is this checkout's."""
    entry = Path(sys.executable).parent / "edge-alpr"
    app = tmp_path / "app"
    (app / "venv" / "bin").mkdir(parents=True, exist_ok=True)
    link = app / "venv" / "bin" / "edge-alpr"
    if not link.exists():
        link.symlink_to(entry)
    unit = tmp_path / "edge-alpr.service"
    unit.write_text((root / "etc/systemd/system/edge-alpr.service").read_text().replace("/opt/edge-alpr", str(app)))
    return unit


def test_security_exposure_is_at_most_2_and_matches_the_deploy_doc(
    installed: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    need("systemd-analyze", "systemd")
    root, _res = installed
    unit = scratch_unit(root, tmp_path)
    res = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(unit)], capture_output=True, text=True, check=False
    )
    m = re.search(r"Overall exposure level for edge-alpr\.service: (\d+\.\d)", res.stdout + res.stderr)
    assert m, res.stdout + res.stderr
    score = float(m.group(1))
    assert score <= 2.0, res.stdout
    assert f"exposure level {score}" in DEPLOY_DOC.read_text(), "record the score in docs/DEPLOY.md"
    assert f"systemd-analyze security: {score}" in UNIT.read_text()


@pytest.mark.parametrize(("rtc", "enabled"), [("no", True), ("yes", False)])
def test_time_wait_sync_is_enabled_without_a_real_time_clock(tmp_path: Path, rtc: str, enabled: bool) -> None:
    res = install("--prefix", str(tmp_path / "r"), "--rtc", rtc)
    assert res.returncode == 0, res.stderr
    assert ("systemctl enable systemd-time-wait-sync.service" in res.stdout) is enabled
    assert "time-sync.target" in UNIT.read_text()


def test_recognition_runs_under_the_units_memory_and_system_call_limits() -> None:
    """MemoryDenyWriteExecute and SystemCallFilter=~@privileged @resources (EPERM), applied as systemd
    applies them (a seccomp filter) to a process that loads the shipped models and reads the sample
    clip: the same work as without them."""
    probe = ROOT / "tests" / "support" / "sandbox_probe.py"
    clip = str(ROOT / "samples" / "sample.mp4")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=False)
        for cmd in (
            [sys.executable, str(probe), clip, "120"],
            [sys.executable, str(probe), clip, "120", "--plain"],
        )
    ]
    for r in runs:
        assert r.returncode == 0, r.stderr[-2000:]
    import json

    limited, plain = (json.loads(r.stdout.strip().splitlines()[-1]) for r in runs)
    assert limited["frames"] == 120
    assert limited == plain
