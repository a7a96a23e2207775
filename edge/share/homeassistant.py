"""Home Assistant MQTT discovery: one sensor per camera holding the last plate read, only when a grant
to that broker says ``home_assistant: true`` and grants the plate (or its keyed hash) and the camera.

Discovery configs are retained (they carry no personal data). State updates are not retained, so the
broker never keeps a plate after the device's retention removed it; Home Assistant shows the sensor
as unknown until the next read after it restarts.
"""

from __future__ import annotations

import json
from typing import Any

from edge.config.sharing import PeerGrant

DISCOVERY_PREFIX = "homeassistant"


def enabled(grant: PeerGrant) -> bool:
    fields = set(grant.read_fields)
    return grant.home_assistant and "camera" in fields and bool(fields & {"plate", "plate_hash"})


def state_topic(grant: PeerGrant, node_id: str, camera: str) -> str:
    return f"{grant.topic_prefix}/ha/{node_id}/{camera}/last_plate"


def discovery(grant: PeerGrant, node_id: str, cameras: list[str]) -> list[tuple[str, bytes]]:
    """(topic, retained payload) of each camera's sensor config."""
    out = []
    for cam in cameras:
        uid = f"edge_alpr_{node_id}_{cam}_last_plate".replace("-", "_").replace(".", "_")
        config: dict[str, Any] = {
            "name": f"{cam} last plate",
            "unique_id": uid,
            "object_id": uid,
            "state_topic": state_topic(grant, node_id, cam),
            "value_template": "{{ value_json.plate }}",
            "json_attributes_topic": state_topic(grant, node_id, cam),
            "icon": "mdi:car",
            "device": {"identifiers": [f"edge_alpr_{node_id}"], "name": f"edge-alpr {node_id}", "model": "edge-alpr"},
        }
        out.append((f"{DISCOVERY_PREFIX}/sensor/{uid}/config", json.dumps(config, sort_keys=True).encode()))
    return out


def state(message: dict[str, Any]) -> tuple[str, bytes] | None:
    """(camera, payload) of a state update for a read message, or None if it has no camera."""
    fields = message.get("fields", {})
    camera = fields.get("camera")
    if not camera:
        return None
    plate = fields.get("plate", fields.get("plate_hash"))
    body = {"plate": plate, "time": fields.get("time"), "read_id": message.get("read_id")}
    return camera, json.dumps(body, sort_keys=True).encode()
