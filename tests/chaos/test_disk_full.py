"""(3) Disk full on a real size-limited tmpfs and a loop-mounted ext4 image: no corruption, reads
refused and counted, recovery.

Mounting needs root: elsewhere the test skips saying so, except under CI=true, where it fails."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from edge_tools.chaos.chaos_lib import Unavailable, disk_full, small_filesystem
from edge_tools.chaos.chaos_lib import _fill as fill

pytestmark = pytest.mark.chaos


def _mounted_or_skip(exc: Unavailable) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{exc} - CI=true, so this is a failure, not a skip")
    pytest.skip(str(exc))


@pytest.mark.parametrize("fs", ["tmpfs", "ext4"])
def test_disk_full_refuses_and_counts_then_recovers_without_corruption(tmp_path: Path, fs: str) -> None:
    try:
        fig = disk_full(tmp_path / "mnt", fs=fs)
    except Unavailable as exc:
        _mounted_or_skip(exc)
    assert fig.problems == []
    assert fig.integrity == "ok"
    assert fig.reads_lost == 0
    assert fig.acked_reads >= 100 + fig.reads_after_recovery  # 5 batches before, 200 after
    assert fig.refused_disk_low > 0  # min_free_mb refused up front, counted by reason
    assert fig.failed_enospc > 0  # SQLite itself hit ENOSPC; the batch was counted as failed
    assert fig.ledger_appends_refused > 0  # fail closed: no ledger entry claimed while full
    assert fig.recovered
    assert fig.ledger_ok


def test_a_batch_failing_on_a_full_disk_is_logged_as_disk_full(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite rolls a transaction back itself when COMMIT hits ENOSPC; the store must still report the
    cause (and mark the disk low) rather than the error of a second, pointless ROLLBACK."""
    import random

    from edge.store import Store
    from edge_tools.chaos.chaos_child import synthetic_read

    try:
        with small_filesystem(tmp_path / "mnt", 1024) as (mnt, _what):
            rng = random.Random(5)
            with Store(mnt / "store.db", min_free_mb=0) as store, caplog.at_level(logging.ERROR, "edge.store"):
                fill(mnt / "ballast")  # every free byte
                failed = disk_low = False
                for i in range(400):  # until a commit meets ENOSPC (the WAL may have room for a few)
                    store.write(synthetic_read(rng, "cam", i))
                    store.flush()
                    if store.stats.failed:
                        failed, disk_low = True, store.stats.disk_low  # read before any later write re-checks
                        break
    except Unavailable as exc:
        _mounted_or_skip(exc)
    assert failed
    errors = [r.getMessage() for r in caplog.records if "failed and was counted" in r.getMessage()]
    assert errors
    assert all("full" in m for m in errors), errors
    assert disk_low
