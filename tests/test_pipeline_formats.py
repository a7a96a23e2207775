"""The default plate formats on a rendered clip: a 4-character plate is no plate by default (issue 26:
a read of 4-5 characters is far more often a fragment of a longer plate), and is read where a site
lists short plates in tracking.formats. Shipped detector and OCR, real frames."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from edge.config import Config
from edge.pipeline import Recognizer, load_models
from edge.types import Frame
from edge_tools.synth.scene import Clip

SHORT_PLATES = r"^(?=[A-Z0-9]*[0-9])[A-Z0-9]{4,8}$"


def _reads(cfg: Config, frames: list[np.ndarray]) -> tuple[list[str], Recognizer]:
    rec = Recognizer(cfg, load_models(cfg))
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    reads = []
    for i, image in enumerate(frames):
        reads += rec.process(Frame("c", i, t0 + timedelta(seconds=i / 30), image))
    reads += rec.finish()
    return [r.plate for r in reads], rec


def test_a_four_character_plate_is_dropped_as_format_by_default_and_read_where_listed() -> None:
    clip = Clip(seed=2, seconds=5, n_vehicles=1, condition="day", speed=0.8)  # our renderer's LLDD format
    (plate,) = [v["plate"] for v in clip.truth()["vehicles"]]
    assert len(plate) == 4
    frames = [clip.render(i)[0] for i in range(clip.n_frames)]
    cfg = Config()
    reads, rec = _reads(cfg, frames)
    assert reads == []
    assert rec.tracker.drops["format"] == 1
    short = cfg.model_copy(update={"tracking": cfg.tracking.model_copy(update={"formats": [SHORT_PLATES]})})
    reads, rec = _reads(short, frames)
    assert reads == [plate]
    assert rec.tracker.drops["format"] == 0
