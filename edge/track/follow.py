"""Follow a tracked plate into the next frame without the detector (`detector.stride`).

The track's motion predicts where the plate is (`PlateTracker.predicted`); a detector box is
jittery, so that prediction alone is a few pixels off and the OCR reads a shifted crop worse. The
plate's last crop is therefore matched (normalised cross-correlation, scaled by the predicted growth)
in a window around the prediction, and the box is moved to where it matches. A weak match means
the plate is lost (occluded, turned, gone): the caller detects instead.
"""

from __future__ import annotations

import cv2

from edge.types import Box, Image, Observation

# Below this normalised correlation the plate is not where the track says: detect instead.
MIN_MATCH = 0.6


def follow(image: Image, predicted: Box, last: Observation, crop_box: Box) -> Box | None:
    """The plate of `last` in `image`, near `predicted`; None when it cannot be followed.

    `crop_box` is where `last.crop` was cut from its frame (the Recognizer's crop of `last`'s box).
    """
    if last.crop is None or last.crop.size == 0:
        return None
    h, w = image.shape[:2]
    prev = last.plate.box
    scale = predicted.width / max(prev.width, 1.0)
    template = last.crop if abs(scale - 1) < 0.01 else cv2.resize(last.crop, None, fx=scale, fy=scale)
    th, tw = template.shape[:2]
    # Where the template's corner is if the prediction is right, and a search margin around it.
    ex, ey = predicted.x1 - (prev.x1 - crop_box.x1) * scale, predicted.y1 - (prev.y1 - crop_box.y1) * scale
    m = max(6.0, 0.3 * predicted.width)
    x1, y1 = max(0, int(ex - m)), max(0, int(ey - m))
    x2, y2 = min(w, int(ex + tw + m) + 1), min(h, int(ey + th + m) + 1)
    if x2 - x1 <= tw or y2 - y1 <= th or tw < 8 or th < 4:
        return None
    result = cv2.matchTemplate(image[y1:y2, x1:x2], template, cv2.TM_CCOEFF_NORMED)
    _, best, _, (lx, ly) = cv2.minMaxLoc(result)
    if best < MIN_MATCH:
        return None
    dx, dy = x1 + lx - ex, y1 + ly - ey
    return Box(predicted.x1 + dx, predicted.y1 + dy, predicted.x2 + dx, predicted.y2 + dy)
