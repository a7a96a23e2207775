"""Certificate, key and HMAC-key references: a file path or ``env:NAME`` (never inline in the YAML).

``env:NAME`` holds either a file path or the PEM text itself (as container secrets often do); PEM text
is written to a private (0600) temporary file because the TLS library loads certificates from files.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from edge.errors import EdgeError

_tmpdir: Path | None = None


class SecretError(EdgeError):
    """A certificate, key or HMAC key reference cannot be resolved."""


def _private_dir() -> Path:
    global _tmpdir  # noqa: PLW0603 - one private folder per process, removed at exit
    if _tmpdir is None:
        _tmpdir = Path(tempfile.mkdtemp(prefix="edge-alpr-secrets-"))
        os.chmod(_tmpdir, 0o700)
        atexit.register(shutil.rmtree, _tmpdir, True)
    return _tmpdir


def _env(ref: str, what: str) -> str:
    name = ref[4:]
    value = os.environ.get(name)
    if not value:
        raise SecretError(f"{what}: environment variable {name} (from {ref}) is not set")
    return value


def resolve_file(ref: str, what: str) -> Path:
    """Path of the file a reference points to (PEM text from the environment is written to a 0600 file)."""
    if ref.startswith("env:"):
        value = _env(ref, what)
        if "-----BEGIN" in value:
            fd, name = tempfile.mkstemp(dir=_private_dir(), suffix=".pem")
            with os.fdopen(fd, "w") as fh:
                fh.write(value)
            return Path(name)
        ref = value
    path = Path(ref).expanduser()
    if not path.is_file():
        raise SecretError(f"{what}: file {path} not found")
    return path


def resolve_text(ref: str, what: str) -> str:
    """A text secret (a broker password): env:NAME's value, or the first line of the file."""
    if ref.startswith("env:"):
        text = _env(ref, what)
    else:
        path = Path(ref).expanduser()
        try:
            text = (path.read_text(encoding="utf-8").splitlines() or [""])[0]
        except (OSError, UnicodeDecodeError) as exc:
            raise SecretError(f"{what}: cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if not text:
        raise SecretError(f"{what}: empty ({ref})")
    return text


def resolve_bytes(ref: str, what: str) -> bytes:
    """Bytes of a secret (e.g. the plate-hash HMAC key): env:NAME is the value itself, else a file's content."""
    if ref.startswith("env:"):
        data = _env(ref, what).encode()
    else:
        path = Path(ref).expanduser()
        try:
            data = path.read_bytes().strip()
        except OSError as exc:
            raise SecretError(f"{what}: cannot read {path}: {exc.strerror or exc}") from None
    if len(data) < 16:
        raise SecretError(f"{what}: key is shorter than 16 bytes")
    return data
