"""Home Assistant MQTT discovery, by its current rules, only when a grant to that broker says
``home_assistant: true`` and grants the plate (or its keyed hash) and the camera.

Per camera: a sensor holding the last plate read; an event entity for hotlist alerts when the grant
includes ``hit``; a plate-crop image entity only when ``home_assistant_crops: true`` and the grant
includes ``crop`` (off by default: see that key's description). All entities belong to one device
(the node) and share one availability topic: ``online`` (retained) after each connect, the MQTT last
will ``offline`` (retained) when the connection drops, ``offline`` on an orderly stop. Entity ids are
suggested with ``default_entity_id`` (``object_id`` is deprecated since Home Assistant 2025.10 and
stops working in 2026.4).

Discovery configs and availability are retained (they carry no personal data). State updates, alert
events and crops are not retained, so the broker never keeps a plate after the device's retention
removed it; Home Assistant shows the sensor as unknown until the next read after it restarts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from edge import __version__
from edge.config.sharing import PeerGrant

DISCOVERY_PREFIX = "homeassistant"
ONLINE = "online"
OFFLINE = "offline"
ALERT_EVENT = "hotlist_hit"


def enabled(grant: PeerGrant) -> bool:
    fields = set(grant.read_fields)
    return grant.home_assistant and "camera" in fields and bool(fields & {"plate", "plate_hash"})


def alerts_enabled(grant: PeerGrant) -> bool:
    return enabled(grant) and "hit" in grant.read_fields


def crops_enabled(grant: PeerGrant) -> bool:
    return enabled(grant) and grant.home_assistant_crops and "crop" in grant.read_fields


def _base(grant: PeerGrant, node_id: str) -> str:
    return f"{grant.topic_prefix}/ha/{node_id}"


def availability_topic(grant: PeerGrant, node_id: str) -> str:
    return f"{_base(grant, node_id)}/availability"


def state_topic(grant: PeerGrant, node_id: str, camera: str) -> str:
    return f"{_base(grant, node_id)}/{camera}/last_plate"


def alert_topic(grant: PeerGrant, node_id: str, camera: str) -> str:
    return f"{_base(grant, node_id)}/{camera}/alert"


def crop_topic(grant: PeerGrant, node_id: str, camera: str) -> str:
    return f"{_base(grant, node_id)}/{camera}/plate_crop"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", text.lower())


def _common(grant: PeerGrant, node_id: str, component: str, uid: str, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "unique_id": uid,
        "default_entity_id": f"{component}.{uid}",
        "availability": [
            {
                "topic": availability_topic(grant, node_id),
                "payload_available": ONLINE,
                "payload_not_available": OFFLINE,
            }
        ],
        "device": {
            "identifiers": [f"edge_alpr_{_slug(node_id)}"],
            "name": f"edge-alpr {node_id}",
            "manufacturer": "edge-alpr",
            "model": "edge-alpr",
            "sw_version": __version__,
        },
        "origin": {"name": "edge-alpr", "sw_version": __version__},
    }


def discovery(grant: PeerGrant, node_id: str, cameras: list[str]) -> list[tuple[str, bytes]]:
    """(topic, retained payload) of every entity config: per camera the last-plate sensor, and the
    alert event and plate-crop image where the grant allows them."""
    out: list[tuple[str, dict[str, Any]]] = []
    for cam in cameras:
        base = f"edge_alpr_{_slug(node_id)}_{_slug(cam)}"
        uid = f"{base}_last_plate"
        sensor = _common(grant, node_id, "sensor", uid, f"{cam} last plate")
        sensor.update(
            state_topic=state_topic(grant, node_id, cam),
            value_template="{{ value_json.plate }}",
            json_attributes_topic=state_topic(grant, node_id, cam),
            icon="mdi:car",
        )
        out.append((f"{DISCOVERY_PREFIX}/sensor/{uid}/config", sensor))
        if alerts_enabled(grant):
            uid = f"{base}_hotlist_alert"
            event = _common(grant, node_id, "event", uid, f"{cam} hotlist alert")
            event.update(state_topic=alert_topic(grant, node_id, cam), event_types=[ALERT_EVENT], icon="mdi:alert")
            out.append((f"{DISCOVERY_PREFIX}/event/{uid}/config", event))
        if crops_enabled(grant):
            uid = f"{base}_plate_crop"
            image = _common(grant, node_id, "image", uid, f"{cam} plate crop")
            image.update(image_topic=crop_topic(grant, node_id, cam), content_type="image/jpeg", image_encoding="b64")
            out.append((f"{DISCOVERY_PREFIX}/image/{uid}/config", image))
    return [(topic, json.dumps(cfg, sort_keys=True).encode()) for topic, cfg in out]


def state(message: dict[str, Any]) -> tuple[str, bytes] | None:
    """(camera, payload) of a state update for a read message, or None if it has no camera."""
    fields = message.get("fields", {})
    camera = fields.get("camera")
    if not camera:
        return None
    plate = fields.get("plate", fields.get("plate_hash"))
    body = {"plate": plate, "time": fields.get("time"), "read_id": message.get("read_id")}
    return camera, json.dumps(body, sort_keys=True).encode()


def updates(grant: PeerGrant, node_id: str, message: dict[str, Any]) -> list[tuple[str, bytes]]:
    """(topic, payload) of everything a read message shows in Home Assistant: the last-plate state,
    one alert event per hotlist hit (if granted) and the plate crop (if enabled). Never retained."""
    fields = message.get("fields", {})
    last = state(message)
    if last is None:
        return []
    camera = last[0]
    out = [(state_topic(grant, node_id, camera), last[1])]
    if alerts_enabled(grant) and message.get("kind") == "hit":  # once per hit row, not again with the read
        for hit in fields.get("hit") or []:
            event = {
                "event_type": ALERT_EVENT,
                "hotlist": hit.get("hotlist"),
                "category": hit.get("category"),
                "match_kind": hit.get("match_kind"),
                "camera": camera,
                "time": fields.get("time"),
                "read_id": message.get("read_id"),
                "plate": fields.get("plate", fields.get("plate_hash")),
            }
            out.append((alert_topic(grant, node_id, camera), json.dumps(event, sort_keys=True).encode()))
    if crops_enabled(grant) and fields.get("crop"):
        out.append((crop_topic(grant, node_id, camera), str(fields["crop"]).encode()))
    return out
