"""(1) SIGKILL the pipeline at random moments and restart it; (2) stop and start the real broker while
it publishes. Short form: a few cycles (scripts/chaos.sh runs hundreds)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from edge_tools.chaos.chaos_lib import broker_restarts, parse_acks, sigkill_cycles, size

pytestmark = [pytest.mark.chaos, pytest.mark.usefixtures("need_mosquitto")]


def test_sigkill_cycles_lose_no_acknowledged_read_and_keep_the_ledger_verifiable(tmp_path: Path) -> None:
    cycles = size("CHAOS_CYCLES", 5)
    fig = sigkill_cycles(tmp_path, cycles, seed=7, run_max=1.5, cli_every=cycles)
    assert fig.problems == []
    assert fig.cycles == cycles
    assert fig.acked_reads > 0, "no read was acknowledged: the kills proved nothing"
    assert fig.acked_ledger_entries >= fig.killed_running  # a startup entry per cycle that came up
    assert (fig.reads_lost, fig.ledger_entries_lost, fig.integrity_failures, fig.ledger_verify_failures) == (0, 0, 0, 0)
    assert fig.cli_verify_runs >= 1
    assert fig.cli_verify_failures == 0
    # the outbox resent everything: every stored read reached the peer at least once
    assert fig.reads_stored >= fig.acked_reads
    assert fig.delivered_unique == fig.reads_stored
    assert fig.reads_undelivered == 0
    assert fig.delivered_total == fig.delivered_unique + fig.duplicates


def test_broker_restarts_lose_no_read(tmp_path: Path) -> None:
    restarts = size("CHAOS_RESTARTS", 3)
    fig = broker_restarts(tmp_path, restarts)
    assert fig.problems == []
    assert fig.restarts == restarts
    assert fig.reads_stored > 0
    assert fig.reads_undelivered == 0
    assert fig.delivered_unique == fig.reads_stored
    assert fig.publisher_connects >= 2  # it did lose the broker and came back


def test_ack_parser_never_trusts_a_torn_last_line(tmp_path: Path) -> None:
    ack = tmp_path / "x.ack"
    ack.write_text("R\nA id1 id2\nL 1 ab\nA id3 id4")  # killed in the middle of the last write
    got = parse_acks(ack)
    assert got.ready
    assert got.reads == ["id1", "id2"]
    assert got.ledger == {1: "ab"}


def _delete_an_acked_read(cycle: int, site: Path, acked: set[str]) -> None:
    if cycle == 2 and acked:
        with sqlite3.connect(site / "store.db") as conn:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("DELETE FROM reads WHERE id = ?", (sorted(acked)[0],))


def _edit_a_ledger_entry(cycle: int, site: Path, acked: set[str]) -> None:
    from tests.support.audit import attacker  # tests/audit, put on the path by chaos_lib

    if cycle == 2:
        attacker(site / "audit.db").execute("UPDATE entries SET outcome = 'edited' WHERE seq = 1")


@pytest.mark.parametrize(
    ("sabotage", "figure", "message"),
    [
        (_delete_an_acked_read, "reads_lost", "acknowledged reads are missing after the kill"),
        (_edit_a_ledger_entry, "ledger_verify_failures", "ledger does not verify"),
    ],
)
def test_the_kill_checks_catch_a_lost_read_and_a_broken_ledger(
    tmp_path: Path, sabotage: Any, figure: str, message: str
) -> None:
    """Negative control: the same harness, with damage done behind its back after the second kill."""
    fig = sigkill_cycles(tmp_path, 3, seed=3, run_max=1.0, cli_every=0, sabotage=sabotage)
    assert getattr(fig, figure) == 1
    assert fig.cycles == 2  # it stopped at the cycle where the damage was found
    assert any(message in p for p in fig.problems), fig.problems


@pytest.mark.usefixtures("need_mosquitto")
def test_sigkill_of_the_real_run_command_loses_no_read_the_peer_got(tmp_path: Path) -> None:
    """`edge-alpr run` itself, on the shipped models and sample clip, killed mid-recognition."""
    from edge_tools.chaos.chaos_lib import Unavailable, sigkill_run_cli

    cycles = size("CHAOS_RUN_CYCLES", 1)
    try:
        fig = sigkill_run_cli(tmp_path, cycles, run_max=6.0)
    except Unavailable as exc:
        pytest.skip(str(exc))
    assert fig.problems == []
    assert fig.cycles == cycles
    assert (fig.reads_lost, fig.integrity_failures, fig.ledger_verify_failures) == (0, 0, 0)
    assert fig.completed_runs == 1  # and then it ran the clip to its end over the killed files
    assert fig.reads_stored > 0
    assert fig.reads_undelivered == 0
    assert fig.delivered_unique == fig.reads_stored
