"""Fixtures for the hotlist tests: a real ledger, a hotlist database and a store in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.audit.events import Actor
from edge.audit.ledger import Ledger
from edge.config.hotlist import HotlistConfig
from edge.hotlist import Hotlists
from tests.support.hotlist import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(tmp_path / "audit.db", tmp_path / "audit.key", origin="test/audit") as led:
        yield led


@pytest.fixture
def hot(tmp_path: Path, clock: Clock) -> Iterator[Hotlists]:
    with Hotlists(tmp_path / "hotlists.db", clock=clock) as h:
        yield h


@pytest.fixture
def actor() -> Actor:
    return Actor("officer1", "test-node")


@pytest.fixture
def hcfg() -> HotlistConfig:
    return HotlistConfig()
