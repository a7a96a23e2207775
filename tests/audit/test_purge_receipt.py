"""The store's purge receipt goes into the ledger through Store(on_receipt=...), and into the report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from edge.audit.events import Action, Actor
from edge.audit.ledger import Ledger
from edge.audit.report import build_report
from edge.audit.verify import verify_ledger
from edge.store import Store
from edge.types import Read


def _read(i: int, age: timedelta) -> Read:
    return Read(
        id=f"r{i}", plate="ZZT4821", confidence=0.9, camera="cam1", ts=datetime.now(UTC) - age, frame_index=i,
        bbox=(0, 0, 1, 1), track_id=f"t{i}", observations=3, detector_model="d", ocr_model="o",
    )  # fmt: skip


def test_purge_receipt_is_recorded_from_the_store_thread(tmp_path):
    ledger_path = tmp_path / "audit.db"
    with Ledger(ledger_path, tmp_path / "audit-ed25519.key") as ledger:

        def record(receipt) -> None:
            ledger.append(Action.PURGE, Actor.system("node"), receipt.to_dict())

        with Store(tmp_path / "edge-alpr.db", on_receipt=record) as store:
            for i in range(3):
                store.write(_read(i, timedelta(days=30 + i)))
            store.write(_read(9, timedelta(hours=1)))
            store.flush()
            receipt = store.purge()
        assert receipt.reads_non_hit == 3
    entries = [e for e in Ledger(ledger_path, readonly=True).entries() if e.action == "purge"]
    assert len(entries) == 1
    assert entries[0].detail_obj()["deleted"]["reads_non_hit"] == 3
    assert verify_ledger(ledger_path).ok
    report = build_report(ledger_path)
    assert report["totals"]["purges"] == 1
    assert report["totals"]["reads_purged"] == 3
