"""Helpers shared by the tests, one module per area: audit, health, hotlist, policy, share, store.

Imported as ``from tests.support.store import MakeRead``; harnesses that scripts use too (Mosquitto,
MJPEG camera, ledger attacks, chaos scenarios) are in the tooling package edge_tools.harness and
edge_tools.chaos, since scripts never import tests.
"""
