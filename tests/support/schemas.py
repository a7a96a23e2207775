"""The JSON Schemas of docs/schemas/, one per MQTT payload, and which topic carries which."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"

# topic pattern -> schema name; the first match wins
ROUTES = [
    (r"^homeassistant/(sensor|event|image)/[^/]+/config$", "ha-discovery-{0}"),
    (r"/ha/[^/]+/availability$", "ha-availability"),
    (r"/ha/[^/]+/[^/]+/last_plate$", "ha-last-plate"),
    (r"/ha/[^/]+/[^/]+/alert$", "ha-alert"),
    (r"/ha/[^/]+/[^/]+/plate_crop$", "ha-plate-crop"),
    (r"/reads/[^/]+$", "share-read"),
    (r"/checkpoints/[^/]+$", "share-checkpoint"),
    (r"/search/request/[^/]+$", "search-request"),
    (r"/search/reply/[^/]+$", "search-reply"),
]
TEXT = {"ha-availability", "ha-plate-crop"}  # plain-text payloads, validated as a JSON string


def schema(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    return doc


def schema_name(topic: str) -> str:
    for pattern, name in ROUTES:
        m = re.search(pattern, topic)
        if m:
            return name.format(*m.groups())
    raise AssertionError(f"no schema in docs/schemas/ for topic {topic!r}")


def check(topic: str, payload: bytes) -> str:
    """Validate one payload against the schema of its topic; returns the schema's name."""
    name = schema_name(topic)
    if b'"sealed":"edge-alpr/seal/v1"' in payload:
        name = "sealed-envelope"  # the topic's message, sealed: the broker sees only the envelope
    instance: Any = payload.decode() if name in TEXT else json.loads(payload)
    validator = Draft202012Validator(schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, f"{topic}: {name}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors)
    return name
