"""Chaos suite fixtures. The scenarios live in chaos_lib.py (shared with scripts/chaos.py, the long form).

Sizes of the short form can be raised from the environment, e.g. CHAOS_CYCLES=50 pytest -m chaos.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def need_mosquitto() -> None:
    from mosquitto import mosquitto_binary

    mosquitto_binary()  # skips (or fails under CI=true) when the broker is not installed
