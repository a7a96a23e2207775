"""xrender: the cross-renderer, a second clip renderer written apart from edge/synth, for validation only.

Its clips measure how recognition carries over to footage the models were never trained on: never
use them (or anything rendered by this package) for training data, hard-example mining or the
choice of a checkpoint. See scene.py (camera, scene, legibility rule) and plates.py (layouts, fonts).

    python -m edge_tools.xrender --out data/cross            # the whole cross set (CROSS_SET), fixed seeds
    python -m edge_tools.xrender --out /tmp/x --only day      # one clip
"""

from edge_tools.xrender.clips import CROSS_SET, render_set
from edge_tools.xrender.scene import Clip, ClipSpec, write_clip

__all__ = ["CROSS_SET", "Clip", "ClipSpec", "render_set", "write_clip"]
