"""xrender: the cross-renderer, a second clip renderer written apart from edge/synth, for validation only.

Its clips measure how recognition carries over to footage the models were never trained on: never
use them (or anything rendered by this package) for training data, hard-example mining or the
choice of a checkpoint. See scene.py (camera, scene, legibility rule) and plates.py (layouts, fonts).

    python -m edge_tools.xrender --out data/cross            # the whole cross set (CROSS_SET), fixed seeds
    python -m edge_tools.xrender --out /tmp/x --only day      # one clip
    python -m edge_tools.xrender --out data/cross-calib --seed 7350000 --seconds 10   # calibration split
"""

from edge_tools.xrender.clips import CALIB_SEED, CROSS_SET, clip_set, render_set
from edge_tools.xrender.scene import Clip, ClipSpec, write_clip

__all__ = ["CALIB_SEED", "CROSS_SET", "Clip", "ClipSpec", "clip_set", "render_set", "write_clip"]
