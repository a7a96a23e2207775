"""Canonical bytes of ledger entries: what the hash chain is computed over.

An entry's canonical form is one JSON object with sorted keys and no whitespace::

    {"action":"search","actor":{"agency":"SPD","user":"jdoe"},"detail":{...},"outcome":"allowed",
     "prev":"<64 hex>","seq":12,"ts":"2026-11-27T20:08:51.123456Z","v":1}

``detail`` is itself canonical JSON (sorted keys, ``,``/``:`` separators, UTF-8, no NaN). For strings
and integers this is the same text RFC 8785 (JCS) produces, so anyone can recompute an entry hash with
a JCS library: ``sha256(utf8(canonical_entry))``. The entry text is assembled from stored columns by
string formatting (not by re-parsing ``detail``) so that verifying a million entries stays fast.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from enum import Enum
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import PurePath
from typing import Any

FORMAT_VERSION = 1
GENESIS = bytes(32)

_encode_str = encode_basestring


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError("naive datetime in ledger detail; use an aware UTC time")
        return utc_text(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"cannot put {type(value).__name__} in a ledger entry")


def canonical_json(value: Any) -> str:
    """Sorted keys, compact separators, UTF-8 text, no NaN/Infinity."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_default
    )


def utc_text(ts: datetime) -> str:
    """RFC 3339 UTC with microseconds and a Z: 2026-11-27T20:08:51.123456Z."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    """Inverse of utc_text (fromisoformat: C speed, it matters in reports over a million entries)."""
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def entry_text(seq: int, ts: str, user: str, agency: str, action: str, detail: str, outcome: str, prev: bytes) -> str:
    """The canonical JSON text of one entry (``detail`` already canonical JSON)."""
    return (
        f'{{"action":{_encode_str(action)},"actor":{{"agency":{_encode_str(agency)},"user":{_encode_str(user)}}},'
        f'"detail":{detail},"outcome":{_encode_str(outcome)},"prev":"{prev.hex()}","seq":{seq},'
        f'"ts":"{ts}","v":{FORMAT_VERSION}}}'
    )
