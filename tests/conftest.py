"""Fixtures shared across the test folders: a real Mosquitto's PKI and the check that the broker is installed.

Helpers the tests import live in the tests.support package (tests/support/). A folder keeps its own
conftest.py only for fixtures whose names mean something else elsewhere (`ledger` is a real ledger in
tests/hotlist and a failing fake in tests/share; `clock` and `make_read` differ between tests/store and
tests/hotlist). The tests import the tooling package `edge_tools` (the harnesses) and `edge`, never scripts/.
"""

from __future__ import annotations

import pytest

from edge_tools.harness.mosquitto import Pki, mosquitto_binary


@pytest.fixture(scope="session")
def need_mosquitto() -> None:
    mosquitto_binary()  # skips (or fails under CI=true) when the broker is not installed


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    mosquitto_binary()  # fail (CI) or skip before generating anything
    return Pki(tmp_path_factory.mktemp("pki"))
