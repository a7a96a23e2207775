"""Audit test helpers: synthetic plates, a good search's flags, the CLI run in-process.

The ledger on disk and the attacker's edits are in edge_tools.harness.ledger_attacks (the chaos
suite uses them too); re-exported here so the audit tests import one place.
"""

from __future__ import annotations

import sys

import pytest

from edge_tools.harness.ledger_attacks import (
    ACTOR,
    attacker,
    delete_renumbered,
    insert_hashed,
    make_ledger,
    rechain,
    rehash,
    swap_entries,
    write_reads,
)

__all__ = [
    "ACTOR",
    "GOOD",
    "PLATES",
    "attacker",
    "cli",
    "delete_renumbered",
    "insert_hashed",
    "make_ledger",
    "rechain",
    "rehash",
    "swap_entries",
    "write_reads",
]

PLATES = ["ZZT4821", "ZZT4821", "QRX7702", "ZZT4891"]  # synthetic plates
GOOD = [
    "--purpose", "stolen-vehicle", "--case", "2026-00123", "--reason", "Vehicle reported stolen from Elm St lot",
    "--requester", "SPRINGFIELD-PD", "--user", "officer1",
]  # fmt: skip


def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the real `edge-alpr` entry point in-process: (exit status, stdout, stderr)."""
    from edge.cli import run

    monkeypatch.setattr(sys, "argv", ["edge-alpr", *args])
    try:
        run()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
