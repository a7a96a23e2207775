"""Motion gate: nothing on a static scene, a region around a moving object, ROI respected."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np

from edge.config.pipeline import GateConfig
from edge.gate import FullFrameGate, MotionGate, PrescaledGate
from edge.gate.motion import merge_boxes
from edge.types import Box, Frame, Region

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def scene(i: int, x: int | None, width: int = 120, fps: float = 0, *, textured: bool = False) -> Frame:
    """Frame `i` of a noisy road with a dark block `width` wide at `x` (None: nothing), plain or
    `textured`; stamped `fps` frames a second, or all alike (0)."""
    rng = np.random.default_rng(i)
    img = np.full((360, 640, 3), 90, np.uint8)
    img += rng.integers(0, 4, img.shape, dtype=np.uint8)
    if x is not None:
        img[150:250, x : x + width] = (20, 30, 40)  # darker than the road in grey too
        if textured:  # windows, lights, a plate: MOG2 sees all of it move, not only its two ends
            img[150:250, x : x + width] = np.random.default_rng(0).integers(0, 255, (100, width, 3), dtype=np.uint8)
    return Frame("c", i, T0 + timedelta(seconds=i / fps) if fps else T0, img)


def test_static_scene_gives_no_regions_after_warmup() -> None:
    gate = MotionGate(GateConfig())
    regions = [gate.predict(scene(i, None)) for i in range(40)]
    assert all(r == [] for r in regions[5:])


def test_moving_object_gives_region_around_it() -> None:
    gate = MotionGate(GateConfig())
    for i in range(30):
        gate.predict(scene(i, None))
    hits = []
    for i in range(30, 50):
        x = 50 + 10 * (i - 30)
        regions = gate.predict(scene(i, x))
        hits.append(any(r.box.x1 <= x + 60 <= r.box.x2 and r.box.y1 <= 200 <= r.box.y2 for r in regions))
    assert sum(hits) >= 15


def test_a_car_as_bright_as_the_road_moves_unseen_in_grey_and_is_seen_in_colour() -> None:
    """The cross renderer's calibration split: a red car on grey asphalt at night in rain, as bright as
    the road, drove through the frame with no motion region (its plate unread). gate.color models the
    background in the three channels."""
    red = (60, 50, 190)  # BGR: grey level 93, the road's 90-93
    grey = cv2.cvtColor(np.uint8([[red]]), cv2.COLOR_BGR2GRAY)[0, 0]
    assert abs(int(grey) - 92) <= 2

    def frame(i: int, x: int | None) -> Frame:
        f = scene(i, None)
        if x is not None:
            f.image[150:250, x : x + 120] = red
        return f

    seen = {}
    for color in (False, True):
        gate = MotionGate(GateConfig(color=color, var_threshold=80 if color else 25))
        for i in range(30):
            gate.predict(frame(i, None))
        hits = 0
        for i in range(30, 50):
            x = 50 + 10 * (i - 30)
            hits += any(r.box.x1 <= x + 60 <= r.box.x2 for r in gate.predict(frame(i, x)))
        seen[color] = hits
    assert seen[False] <= 2
    assert seen[True] >= 15


def test_idle_stride_looks_at_every_nth_frame_until_something_moves() -> None:
    gate = PrescaledGate(GateConfig(idle_stride=3))
    idle = [gate.predict(scene(i, None)) for i in range(30)]
    assert all(r == [] for r in idle[5:])
    assert 16 <= gate.skipped <= 20  # two of every three idle frames cost nothing
    skipped_idle = gate.skipped
    # A vehicle enters: noticed within the stride, then every frame is looked at while it moves.
    seen = [bool(gate.predict(scene(i, 50 + 10 * (i - 30)))) for i in range(30, 50)]
    assert any(seen[:3])
    first = seen.index(True)
    assert all(seen[first:])
    assert gate.skipped - skipped_idle <= 2


def test_idle_stride_one_looks_at_every_frame() -> None:
    gate = PrescaledGate(GateConfig(idle_stride=1))
    for i in range(30):
        gate.predict(scene(i, None))
    assert gate.skipped == 0


def test_roi_excludes_motion_outside() -> None:
    gate = MotionGate(GateConfig(), roi=[(0, 0), (640, 0), (640, 100), (0, 100)])
    for i in range(30):
        gate.predict(scene(i, None))
    assert all(gate.predict(scene(i, 50 + 10 * (i - 30))) == [] for i in range(30, 45))


def test_full_frame_gate() -> None:
    (region,) = FullFrameGate().predict(scene(0, None))
    assert (region.box.width, region.box.height) == (640, 360)


def test_merge_boxes_unions_overlaps() -> None:
    merged = merge_boxes([Box(0, 0, 10, 10), Box(5, 5, 20, 20), Box(100, 100, 110, 110)])
    assert Box(0, 0, 20, 20) in merged
    assert len(merged) == 2


def test_a_change_of_light_is_not_motion() -> None:
    """Clouds, a flickering lamp or sweeping headlights change every pixel at once: no regions,
    and a vehicle moving under the new light is still found. light_change 1 turns the rule off."""
    for share, expect_regions in ((0.5, False), (1.0, True)):
        gate = MotionGate(GateConfig(light_change=share))
        for i in range(30):
            gate.predict(scene(i, None))
        before = gate.light_changes
        lit = scene(30, None)
        bright = Frame(lit.camera, lit.index, lit.ts, np.clip(lit.image.astype(int) * 1.6, 0, 255).astype(np.uint8))
        assert bool(gate.predict(bright)) is expect_regions
        assert gate.light_changes - before == (0 if expect_regions else 1)
    # After the step, the background learns the new light and motion is found again.
    gate = MotionGate(GateConfig())
    for i in range(30):
        gate.predict(scene(i, None))
    for i in range(30, 60):
        img = np.clip(scene(i, None).image.astype(int) * 1.6, 0, 255).astype(np.uint8)
        gate.predict(Frame("c", i, T0, img))
    moving = scene(60, 200)
    img = np.clip(moving.image.astype(int) * 1.6, 0, 255).astype(np.uint8)
    regions = gate.predict(Frame("c", 60, T0, img))
    assert any(r.box.x1 <= 260 <= r.box.x2 for r in regions)


def _walk(gate: PrescaledGate, width: int, fps: float) -> list[list[Region]]:
    """30 still frames, then a textured block `width` wide moving 4 px a frame for 30; their regions."""
    for i in range(30):
        gate.predict(scene(i, None, fps=fps))
    return [gate.predict(scene(i, 50 + 4 * (i - 30), width, fps, textured=True)) for i in range(30, 60)]


def test_the_gate_rests_on_every_second_frame_while_only_narrow_blobs_move() -> None:
    for fps in (30, 15):  # by frames, not time: a 15 fps camera rests as a 30 fps one does
        gate = PrescaledGate(GateConfig(rest_stride=2), min_plate_width=40)  # narrow: under 2.5 x 40 = 100 px
        regions = _walk(gate, 30, fps=fps)
        assert 13 <= gate.rested <= 15, fps  # every second frame
        assert all(regions[2:])  # the walker never loses its region
        same = sum(1 for a, b in itertools.pairwise(regions) if a and a == b)
        assert same >= 13  # a rested frame has exactly the last look's regions


def test_rest_stride_3_looks_at_every_third_frame() -> None:
    gate = PrescaledGate(GateConfig(rest_stride=3), min_plate_width=40)
    assert all(_walk(gate, 30, fps=15)[3:])
    assert 18 <= gate.rested <= 20  # two of every three frames


def test_the_gate_does_not_rest_on_a_wide_blob_frames_without_a_rate_or_with_stride_1() -> None:
    """Rested frames reuse a look; without gate.rest_in_place only a camera with nothing but narrow
    blobs in view gets them (a rendered vehicle among walkers: tests/test_pipeline_regions.py)."""
    # MOG2 sees a moving block's leading edge, 36-52 px wide here: wide when 2.5 plates are 25 px
    assert _rested(PrescaledGate(GateConfig(rest_stride=2, rest_in_place=False), min_plate_width=10), 120, 30) == 0
    assert _rested(PrescaledGate(GateConfig(rest_stride=2), min_plate_width=40), 30, 0) == 0  # no rate known
    assert _rested(PrescaledGate(GateConfig(rest_stride=1), min_plate_width=40), 30, 30) == 0


def test_the_gate_rests_while_wide_blobs_stay_in_place_and_a_new_one_ends_the_rest() -> None:
    """gate.rest_in_place: a wide blob that moved less than a third of its width since the last look
    and is no larger (a tree or a flag in the wind, a queued or slow car) rests the gate as narrow ones do, without
    losing its region; a vehicle entering elsewhere is seen at most one frame late, and the look that
    sees it is no rest."""
    gate = PrescaledGate(GateConfig(rest_stride=2), min_plate_width=10)  # 120 px: wide (2.5 x 10)
    regions = _walk(gate, 120, fps=15)
    assert 8 <= gate.rested <= 15  # up to every second frame (a look whose blob came out larger: none)
    assert all(regions[1:])

    def two(i: int) -> Frame:  # the slow block goes on; from frame 61 a second one enters far right
        f = scene(i, 50 + 4 * (i - 30), 120, 15, textured=True)
        if i >= 61:
            x = 500 - 12 * (i - 61)
            f.image[40:120, x : x + 120] = np.random.default_rng(1).integers(0, 255, (80, 120, 3), dtype=np.uint8)
        return f

    gate = PrescaledGate(GateConfig(rest_stride=2), min_plate_width=10)
    for i in range(30):
        gate.predict(scene(i, None, fps=15))
    seen: list[tuple[int, bool]] = []  # frames whose regions hold the new block, and whether looked at
    for i in range(30, 70):  # (from frame 72 on the two blocks' blobs merge into one)
        before = gate.rested
        regions = gate.predict(two(i))
        if i >= 61 and any(p.y2 < 150 and p.x2 > 500 - 12 * (i - 61) for r in regions for p in r.parts):
            seen.append((i, gate.rested == before))
    assert seen
    first, looked = seen[0]
    assert looked  # a look, not a rested frame
    assert first <= 62  # at most one frame late
    assert [i for i, _ in seen] == list(range(first, 70))  # and never lost after
    assert gate.rested >= 10  # the gate rested while only the slow block moved

    # While the recognizer tracks a moving plate (it sets plates_moving), blobs in place get no rest.
    gate = PrescaledGate(GateConfig(rest_stride=2), min_plate_width=10)
    gate.plates_moving = True
    assert all(_walk(gate, 120, fps=15)[1:])
    assert gate.rested == 0


def _rested(gate: PrescaledGate, width: int, fps: float) -> int:
    assert all(_walk(gate, width, fps)[3:])
    return gate.rested
