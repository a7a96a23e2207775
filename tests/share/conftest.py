"""Sharing fixtures: a real Mosquitto per test, a ledger that can fail, reads. The generated PKI (session)
is in tests/conftest.py; helpers the tests import are in tests/support/share.py."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from edge_tools.harness.mosquitto import Acl, Broker, Pki
from tests.support.share import BrokerFactory, FakeLedger, MakeRead, read_factory


@pytest.fixture
def ledger() -> FakeLedger:
    return FakeLedger()


@pytest.fixture
def broker_factory(pki: Pki, tmp_path: Path) -> Iterator[BrokerFactory]:
    started: list[Broker] = []

    def make(acl: Acl, passwords: Mapping[str, str] | None = None) -> Broker:
        for cn in acl:
            pki.client(cn)
        b = Broker(pki, tmp_path / f"broker{len(started)}", acl, passwords)
        started.append(b)
        b.start()
        return b

    yield make
    for b in started:
        b.stop()


@pytest.fixture
def make_read() -> MakeRead:
    return read_factory()
