"""models pull / verify against a local HTTP server: right checksum accepted, wrong refused and deleted."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from edge.cli import main
from edge.models import MANIFEST
from edge.models.manifest import load_manifest, verify

PAYLOAD = b"not-a-real-model-but-real-bytes" * 1000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "www"
    root.mkdir()
    (root / "m.onnx").write_bytes(PAYLOAD)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a: object, **kw: object) -> None:
            super().__init__(*a, directory=str(root), **kw)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def manifest(tmp_path: Path, url: str, sha: str) -> Path:
    path = tmp_path / "manifest.yaml"
    entry = {
        "name": "m",
        "kind": "detector",
        "source": "upstream",
        "files": [{"name": "m.onnx", "url": f"{url}/m.onnx", "sha256": sha}],
    }
    path.write_text(yaml.safe_dump({"models": [entry]}))
    return path


def test_pull_accepts_right_checksum(tmp_path: Path, server: str) -> None:
    dest = tmp_path / "models"
    man = manifest(tmp_path, server, hashlib.sha256(PAYLOAD).hexdigest())
    res = CliRunner().invoke(main, ["models", "pull", "m", "--manifest", str(man), "--dir", str(dest)])
    assert res.exit_code == 0, res.output
    assert (dest / "m.onnx").read_bytes() == PAYLOAD
    res = CliRunner().invoke(main, ["models", "verify", "--manifest", str(man), "--dir", str(dest)])
    assert res.exit_code == 0
    assert "ok" in res.output


def test_pull_refuses_and_deletes_wrong_checksum(tmp_path: Path, server: str) -> None:
    dest = tmp_path / "models"
    man = manifest(tmp_path, server, "0" * 64)
    res = CliRunner().invoke(main, ["models", "pull", "m", "--manifest", str(man), "--dir", str(dest)])
    assert res.exit_code != 0
    assert "deleted and not installed" in str(res.exception)
    assert list(dest.iterdir()) == []  # neither the file nor the .part is left


def test_verify_detects_tampered_file(tmp_path: Path, server: str) -> None:
    dest = tmp_path / "models"
    man = manifest(tmp_path, server, hashlib.sha256(PAYLOAD).hexdigest())
    CliRunner().invoke(main, ["models", "pull", "m", "--manifest", str(man), "--dir", str(dest)])
    (dest / "m.onnx").write_bytes(PAYLOAD + b"x")
    res = CliRunner().invoke(main, ["models", "verify", "--manifest", str(man), "--dir", str(dest)])
    assert res.exit_code != 0
    assert "differ from their pinned sha256" in str(res.exception)


def test_unknown_model_named() -> None:
    res = CliRunner().invoke(main, ["models", "pull", "nope"])
    assert res.exit_code != 0
    assert "no model named 'nope'" in str(res.exception)


def test_shipped_manifest_is_valid_and_shipped_models_match() -> None:
    man = load_manifest(MANIFEST)
    assert any(e.source == "upstream" for e in man.models)
    shipped = [
        s
        for s in verify(man, [MANIFEST.parent])
        if any(e.name == s.model and e.source == "shipped" for e in man.models)
    ]
    assert all(s.state == "ok" for s in shipped), shipped
