"""/healthz's ledger check uses the anchors too: a deleted or re-created ledger is not 'no ledger yet'."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import attack_ledger as atk

from edge.config import load_config
from edge.health.monitor import LedgerVerifier


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
