"""The `site` fixture: an IL site config with a real store of synthetic reads in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.audit import PLATES, write_reads
from tests.support.policy import site_yaml


@pytest.fixture
def site(tmp_path: Path) -> Path:
    store = tmp_path / "data" / "edge-alpr.db"
    cfg = tmp_path / "site.yaml"
    cfg.write_text(site_yaml("IL") + f"store:\n  path: {store}\naudit:\n  busy_timeout: 0.2s\n", encoding="utf-8")
    write_reads(store, PLATES)
    return cfg
