"""`edge-alpr replay`: run a recorded clip through the pipeline into the local store."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from edge.capture import open_source
from edge.capture.base import ranges_text
from edge.cli.common import config_options, resolve_config
from edge.errors import InputError
from edge.track.tracker import DROP_REASONS
from edge.types import Read

if TYPE_CHECKING:
    from edge.evaluate import EvalResult
    from edge.hotlist import Alert
    from edge.pipeline import ReplayResult


@click.command("replay")
@click.argument("clip", type=click.Path(path_type=Path))
@config_options
@click.option("--realtime", is_flag=True, help="Pace frames to the clip's fps instead of as fast as possible.")
@click.option("--camera", default="replay", show_default=True, help="Camera name recorded with each read.")
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"]),
    default=None,
    help="UTC time of the clip's first frame (default: now); read times are start + stream position.",
)
@click.option(
    "--truth",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Ground-truth JSON of the clip: also score this replay's reads (see `edge-alpr eval`).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def replay(
    clip: Path,
    config_path: Path | None,
    db: Path | None,
    realtime: bool,
    camera: str,
    start: datetime | None,
    truth: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Replay a recorded video (or a folder of images) and store one read per vehicle pass.

    The clip, config and models are checked before the store is opened, so bad input writes nothing.
    With hotlists loaded (`edge-alpr hotlist import`), each stored read is matched and alerts are shown.

    \b
    Example:
      edge-alpr replay samples/sample.mp4 --db data/demo.db
      edge-alpr replay clip.mp4 --config config/example.yaml --realtime
      edge-alpr replay samples/sample.mp4 --truth samples/sample.json
    """
    from edge.app import App
    from edge.evaluate import Truth, score
    from edge.pipeline import replay as run_replay

    cfg = resolve_config(config_path, db)
    if start is not None and start.tzinfo is None:
        from datetime import UTC

        start = start.replace(tzinfo=UTC)
    if not clip.exists():
        raise InputError(f"{clip}: no such file or folder")
    expected = Truth.load(truth) if truth is not None else None
    # The clip and the models are checked before the store is opened: bad input writes nothing.
    source = open_source(clip, camera=camera, start=start)
    app = App(cfg)
    # a configured camera of that name brings its ROI and masks (cameras[].roi, cameras[].masks)
    recognizer = app.recognizer(camera)
    console = Console(stderr=True)
    total = getattr(source, "frame_count", None)
    alerts: list[Alert] = []
    reviews: list[Alert] = []

    def on_alert(alert: Alert) -> None:
        alerts.append(alert)
        if not as_json:
            console.print(
                f"[bold red]ALERT[/] {alert.plate} on {alert.camera} at {alert.ts:%H:%M:%S}: hotlist {alert.hotlist} "
                f"({alert.category}, {alert.match_kind} match, confidence {alert.confidence:.2f}), "
                f"read {alert.read_id}. {alert.instruction}"
            )

    def on_review(candidate: Alert) -> None:
        reviews.append(candidate)
        if not as_json:
            console.print(
                f"[yellow]REVIEW[/] {candidate.plate} near hotlist {candidate.hotlist} entry {candidate.entry_plate} "
                f"({candidate.match_kind} match, confidence {candidate.confidence:.2f}), read {candidate.read_id}: "
                "not an alert; check the evidence crop"
            )

    with app.open("replay", on_alert=on_alert, on_review=on_review, startup={"clip": clip.name}) as session:
        progress = Progress(
            TextColumn("[bold]replay[/] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("reads {task.fields[reads]}"),
            TimeElapsedColumn(),
            console=console,
            disable=quiet or as_json,
        )
        with progress:
            task = progress.add_task(clip.name, total=total, reads=0)

            def tick(_frame: object) -> None:
                progress.update(task, advance=1, reads=recognizer.times.reads)

            kept: list[tuple[str, int | None]] = []

            def sink(read: Read) -> bool:
                ok = bool(session.write(read))
                if ok:
                    kept.append((read.plate, read.frame_index))
                return ok

            result = run_replay(source, recognizer, sink, realtime=realtime, on_frame=tick)
    summary: dict[str, object] = {
        "clip": str(clip),
        "store": str(cfg.store.path),
        "frames": result.frames,
        "decode_errors": result.decode_errors,
        "skipped_frames": [list(r) for r in result.skipped],
        "reads": result.reads,
        "refused": result.refused,
        "seconds": round(result.seconds, 2),
        "fps": round(result.fps, 1),
        "detector_calls": result.times.detector_calls,
        "followed_frames": result.times.followed_frames,
        "quiet_frames": result.times.quiet_frames,
        "ocr_calls": result.times.ocr_calls,
        "settled": result.times.settled,
        "narrow": result.times.narrow,
        "masked": result.times.masked,
        "vehicle_calls": result.times.vehicle_calls,
        "no_vehicle": result.times.no_vehicle,
        "tracks_dropped": dict(result.times.tracks_dropped),
        # unsure reads stored because ocr.verifier read them the same way, and the crops it read
        "verified": result.times.verified,
        "verifier_crops": recognizer.tracker.verifier.calls if recognizer.tracker.verifier else 0,
        "alerts": [a.as_dict() for a in alerts],
        "review": [a.as_dict() for a in reviews],
    }
    stage_ms = {k: round(1000 * v / max(result.frames, 1), 2) for k, v in result.times.seconds.items()}
    summary["stage_ms_per_frame"] = stage_ms
    scored = score(kept, expected) if expected is not None else None
    if scored is not None:
        summary["eval"] = scored.as_dict()
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        _print_summary(result, cfg.store.path, stage_ms, alerts, reviews, scored)
        if recognizer.tracker.verifier is not None:
            click.echo(
                f"ocr.verifier: {result.times.verified} unsure read(s) stored because it read them the same "
                f"way ({recognizer.tracker.verifier.calls} crops read)"
            )
    if result.decode_errors > result.frames:
        raise InputError(
            f"{clip}: {result.decode_errors} of {result.decode_errors + result.frames} frames could not be decoded "
            f"(frames {ranges_text(list(result.skipped))}): most of the clip was not read"
        )


def _print_summary(
    result: ReplayResult,
    store: object,
    stage_ms: dict[str, float],
    alerts: list[Alert],
    reviews: list[Alert],
    scored: EvalResult | None,
) -> None:
    click.echo(
        f"{result.frames} frames, {result.reads} reads stored in {store}, "
        f"{result.fps:.1f} fps ({result.seconds:.1f} s)"
        + (
            f", {result.decode_errors} undecodable frames skipped (frames {ranges_text(list(result.skipped))})"
            if result.decode_errors
            else ""
        )
        + (f", {result.refused} reads refused by the store" if result.refused else "")
    )
    # the vehicle stage only where a vehicle detector is configured (models.vehicle)
    shown = {k: v for k, v in stage_ms.items() if k != "vehicle" or result.times.vehicle_calls}
    stages = ", ".join(f"{k} {v} ms" for k, v in shown.items())
    followed = result.times.followed_frames
    click.echo(
        f"per frame: {stages}; detector calls {result.times.detector_calls}"
        + (f" ({followed} frames with motion skipped by detector.stride)" if followed else "")
        + (
            f" ({result.times.quiet_frames} frames skipped: only motion without a plate, gate.recheck_frames)"
            if result.times.quiet_frames
            else ""
        )
        + f", OCR calls {result.times.ocr_calls}"
        + _unread(result.times.settled, result.times.narrow)
        + (
            f"; {result.times.masked} plate boxes masked (cameras[].masks, learned overlays)"
            if result.times.masked
            else ""
        )
        + (
            f"; vehicle detector calls {result.times.vehicle_calls}, "
            f"{result.times.no_vehicle} plate boxes on no detected vehicle dropped"
            if result.times.vehicle_calls
            else ""
        )
    )
    dropped = {k: n for k, n in result.times.tracks_dropped.items() if n}
    if dropped:
        why = ", ".join(f"{n} {DROP_REASONS.get(k, k)}" for k, n in dropped.items())
        click.echo(f"tracks not read: {why}")
    if alerts:
        click.echo(f"{len(alerts)} hotlist alert(s) raised and stored as hits")
    if reviews:
        click.echo(f"{len(reviews)} hotlist match(es) to review (tolerant, or below hotlists.min_confidence)")
    if scored is not None:
        click.echo(
            f"vs truth: {scored.read_exact}/{scored.vehicles} vehicles read exactly ({scored.exact_rate:.0%}), "
            f"{scored.missed} missed, {scored.duplicate_reads} duplicate, {scored.wrong_reads} wrong, "
            f"{scored.false_reads} false reads"
        )


def _unread(settled: int, narrow: int) -> str:
    """The plate boxes tracked without OCR, by why, for the summary line: '' when none."""
    why = [f"{settled} plates of settled tracks"] if settled else []
    why += [f"{narrow} {'' if settled else 'plates '}under ocr.min_width"] if narrow else []
    return f" ({' and '.join(why)} not read)" if why else ""
