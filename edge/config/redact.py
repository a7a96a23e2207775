"""Config dumps safe for the ledger: secrets replaced, changes listed key by key, one digest.

Used wherever a configuration is recorded (start, reload, search), so every record of it reads the
same and no secret (key paths, env: references, URL credentials) reaches the ledger.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

REDACTED = "[redacted]"
# Config keys whose value is a secret or points at one: the ledger records that it changed, not to what.
_SECRET_KEYS = frozenset({"key", "cert", "ca", "password", "passwd", "secret", "token", "credentials"})
_SECRET_SUFFIXES = ("_key", "_password", "_secret", "_token")
_NOT_SECRET = frozenset({"public_key"})
_URL_USERINFO = re.compile(r"^(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^@/]+)@")


def is_secret_key(name: str) -> bool:
    name = name.lower()
    if name in _NOT_SECRET:
        return False
    return name in _SECRET_KEYS or name.endswith(_SECRET_SUFFIXES)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        if value.startswith("env:"):
            return REDACTED
        m = _URL_USERINFO.match(value)
        if m:
            return f"{m.group('scheme')}{REDACTED}@{value[m.end() :]}"
    return value


def redact(value: Any, key: str = "") -> Any:
    """A JSON-like config dump with secrets replaced: secret-named keys, env: references, URL credentials."""
    if key and is_secret_key(key) and value is not None:
        return REDACTED
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return _redact_value(value)


def config_diff(old: Any, new: Any, path: str = "") -> list[dict[str, Any]]:
    """Changed keys between two config dumps as [{key, old, new}], secrets redacted (a changed secret is
    listed with both values redacted). Lists are compared whole (a camera list is one key)."""
    leaf = path.rsplit(".", 1)[-1]
    if path and is_secret_key(leaf):
        if old == new:
            return []
        return [
            {
                "key": path,
                "old": None if old is None else REDACTED,
                "new": None if new is None else REDACTED,
                "redacted": True,
            }
        ]
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[dict[str, Any]] = []
        for k in sorted(set(old) | set(new), key=str):
            sub = f"{path}.{k}" if path else str(k)
            out.extend(config_diff(old.get(k), new.get(k), sub))
        return out
    if old == new:
        return []
    return [{"key": path or "(root)", "old": redact(old, leaf), "new": redact(new, leaf)}]


def config_digest(dump: dict[str, Any]) -> str:
    """SHA-256 of the redacted dump as sorted, compact JSON: what the ledger records as `sha256`."""
    text = json.dumps(redact(dump), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
