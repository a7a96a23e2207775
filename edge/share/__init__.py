"""Sharing over MQTT: deny by default, per-peer grants, an outbox that loses nothing, every share in the ledger."""

from __future__ import annotations

from edge.policy.grants import check_grant
from edge.share.message import SCHEMA, plate_hash, topics
from edge.share.outbox import Outbox, enqueue
from edge.share.publisher import PeerPublisher, PeerStatus, ShareError
from edge.share.service import ShareService, check_grants, sharing

__all__ = [
    "SCHEMA",
    "Outbox",
    "PeerPublisher",
    "PeerStatus",
    "ShareError",
    "ShareService",
    "check_grant",
    "check_grants",
    "enqueue",
    "plate_hash",
    "sharing",
    "topics",
]
