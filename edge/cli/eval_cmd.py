"""`edge-alpr eval`: replay clips into a temporary store and score the reads against ground truth."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from edge.cli.common import config_options, resolve_config
from edge.evaluate import EvalResult


@click.command("eval")
@click.argument("clips", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--truth",
    "truths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Ground-truth JSON for each clip, in order (default: the clip's name with .json).",
)
@config_options
@click.option("--json", "as_json", is_flag=True, help="Print per-clip and total results as JSON.")
def eval_cmd(
    clips: tuple[Path, ...], truths: tuple[Path, ...], config_path: Path | None, db: Path | None, as_json: bool
) -> None:
    """Score recognition on clips with known plates: exact reads, misses, duplicates, junk.

    A read belongs to a vehicle when its frame falls in [first_frame, last_frame + 2 x fps] of the
    truth. The store used is temporary (--db is ignored); nothing is kept.

    \b
    Example:
      edge-alpr eval samples/sample.mp4 --truth samples/sample.json
      edge-alpr eval data/val/*.mp4 --json
    """
    del db
    if truths and len(truths) != len(clips):
        raise click.UsageError("give one --truth per clip, or none to use CLIP.json beside each clip")
    pairs = list(zip(clips, truths or [c.with_suffix(".json") for c in clips], strict=True))
    total = EvalResult()
    rows = {}
    from edge.app import evaluate_clip

    cfg = resolve_config(config_path, None)
    for clip, truth in pairs:
        res = evaluate_clip(clip, truth, cfg, on_frame=None if as_json else _progress(clip))
        rows[str(clip)] = res.as_dict()
        total.add(res)
    if as_json:
        click.echo(json.dumps({"clips": rows, "total": total.as_dict()}, indent=2))
        return
    cols = ["vehicles", "read_exact", "missed", "duplicate_reads", "wrong_reads", "false_reads", "fps"]
    click.echo(f"{'clip':32} " + " ".join(f"{c:>15}" for c in cols))
    for name, row in [*rows.items(), ("TOTAL", total.as_dict())]:
        click.echo(f"{Path(name).name[:32]:32} " + " ".join(f"{row[c]:>15}" for c in cols))
    click.echo(f"exact-read rate {total.exact_rate:.1%} of {total.vehicles} vehicles")


def _progress(clip: Path) -> Callable[[Any], None]:
    def tick(frame: Any) -> None:
        index = getattr(frame, "index", 1)
        if index % 100 == 0:
            click.echo(f"  {clip.name}: frame {index}", err=True)

    return tick
