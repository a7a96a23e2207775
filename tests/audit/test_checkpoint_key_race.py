"""Concurrent first runs create exactly one signing key, and every opener gets that same key."""

from __future__ import annotations

import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from edge.audit.checkpoint import load_or_create_key


def test_concurrent_key_creation_yields_one_key(tmp_path: Path) -> None:
    path = tmp_path / "k" / "audit-ed25519.key"
    results: list[bytes] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def opener() -> None:
        try:
            start.wait()
            key = load_or_create_key(path)
            results.append(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(results)) == 1
    assert (path.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left
