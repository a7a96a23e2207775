"""`edge-alpr models ...`: list, pull and verify models against the pinned manifest."""

from __future__ import annotations

import json
from pathlib import Path

import click

from edge.errors import EdgeError
from edge.models import MANIFEST, model_folders
from edge.models.manifest import load_manifest, pull, verify

manifest_option = click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=MANIFEST,
    show_default=True,
    help="Model manifest (names, URLs, pinned sha256).",
)
dir_option = click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Models folder (default: $EDGE_ALPR_MODELS, else the shipped models/ folder).",
)


@click.group("models")
def models_group() -> None:
    """Shipped and upstream models, pinned by sha256.

    \b
    Example:
      edge-alpr models list
      edge-alpr models pull yolo-v9-t-384-license-plates-end2end
      edge-alpr models verify
    """


@models_group.command("list")
@manifest_option
@dir_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_cmd(manifest_path: Path, folder: Path | None, as_json: bool) -> None:
    """List the models the manifest knows and whether each is present here.

    \b
    Example:
      edge-alpr models list --json
    """
    manifest = load_manifest(manifest_path)
    folders = model_folders(str(folder) if folder else None)
    status = verify(manifest, folders)
    rows = []
    for entry in manifest.models:
        states = {s.state for s in status if s.model == entry.name}
        state = "present" if states == {"ok"} else "MISMATCH" if "mismatch" in states else "not pulled"
        rows.append(
            {
                "name": entry.name,
                "kind": entry.kind,
                "source": entry.source,
                "state": state,
                "description": entry.description,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(f"{r['name']:40} {r['kind']:16} {r['source']:9} {r['state']:11} {r['description']}")


@models_group.command("pull")
@click.argument("name")
@manifest_option
@dir_option
@click.option("--timeout", default=60.0, show_default=True, help="Network timeout in seconds.")
def pull_cmd(name: str, manifest_path: Path, folder: Path | None, timeout: float) -> None:
    """Download a model by manifest name; a file whose sha256 differs is deleted and refused.

    \b
    Example:
      edge-alpr models pull cct-xs-v2-global --dir /var/lib/edge-alpr/models
    """
    manifest = load_manifest(manifest_path)
    entry = manifest.get(name)
    dest = folder or model_folders()[0]
    last: dict[str, int] = {}

    def progress(file: str, got: int, total: int | None) -> None:
        step = got >> 20
        if last.get(file) != step:
            last[file] = step
            of = f" of {total / 1e6:.1f}" if total else ""
            click.echo(f"\r{file}: {got / 1e6:.1f}{of} MB", err=True, nl=False)

    paths = pull(entry, dest, timeout=timeout, progress=progress)
    click.echo("", err=True)
    for p in paths:
        click.echo(f"ok {p}")


@models_group.command("verify")
@manifest_option
@dir_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def verify_cmd(manifest_path: Path, folder: Path | None, as_json: bool) -> None:
    """Check every model file present against its pinned sha256; exit 1 on any mismatch.

    Models not pulled are listed as missing but are not an error.

    \b
    Example:
      edge-alpr models verify
    """
    manifest = load_manifest(manifest_path)
    status = verify(manifest, model_folders(str(folder) if folder else None))
    if as_json:
        click.echo(
            json.dumps(
                [{"model": s.model, "file": s.file, "path": str(s.path), "state": s.state} for s in status], indent=2
            )
        )
    else:
        for s in status:
            click.echo(f"{s.state:8} {s.model:40} {s.path}")
    bad = [s for s in status if s.state == "mismatch"]
    if bad:
        raise EdgeError(
            f"{len(bad)} model file(s) differ from their pinned sha256: " + ", ".join(str(s.path) for s in bad)
        )
