#!/usr/bin/env python3
"""Wrap a raw-output plate detector ([1, 5, N] cx, cy, w, h, score) with NMS inside the graph.

The result has the open-image-models "end2end" signature ([K, 7] = batch, x1, y1, x2, y2, class,
score), so the end2end adapter is tested on a real trained model, not a stub. Needs the `onnx`
package (pip install onnx).

Example:
  python scripts/make_end2end.py models/plate-det-v1.onnx models/plate-det-v1-e2e.onnx
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def wrap(src: Path, dst: Path, *, iou: float, score: float, max_boxes: int) -> None:
    model = onnx.load(str(src))
    graph = model.graph
    (raw,) = [o for o in graph.output if o.name == "output0"]
    graph.output.remove(raw)

    def const(name: str, value: np.ndarray) -> None:
        graph.initializer.append(numpy_helper.from_array(value, name))

    const("e2e_max", np.array([max_boxes], np.int64))
    const("e2e_iou", np.array([iou], np.float32))
    const("e2e_score", np.array([score], np.float32))
    const("e2e_s0", np.array([0], np.int64))
    const("e2e_s4", np.array([4], np.int64))
    const("e2e_s5", np.array([5], np.int64))
    const("e2e_ax2", np.array([2], np.int64))
    const("e2e_ax0", np.array([0], np.int64))
    const("e2e_half", np.array(0.5, np.float32))
    const("e2e_idx1", np.array([1], np.int64))
    const("e2e_idx2", np.array([2], np.int64))
    const("e2e_idx3", np.array([3], np.int64))
    const("e2e_idx4", np.array([4], np.int64))
    nodes = [
        helper.make_node("Transpose", ["output0"], ["e2e_rows"], perm=[0, 2, 1]),  # [1, N, 5]
        helper.make_node("Slice", ["e2e_rows", "e2e_s0", "e2e_s4", "e2e_ax2"], ["e2e_cxcywh"]),  # [1, N, 4]
        helper.make_node("Slice", ["e2e_rows", "e2e_s4", "e2e_s5", "e2e_ax2"], ["e2e_sc"]),  # [1, N, 1]
        helper.make_node("Transpose", ["e2e_sc"], ["e2e_scores"], perm=[0, 2, 1]),  # [1, 1, N]
        helper.make_node(
            "NonMaxSuppression",
            ["e2e_cxcywh", "e2e_scores", "e2e_max", "e2e_iou", "e2e_score"],
            ["e2e_sel"],
            center_point_box=1,
        ),  # [K, 3] = batch, class, box
        helper.make_node("Squeeze", ["e2e_rows", "e2e_ax0"], ["e2e_flat"]),  # [N, 5]
        helper.make_node("Gather", ["e2e_sel", "e2e_idx2"], ["e2e_boxidx2d"], axis=1),  # [K, 1]
        helper.make_node("Squeeze", ["e2e_boxidx2d", "e2e_idx1"], ["e2e_boxidx"]),  # [K]
        helper.make_node("Gather", ["e2e_flat", "e2e_boxidx"], ["e2e_kept"], axis=0),  # [K, 5]
        helper.make_node("Gather", ["e2e_kept", "e2e_ax0"], ["e2e_cx"], axis=1),
        helper.make_node("Gather", ["e2e_kept", "e2e_idx1"], ["e2e_cy"], axis=1),
        helper.make_node("Gather", ["e2e_kept", "e2e_idx2"], ["e2e_w"], axis=1),
        helper.make_node("Gather", ["e2e_kept", "e2e_idx3"], ["e2e_h"], axis=1),
        helper.make_node("Gather", ["e2e_kept", "e2e_idx4"], ["e2e_s"], axis=1),
        helper.make_node("Mul", ["e2e_w", "e2e_half"], ["e2e_hw"]),
        helper.make_node("Mul", ["e2e_h", "e2e_half"], ["e2e_hh"]),
        helper.make_node("Sub", ["e2e_cx", "e2e_hw"], ["e2e_x1"]),
        helper.make_node("Sub", ["e2e_cy", "e2e_hh"], ["e2e_y1"]),
        helper.make_node("Add", ["e2e_cx", "e2e_hw"], ["e2e_x2"]),
        helper.make_node("Add", ["e2e_cy", "e2e_hh"], ["e2e_y2"]),
        helper.make_node("Gather", ["e2e_sel", "e2e_ax0"], ["e2e_b64"], axis=1),
        helper.make_node("Cast", ["e2e_b64"], ["e2e_b"], to=TensorProto.FLOAT),
        helper.make_node("Gather", ["e2e_sel", "e2e_idx1"], ["e2e_c64"], axis=1),
        helper.make_node("Cast", ["e2e_c64"], ["e2e_c"], to=TensorProto.FLOAT),
        helper.make_node(
            "Concat", ["e2e_b", "e2e_x1", "e2e_y1", "e2e_x2", "e2e_y2", "e2e_c", "e2e_s"], ["output"], axis=1
        ),
    ]
    graph.node.extend(nodes)
    graph.output.append(helper.make_tensor_value_info("output", TensorProto.FLOAT, ["K", 7]))
    meta = {p.key: p.value for p in model.metadata_props}
    meta["format"] = "end2end"
    meta["source"] = f"{src.name} wrapped by scripts/make_end2end.py (iou={iou}, score={score})"
    del model.metadata_props[:]
    for k, v in meta.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=k, value=v))
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--iou", type=float, default=0.5)
    ap.add_argument("--score", type=float, default=0.25)
    ap.add_argument("--max-boxes", type=int, default=100)
    a = ap.parse_args()
    wrap(a.src, a.dst, iou=a.iou, score=a.score, max_boxes=a.max_boxes)
    print(f"wrote {a.dst}")


if __name__ == "__main__":
    main()
