"""xrender: the cross-renderer, a second clip renderer written apart from edge/synth, for validation only.

Its clips measure how recognition carries over to footage the models were never trained on: never
use them (or anything rendered by this package) for training data, hard-example mining or the
choice of a checkpoint. See scene.py (camera, scene, legibility rule) and plates.py (layouts, fonts).

    python -m scripts.xrender --out data/cross            # the whole cross set (CROSS_SET), fixed seeds
    python -m scripts.xrender --out /tmp/x --only day      # one clip
"""

from scripts.xrender.clips import CROSS_SET, render_set
from scripts.xrender.scene import Clip, ClipSpec, write_clip

__all__ = ["CROSS_SET", "Clip", "ClipSpec", "render_set", "write_clip"]
