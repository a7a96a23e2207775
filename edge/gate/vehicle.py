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

# A blob this many times its plate's width is a vehicle's: measured on the validation clips, the
# blob of a vehicle is 3 to 12 plate widths wide (padded by gate.pad); 2 leaves room for a blob cut
# short by the frame's edge or a road-coloured body.
VEHICLE_PLATE_WIDTHS = 2.0
# Width over height of a vehicle's blob is above this; a walking person's is about 0.3-0.45.
VEHICLE_MIN_ASPECT = 0.55


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
    cx, cy = plate.centre
    for p in parts:
        if not (p.x1 <= cx <= p.x2 and p.y1 <= cy <= p.y2):
            continue
        if p.width >= plate_widths * plate.width and p.width >= min_aspect * p.height:
            return True
    return False
