"""Plates on vehicles: a plate counts only where something shaped and sized like a vehicle moves.

The motion gate's blobs (`Region.parts`) are what moved in a frame. A licence plate is a small part
of the front or back of a vehicle, so the blob of the vehicle carrying it is several plate widths
wide and not much narrower than tall. A plate the detector finds on nothing that moves (a sign, a
camera's burned-in date and time) or on a blob shaped like a walking person (tall and narrow) is no
vehicle's plate.
"""

from __future__ import annotations

from collections.abc import Iterable

from edge.types import Box

# A blob at least this many plate widths wide, and at least this many times as wide as tall, is
# taken for a vehicle. A vehicle's body is 3-5 plate widths, but MOG2 cuts a flat-coloured body into
# pieces (its inside does not change as it moves): on the validation clips 2 plate widths and 0.55
# lost 2 to 4 vehicles of 108, 1 and 0.3 one (measured 2026-12-04, models/README.md). A walking
# person's blob is about 0.3-0.45 as wide as tall; text on a wall or a camera overlay has none.
VEHICLE_PLATE_WIDTHS = 1.0
VEHICLE_MIN_ASPECT = 0.3


def held(plate: Box, parts: Iterable[Box]) -> bool:
    """Whether any moving blob in `parts` holds the plate's centre, whatever its shape."""
    return any(_holds(p, plate) for p in parts)


def _holds(part: Box, plate: Box) -> bool:
    cx, cy = plate.centre
    return part.x1 <= cx <= part.x2 and part.y1 <= cy <= part.y2


def on_vehicle(
    plate: Box,
    parts: Iterable[Box],
    *,
    plate_widths: float = VEHICLE_PLATE_WIDTHS,
    min_aspect: float = VEHICLE_MIN_ASPECT,
) -> bool:
    """Whether `plate` lies on one of the moving blobs `parts` that is shaped and sized like a vehicle.

    The plate's centre must be inside the blob; the blob at least `plate_widths` plate widths wide
    and at least `min_aspect` times as wide as it is tall.
    """
    return any(
        _holds(p, plate) and p.width >= plate_widths * plate.width and p.width >= min_aspect * p.height for p in parts
    )
