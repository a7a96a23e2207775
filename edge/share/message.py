"""The MQTT payload: JSON with a schema version, the read id, the node id and the granted fields only.

Documented in docs/SHARING.md; a change of shape bumps ``SCHEMA``. Messages are built at send time
from the store, so anything retention removed in the meantime (a crop, the read itself) is not sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from edge.config.sharing import PeerGrant
from edge.store.reads import hit_fields, read_row
from edge.store.timefmt import to_ts

SCHEMA = "edge-alpr/share/1"


@dataclass(frozen=True, slots=True)
class Topics:
    reads: str
    checkpoints: str
    search_request: str
    search_reply: str


def topics(grant: PeerGrant, node_id: str) -> Topics:
    p = grant.topic_prefix
    return Topics(
        reads=f"{p}/reads/{node_id}",
        checkpoints=f"{p}/checkpoints/{node_id}",
        search_request=f"{p}/search/request/{node_id}",
        search_reply=f"{p}/search/reply/{node_id}",
    )


def plate_hash(key: bytes, plate: str) -> str:
    """HMAC-SHA256 of the normalised plate (upper case, letters and digits only), hex."""
    norm = "".join(ch for ch in plate.upper() if ch.isalnum())
    return hmac.new(key, norm.encode(), hashlib.sha256).hexdigest()


def grant_ref(grant: PeerGrant) -> dict[str, Any]:
    """What identifies the grant in messages and ledger entries."""
    return {
        "peer": grant.name,
        "agency": grant.agency,
        "jurisdiction": grant.jurisdiction,
        "share": grant.share,
        "legal_basis": grant.legal_basis,
        "declaration": grant.declaration,
        "expires": grant.expires.isoformat(),
    }


def read_message(
    conn: sqlite3.Connection,
    grant: PeerGrant,
    *,
    node_id: str,
    read_id: str,
    kind: str,
    sent_at: datetime,
    hash_key: bytes | None = None,
    low_below: float = 0.0,
) -> dict[str, Any] | None:
    """The message for one outbox row, or None if the read is no longer in the store.

    With the confidence field granted, `low_confidence` says whether the read is below `low_below`
    (store.min_confidence): a peer must know a read is unsure before acting on it."""
    row = read_row(conn, read_id)
    if row is None:
        return None
    plate, ts, camera, confidence, bbox, crop = row
    fields: dict[str, Any] = {}
    for name in grant.read_fields:
        if name == "plate":
            fields["plate"] = plate
        elif name == "plate_hash":
            if hash_key is None:
                raise ValueError("plate_hash granted without a key")
            fields["plate_hash"] = plate_hash(hash_key, plate)
        elif name == "time":
            fields["time"] = ts
        elif name == "camera":
            fields["camera"] = camera
        elif name == "confidence":
            fields["confidence"] = round(float(confidence), 3)
            fields["low_confidence"] = float(confidence) < low_below
        elif name == "bbox":
            fields["bbox"] = json.loads(bbox) if bbox else None
        elif name == "crop":
            fields["crop"] = base64.b64encode(bytes(crop)).decode() if crop is not None else None
        elif name == "hit":
            # hotlist, category, basis and match kind of each hit, only of granted categories
            fields["hit"] = hit_fields(conn, read_id, grant.categories if grant.share == "hit_categories" else None)
    return {
        "schema": SCHEMA,
        "kind": kind,
        "read_id": read_id,
        "node_id": node_id,
        "sent_at": to_ts(sent_at),
        "purposes": list(grant.purposes),
        "grant": grant_ref(grant),
        "fields": fields,
    }


def checkpoint_message(payload_text: str, *, grant: PeerGrant, node_id: str, sent_at: datetime) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "kind": "checkpoint",
        "node_id": node_id,
        "sent_at": to_ts(sent_at),
        "grant": grant_ref(grant),
        "checkpoint": json.loads(payload_text),
    }


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, sort_keys=True, separators=(",", ":")).encode()
