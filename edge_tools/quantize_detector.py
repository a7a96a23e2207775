"""Static int8 (QDQ) quantisation of the plate detector, calibrated on frames of rendered clips.

Needs the `onnx` package beside onnxruntime: `pip install -e '.[quantize]'` (the dev extra has it).
The model's output head (box decoding, scores, the final concat) stays in float: Ultralytics raw
output puts coordinates (0-400) and scores (0-1) in one tensor, and one 8-bit scale for both rounds
every score to 0. The result is refused and deleted when its best plate score on calibration images
falls below half the float model's.
The result is optional: point `models.detector` at it in the config and compare with
`scripts/bench.py --config` (speed, exact vehicles) before deploying it.

Usage:
  python -m edge_tools.quantize_detector models/plate-det-v1.onnx data/plate-det-v1-int8.onnx \
      --clips data/bench/one-720p-20s.mp4 data/bench/sparse-720p-20s.mp4
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edge.detect.onnx import letterbox as _letterbox

ROOT = Path(__file__).resolve().parents[1]


def letterbox(image: np.ndarray, size: int) -> np.ndarray:
    """The detector's own preprocessing (RGB/255, aspect kept, pad 114, NCHW) at size x size."""
    return _letterbox(image, (size, size))[0]


def calibration_frames(clips: list[Path], size: int, count: int) -> list[np.ndarray]:
    """Whole frames and random crops (what the motion gate hands the detector), evenly over the clips."""
    rng = np.random.default_rng(0)
    out: list[np.ndarray] = []
    per_clip = max(1, count // max(len(clips), 1))
    for clip in clips:
        cap = cv2.VideoCapture(str(clip))
        total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0) or per_clip
        step = max(1, total // per_clip)
        i = 0
        while len(out) < count:
            ok, frame = cap.read()
            if not ok:
                break
            if i % step == 0:
                h, w = frame.shape[:2]
                if rng.random() < 0.5:
                    cw, ch = int(w * rng.uniform(0.25, 0.6)), int(h * rng.uniform(0.3, 0.7))
                    x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
                    frame = frame[y : y + ch, x : x + cw]
                out.append(letterbox(frame, size))
            i += 1
        cap.release()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--clips", type=Path, nargs="+", required=True)
    ap.add_argument("--count", type=int, default=200, help="calibration images")
    args = ap.parse_args(argv)

    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    sess = ort.InferenceSession(str(args.model), providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    size = inp.shape[2] if isinstance(inp.shape[2], int) else 384
    frames = calibration_frames(args.clips, size, args.count)
    print(f"calibrating on {len(frames)} images of {size}x{size}", file=sys.stderr)

    class Reader(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._it = iter(frames)

        def get_next(self) -> dict[str, np.ndarray] | None:
            x = next(self._it, None)
            return None if x is None else {inp.name: x}

    import onnx
    from onnx import version_converter

    args.out.parent.mkdir(parents=True, exist_ok=True)
    source = onnx.load(str(args.model))
    opset = max((o.version for o in source.opset_import if o.domain in ("", "ai.onnx")), default=0)
    src_path = args.model
    if opset < 13:  # per-channel DequantizeLinear (axis) needs opset 13
        src_path = args.out.with_suffix(".op13.onnx")
        onnx.save(version_converter.convert_version(source, 13), str(src_path))
    pre = args.out.with_suffix(".pre.onnx")
    quant_pre_process(str(src_path), str(pre), skip_symbolic_shape=True)  # static shapes: no sympy needed
    head = output_head(onnx.load(str(pre)))
    print(f"keeping {len(head)} output-head nodes in float (box decoding, scores, concat)", file=sys.stderr)
    quantize_static(
        str(pre),
        str(args.out),
        Reader(),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        per_channel=True,
        nodes_to_exclude=head,
    )
    pre.unlink(missing_ok=True)
    if src_path != args.model:
        src_path.unlink(missing_ok=True)
    # Keep the metadata (imgsz) the detector adapter reads.
    dst = onnx.load(str(args.out))
    del dst.metadata_props[:]
    dst.metadata_props.extend(source.metadata_props)
    onnx.save(dst, str(args.out))
    worst = score_agreement(sess, args.out, frames[:: max(1, len(frames) // 20)])
    if worst < 0.5:
        args.out.unlink()
        print(
            f"refused: the int8 model's best plate score fell to {worst:.2f} of the float model's on a "
            f"calibration image; {args.out} deleted",
            file=sys.stderr,
        )
        return 1
    size_mb = args.out.stat().st_size / 1e6
    print(f"wrote {args.out} ({size_mb:.2f} MB; best-score ratio >= {worst:.2f})", file=sys.stderr)
    return 0


def output_head(model: Any) -> list[str]:
    """Nodes between the last convolutions and the outputs (box decoding, sigmoid, concat).

    An Ultralytics raw output concatenates box coordinates (0-400 px) and scores (0-1) into one
    tensor: quantised to 8 bits with one scale, every score rounds to 0 and the model finds nothing.
    These nodes cost little; they stay in float.
    """
    producer = {o: n for n in model.graph.node for o in n.output}
    head: list[str] = []
    todo = [o.name for o in model.graph.output]
    seen: set[str] = set()
    while todo:
        node = producer.get(todo.pop())
        if node is None or node.name in seen or node.op_type in ("Conv", "ConvTranspose", "Gemm", "MatMul"):
            continue
        seen.add(node.name)
        head.append(node.name)
        todo.extend(node.input)
    return head


def score_agreement(float_session: Any, int8_model: Path, images: list[np.ndarray]) -> float:
    """The smallest ratio, over `images`, of the int8 model's best score to the float model's."""
    import onnxruntime as ort

    b = ort.InferenceSession(str(int8_model), providers=["CPUExecutionProvider"])
    name = float_session.get_inputs()[0].name
    worst = 1.0
    for x in images:
        fa = float(np.asarray(float_session.run(None, {name: x})[0])[0, 4:].max())
        fb = float(np.asarray(b.run(None, {name: x})[0])[0, 4:].max())
        if fa >= 0.25:  # an image with a plate the float model is fairly sure of
            worst = min(worst, fb / fa)
    return worst
