"""docs/schemas/ holds one JSON Schema per MQTT payload; the Home Assistant ones follow the MQTT
integration's documented discovery keys. The payloads the code builds validate, and what Home
Assistant no longer accepts (object_id, a device without identifiers) does not."""

from __future__ import annotations

import json

import pytest

from edge.share import homeassistant
from tests.support.schemas import ROUTES, SCHEMAS, check, schema
from tests.support.share import NODE, make_grant


def full_grant():  # type: ignore[no-untyped-def]
    return make_grant(fields=["plate", "time", "camera", "hit", "crop"], home_assistant=True, home_assistant_crops=True)


def test_every_schema_file_is_routed_and_every_route_has_a_file() -> None:
    files = {p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json")}
    routed = {name.format(kind) for _, name in ROUTES for kind in ("sensor", "event", "image")}
    assert files == routed | {"sealed-envelope"}  # any topic of a grant with seal_key
    for name in files:
        assert schema(name)["$schema"].endswith("2020-12/schema")


def test_discovery_configs_of_every_entity_validate() -> None:
    found = [check(topic, payload) for topic, payload in homeassistant.discovery(full_grant(), NODE, ["gate-1", "b"])]
    assert found.count("ha-discovery-sensor") == 2
    assert found.count("ha-discovery-event") == 2
    assert found.count("ha-discovery-image") == 2


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"object_id": "x"}, "object_id"),  # deprecated 2025.10, gone in 2026.4
        ({"default_entity_id": "edge_alpr_x"}, "default_entity_id"),  # must be <domain>.<id>
        ({"device": {"name": "no identifiers"}}, "device"),
        ({"availability_topic": "t"}, "availability"),  # exclusive with availability
        ({"state_topic": None}, "state_topic"),
    ],
)
def test_what_home_assistant_refuses_does_not_validate(change: dict[str, object], why: str) -> None:
    topic, payload = homeassistant.discovery(full_grant(), NODE, ["gate-1"])[0]
    doc = json.loads(payload)
    doc.update(change)
    doc = {k: v for k, v in doc.items() if v is not None}
    with pytest.raises(AssertionError, match="ha-discovery-sensor"):
        check(topic, json.dumps(doc).encode())


def test_alerts_and_crops_only_where_granted() -> None:
    plain = make_grant(fields=["plate", "time", "camera"], home_assistant=True)
    topics = [t for t, _ in homeassistant.discovery(plain, NODE, ["gate-1"])]
    assert topics == [f"homeassistant/sensor/edge_alpr_{NODE.replace('-', '_')}_gate_1_last_plate/config"]
    with pytest.raises(ValueError, match="home_assistant_crops needs"):
        make_grant(fields=["plate", "time", "camera"], home_assistant=True, home_assistant_crops=True)
