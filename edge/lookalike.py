"""Plate characters that look alike: which digit a letter reads like, and which letter a digit.

OCR mixes them up (O/0, I/1, B/8, S/5, Z/2, G/6): the plate formats repair a read only where a
mask demands the other class (`edge.track.formats`), and the tracker's vote weighs the letters many
plate systems leave out against their digit twins (`tracking.letter_weights`). A leaf module, so
the config can check its keys against these maps without importing the tracker.
"""

from __future__ import annotations

AS_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"}
AS_DIGIT = {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6", "B": "8"}
