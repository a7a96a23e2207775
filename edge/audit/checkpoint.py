"""Ed25519 keys and signed checkpoints in the C2SP signed-note / tlog-checkpoint format.

A checkpoint commits to the ledger's size and the hash of its last entry (the head of the hash chain;
this ledger is a chain, so the "root hash" line carries the chain head, not a Merkle root)::

    edge-alpr.local/NODE/audit
    1000
    <base64 head hash>
    time 2026-11-27T20:08:51.123456Z

    — edge-alpr.local/NODE/audit <base64(key id ‖ signature)>

The key id is the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), as in C2SP signed-note,
and the verifier key is written ``name+<hex id>+<base64(0x01 ‖ public key)>``. Publishing checkpoints to
witnesses (peers who keep a copy) is what makes a truncated or rewritten ledger detectable even by
someone holding the device's key.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from edge.errors import EdgeError
from edge.files import private_dir

SIG_PREFIX = "\u2014 "  # em dash + space, as in C2SP signed-note
_ALG_ED25519 = b"\x01"


class SigningKeyError(EdgeError):
    """The ledger signing key cannot be created, read or trusted."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    head: bytes
    time: str
    note: str  # the full signed note text


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + _ALG_ED25519 + public).digest()[:4]


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def vkey(name: str, key: Ed25519PublicKey) -> str:
    """C2SP verifier key text: name+hexid+base64(0x01 ‖ public key)."""
    raw = public_bytes(key)
    return f"{name}+{key_id(name, raw).hex()}+{base64.b64encode(_ALG_ED25519 + raw).decode()}"


def parse_vkey(text: str) -> tuple[str, Ed25519PublicKey]:
    try:
        name, hex_id, b64 = text.strip().split("+", 2)
        blob = base64.b64decode(b64, validate=True)
    except ValueError:
        raise SigningKeyError(f"not a verifier key (want name+id+base64): {text.strip()[:80]!r}") from None
    if len(blob) != 33 or blob[:1] != _ALG_ED25519:
        raise SigningKeyError("verifier key is not an Ed25519 key")
    if key_id(name, blob[1:]).hex() != hex_id:
        raise SigningKeyError("verifier key id does not match its name and key")
    return name, Ed25519PublicKey.from_public_bytes(blob[1:])


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """Read the signing key; on first run generate it, written with mode 0600 from the start."""
    if not path.exists():
        private_dir(path.parent)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # Written whole to a private temporary file, then linked into place: the key file appears
        # complete or not at all, so a second thread or process starting at the same moment never
        # reads a half-written key; whoever links second loads the winner's key.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                return load_or_create_key(path)  # another thread or process created it first
        except OSError as exc:
            raise SigningKeyError(f"cannot create ledger signing key {path}: {exc.strerror}") from None
        finally:
            tmp.unlink(missing_ok=True)
        return key
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read ledger signing key {path}: {exc.strerror}") from None
    if mode & 0o077:
        raise SigningKeyError(
            f"ledger signing key {path} is readable by others (mode {mode:04o}); run: chmod 600 {path}"
        )
    try:
        loaded = serialization.load_pem_private_key(data, password=None)
    except ValueError:
        raise SigningKeyError(f"ledger signing key {path} is not a PEM private key") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise SigningKeyError(f"ledger signing key {path} is not an Ed25519 key")
    return loaded


def sign_checkpoint(key: Ed25519PrivateKey, origin: str, size: int, head: bytes, time: str) -> Checkpoint:
    body = f"{origin}\n{size}\n{base64.b64encode(head).decode()}\ntime {time}\n"
    sig = key.sign(body.encode())
    kid = key_id(origin, public_bytes(key.public_key()))
    note = f"{body}\n{SIG_PREFIX}{origin} {base64.b64encode(kid + sig).decode()}\n"
    return Checkpoint(origin=origin, size=size, head=head, time=time, note=note)


class BadCheckpoint(ValueError):
    """A checkpoint note that does not parse or whose signature does not verify."""


def open_checkpoint(note: str, key: Ed25519PublicKey, origin: str | None = None) -> Checkpoint:
    """Parse a signed note and verify its signature by `key`. Raises BadCheckpoint."""
    body, sep, sigs = note.partition("\n\n")
    if not sep:
        raise BadCheckpoint("not a signed note (no blank line before the signatures)")
    body += "\n"
    lines = body.split("\n")[:-1]
    if len(lines) < 3:
        raise BadCheckpoint("checkpoint body needs origin, size and hash lines")
    name = lines[0]
    if origin is not None and name != origin:
        raise BadCheckpoint(f"checkpoint is for {name!r}, not this ledger ({origin!r})")
    try:
        size = int(lines[1])
        head = base64.b64decode(lines[2], validate=True)
    except ValueError:
        raise BadCheckpoint("checkpoint size or hash line is malformed") from None
    if size < 0 or len(head) != 32 or str(size) != lines[1]:
        raise BadCheckpoint("checkpoint size or hash line is malformed")
    time = next((ln.removeprefix("time ") for ln in lines[3:] if ln.startswith("time ")), "")
    want_id = key_id(name, public_bytes(key))
    for line in sigs.split("\n"):
        if not line.startswith(SIG_PREFIX):
            continue
        signer, _, b64 = line[len(SIG_PREFIX) :].rpartition(" ")
        try:
            blob = base64.b64decode(b64, validate=True)
        except ValueError:
            continue
        if signer != name or len(blob) != 68 or blob[:4] != want_id:
            continue
        try:
            key.verify(blob[4:], body.encode())
        except InvalidSignature:
            raise BadCheckpoint(f"signature on checkpoint of size {size} does not verify") from None
        return Checkpoint(origin=name, size=size, head=head, time=time, note=note)
    raise BadCheckpoint(f"checkpoint of size {size} carries no signature by the ledger key")
