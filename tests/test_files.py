"""Store, ledger, signing key and hotlist files are private whatever the umask (issue 27, finding 7:
they were 0644 in a 0755 folder, so any local user could read plates)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.audit.events import Action, Actor
from edge.audit.ledger import open_ledger
from edge.config import parse_config
from edge.files import private_file
from edge.hotlist.db import Hotlists
from edge.store import Store


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_ledger_key_and_hotlists_are_private_under_umask_0(tmp_path: Path, open_umask: None) -> None:
    data = tmp_path / "new" / "data"
    cfg = parse_config(f"store:\n  path: {data / 'store.db'}\n  min_free_mb: 0\n")
    with Store.from_config(cfg) as store:
        store.flush()
        with open_ledger(cfg) as ledger:
            ledger.append(Action.STARTUP, Actor.system("n"), {})
    with Hotlists(data / "hotlists.db"):
        pass
    files = [p for p in data.iterdir() if p.is_file()]
    names = {p.name for p in files}
    assert {"store.db", "audit.db", "hotlists.db"} <= names
    assert any(n.endswith(".key") for n in names)
    for p in files:
        assert mode(p) & 0o077 == 0, f"{p.name} is {mode(p):04o}"
    for d in (data, data.parent):
        assert mode(d) == 0o700, f"{d} is {mode(d):04o}"


def test_an_existing_world_readable_file_is_tightened(tmp_path: Path) -> None:
    f = tmp_path / "store.db"
    f.write_bytes(b"")
    os.chmod(f, 0o666)
    wal = tmp_path / "store.db-wal"
    wal.write_bytes(b"")
    os.chmod(wal, 0o644)
    private_file(f)
    assert mode(f) == 0o640  # group may read (0640 is allowed), nobody else
    assert mode(wal) == 0o640
    os.chmod(f, 0o640)
    private_file(f)
    assert mode(f) == 0o640  # an operator's 0640 (service group) is kept
