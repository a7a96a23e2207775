"""Audit ledger and search policy."""

from __future__ import annotations

from pydantic import Field

from edge.config.common import Strict


class AuditConfig(Strict):
    ledger: str | None = Field(default=None, description="Ledger SQLite file; default: audit.db beside the store.")
