"""Box geometry the pipeline relies on."""

from __future__ import annotations

from edge.types import Box


def test_fits_is_true_only_when_the_grown_box_stays_inside_the_image() -> None:
    b = Box(100, 100, 200, 150)  # 100 x 50
    assert b.fits(0.1, 0.1, 1280, 720)
    assert b.fits(1.0, 1.0, 300, 200)  # grown to (0, 50)-(300, 200): touches, still inside
    assert not b.fits(1.01, 0.0, 300, 200)  # left edge beyond 0
    assert not Box(1200, 650, 1275, 700).fits(0.1, 0.1, 1280, 720)  # right edge 1282.5
    assert not Box(500, 690, 600, 718).fits(0.1, 0.1, 1280, 720)  # bottom edge 720.8
    assert Box(0, 0, 10, 10).fits(0.0, 0.0, 10, 10)


def test_expanded_is_the_clipped_box_that_fits_describes() -> None:
    b = Box(1200, 650, 1275, 700)
    e = b.expanded(0.1, 0.1, 1280, 720)
    assert (e.x2, e.y2) == (1280.0, 705.0)
    assert Box(100, 100, 200, 150).expanded(0.1, 0.1, 1280, 720) == Box(90, 95, 210, 155)
