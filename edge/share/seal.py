"""Payloads sealed to the recipient peer, and search requests signed by the peer.

A broker relays every message it is given to whoever its ACL lets subscribe: a shared broker, a
misconfigured ACL or a broker operator would see plates in clear. So what leaves the device for a
peer is sealed to that peer's X25519 public key (``grants[].seal_key``), and what a peer asks of the
device is signed with its Ed25519 key (``grants[].request_key``): the broker learns the topic and
the size, nothing else, and cannot forge or replay a search.

Sealing (one fresh key per message, in the manner of HPKE base mode, RFC 9180):

    ephemeral X25519 key e;  shared = X25519(e, recipient)
    key = HKDF-SHA256(shared, salt = e.pub || recipient, info = "edge-alpr/seal/v1")
    ct  = ChaCha20-Poly1305(key, nonce = 0^12, plaintext, aad = "edge-alpr/seal/v1|" + topic)

The nonce may be fixed because the key is never used twice. The topic is bound as associated data,
so a broker cannot move a message to another peer's or another kind's topic. Envelope (JSON):
``{"sealed": "edge-alpr/seal/v1", "to": key id, "epk": b64, "ct": b64}``.

A signed request is the request object with ``sig``: the Ed25519 signature (base64) over the
canonical JSON of the object without ``sig`` (sorted keys, no spaces, UTF-8). ``sent_at`` (UTC,
ISO 8601) must be within `MAX_SKEW` of now, and a request id is accepted once (`ReplayGuard`).

Key text: public keys are written ``x25519:BASE64`` and ``ed25519:BASE64`` (32 raw bytes; public,
so they may stand in the YAML); private keys are PKCS#8 PEM files, 0600 (`generate`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import threading
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from edge.errors import EdgeError
from edge.files import private_file

SCHEME = "edge-alpr/seal/v1"
MAX_SKEW = timedelta(minutes=5)
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


class SealError(EdgeError):
    """A sealed payload that cannot be opened, a bad key, or a request signature that does not verify."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise SealError(f"{what}: not base64") from None


def public_text(key: X25519PublicKey | Ed25519PublicKey) -> str:
    kind = "x25519" if isinstance(key, X25519PublicKey) else "ed25519"
    return f"{kind}:{_b64(key.public_bytes(*_RAW))}"


def seal_public_key(text: str) -> X25519PublicKey:
    """``x25519:BASE64`` as a key (the config checks the form; this builds it)."""
    kind, _, body = text.partition(":")
    if kind != "x25519":
        raise SealError(f"seal key {text[:20]!r}...: expected x25519:BASE64")
    return X25519PublicKey.from_public_bytes(_unb64(body, "seal key"))


def request_public_key(text: str) -> Ed25519PublicKey:
    kind, _, body = text.partition(":")
    if kind != "ed25519":
        raise SealError(f"request key {text[:20]!r}...: expected ed25519:BASE64")
    return Ed25519PublicKey.from_public_bytes(_unb64(body, "request key"))


def key_id(key: X25519PublicKey) -> str:
    """A short public name of a seal key (which key a payload is sealed to)."""
    return hashlib.sha256(key.public_bytes(*_RAW)).hexdigest()[:16]


def _derive(shared: bytes, epk: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=epk + recipient, info=SCHEME.encode()).derive(shared)


def _aad(topic: str) -> bytes:
    return f"{SCHEME}|{topic}".encode()


def seal(plaintext: bytes, recipient: X25519PublicKey, topic: str) -> bytes:
    """`plaintext` sealed to `recipient` for `topic`, as the JSON envelope (bytes)."""
    eph = X25519PrivateKey.generate()
    epk = eph.public_key().public_bytes(*_RAW)
    rpk = recipient.public_bytes(*_RAW)
    key = _derive(eph.exchange(recipient), epk, rpk)
    ct = ChaCha20Poly1305(key).encrypt(b"\0" * 12, plaintext, _aad(topic))
    envelope = {"sealed": SCHEME, "to": key_id(recipient), "epk": _b64(epk), "ct": _b64(ct)}
    return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()


def is_sealed(payload: bytes) -> bool:
    """Whether `payload` is a sealed envelope (a JSON object naming this scheme)."""
    if SCHEME.encode() not in payload:
        return False
    try:
        obj = json.loads(payload)
    except (ValueError, RecursionError):  # RecursionError: JSON nested past the parser's depth
        return False
    return isinstance(obj, dict) and obj.get("sealed") == SCHEME


def open_sealed(payload: bytes, private: X25519PrivateKey, topic: str) -> bytes:
    """The plaintext of an envelope sealed to `private`'s public key for `topic`; SealError otherwise."""
    try:
        env = json.loads(payload)
    except ValueError:
        raise SealError("not a sealed envelope (not JSON)") from None
    if not isinstance(env, dict) or env.get("sealed") != SCHEME:
        raise SealError(f"not a sealed envelope ({SCHEME})")
    mine = private.public_key()
    if env.get("to") != key_id(mine):
        raise SealError(f"sealed to key {env.get('to')!r}, not to this key ({key_id(mine)})")
    epk = _unb64(str(env.get("epk", "")), "epk")
    ct = _unb64(str(env.get("ct", "")), "ct")
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(epk))
        key = _derive(shared, epk, mine.public_bytes(*_RAW))
        return ChaCha20Poly1305(key).decrypt(b"\0" * 12, ct, _aad(topic))
    except (InvalidTag, ValueError):
        raise SealError("sealed payload does not open: altered, or sealed for another topic") from None


def canonical(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_request(
    request: dict[str, Any], key: Ed25519PrivateKey, now: datetime | None = None, *, to: str
) -> dict[str, Any]:
    """`request` addressed to device `to` (its node_id), with ``sent_at`` (if absent) and ``sig``: what a
    peer sends. The address is signed: a request copied to another device's topic is refused there."""
    body = {k: v for k, v in request.items() if k != "sig"}
    body["to"] = to
    body.setdefault("sent_at", (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return {**body, "sig": _b64(key.sign(canonical(body)))}


MAX_REQUEST_ID = 128  # characters: the ids are kept on disk for the freshness window


class ReplayGuard:
    """Request ids seen within the freshness window, per peer: a replayed request is refused.

    With `path` they are kept in a SQLite file, so a restart does not forget them (a request captured
    before it, or left retained on the broker, would be answered again). Ids are forgotten only once
    too old to be fresh (2 x MAX_SKEW); when `capacity` fresh ids are held, new requests are refused
    rather than old ones forgotten early (a flood from one peer would otherwise reopen another's)."""

    def __init__(self, capacity: int = 10000, path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self.capacity = capacity
        self._seen: OrderedDict[str, datetime] = OrderedDict()
        self._db: sqlite3.Connection | None = None
        if path is not None:
            private_file(path)  # 0600 in a 0700 folder, like the store beside it
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=5.0)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS seen (peer TEXT NOT NULL, request_id TEXT NOT NULL, at TEXT NOT NULL, "
                "PRIMARY KEY (peer, request_id))"
            )

    def first_time(self, request_id: str, now: datetime, peer: str = "") -> bool | None:
        """True the first time; False for a replay; None when this peer's window is full or the file
        cannot be read or written (refuse, forget nothing). `peer`: whose key signed it."""
        cutoff = now - 2 * MAX_SKEW
        with self._lock:
            if self._db is not None:
                return self._first_in_file(request_id, now, peer, cutoff)
            key = f"{peer}\0{request_id}"
            while self._seen and next(iter(self._seen.values())) < cutoff:
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            if sum(k.startswith(f"{peer}\0") for k in self._seen) >= self.capacity:
                return None
            self._seen[key] = now
            return True

    def _first_in_file(self, request_id: str, now: datetime, peer: str, cutoff: datetime) -> bool | None:
        db = self._db
        assert db is not None
        try:
            db.execute("BEGIN IMMEDIATE")  # check and insert as one, against another process on the file
            try:
                db.execute("DELETE FROM seen WHERE at < ?", (cutoff.isoformat(),))
                seen = db.execute("SELECT 1 FROM seen WHERE peer = ? AND request_id = ?", (peer, request_id)).fetchone()
                full = db.execute("SELECT count(*) FROM seen WHERE peer = ?", (peer,)).fetchone()[0] >= self.capacity
                if not seen and not full:
                    db.execute(
                        "INSERT INTO seen (peer, request_id, at) VALUES (?, ?, ?)", (peer, request_id, now.isoformat())
                    )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except sqlite3.Error:  # locked, read-only, damaged: refused (and recorded), never answered unchecked
            return None
        return False if seen else (None if full else True)


def verify_request(
    request: dict[str, Any], key: Ed25519PublicKey, guard: ReplayGuard, now: datetime, *, node_id: str, peer: str = ""
) -> str | None:
    """None when `request` is signed by `key`, addressed to `node_id`, fresh and not seen before from
    `peer`; else why not."""
    sig = request.get("sig")
    if not isinstance(sig, str) or not sig:
        return "the request is not signed (grants[].request_key is set: requests must carry sig)"
    body = {k: v for k, v in request.items() if k != "sig"}
    try:
        key.verify(_unb64(sig, "sig"), canonical(body))
    except (InvalidSignature, SealError, ValueError):  # ValueError: a lone surrogate has no UTF-8 to sign
        return "the request's signature does not verify with the peer's request_key"
    try:
        sent = datetime.fromisoformat(str(body.get("sent_at", "")).replace("Z", "+00:00"))
    except ValueError:
        return "the signed request has no valid sent_at (UTC, ISO 8601)"
    if sent.tzinfo is None or abs(now - sent) > MAX_SKEW:
        return f"the signed request was sent at {body.get('sent_at')}, more than {MAX_SKEW} from now: refused as stale"
    if body.get("to") != node_id:
        return f"the signed request is addressed to {body.get('to')!r}, not to this device ({node_id!r})"
    rid = body.get("request_id")
    if not isinstance(rid, str) or not rid:
        return "the signed request has no request_id"
    if len(rid) > MAX_REQUEST_ID:
        return f"the signed request's request_id is longer than {MAX_REQUEST_ID} characters"
    first = guard.first_time(rid, now, peer)
    if first is None:
        return "the replay check could not take it (too many requests in the freshness window, or its file): refused"
    if not first:
        return f"request {rid!r} was already answered: a replay is refused"
    return None


def load_private(path: Path, kind: type[X25519PrivateKey] | type[Ed25519PrivateKey]) -> Any:
    """A PKCS#8 PEM private key of `kind` from `path`."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise SealError(f"{path}: not a readable PEM private key ({exc})") from None
    if not isinstance(key, kind):
        raise SealError(f"{path}: a {type(key).__name__}, expected {kind.__name__}")
    return key


def generate(folder: Path, name: str) -> dict[str, str]:
    """Write NAME.seal.pem (X25519) and NAME.sign.pem (Ed25519), 0600, and return their public keys:
    ``seal_key`` for whoever seals to NAME, ``request_key`` for whoever checks NAME's requests."""
    out = {}
    for suffix, key, field in (
        ("seal", X25519PrivateKey.generate(), "seal_key"),
        ("sign", Ed25519PrivateKey.generate(), "request_key"),
    ):
        path = folder / f"{name}.{suffix}.pem"
        if path.exists():
            raise SealError(f"{path} exists: not overwritten (a peer may depend on it)")
        private_file(path)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        out[field] = public_text(key.public_key())
        out[f"{suffix}_private"] = str(path)
    return out
