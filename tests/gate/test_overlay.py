"""Burned-in text learned per camera, configured masks, and the vehicle-shape check, on rendered frames."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from edge.config.pipeline import OverlayConfig
from edge.gate.overlay import StaticText, draw_masks, in_polygons
from edge.gate.vehicle import held, on_vehicle
from edge.types import Box
from edge_tools.synth.scene import Clip

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# Where the renderer's date/time overlay sits in a 1280x720 frame (edge_tools.synth.scene.draw_timestamp):
# the clock's seconds digits, which change every second, and a box of plain road below them.
CLOCK = Box(220, 14, 380, 50)
ROAD = Box(560, 500, 720, 536)


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    """One frame per second of an empty road with the overlay, pedestrians and trees."""
    clip = Clip(seed=71, seconds=12, n_vehicles=0, overlay=True, pedestrians=3, trees=3)
    return [clip.render(i)[0] for i in range(0, clip.n_frames, clip.fps)]


def test_the_clock_overlay_is_learned_and_still_road_is_not(frames: list[np.ndarray]) -> None:
    learner = StaticText(OverlayConfig())
    for k, image in enumerate(frames):
        learner.observe(image, T0 + timedelta(seconds=k), [CLOCK, ROAD])
    clock = next(s for s in learner.sites if s.box == CLOCK)
    road = next(s for s in learner.sites if s.box == ROAD)
    assert clock.learned
    assert clock.changes >= len(frames) - 2
    assert not road.learned
    assert road.changes == 0
    assert learner.covers(Box(230, 20, 370, 45))  # a detector box of the clock a few pixels off
    assert not learner.covers(ROAD)


def test_the_date_and_camera_name_beside_the_clock_are_learned_with_it() -> None:
    """The date never changes within a day and the camera's name never does: over a still background
    each is learned for lying in line with the ticking clock (the date on its line, the name on the
    line below); a still box elsewhere (a parked car's plate) is not."""
    clip = Clip(seed=72, seconds=12, n_vehicles=0, overlay=True)
    frames = [clip.render(i)[0] for i in range(0, clip.n_frames, clip.fps)]
    date, name, parked = Box(18, 14, 212, 50), Box(18, 58, 140, 92), Box(900, 400, 1000, 430)
    learner = StaticText(OverlayConfig())
    for k, image in enumerate(frames):
        learner.observe(image, T0 + timedelta(seconds=k), [date, name, parked])
    assert learner.learned == []  # nothing ticks: nothing is an overlay yet
    for k, image in enumerate(frames):
        learner.observe(image, T0 + timedelta(seconds=20 + k), [CLOCK, date, name, parked])
    assert set(learner.learned) == {CLOCK, date, name}
    assert next(s for s in learner.sites if s.box == date).changes == 0
    assert not learner.covers(parked)


def test_learning_needs_sightings_changes_and_time(frames: list[np.ndarray]) -> None:
    learner = StaticText(OverlayConfig(min_sightings=6, min_changes=3, min_seconds=timedelta(seconds=3)))
    for k, image in enumerate(frames[:3]):
        learner.observe(image, T0 + timedelta(seconds=k), [CLOCK])
    assert learner.learned == []  # three sightings are not enough
    off = StaticText(OverlayConfig(learn=False))
    for k, image in enumerate(frames):
        off.observe(image, T0 + timedelta(seconds=k), [CLOCK])
    assert off.learned == []


def test_sites_are_forgotten_when_not_seen(frames: list[np.ndarray]) -> None:
    learner = StaticText(OverlayConfig(forget=timedelta(minutes=5)))
    for k, image in enumerate(frames):
        learner.observe(image, T0 + timedelta(seconds=k), [CLOCK])
    assert learner.learned == [CLOCK]
    learner.observe(frames[0], T0 + timedelta(minutes=6), [ROAD])
    assert learner.learned == []


def test_configured_masks_and_the_preview_drawing(frames: list[np.ndarray]) -> None:
    mask = [(900, 0), (1280, 0), (1280, 200), (900, 200)]
    assert in_polygons(Box(1000, 50, 1100, 80), [mask])
    assert not in_polygons(Box(100, 500, 200, 530), [mask])
    image = frames[0]
    drawn = draw_masks(image, [mask], [CLOCK], roi=[(0, 300), (1280, 300), (1280, 720), (0, 720)])
    assert drawn.shape == image.shape
    inside = drawn[100, 1100].astype(int) - image[100, 1100].astype(int)
    assert inside[2] > 0
    assert inside[0] <= 0
    assert tuple(drawn[int(CLOCK.y1) - 4, int(CLOCK.x1) + 30]) == (0, 255, 255)  # learned box outline, yellow
    assert (drawn[600, 640] == image[600, 640]).all()  # elsewhere untouched


def test_a_plate_lies_on_a_vehicle_shaped_blob() -> None:
    plate = Box(600, 500, 700, 530)
    car = Box(450, 300, 850, 620)  # 4 plate widths, wider than tall
    walker = Box(620, 300, 690, 560)  # narrow and tall
    assert on_vehicle(plate, [car])
    assert not on_vehicle(plate, [walker])
    assert not on_vehicle(plate, [Box(0, 0, 300, 200)])  # a blob elsewhere
    assert not on_vehicle(plate, [])
    assert not on_vehicle(plate, [Box(610, 480, 690, 560)])  # narrower than the plate: not its vehicle
    assert not on_vehicle(plate, [car], plate_widths=5.0)  # stricter settings
    # held: any blob holding the centre, a walker's too (a plate on no blob at all is the gate's miss)
    assert held(plate, [car])
    assert held(plate, [walker])
    assert not held(plate, [Box(0, 0, 300, 200)])
    assert not held(plate, [])
