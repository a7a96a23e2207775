"""The model manifest: names, files, URLs and pinned sha256 checksums; pull and verify."""

from __future__ import annotations

import hashlib
import logging
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from edge.config.common import Strict
from edge.config.loader import load_yaml, validate
from edge.errors import EdgeError

log = logging.getLogger(__name__)

CHUNK = 1 << 16


class ModelFile(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="File name in the models folder.")
    url: str | None = Field(default=None, pattern=r"^https?://", description="Where `pull` downloads it from.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="Pinned SHA-256 of the file.")


class ModelEntry(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    kind: Literal["detector", "vehicle-detector", "ocr"]
    source: Literal["shipped", "upstream"]
    format: str | None = None
    licence: str = ""
    description: str = ""
    files: list[ModelFile] = Field(min_length=1)


class Manifest(Strict):
    models: list[ModelEntry]

    def get(self, name: str) -> ModelEntry:
        for entry in self.models:
            if entry.name == name:
                return entry
        known = ", ".join(e.name for e in self.models)
        raise EdgeError(f"no model named {name!r} in the manifest (known: {known})")


def load_manifest(path: Path) -> Manifest:
    data, lines = load_yaml(path)
    return validate(Manifest, data, lines, str(path))


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class FileStatus:
    model: str
    file: str
    path: Path
    state: Literal["ok", "missing", "mismatch"]
    actual: str | None = None


def verify(manifest: Manifest, folders: list[Path]) -> list[FileStatus]:
    """Checksum every manifest file found in `folders` (first hit wins)."""
    out = []
    for entry in manifest.models:
        for f in entry.files:
            path = next((d / f.name for d in folders if (d / f.name).is_file()), folders[0] / f.name)
            if not path.is_file():
                out.append(FileStatus(entry.name, f.name, path, "missing"))
                continue
            actual = sha256_of(path)
            out.append(FileStatus(entry.name, f.name, path, "ok" if actual == f.sha256 else "mismatch", actual))
    return out


def pull(
    entry: ModelEntry,
    dest: Path,
    *,
    timeout: float = 60.0,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> list[Path]:
    """Download each file of `entry` into `dest`; a file whose checksum differs is deleted and refused."""
    dest.mkdir(parents=True, exist_ok=True)
    done = []
    for f in entry.files:
        target = dest / f.name
        if target.is_file() and sha256_of(target) == f.sha256:
            done.append(target)
            continue
        if f.url is None:
            raise EdgeError(f"{entry.name}: {f.name} has no download URL (a shipped model; reinstall edge-alpr)")
        part = target.with_name(target.name + ".part")
        h = hashlib.sha256()
        try:
            with urllib.request.urlopen(f.url, timeout=timeout) as resp, part.open("wb") as out:  # noqa: S310 (http/https only, checked by the manifest schema)
                total = int(resp.headers.get("Content-Length") or 0) or None
                got = 0
                while chunk := resp.read(CHUNK):
                    out.write(chunk)
                    h.update(chunk)
                    got += len(chunk)
                    if progress is not None:
                        progress(f.name, got, total)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise EdgeError(f"{entry.name}: download of {f.url} failed: {exc}") from exc
        actual = h.hexdigest()
        if actual != f.sha256:
            part.unlink(missing_ok=True)
            raise EdgeError(
                f"{entry.name}: {f.name} from {f.url} has sha256 {actual}, manifest pins {f.sha256}; "
                "the download was deleted and not installed"
            )
        part.replace(target)
        log.info("pulled %s into %s", f.name, dest)
        done.append(target)
    return done
