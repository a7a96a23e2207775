"""rapidocr's PP-OCR recognition ONNX -> a trainable torch module with a plate-alphabet head.

Two obstacles to onnx2torch, both fixed here in the ONNX graph first: three Conv/MaxPool nodes use
`auto_pad=SAME_UPPER` (kernel 2, stride 1: replaced by the exact pads, [0, 0, 1, 1], which do not
depend on the input size), and the 18,710-way CTC head (Chinese + Latin) is cut to the plate
alphabet: columns blank, 0-9, A-Z of the final MatMul and Add keep their pretrained weights, so
the network starts reading plates as rapidocr restricted to A-Z0-9 does. The Softmax at the end is
dropped (CTC trains on logits; `export` puts it back). onnx2torch imports torchvision, whose
registry build does not import beside torch+cpu: `torchvision_stub()` provides the three names.

Remember: the module onnx2torch returns is in training mode; call .eval() before comparing.
"""

from __future__ import annotations

import math
import os
import string
import sys
import types
from pathlib import Path
from typing import Any

ALPHABET = string.digits + string.ascii_uppercase  # index i + 1 in the head; 0 is the CTC blank


def rapidocr_rec_model() -> Path:
    """PP-OCR's recognition ONNX in rapidocr's wheel, or the copy of it $EDGE_PPOCR_REC names (a
    machine without rapidocr, such as a lent GPU machine: scripts/train_ctc_ocr_gpu.sh)."""
    if os.environ.get("EDGE_PPOCR_REC"):
        path = Path(os.environ["EDGE_PPOCR_REC"])
        if not path.is_file():
            raise SystemExit(f"EDGE_PPOCR_REC={path}: no such file")
        return path
    import rapidocr

    found = sorted(Path(rapidocr.__file__).parent.glob("models/*rec*.onnx"))
    if not found:
        raise SystemExit("no PP-OCR recognition model in the rapidocr wheel")
    return found[-1]


def torchvision_stub() -> None:
    """Let onnx2torch import without torchvision (only its NMS and RoIAlign converters use it)."""
    try:
        import torchvision.ops  # noqa: F401
    except (ImportError, RuntimeError):  # absent, or the registry build that does not load beside torch+cpu
        pass
    else:
        return

    def missing(*_args: Any, **_kwargs: Any) -> Any:
        raise NotImplementedError("torchvision is stubbed out for onnx2torch (edge_tools.ctc_ocr.convert)")

    package, ops = types.ModuleType("torchvision"), types.ModuleType("torchvision.ops")
    ops.nms = ops.box_convert = ops.roi_align = missing  # type: ignore[attr-defined]
    package.ops = ops  # type: ignore[attr-defined]
    for name in [k for k in sys.modules if k.startswith("torchvision")]:
        del sys.modules[name]
    sys.modules["torchvision"], sys.modules["torchvision.ops"] = package, ops


def plate_head_onnx(src: Path) -> Any:
    """The PP-OCR graph with fixed pads, the plate-alphabet head and no final Softmax."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper, shape_inference

    m = onnx.load(str(src))
    chars = next(p.value for p in m.metadata_props if p.key == "character").split("\n")
    keep = [0] + [chars.index(c) + 1 for c in ALPHABET]
    # pads for auto_pad nodes, from shapes at one input size (they do not depend on it here)
    probe = onnx.load(str(src))
    shp = probe.graph.input[0].type.tensor_type.shape
    for i, v in ((0, 1), (3, 256)):
        shp.dim[i].ClearField("dim_param")
        shp.dim[i].dim_value = v
    probe = shape_inference.infer_shapes(probe)
    shapes = {vi.name: [d.dim_value for d in vi.type.tensor_type.shape.dim]
              for vi in [*probe.graph.value_info, *probe.graph.input]}  # fmt: skip
    inits = {i.name: i for i in m.graph.initializer}
    for n in m.graph.node:
        auto = [a for a in n.attribute if a.name == "auto_pad" and a.s not in (b"NOTSET", b"VALID")]
        if not auto:
            continue
        at = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        k = list(at.get("kernel_shape") or list(inits[n.input[1]].dims)[2:])
        s = list(at.get("strides", [1, 1]))
        d = list(at.get("dilations", [1, 1]))
        size = shapes[n.input[0]][2:]
        begin, end = [], []
        for j in range(2):
            if s[j] != 1:
                raise SystemExit(f"{n.name}: stride {s[j]} auto_pad depends on the input size")
            total = max((math.ceil(size[j] / s[j]) - 1) * s[j] + (k[j] - 1) * d[j] + 1 - size[j], 0)
            begin.append(total // 2)
            end.append(total - total // 2)
        n.attribute.remove(auto[0])
        n.attribute.append(helper.make_attribute("pads", begin + end))
    softmax = m.graph.node[-1]
    if softmax.op_type != "Softmax":
        raise SystemExit(f"expected a final Softmax, found {softmax.op_type}")
    producer = {o: n for n in m.graph.node for o in n.output}
    add = producer[softmax.input[0]]
    while add.op_type == "Identity":
        add = producer[add.input[0]]
    matmul = producer[add.input[0]]
    if (add.op_type, matmul.op_type) != ("Add", "MatMul"):
        raise SystemExit(f"expected MatMul + Add before the Softmax, found {matmul.op_type} + {add.op_type}")
    for name, axis in ((matmul.input[1], 1), (add.input[1], 0)):
        w = numpy_helper.to_array(inits[name])
        inits[name].CopyFrom(numpy_helper.from_array(np.take(w, keep, axis=axis).astype(w.dtype), name))
    m.graph.node.remove(softmax)
    out = m.graph.output[0]
    out.name = softmax.input[0]
    out.type.tensor_type.shape.dim[2].dim_value = len(keep)
    del m.metadata_props[:]
    return m


def to_torch(src: Path | None = None) -> Any:
    torchvision_stub()
    from onnx2torch import convert

    return convert(plate_head_onnx(src or rapidocr_rec_model()))


def from_export(path: Path) -> Any:
    """A plate model this package exported (export.py) as a trainable torch module again: its final
    Softmax removed, so it gives logits as to_torch's does. The export folded the BatchNorms into
    the convolutions, so the module has none: fine-tuning it keeps their statistics by construction."""
    import onnx

    torchvision_stub()
    from onnx2torch import convert

    m = onnx.load(str(path))
    softmax = m.graph.node[-1]
    if softmax.op_type != "Softmax" or softmax.output[0] != m.graph.output[0].name:
        raise SystemExit(f"{path}: not a plate model export.py wrote (its last node is {softmax.op_type})")
    m.graph.node.remove(softmax)
    m.graph.output[0].name = softmax.input[0]
    return convert(m)
