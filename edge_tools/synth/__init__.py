"""Synthetic data: plates, roadside clips with ground truth, OCR and detector training crops.

Needs numpy, OpenCV and (for TrueType plate fonts) Pillow plus system fonts:
``apt-get install fonts-dejavu-core fonts-liberation2 fonts-roboto-unhinted fonts-b612 fonts-osifont``.
"""

from edge_tools.synth.plates import random_plate_text, render_plate
from edge_tools.synth.scene import Clip, iter_frames, render_clip, render_plate_crop

__all__ = ["Clip", "iter_frames", "random_plate_text", "render_clip", "render_plate", "render_plate_crop"]
