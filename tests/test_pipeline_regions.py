"""One box per plate per frame, however many gate regions the plate lies in.

The detector runs on each gate region alone, so a plate inside two overlapping regions is found
twice; two observations of one plate split its track (one part read early from its far frames, the
near part dropped as a repeat). Checked on a rendered frame with the shipped detector.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from edge import pipeline
from edge.config import Config
from edge.pipeline import Recognizer, load_models, one_box_per_plate
from edge.types import Box, Frame, PlateBox, Region
from edge_tools.synth.scene import Clip


def test_overlapping_boxes_keep_the_better_scored_one_in_their_order() -> None:
    whole = PlateBox(Box(100, 100, 200, 130), 0.80)
    shifted = PlateBox(Box(104, 102, 204, 132), 0.70)  # the same plate from another region
    part = PlateBox(Box(100, 100, 160, 130), 0.90)  # the left 60 % of it, IoU 0.6 with the whole
    other = PlateBox(Box(400, 300, 500, 330), 0.50)  # another vehicle's plate
    assert one_box_per_plate([whole, other, shifted], 0.2) == [whole, other]
    assert one_box_per_plate([other, whole, part], 0.2) == [other, part]
    assert one_box_per_plate([whole, shifted], 0.99) == [whole, shifted]  # nearly off: both stay
    assert one_box_per_plate([other], 0.2) == [other]
    assert one_box_per_plate([], 0.2) == []


class TwoRegions:
    """A gate that reports two overlapping regions around the same place."""

    def __init__(self, a: Box, b: Box) -> None:
        self.regions = [Region(a), Region(b)]

    def predict(self, frame: Frame) -> list[Region]:
        return self.regions


def _frame_with_a_plate() -> tuple[np.ndarray, Box]:
    clip = Clip(seed=7, seconds=4, n_vehicles=1, condition="day", speed=1.0)
    for i in range(clip.n_frames):
        near = [p for p in clip.plates(i) if p.legible and p.width_px >= 110]
        if near:
            return clip.render(i)[0], Box(*near[0].box)
    raise AssertionError("no legible plate in the clip")


def test_a_plate_inside_two_gate_regions_is_one_observation() -> None:
    image, plate = _frame_with_a_plate()
    h, w = image.shape[:2]
    a = plate.expanded(1.5, 3.0, w, h)
    b = Box(max(0.0, a.x1 - 90), max(0.0, a.y1 - 40), min(float(w), a.x2 - 30), min(float(h), a.y2 + 60))
    assert a.iou(b) > 0.3
    frame = Frame("c", 0, datetime(2026, 1, 1, tzinfo=UTC), image)
    cfg = Config()
    models = load_models(cfg)
    found = [models.detector.predict(image[int(r.y1) : int(r.y2), int(r.x1) : int(r.x2)]) for r in (a, b)]
    assert [len(f) for f in found] == [1, 1]  # each region alone finds the plate

    rec = Recognizer(cfg, models, gate=TwoRegions(a, b))
    rec.process(frame)
    assert rec.times.detector_calls == 2
    assert rec.times.detections == 1
    assert rec.tracker.open_tracks == 1
    [(_predicted, last)] = rec.tracker.predicted(1)
    assert last.plate.box.iou(plate) > 0.6


def _recognise(frames: list[np.ndarray], recheck: int, *, fps: int = 30, **gate: float) -> tuple[list[str], Recognizer]:
    """Reads of `frames` (at `fps`) with gate.recheck_frames `recheck` and the other `gate` settings."""
    cfg = Config()
    cfg = cfg.model_copy(update={"gate": cfg.gate.model_copy(update={"recheck_frames": recheck, **gate})})
    rec = Recognizer(cfg, load_models(cfg))
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    reads = []
    for i, image in enumerate(frames):
        reads += rec.process(Frame("c", i, t0 + timedelta(seconds=i / fps), image))
    reads += rec.finish()
    return [r.plate for r in reads], rec


def test_motion_without_a_plate_is_looked_at_again_only_every_few_frames() -> None:
    """Pedestrians and trees in the wind move in every frame; once the detector found no plate in
    them it looks again only every gate.recheck_frames frames while they stay in place. The vehicle
    that comes by is still read, the same as with the detector on every frame with motion."""
    clip = Clip(seed=7, seconds=5, n_vehicles=1, condition="day", speed=1.0, pedestrians=3, trees=2)
    frames = [clip.render(i)[0] for i in range(clip.n_frames)]
    want = {v["plate"] for v in clip.truth()["vehicles"]}
    every, rec_every = _recognise(frames, 1)
    quiet, rec_quiet = _recognise(frames, 8)
    assert rec_every.times.quiet_frames == 0
    assert rec_quiet.times.quiet_frames > 0
    assert rec_quiet.times.detector_calls < 0.8 * rec_every.times.detector_calls
    assert set(every) == want
    assert quiet == every


def test_a_walking_person_stays_quiet_while_it_moves_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """A walking person's blob shifts and changes shape from frame to frame, so "still in place" alone
    made the detector look at it again most frames. A blob narrower than gate.small_blob_plates plates
    of detector.min_width stays quiet while it moves on; the vehicle is read all the same."""
    street = Clip(seed=31, seconds=8, n_vehicles=0, pedestrians=4, trees=0)  # the bench's street, no trees
    frames = [street.render(i)[0] for i in range(street.n_frames)]
    with monkeypatch.context() as m:  # "in place" alone: not this rule, a blob inside a quiet one, a rest on one
        m.setattr(pipeline, "_inside", lambda a, b: False)
        _, rec_in_place = _recognise(frames, 8, small_blob_plates=0, rest_in_place=False)
    _, rec_inside = _recognise(frames, 8, small_blob_plates=0)
    _, rec_moving = _recognise(frames, 8)
    assert rec_moving.cfg.gate.small_blob_plates > 0  # the default
    assert rec_moving.times.detector_calls < 0.85 * rec_in_place.times.detector_calls  # 41 against 57
    assert rec_moving.times.detector_calls < rec_inside.times.detector_calls  # this rule adds to `_inside` (45)
    clip = Clip(seed=7, seconds=5, n_vehicles=1, condition="day", speed=1.0, pedestrians=4, trees=0)
    frames = [clip.render(i)[0] for i in range(clip.n_frames)]
    want = {v["plate"] for v in clip.truth()["vehicles"]}
    in_place, _ = _recognise(frames, 8, small_blob_plates=0, rest_stride=1)
    moving, rec = _recognise(frames, 8)
    assert set(in_place) == want
    assert moving == in_place
    assert rec.gate.rested > 0  # type: ignore[attr-defined]  # the gate rested while only walkers moved


def test_a_15_fps_camera_rests_too_and_reads_the_same() -> None:
    """gate.rest_stride counts frames: a 15 fps camera (the second renderer's, many IP cameras') rests
    on every second frame while only walkers move, and the vehicle among them is read all the same."""
    # (seed 7 at speed 1.0, used here before, has no vehicle legible at 15 fps: the test read nothing
    # both ways and passed on nothing; the colour gate then found its car and read it wrong both ways)
    clip = Clip(seed=1, seconds=5, n_vehicles=1, condition="day", speed=0.6, pedestrians=4, trees=0, fps=15)
    frames = [clip.render(i)[0] for i in range(clip.n_frames)]
    want = {v["plate"] for v in clip.truth()["vehicles"]}
    assert want
    every, _ = _recognise(frames, 8, fps=15, rest_stride=1)
    resting, rec = _recognise(frames, 8, fps=15)
    assert set(every) == want
    assert resting == every
    assert rec.gate.rested > 0  # type: ignore[attr-defined]


def test_trees_in_the_wind_of_the_second_renderer_cost_fewer_looks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second renderer's trees make blobs that change shape inside the crown from frame to frame
    (overlap under gate.quiet_iou with the blob looked at): one mostly inside a quiet blob and no
    larger is quiet too (`_inside`), and while no plate moves the gate rests on blobs in place
    (gate.rest_in_place). Its day road with three cars is read the same either way."""
    from edge_tools.xrender.clips import CALIB_SEED, CROSS_SET, SEED, clip_set
    from edge_tools.xrender.scene import FPS, Clip, ClipSpec

    # Neither the cross set nor its calibration split; a seed whose empty road has trees swaying near the
    # camera (on others the effect is smaller: 8 s of four other seeds' empty-day took 51/12/6/26 detector
    # calls before and 50/12/3/24 after; the bench's 1,860-frame loop 344 -> 272)
    seed = 7_350_500
    assert min(abs(seed - SEED), abs(seed - CALIB_SEED)) >= len(CROSS_SET)
    specs = {s.name: s for s in clip_set(seed)}

    def frames(name: str, vehicles: int) -> list[np.ndarray]:
        s = specs[name]
        clip = Clip(ClipSpec(s.name, s.seed, 8, s.condition, vehicles, s.tags))
        return [clip.frame(i) for i in range(8 * FPS)]

    def run(images: list[np.ndarray], inside: bool, rest_in_place: bool) -> tuple[list[str], Recognizer]:
        with monkeypatch.context() as m:
            if not inside:
                m.setattr(pipeline, "_inside", lambda a, b: False)
            return _recognise(images, 8, fps=FPS, rest_in_place=rest_in_place)

    empty = frames("empty-day", 0)
    _, before = run(empty, False, False)
    _, quiet = run(empty, True, False)
    _, both = run(empty, True, True)
    assert quiet.times.detector_calls < 0.85 * before.times.detector_calls  # 23 against 31
    assert both.gate.rested > 2 * quiet.gate.rested  # type: ignore[attr-defined]  # 42 against 11

    road = frames("day", 3)
    reads, _ = run(road, False, False)
    assert len(reads) >= 2
    assert run(road, True, True)[0] == reads
