"""Box geometry the pipeline relies on."""

from __future__ import annotations

from edge.types import Box


def cut(b: Box, fx: float, fy: float, width: int, height: int) -> bool:
    """What the pipeline calls at_edge: the grown box loses something when clipped to the image."""
    g = b.grown(fx, fy)
    return g.clipped(width, height) != g


def test_a_grown_box_is_cut_only_when_it_leaves_the_image() -> None:
    b = Box(100, 100, 200, 150)  # 100 x 50
    assert not cut(b, 0.1, 0.1, 1280, 720)
    assert not cut(b, 1.0, 1.0, 300, 200)  # grown to (0, 50)-(300, 200): touches, still inside
    assert cut(b, 1.01, 0.0, 300, 200)  # left edge beyond 0
    assert cut(Box(1200, 650, 1275, 700), 0.1, 0.1, 1280, 720)  # right edge 1282.5
    assert cut(Box(500, 690, 600, 718), 0.1, 0.1, 1280, 720)  # bottom edge 720.8
    assert not cut(Box(0, 0, 10, 10), 0.0, 0.0, 10, 10)


def test_expanded_is_the_grown_box_clipped() -> None:
    b = Box(1200, 650, 1275, 700)
    e = b.expanded(0.1, 0.1, 1280, 720)
    assert (e.x2, e.y2) == (1280.0, 705.0)
    assert Box(100, 100, 200, 150).expanded(0.1, 0.1, 1280, 720) == Box(90, 95, 210, 155)


def test_a_plate_is_whole_only_with_room_for_the_detectors_inset() -> None:
    from edge.pipeline import may_be_cut

    # Night validation clip, frame 22: the detector's box; the plate's own outline reached y = 720.1,
    # so the frame cut its border although the crop padded by 10 % (to y = 718.9) fitted.
    box = Box(1042.1, 685.5, 1206.7, 715.9)
    assert not cut(box, 0.1, 0.1, 1280, 720)
    assert may_be_cut(box, 1280, 720)
    assert not may_be_cut(Box(1042.1, 640.0, 1206.7, 670.4), 1280, 720)  # a few frames later
    assert may_be_cut(Box(2.0, 300.0, 120.0, 330.0), 1280, 720)  # left border
