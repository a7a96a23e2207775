"""`edge-alpr eval`: replay clips into a temporary store and score the reads against ground truth."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from edge.cli.common import config_options, resolve_config
from edge.evaluate import EvalResult, Truth, score
from edge.types import Read

if TYPE_CHECKING:
    from edge.pipeline import Models


def evaluate_clip(
    clip: Path, truth_path: Path, cfg_path: Path | None, progress: bool = False, models: Models | None = None
) -> EvalResult:
    """Replay one clip through the configured pipeline into a throwaway store and score it.

    `models`: the config's models, already loaded (a script scoring many clips loads them once).
    """
    from edge.capture import open_source
    from edge.pipeline import Recognizer, load_models, replay
    from edge.store import Store

    truth = Truth.load(truth_path)
    with tempfile.TemporaryDirectory(prefix="edge-alpr-eval-") as tmp:
        cfg = resolve_config(cfg_path, Path(tmp) / "eval.db")
        source = open_source(clip, camera="eval")
        recognizer = Recognizer(cfg, models or load_models(cfg))
        kept: list[Read] = []
        with Store.from_config(cfg) as store:

            def sink(read: Read) -> bool:
                ok = bool(store.write(read))
                if ok:
                    kept.append(read)
                return ok

            def tick(frame: object) -> None:
                if progress and getattr(frame, "index", 1) % 100 == 0:
                    click.echo(f"  {clip.name}: frame {getattr(frame, 'index', 0)}", err=True)

            run = replay(source, recognizer, sink, on_frame=tick)
            store.flush()
    result = score([(r.plate, r.frame_index) for r in kept], truth)
    result.seconds = run.seconds
    result.frames = run.frames
    result.fps = run.fps
    return result


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
    for clip, truth in pairs:
        res = evaluate_clip(clip, truth, config_path, progress=not as_json)
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
