"""/healthz's ledger check uses the anchors too: a deleted or re-created ledger is not 'no ledger yet'."""

from __future__ import annotations

from pathlib import Path

from edge.config import load_config
from edge.health.monitor import LedgerVerifier
from edge_tools import attack_ledger as atk


def test_the_health_check_sees_a_deleted_and_a_recreated_ledger(tmp_path: Path) -> None:
    site = atk.build_site(tmp_path / "site", searches=3)
    verifier = LedgerVerifier(load_config(site.config))
    assert verifier.verify().ok is True
    atk.delete_ledger(site)
    check = verifier.verify()
    assert (check.ok, check.problem) == (False, "missing")
    assert "names one" in check.message
    atk.recreate_ledger(site)
    check = verifier.verify()
    assert (check.ok, check.problem) == (False, "replaced")
