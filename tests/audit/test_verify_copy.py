"""`audit verify` on an auditor's copy: read only, nothing written beside it, and a file it cannot
open is reported as unreadable (exit 5), never as tampering (exit 4)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support.audit import make_ledger

ROOT = Path(__file__).resolve().parents[2]


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    return probe.returncode == 0


def verify_readonly(folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`edge-alpr audit verify --no-record` on folder/audit.db with the folder read-only: a read-only
    bind mount in a user namespace where the system allows one, else file modes (which bind all but root)."""
    argv = [sys.executable, "-m", "edge", "audit", "verify", "--ledger", str(folder / "audit.db"), "--no-record"]
    argv += ["--db", str(folder.parent / "nowhere" / "store.db"), *extra]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if _unshare_works():
        script = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'
        argv = ["unshare", "-rm", "sh", "-c", script, "sh", str(folder), *argv]
        return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, check=False, timeout=120)
    for f in folder.iterdir():
        f.chmod(0o444)
    folder.chmod(0o555)
    try:
        return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, check=False, timeout=120)
    finally:
        folder.chmod(0o755)


def test_a_read_only_copy_verifies_and_nothing_is_written_beside_it(tmp_path: Path) -> None:
    make_ledger(tmp_path / "device", 12, every=5)
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy2(tmp_path / "device" / "audit.db", copy / "audit.db")
    res = verify_readonly(copy)
    assert res.returncode == 0, res.stderr
    assert "intact: 13 entries" in res.stdout  # the genesis entry and 12 appended
    assert sorted(p.name for p in copy.iterdir()) == ["audit.db"]


def test_a_copy_that_cannot_be_opened_is_not_reported_as_tampered(tmp_path: Path) -> None:
    make_ledger(tmp_path / "device", 12, every=5)
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy2(tmp_path / "device" / "audit.db", copy / "audit.db")
    # a copy taken while the service wrote: its -wal came along, its -shm did not
    conn = sqlite3.connect(copy / "audit.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("INSERT INTO meta (key, value) VALUES ('copied', 'mid-write')")
    conn.commit()
    shutil.copy2(copy / "audit.db-wal", tmp_path / "wal")
    conn.close()
    shutil.copy2(tmp_path / "wal", copy / "audit.db-wal")
    (copy / "audit.db-shm").unlink(missing_ok=True)
    res = verify_readonly(copy)
    if os.geteuid() == 0 and not _unshare_works():
        # root ignores file modes and no read-only mount is allowed here: the copy opens (through its WAL)
        assert res.returncode == 0, res.stderr
        return
    assert res.returncode == 5, res.stdout + res.stderr
    assert "cannot open audit ledger" in res.stderr
    assert "not a finding of tampering" in res.stderr
    assert "NOT INTACT" not in res.stdout
    assert "Traceback" not in res.stderr


def test_a_damaged_file_is_still_not_intact(tmp_path: Path) -> None:
    make_ledger(tmp_path, 12, every=5)
    path = tmp_path / "audit.db"
    path.write_bytes(b"this is not a database" * 100)
    res = subprocess.run(
        [sys.executable, "-m", "edge", "audit", "verify", "--ledger", str(path), "--no-record", "--db",
         str(tmp_path / "s.db")],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=120,
    )  # fmt: skip
    assert res.returncode == 4, res.stdout + res.stderr
    assert "NOT INTACT" in res.stdout
