"""Fixtures for the store tests; the helpers live in tests/support/store.py."""

from __future__ import annotations

from tests.support.store import clock, make_read

__all__ = ["clock", "make_read"]
