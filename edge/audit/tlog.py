"""Tree heads of the ledger for witnesses: signed C2SP tlog checkpoints, consistency bundles, cosigning.

The device signs a tree head: a C2SP tlog checkpoint whose origin is the ledger's origin plus ``/tlog``
and whose hash line is the RFC 6962 Merkle root of the ledger (``edge.audit.merkle``), with the ledger
key. ``bundle`` is what a device hands a witness: that note, the size of the witness's last tree head
and the consistency proof from it. A witness (another device, an auditor's laptop: ``edge-alpr audit
witness``) keeps the last tree head it accepted, accepts a new one only when the device's signature
verifies and the proof shows the old tree is a prefix of the new one, and then cosigns it by adding its
own signature line to the note (C2SP signed-note: one body, several signatures), in the C2SP
tlog-cosignature/v1 form (key id with algorithm 0x04, an 8-byte timestamp, an Ed25519 signature over
``cosignature/v1``, the time and the checkpoint body). ``audit verify
--witness`` accepts such a note and checks the ledger's own tree at that size against it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.audit.canonical import utc_text
from edge.audit.checkpoint import (
    SIG_PREFIX,
    BadCheckpoint,
    Checkpoint,
    open_checkpoint,
    parse_vkey,
    public_bytes,
    sign_checkpoint,
)
from edge.audit.merkle import consistency_proof, tree_root, verify_consistency
from edge.errors import EdgeError

TLOG = "/tlog"


class WitnessError(EdgeError):
    """A tree head a witness must not cosign: bad signature, not a prefix of what it saw (fork, rollback)."""

    exit_code = 4


def tlog_origin(origin: str) -> str:
    return origin + TLOG


def entry_hashes(conn: sqlite3.Connection, size: int | None = None) -> list[bytes]:
    sql = "SELECT hash FROM entries ORDER BY seq" + (" LIMIT ?" if size is not None else "")
    return [bytes(r[0]) for r in conn.execute(sql, (size,) if size is not None else ())]


def sign_tree_head(key: Ed25519PrivateKey, origin: str, hashes: list[bytes]) -> Checkpoint:
    """The signed tree head of a ledger whose entries have these chain hashes."""
    return sign_checkpoint(key, tlog_origin(origin), len(hashes), tree_root(hashes), utc_text(datetime.now(UTC)))


def bundle(key: Ed25519PrivateKey, origin: str, hashes: list[bytes], old_size: int | None) -> dict[str, Any]:
    """What a witness needs: the signed tree head, and the consistency proof from `old_size` (if any)."""
    cp = sign_tree_head(key, origin, hashes)
    proof = consistency_proof(hashes, old_size) if old_size else []
    return {
        "checkpoint": cp.note,
        "old_size": old_size or 0,
        "proof": [base64.b64encode(p).decode() for p in proof],
    }


_ALG_COSIGNATURE = b"\x04"  # C2SP tlog-cosignature: Ed25519 over a timestamped message


def cosignature_key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + _ALG_COSIGNATURE + public).digest()[:4]


def cosignature_message(body: str, timestamp: int) -> bytes:
    """What a C2SP tlog-cosignature/v1 signs: a header with the time, then the checkpoint body."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + body.encode()


def cosignature_line(key: Ed25519PrivateKey, name: str, body: str, timestamp: int | None = None) -> str:
    """A signature line in the C2SP tlog-cosignature/v1 format: key id ‖ 8-byte time ‖ signature."""
    ts = int(datetime.now(UTC).timestamp()) if timestamp is None else timestamp
    sig = key.sign(cosignature_message(body, ts))
    blob = cosignature_key_id(name, public_bytes(key.public_key())) + ts.to_bytes(8, "big") + sig
    return f"{SIG_PREFIX}{name} {base64.b64encode(blob).decode()}"


@dataclass(frozen=True, slots=True)
class Cosigned:
    size: int
    root: bytes
    note: str  # the device's note with the witness's signature line added
    previous: int  # the size of the tree head this one was checked against (0: first seen)


def cosign(
    doc: dict[str, Any], device_vkey: str, state_dir: Path, witness_key: Ed25519PrivateKey, witness_name: str
) -> Cosigned:
    """Check a bundle against the last tree head this witness accepted for that ledger, then cosign it."""
    ledger_name, device = parse_vkey(device_vkey)
    origin = tlog_origin(ledger_name)
    try:
        cp = open_checkpoint(str(doc["checkpoint"]), device, origin)
        proof = [base64.b64decode(p, validate=True) for p in doc.get("proof") or []]
        old_size = int(doc.get("old_size") or 0)
    except (BadCheckpoint, KeyError, ValueError, TypeError) as exc:
        raise WitnessError(f"not a tree head signed by {ledger_name}: {exc}") from None
    state_dir.mkdir(parents=True, exist_ok=True)
    state = state_dir / (origin.replace("/", "_") + ".json")
    last = json.loads(state.read_text(encoding="utf-8")) if state.exists() else None
    previous = 0
    if last is not None:
        previous, last_root = int(last["size"]), base64.b64decode(last["root"])
        if cp.size < previous:
            raise WitnessError(f"rollback: tree head of size {cp.size}, but this witness cosigned {previous}")
        if cp.size == previous and cp.head != last_root:
            raise WitnessError(f"fork: another tree of size {previous} than the one this witness cosigned")
        if cp.size > previous:
            if old_size != previous:
                raise WitnessError(f"the bundle proves from size {old_size}; this witness last cosigned {previous}")
            if not verify_consistency(previous, cp.size, last_root, cp.head, proof):
                raise WitnessError(
                    f"fork or rewrite: the tree of size {cp.size} does not extend the one of size {previous} "
                    "this witness cosigned (consistency proof fails)"
                )
    body = cp.note.partition("\n\n")[0] + "\n"
    note = cp.note.rstrip("\n") + "\n" + cosignature_line(witness_key, witness_name, body) + "\n"
    tmp = state.with_suffix(".tmp")
    tmp.write_text(
        json.dumps({"size": cp.size, "root": base64.b64encode(cp.head).decode(), "note": note}), encoding="utf-8"
    )
    tmp.replace(state)
    return Cosigned(cp.size, cp.head, note, previous)
