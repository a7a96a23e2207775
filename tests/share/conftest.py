"""Sharing fixtures: generated PKI (session), a real Mosquitto per test, a ledger that can fail, reads.
Helpers the tests import are in share_helpers.py (a conftest cannot be imported by name: there are several)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from mosquitto import Acl, Broker, Pki, mosquitto_binary
from share_helpers import BrokerFactory, FakeLedger, MakeRead, read_factory


@pytest.fixture
def ledger() -> FakeLedger:
    return FakeLedger()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    mosquitto_binary()  # fail (CI) or skip before generating anything
    return Pki(tmp_path_factory.mktemp("pki"))


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
