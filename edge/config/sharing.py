"""Sharing: explicit per-peer grants. No peer listed means nothing leaves the device.

A grant names one peer broker, how to authenticate to it (CA, client certificate and key as file
paths or ``env:NAME`` references, never inline PEM), what is shared (all reads, hits, hits of listed
hotlist categories, checkpoints only), which fields, the purposes that travel with every message,
the legal basis and an expiry date. Whether the law of the device's profile allows a grant is
checked by :func:`edge.policy.grants.check_grant` before anything is sent.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date, timedelta
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from edge.config.common import Duration, Strict

ShareWhat = Literal["all", "hits", "hit_categories", "checkpoints"]
ShareField = Literal["plate", "plate_hash", "time", "camera", "confidence", "bbox", "hit", "crop"]

_DEFAULT_FIELDS: list[ShareField] = ["plate", "time", "camera"]
_NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"
_TOPIC = re.compile(r"^[A-Za-z0-9_./-]{1,200}$")
_STATES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
    "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR", "GU", "VI",
}  # fmt: skip
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


def check_secret_ref(value: str) -> str:
    """A file path or ``env:NAME``; inline key or certificate material is refused."""
    v = value.strip()
    if not v:
        raise ValueError("empty reference: give a file path or env:NAME")
    if "-----BEGIN" in v or "\n" in v:
        raise ValueError("inline certificate or key material is not allowed: give a file path or env:NAME")
    if v.startswith("env:") and not re.match(r"^env:[A-Za-z_][A-Za-z0-9_]*$", v):
        raise ValueError(f"invalid environment reference {v!r}: use env:NAME")
    return v


_PUBLIC_KEY = re.compile(r"^(x25519|ed25519):[A-Za-z0-9+/]{43}=$")


def check_public_key(value: str, kind: str) -> str:
    """``x25519:BASE64`` or ``ed25519:BASE64`` of 32 bytes (public keys may stand in the YAML)."""
    v = value.strip()
    m = _PUBLIC_KEY.match(v)
    if m is None or m.group(1) != kind:
        raise ValueError(
            f"expected {kind}:BASE64 (a 32-byte public key, as `edge-alpr share keygen` prints it), got {v[:24]!r}"
        )
    return v


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PeerGrant(Strict):
    """One peer and what it is granted. Everything not granted here is refused."""

    name: str = Field(pattern=_NAME, description="Short peer name used in the ledger, topics and status.")
    broker: str = Field(
        description="Peer broker URL: mqtts://host:port (TLS, certificate verified). mqtt:// only to a loopback "
        "broker (e.g. a local Home Assistant)."
    )
    ca: str | None = Field(default=None, description="CA certificate file (or env:NAME) of the broker.")
    cert: str | None = Field(default=None, description="Client certificate file (or env:NAME) this device presents.")
    key: str | None = Field(default=None, description="Client private key file (or env:NAME); never inline.")
    username: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Broker username, instead of (or as well as) a client certificate; over mqtts:// only, "
        "or to a loopback broker. Needs password.",
    )
    password: str | None = Field(
        default=None,
        description="Broker password: env:NAME (the variable holds the password) or a file path containing a / "
        "(its first line); never the password itself.",
    )
    topic_prefix: str = Field(description="Topics: <prefix>/reads/<node_id>, <prefix>/search/request|reply/<node_id>.")
    agency: str = Field(min_length=1, max_length=200, description="Receiving agency, as named in the agreement.")
    jurisdiction: str = Field(description="Peer's jurisdiction: a two-letter US state code or 'federal'.")
    public_agency: bool = Field(default=True, description="The peer is a public agency (CA allows no other).")
    share: ShareWhat = Field(
        default="hits",
        description="What is sent: all (every read), hits (hotlist hits), hit_categories (hits of `categories`), "
        "checkpoints (signed ledger checkpoints only, no reads).",
    )
    categories: list[str] = Field(default_factory=list, description="Hotlist categories for share: hit_categories.")
    fields: list[ShareField] = Field(
        default_factory=lambda: list(_DEFAULT_FIELDS),
        description="Fields of a read that are sent: plate, plate_hash (keyed HMAC instead of the text), time, "
        "camera, confidence, bbox, hit (hotlist and category), crop (only if stored and granted).",
    )
    plate_hash_key: str | None = Field(
        default=None, description="HMAC key file or env:NAME for plate_hash (shared with the peer out of band)."
    )
    purposes: list[str] = Field(
        min_length=1, description="Purposes the peer may use the data for; they travel with every message."
    )
    legal_basis: str = Field(min_length=3, description="Legal basis of the sharing (agreement, statute, order).")
    declaration: str | None = Field(
        default=None,
        description="Reference of the peer's signed declaration (IL: required for out-of-state and federal peers).",
    )
    expires: date = Field(description="Last day (UTC) of the grant; after it nothing is sent and the stop is logged.")
    search: bool = Field(default=False, description="The peer may send search requests on its request topic.")
    home_assistant: bool = Field(
        default=False,
        description="Publish Home Assistant MQTT discovery to this broker: per camera the last plate, and a hotlist "
        "alert event when `hit` is granted; availability with a last will.",
    )
    home_assistant_crops: bool = Field(
        default=False,
        description="Also a plate-crop image entity per camera (needs `crop` in fields). Privacy trade-off: a crop "
        "is an image of a plate and of part of a vehicle, shown to everyone with access to Home Assistant and "
        "kept in its history and recordings, beyond this device's retention and ledger; leave off unless the "
        "picture is needed.",
    )
    seal_key: str | None = Field(
        default=None,
        description="The peer's X25519 public key (x25519:BASE64, from `edge-alpr share keygen` on the peer): every "
        "message to it (reads, hits, checkpoints, search replies) is sealed to this key, so the broker and anyone its "
        "ACL lets subscribe see the topic and size only. Required for a peer on a broker that is not on this machine "
        "when reads or search replies go to it.",
    )
    request_key: str | None = Field(
        default=None,
        description="The peer's Ed25519 public key (ed25519:BASE64): its search requests must be signed with it, "
        "addressed to this device, fresh (sent_at within 5 minutes) and not replayed; others are refused and "
        "recorded. Required with search: true, on a broker on this machine too (the broker's ACL is not the "
        "peer's identity).",
    )
    qos: Literal[1] = Field(default=1, description="MQTT QoS (always 1: at least once, deduped by read id).")
    max_inflight: int = Field(default=100, ge=1, le=10000, description="Most unacknowledged messages at a time.")
    keepalive: Duration = Field(default=timedelta(seconds=30), description="MQTT keepalive.")

    @field_validator("ca", "cert", "key", "plate_hash_key")
    @classmethod
    def _refs(cls, value: str | None) -> str | None:
        return None if value is None else check_secret_ref(value)

    @field_validator("seal_key")
    @classmethod
    def _seal_key(cls, value: str | None) -> str | None:
        return None if value is None else check_public_key(value, "x25519")

    @field_validator("request_key")
    @classmethod
    def _request_key(cls, value: str | None) -> str | None:
        return None if value is None else check_public_key(value, "ed25519")

    @field_validator("password")
    @classmethod
    def _password(cls, value: str | None) -> str | None:
        if value is None:
            return None
        v = check_secret_ref(value)
        if not v.startswith("env:") and "/" not in v:
            raise ValueError(
                "password: give env:NAME or a file path with a / (e.g. /etc/edge-alpr/broker.pass or ./broker.pass); "
                "the password itself never goes in the config"
            )
        return v

    @field_validator("jurisdiction")
    @classmethod
    def _jurisdiction(cls, value: str) -> str:
        v = value.strip()
        if v.lower() == "federal":
            return "federal"
        if v.upper() not in _STATES:
            raise ValueError(f"unknown jurisdiction {value!r}: a two-letter US state code or 'federal'")
        return v.upper()

    @field_validator("topic_prefix")
    @classmethod
    def _topic(cls, value: str) -> str:
        v = value.strip().strip("/")
        if not _TOPIC.match(v) or "//" in v:
            raise ValueError("topic_prefix: letters, digits, _ . - and single / only (no wildcards)")
        return v

    @field_validator("purposes", "categories")
    @classmethod
    def _words(cls, value: list[str]) -> list[str]:
        out = [v.strip().lower() for v in value]
        if any(not v for v in out):
            raise ValueError("empty entry")
        return out

    @model_validator(mode="after")
    def _check(self) -> PeerGrant:
        url = urlsplit(self.broker)
        if url.scheme not in ("mqtt", "mqtts") or not url.hostname:
            raise ValueError(f"broker {self.broker!r}: use mqtts://host:port (or mqtt://localhost:port)")
        if url.username or url.password:
            raise ValueError("broker URL must not carry credentials: use cert/key or username/password")
        if url.scheme == "mqtt" and not is_loopback(url.hostname):
            raise ValueError(
                f"broker {self.broker!r}: plain mqtt:// is only allowed to a loopback broker; use mqtts://"
            )
        if (self.cert is None) != (self.key is None):
            raise ValueError("cert and key go together")
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together")
        if url.scheme == "mqtts" and (self.ca is None or (self.cert is None and self.username is None)):
            raise ValueError(
                "an mqtts:// peer needs ca, and cert and key (a client certificate) or username and password"
            )
        if self.share == "hit_categories" and not self.categories:
            raise ValueError("share: hit_categories needs at least one entry in categories")
        if self.share != "hit_categories" and self.categories:
            raise ValueError("categories only apply to share: hit_categories")
        if len(set(self.fields)) != len(self.fields):
            raise ValueError("fields: repeated entry")
        if "plate" in self.fields and "plate_hash" in self.fields:
            raise ValueError("fields: plate and plate_hash exclude each other")
        if "plate_hash" in self.fields and self.plate_hash_key is None:
            raise ValueError("fields: plate_hash needs plate_hash_key (file or env:NAME)")
        if self.home_assistant_crops and not (self.home_assistant and "crop" in self.fields):
            raise ValueError("home_assistant_crops needs home_assistant: true and crop in fields")
        if self.home_assistant and self.seal_key is not None:
            raise ValueError(
                "home_assistant and seal_key exclude each other: Home Assistant reads its topics in clear; "
                "give Home Assistant a grant of its own on a broker on this machine"
            )
        if not is_loopback(url.hostname) and self.seal_key is None and (self.share != "checkpoints" or self.search):
            raise ValueError(
                f"seal_key: required for a peer on broker {url.hostname} (not this machine) that receives reads "
                "or search replies: without it the broker, and anyone its ACL lets subscribe, reads the plates. "
                "Give the peer's x25519 public key (`edge-alpr share keygen` on the peer prints it)"
            )
        if self.search and self.request_key is None:
            raise ValueError(
                "request_key: required with search: true: the broker's ACL is not the peer's identity, on this "
                "machine too (a local broker may listen on the network, or let any local client publish). Give "
                "the peer's ed25519 public key (`edge-alpr share keygen` on the peer prints it)"
            )
        if self.search and self.share == "checkpoints":
            raise ValueError(
                "search: true with share: checkpoints: a grant that sends no reads does not answer searches for "
                "them (a reply would still say whether and how often a plate was seen)"
            )
        return self

    @property
    def host(self) -> str:
        return urlsplit(self.broker).hostname or ""

    @property
    def port(self) -> int:
        url = urlsplit(self.broker)
        return url.port or (8883 if url.scheme == "mqtts" else 1883)

    @property
    def tls(self) -> bool:
        return urlsplit(self.broker).scheme == "mqtts"

    @property
    def read_fields(self) -> list[ShareField]:
        """Fields actually sent with a read (none for a checkpoints-only grant)."""
        return [] if self.share == "checkpoints" else list(self.fields)

    def expired(self, today: date) -> bool:
        return today > self.expires


class SharingConfig(Strict):
    """`sharing:` section. Deny by default: with no peers nothing is ever sent."""

    peers: list[PeerGrant] = Field(default_factory=list, description="Per-peer grants; empty means no sharing.")
    open_key: str | None = Field(
        default=None,
        description="This device's X25519 private key (PEM file or env:NAME, from `edge-alpr share keygen`): search "
        "requests that peers seal to its public key are opened with it. Without it a sealed request is refused.",
    )
    outbox_retention: Duration | None = Field(
        default=None,
        description="Drop outbox rows older than this even if unsent (reads purged by retention go with them "
        "anyway). Default: keep until the read itself is purged.",
    )

    @field_validator("open_key")
    @classmethod
    def _open_key(cls, value: str | None) -> str | None:
        return None if value is None else check_secret_ref(value)

    @model_validator(mode="after")
    def _unique(self) -> SharingConfig:
        names = [p.name for p in self.peers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"peer names must be unique; repeated: {', '.join(dupes)}")
        return self

    def peer(self, name: str) -> PeerGrant | None:
        return next((p for p in self.peers if p.name == name), None)
