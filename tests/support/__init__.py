"""Helpers shared by the tests, one module per area: audit, capture, clock, health, hotlist, policy, schemas,
share, store (and sandbox_probe.py, a script the deploy tests run). Fixtures are in tests/conftest.py alone.

Imported as ``from tests.support.store import MakeRead``; harnesses that scripts use too (Mosquitto,
MJPEG camera, ledger attacks, chaos scenarios) are in the tooling package edge_tools.harness and
edge_tools.chaos, since scripts never import tests.
"""
