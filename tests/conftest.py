"""The fixtures of the whole test tree, in one place (helpers the tests import live in tests/support/).

Each name means one thing everywhere: `ledger` is a real audit ledger in tmp_path, `fake_ledger` one that
records appends and can be told to fail, `clock` a settable clock, `make_read` a factory of numbered reads,
`site` an IL site config over a store of synthetic reads, `pki` the generated certificates of a real
Mosquitto (one per session) and `broker_factory` starts brokers on it. A test module that needs something
else defines it under a name of its own. The tests import the tooling package `edge_tools` (the
harnesses) and `edge`, never scripts/.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from edge.audit.events import Actor
from edge.audit.ledger import Ledger
from edge.hotlist import Hotlists
from edge_tools.harness.mosquitto import Acl, Broker, Pki, mosquitto_binary
from tests.support.audit import PLATES, write_reads
from tests.support.clock import Clock
from tests.support.policy import site_yaml
from tests.support.share import BrokerFactory, FakeLedger
from tests.support.store import MakeRead, read_factory


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_read() -> MakeRead:
    return read_factory()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(tmp_path / "audit.db", tmp_path / "audit.key", origin="test/audit") as led:
        yield led


@pytest.fixture
def fake_ledger() -> FakeLedger:
    return FakeLedger()


@pytest.fixture
def actor() -> Actor:
    return Actor("officer1", "test-node")


@pytest.fixture
def hot(tmp_path: Path, clock: Clock) -> Iterator[Hotlists]:
    with Hotlists(tmp_path / "hotlists.db", clock=clock) as h:
        yield h


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """An IL site config (edge.yaml path) with a real store of synthetic reads in tmp_path."""
    store = tmp_path / "data" / "edge-alpr.db"
    cfg = tmp_path / "site.yaml"
    cfg.write_text(site_yaml("IL") + f"store:\n  path: {store}\naudit:\n  busy_timeout: 0.2s\n", encoding="utf-8")
    write_reads(store, PLATES)
    return cfg


@pytest.fixture(scope="session")
def need_mosquitto() -> None:
    mosquitto_binary()  # skips (or fails under CI=true) when the broker is not installed


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
