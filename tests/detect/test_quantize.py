"""edge_tools/quantize_detector.py on the shipped detector: a real quantisation, a real check.

The detector's raw output holds box coordinates (0-400 px) and scores (0-1) in one tensor; quantised
whole with one 8-bit scale every score rounds to 0 and the model finds nothing, silently. The script
keeps that head in float and refuses a result whose scores collapse anyway.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.detect.onnx import OnnxPlateDetector
from edge_tools import quantize_detector as quant
from edge_tools.synth.scene import Clip

ROOT = Path(__file__).resolve().parents[2]


MODEL = ROOT / "models" / "plate-det-v1.onnx"
CLIP = ROOT / "samples" / "sample.mp4"


def _found(det: OnnxPlateDetector) -> int:
    clip = Clip(seed=7, seconds=1, n_vehicles=2, condition="day", speed=0.6)
    hits = 0
    for i in range(0, clip.n_frames, 3):
        frame, plates = clip.render(i)
        boxes = det.predict(frame)
        hits += sum(1 for p in plates if p.legible and any(b.box.iou(type(b.box)(*p.box)) >= 0.5 for b in boxes))
    return hits


def test_int8_detector_keeps_finding_plates(tmp_path: Path) -> None:
    out = tmp_path / "det-int8.onnx"
    assert quant.main([str(MODEL), str(out), "--clips", str(CLIP), "--count", "40"]) == 0
    float_hits = _found(OnnxPlateDetector(MODEL))
    int8_hits = _found(OnnxPlateDetector(out))
    assert float_hits > 0
    assert int8_hits >= float_hits - 1


def test_quantising_the_head_too_is_refused_and_the_file_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(quant, "output_head", lambda model: [])  # the naive quantisation
    out = tmp_path / "det-int8.onnx"
    assert quant.main([str(MODEL), str(out), "--clips", str(CLIP), "--count", "40"]) == 1
    assert "refused" in capsys.readouterr().err
    assert not out.exists()
