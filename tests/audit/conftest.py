"""The `site` fixture: an IL site config with a real store of synthetic reads in tmp_path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge.store import Store
from edge.types import Read
from tests.support.audit import PLATES
from tests.support.policy import site_yaml


@pytest.fixture
def site(tmp_path: Path) -> Path:
    store = tmp_path / "data" / "edge-alpr.db"
    cfg = tmp_path / "site.yaml"
    cfg.write_text(site_yaml("IL") + f"store:\n  path: {store}\naudit:\n  busy_timeout: 0.2s\n", encoding="utf-8")
    now = datetime.now(UTC)
    with Store(store) as s:
        for i, plate in enumerate(PLATES):
            s.write(
                Read(
                    id=f"r{i}", plate=plate, confidence=0.9, camera="cam1", ts=now - timedelta(minutes=10 * i),
                    frame_index=i, bbox=(0, 0, 1, 1), track_id=f"t{i}", observations=3, detector_model="d",
                    ocr_model="o",
                )
            )  # fmt: skip
        s.flush()
    return cfg
