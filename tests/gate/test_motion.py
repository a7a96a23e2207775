"""Motion gate: nothing on a static scene, a region around a moving object, ROI respected."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from edge.config.pipeline import GateConfig
from edge.gate import FullFrameGate, MotionGate, PrescaledGate
from edge.gate.motion import merge_boxes
from edge.types import Box, Frame

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def scene(i: int, x: int | None) -> Frame:
    rng = np.random.default_rng(i)
    img = np.full((360, 640, 3), 90, np.uint8)
    img += rng.integers(0, 4, img.shape, dtype=np.uint8)
    if x is not None:
        img[150:250, x : x + 120] = (20, 30, 40)  # darker than the road in grey too
    return Frame("c", i, T0, img)


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
