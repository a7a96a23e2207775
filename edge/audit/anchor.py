"""Anchors of a ledger outside its own file, so that deleting, re-creating or rewriting it shows.

A ledger is named by its genesis entry (entry 1: ledger id, device, verifier key) and the hash of that
entry. Two copies of that name live outside the ledger file:

* the key's companion file (``<key>.anchor.json`` beside the signing key): ledger id, genesis hash,
  verifier key, device and the latest checkpoint this device signed. A writable ledger refuses to
  start a new chain under a key whose companion names another ledger, and refuses to append to a
  ledger that no longer holds the head the device last signed;
* the store (its ``ledger_anchor`` table, written once): the ledger its reads are accounted in. A
  ledger opened for a store that names another ledger is refused, e.g. ``--db`` pointing at a
  symlink to the store from another folder, where a fresh ledger would record nothing real.

``audit verify`` compares the ledger with every anchor it is given (see ``edge.audit.verify``).
This module holds the data and file handling only; the checks live with the ledger and verify.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

ANCHOR_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Anchor:
    """One outside copy of a ledger's identity (and, for the companion file, its latest signed head)."""

    source: str  # where it came from, for messages: "key companion /path" or "store /path"
    ledger_id: str
    genesis: str  # hex SHA-256 of entry 1
    vkey: str
    node_id: str
    checkpoint: str | None = None  # the latest checkpoint note the device signed (companion only)

    def mismatch(self, ledger_id: str | None, genesis: str | None, vkey: str | None) -> str | None:
        """What differs between this anchor and a ledger's identity (None when they agree)."""
        if ledger_id != self.ledger_id:
            return f"the {self.source} names ledger {self.ledger_id}, this ledger is {ledger_id or '(no id)'}"
        if genesis != self.genesis:
            return (
                f"the {self.source} records genesis {self.genesis[:16]}…, this ledger's entry 1 hashes to "
                f"{(genesis or '(none)')[:16]}…"
            )
        if vkey != self.vkey:
            return f"the {self.source} records verifier key {self.vkey}, this ledger uses {vkey}"
        return None


class AnchorStore(Protocol):
    """What the ledger needs of a store to bind to it (``edge.store.Store`` has both)."""

    def ledger_anchor(self) -> dict[str, str] | None: ...

    def anchor_ledger(self, anchor: Mapping[str, str]) -> dict[str, str]: ...


def companion_path(key_path: Path | str) -> Path:
    key = Path(key_path)
    return key.with_name(key.name + ".anchor.json")


def read_companion(key_path: Path | str) -> Anchor | None:
    """The key's companion anchor, or None if there is none. Raises ValueError if it is unreadable."""
    path = companion_path(key_path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read the ledger anchor beside the signing key: {exc}") from None
    try:
        return Anchor(
            source=f"key companion {path}",
            ledger_id=str(doc["ledger_id"]),
            genesis=str(doc["genesis"]),
            vkey=str(doc["vkey"]),
            node_id=str(doc["node_id"]),
            checkpoint=doc.get("checkpoint"),
        )
    except (KeyError, TypeError):
        raise ValueError(f"{path}: not a ledger anchor (needs ledger_id, genesis, vkey, node_id)") from None


def write_companion(key_path: Path | str, anchor: Anchor, ledger_path: Path | str) -> None:
    """Write the companion atomically (temporary file, fsync, rename), mode 0640, unless it is unchanged."""
    path = companion_path(key_path)
    doc = {
        "format": ANCHOR_FORMAT,
        "ledger_id": anchor.ledger_id,
        "genesis": anchor.genesis,
        "vkey": anchor.vkey,
        "node_id": anchor.node_id,
        "ledger": str(Path(ledger_path).resolve()),
        "checkpoint": anchor.checkpoint,
    }
    text = json.dumps(doc, indent=2, sort_keys=True) + "\n"
    try:
        if path.read_text(encoding="utf-8") == text:
            return  # unchanged: every open of the ledger would otherwise rewrite (and fsync) it
    except (OSError, UnicodeDecodeError):
        pass
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def from_store(row: Mapping[str, str], store_path: Path | str) -> Anchor:
    """The anchor a store holds (a row of its ``ledger_anchor`` table)."""
    return Anchor(
        source=f"store {store_path}",
        ledger_id=row["ledger_id"],
        genesis=row["genesis"],
        vkey=row["vkey"],
        node_id=row["node_id"],
    )


def anchors_for(
    key_path: Path | str, store_row: Mapping[str, str] | None, store_path: Path | str
) -> tuple[Anchor, ...]:
    """Every outside copy of a ledger's identity: beside its key, and the store's row (read by the caller
    with ``edge.store.read_ledger_anchor``, the store owning its file). ValueError: unreadable companion."""
    found = [a for a in (read_companion(key_path),) if a is not None]
    if store_row is not None:
        found.append(from_store(store_row, store_path))
    return tuple(found)


def witness_notes(folder: Path | str | None) -> tuple[str, ...]:
    """The checkpoint notes (``*.txt``) kept in a witness folder, by name; () when there is none."""
    if folder is None or not Path(folder).is_dir():
        return ()
    return tuple(p.read_text(encoding="utf-8") for p in sorted(Path(folder).glob("*.txt")))
