"""Fixtures for the store tests; the helpers live in store_helpers.py."""

from __future__ import annotations

from store_helpers import clock, make_read

__all__ = ["clock", "make_read"]
