"""Hotlists with provenance, matching of each new read, alerts (see ``edge.hotlist.sink``)."""

from __future__ import annotations

from edge.hotlist.alerts import Alert, Muter
from edge.hotlist.db import Hit, HotlistError, Hotlists, ImportResult, ListInfo, default_path
from edge.hotlist.sink import ReadSink, SinkStats

__all__ = [
    "Alert",
    "Hit",
    "HotlistError",
    "Hotlists",
    "ImportResult",
    "ListInfo",
    "Muter",
    "ReadSink",
    "SinkStats",
    "default_path",
]
