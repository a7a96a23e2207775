"""Prometheus counters of the audit ledger and the misuse signals (served by whoever runs a metrics endpoint)."""

from __future__ import annotations

from prometheus_client import Counter

ENTRIES = Counter("edge_alpr_audit_entries", "Ledger entries written, by action and outcome.", ["action", "outcome"])
WRITE_FAILURES = Counter(
    "edge_alpr_audit_write_failures", "Ledger writes that failed (the operation they recorded did not happen)."
)
SEARCH_DENIED = Counter("edge_alpr_search_denied", "Searches refused by policy, by rule.", ["rule"])
MISUSE_SIGNALS = Counter(
    "edge_alpr_misuse_signals", "Searches that raised a misuse signal when they were made, by kind.", ["kind"]
)
