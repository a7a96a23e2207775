"""Export fine-tuned CTC weights (train.py's last.pt) to the ONNX + YAML pair `edge.ocr.ctc` runs.

The ONNX takes `x` [N, 3, 48, W] (any N, any W a multiple of 8) and gives probabilities
[N, W/8, 37] (blank, 0-9, A-Z); the export is checked against the torch module on three widths.

Weights trained from a shipped model (train.py --init-onnx) are written into a copy of that model's
graph instead, which keeps its dynamic shapes.

Example:
    python -m edge_tools.ctc_ocr.export /work/data-gen/ppocr/run1/last.pt models/plate-ocr-ctc-v1.onnx
    python -m edge_tools.ctc_ocr.export /work/data-gen/ppocr2/runD/last.pt /tmp/ocr-d.onnx \
        --init-onnx models/plate-ocr-ctc-v1.onnx
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from edge.ocr.ctc import HEIGHT, MAX_WIDTH
from edge_tools.ctc_ocr.convert import ALPHABET, from_export, to_torch


def into_initializers(src: Path, net: Any, state: dict[str, Any], out: Path) -> None:
    """Write `state` (weights trained from `from_export(src)`, which is `net` untrained) into a copy of
    `src`'s graph: each trained parameter replaces the one initializer that held its starting value.
    Tracing the converted module again would bake the traced width into its reshapes; the exported
    graph already has the dynamic shapes the runtime needs."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(src))
    inits = {i.name: i for i in model.graph.initializer}
    values = {name: numpy_helper.to_array(i) for name, i in inits.items()}
    for name, param in net.named_parameters():
        start = param.detach().numpy()
        same = [k for k, v in values.items() if v.shape == start.shape and np.array_equal(v, start)]
        if len(same) != 1:
            raise SystemExit(f"{src}: parameter {name} matches {len(same)} initializers, not one")
        trained = state[name].numpy().astype(values[same[0]].dtype)
        inits[same[0]].CopyFrom(numpy_helper.from_array(trained, same[0]))
    onnx.checker.check_model(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out))


def opset_for_onnx2torch() -> None:
    """onnx2torch 1.5.15's converted modules ask the exporter's opset through
    `symbolic_helper.GLOBALS`, which torch 2.14 no longer has there: lend it the exporter's own."""
    from onnx2torch.utils import common

    helper = common.symbolic_helper
    if not hasattr(helper, "GLOBALS") and not hasattr(helper, "_export_onnx_opset_version"):
        from torch.onnx._internal.torchscript_exporter._globals import GLOBALS

        helper.GLOBALS = GLOBALS


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights", type=Path, help="state dict from edge_tools.ctc_ocr.train (last.pt)")
    ap.add_argument("out", type=Path, help="ONNX file to write; its YAML goes beside it")
    ap.add_argument(
        "--two-line-below",
        type=float,
        default=2.4,
        help="crops narrower than this ratio of their height are also read as two stitched lines",
    )
    ap.add_argument("--max-width", type=int, default=MAX_WIDTH, help="widest input the runtime feeds, pixels")
    ap.add_argument(
        "--pad-width",
        type=int,
        default=192,
        help="the runtime pads every input to at least this width, as training padded each batch to its widest "
        "(0: no padding beyond the widest of a batch)",
    )
    ap.add_argument(
        "--init-onnx", type=Path, default=None, help="the --init-onnx the weights were trained from (their network)"
    )
    a = ap.parse_args(argv)
    import onnxruntime as ort
    import torch

    net = from_export(a.init_onnx) if a.init_onnx is not None else to_torch()
    state = torch.load(a.weights, map_location="cpu")
    if a.init_onnx is not None:  # the graph it came from, its initializers replaced by the trained values
        into_initializers(a.init_onnx, net, state, a.out)
    net.load_state_dict(state)
    net.eval()

    class WithSoftmax(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.softmax(self.net(x), dim=-1)

    model = WithSoftmax().eval()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    if a.init_onnx is None:
        opset_for_onnx2torch()
        example = torch.zeros(1, 3, HEIGHT, 160)
        torch.onnx.export(
            model, (example,), str(a.out), input_names=["x"], output_names=["probs"], opset_version=17,
            dynamic_axes={"x": {0: "n", 3: "w"}, "probs": {0: "n", 1: "t"}}, dynamo=False,
        )  # fmt: skip
    sess = ort.InferenceSession(str(a.out), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    for w in (96, 160, 256):
        x = rng.uniform(-1, 1, (2, 3, HEIGHT, w)).astype(np.float32)
        with torch.no_grad():
            want = model(torch.from_numpy(x)).numpy()
        got = sess.run(None, {"x": x})[0]
        diff = float(np.abs(want - got).max())
        print(f"width {w}: output {got.shape}, max difference from torch {diff:.2e}", file=sys.stderr)
        if got.shape != (2, w // 8, len(ALPHABET) + 1) or diff > 1e-3:
            raise SystemExit(f"{a.out}: the export does not match the torch module at width {w}")
    card = {
        "recognizer": "ctc",
        "alphabet": ALPHABET,
        "img_height": HEIGHT,
        "max_width": a.max_width,
        "two_line_below": a.two_line_below,
        "pad_width": a.pad_width,
    }
    a.out.with_suffix(".yaml").write_text(
        "# CTC line recogniser: PP-OCR (rapidocr 3.10.0, Apache-2.0) fine-tuned on rendered plates\n"
        "# by edge_tools.ctc_ocr; edge.ocr.ctc reads this file.\n" + yaml.safe_dump(card, sort_keys=False)
    )
    print(f"wrote {a.out} and {a.out.with_suffix('.yaml')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
