"""edge_tools.synth.clutter: hard negatives for the plate detector never touch a plate or the padding."""

from __future__ import annotations

import numpy as np

from edge_tools.synth.clutter import paste_clutter, paste_grilles


def test_clutter_is_drawn_inside_the_picture_and_clear_of_every_plate() -> None:
    for seed in range(20):
        img = np.full((384, 384, 3), 114, np.uint8)
        img[60:324] = 90  # the picture of a letterboxed 16:9 frame; rows outside are padding
        before = img.copy()
        plate = (150.0, 200.0, 230.0, 225.0)
        paste_clutter(img, [plate], np.random.default_rng(seed), 3, region=(0, 60, 384, 324))
        changed = (img != before).any(axis=2)
        assert changed.any(), f"seed {seed}: nothing drawn"
        assert not changed[:60].any(), f"seed {seed}: drew on the padding above"
        assert not changed[324:].any(), f"seed {seed}: drew on the padding below"
        x0, y0, x1, y1 = (int(v) for v in plate)
        assert not changed[y0 - 5 : y1 + 5, x0 - 5 : x1 + 5].any(), f"seed {seed}: drew on the plate"


def test_grilles_are_drawn_clear_of_every_plate() -> None:
    """paste_grilles (detector training's `--grilles`): slatted panels somewhere, never on a plate;
    the same seed draws the same picture (the training run reproduces)."""
    plates = [(150.0, 200.0, 230.0, 225.0), (20.0, 40.0, 90.0, 60.0)]
    for seed in range(20):
        img = np.full((384, 384, 3), 90, np.uint8)
        before = img.copy()
        paste_grilles(img, plates, np.random.default_rng(seed), 3)
        changed = (img != before).any(axis=2)
        assert changed.any(), f"seed {seed}: nothing drawn"
        for plate in plates:
            x0, y0, x1, y1 = (int(v) for v in plate)
            assert not changed[y0 - 5 : y1 + 5, x0 - 5 : x1 + 5].any(), f"seed {seed}: drew on a plate"
        again = before.copy()
        paste_grilles(again, plates, np.random.default_rng(seed), 3)
        assert (again == img).all()
