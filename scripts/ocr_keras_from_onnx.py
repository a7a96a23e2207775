#!/usr/bin/env python3
"""Rebuild a trainable Keras checkpoint of a shipped plate OCR from its ONNX file.

The training runs that made models/plate-ocr-vN.onnx kept their `.keras` checkpoints outside the
repository, and a new machine does not have them. Every weight the OCR needs is in the ONNX file, so
this script builds the model from its model config (fast-plate-ocr's own builder), copies the ONNX
initializers into it in the builder's order, and checks that the Keras model and onnxruntime agree
on real crops before it writes the checkpoint. `scripts/train_ocr.sh` can then go on from it
(`STAGES=... INIT=ckpt.keras`).

Batch normalisation: the export folds gamma / sqrt(var + eps) into one scale, so the split between
gamma and the moving variance is lost. Inference only sees the product; training sees the batch
variance. The script sets the moving variance to the variance the conv output really has on the
calibration crops, and gamma so that the product is the exported one: inference stays exact and a
training step starts at the scale the model was trained at. The recomputed means are printed beside
the exported ones as a check that the calibration crops are like the training crops.

Needs the training venv of scripts/train_ocr.sh (KERAS_BACKEND=torch).

Example:
  KERAS_BACKEND=torch /work/venv-train/bin/python scripts/ocr_keras_from_onnx.py \\
      models/plate-ocr-v8.onnx models/train/ocr-model-deep4.yaml /work/data-gen/v8.keras \\
      --crops /work/data-gen/clipcrops3/train.csv
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PLATE_CFG = ROOT / "models" / "train" / "ocr-plate.yaml"


def load_crops(csv_path: Path, n: int, size: tuple[int, int]) -> np.ndarray:
    """Up to n crops of a fast-plate-ocr CSV, resized as the OCR does (RGB, linear, no aspect)."""
    with csv_path.open() as f:
        rows = list(csv.DictReader(f))
    rng = np.random.default_rng(0)
    pick = rng.choice(len(rows), size=min(n, len(rows)), replace=False)
    out = []
    for i in pick:
        img = cv2.imread(str(csv_path.parent / rows[i]["image_path"]), cv2.IMREAD_COLOR)
        if img is None:
            raise SystemExit(f"{csv_path}: cannot read {rows[i]['image_path']}")
        img = cv2.resize(img, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)
        out.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    return np.stack(out)


def onnx_weights(path: Path) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    """The named DyT parameters, and every other initializer that is a weight, in graph order."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    named: dict[str, np.ndarray] = {}
    ordered: list[np.ndarray] = []
    for init in model.graph.initializer:
        arr = numpy_helper.to_array(init)
        if init.name.startswith("_torch_params."):
            named[init.name.removeprefix("_torch_params.")] = arr
        elif arr.dtype.kind == "f":  # int initializers are shapes and sizes, not weights
            ordered.append(arr)
    return named, ordered


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("onnx", type=Path, help="the exported OCR (fast-plate-ocr CCT, from scripts/export_ocr.sh)")
    ap.add_argument("model_config", type=Path, help="its model config (models/train/ocr-model-*.yaml)")
    ap.add_argument("out", type=Path, help="the .keras checkpoint to write")
    ap.add_argument("--crops", type=Path, required=True, help="a crop CSV for the BN variance and the check")
    ap.add_argument("--n", type=int, default=512, help="crops used (default 512)")
    a = ap.parse_args()

    import keras
    import onnxruntime as ort
    from fast_plate_ocr.train.model.config import load_plate_config_from_yaml
    from fast_plate_ocr.train.model.model_builders import build_model
    from fast_plate_ocr.train.model.model_schema import load_model_config_from_yaml

    plate_cfg = load_plate_config_from_yaml(str(PLATE_CFG))
    model = build_model(load_model_config_from_yaml(str(a.model_config)), plate_cfg)
    named, ordered = onnx_weights(a.onnx)
    crops = load_crops(a.crops, a.n, (plate_cfg.img_height, plate_cfg.img_width))

    queue = list(ordered)
    values: dict[str, np.ndarray] = {}
    bn_scale: dict[str, np.ndarray] = {}

    def take(path: str, shape: tuple[int, ...]) -> np.ndarray:
        if not queue:
            raise SystemExit(f"{a.onnx}: ran out of initializers at {path}")
        arr = queue.pop(0)
        if len(shape) == 4:
            arr = arr.transpose(2, 3, 1, 0)  # conv kernel OIHW -> HWIO
        if arr.size != int(np.prod(shape)):
            raise SystemExit(f"{path}: {arr.shape} in the ONNX file, {shape} in the model: not this config")
        return np.asarray(arr, dtype=np.float32).reshape(shape)

    for w in model.weights:
        layer, name = w.path.rsplit("/", 1)
        shape = tuple(w.shape)
        if "dy_t" in layer and name in ("weight", "bias"):
            values[w.path] = named[f"{layer}/{name}"].astype(np.float32)
        elif name == "gamma":
            # The export computes BN as (x - mean) * scale + beta, scale = gamma / sqrt(var + eps):
            # the graph holds mean, beta, scale in that order; gamma and var are set from the crops.
            values[f"{layer}/moving_mean"] = take(w.path, shape)
            values[f"{layer}/beta"] = take(w.path, shape)
            bn_scale[layer] = take(w.path, shape)
        elif name in ("beta", "moving_mean", "moving_variance"):
            continue
        else:
            values[w.path] = take(w.path, shape)
    if queue:
        raise SystemExit(f"{a.onnx}: {len(queue)} initializers left over: not this model config")

    for w in model.weights:
        if w.path in values:
            w.assign(values[w.path])
    # BN: moving variance from the conv outputs on real crops; gamma keeps the exported product.
    stem = model.get_layer("conv_stem")
    x = keras.ops.convert_to_tensor(crops.astype("float32"))
    x = model.layers[1](x)  # rescaling
    for layer in stem.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            xs = keras.ops.convert_to_numpy(x).reshape(-1, x.shape[-1])
            var, mean = xs.var(axis=0), xs.mean(axis=0)
            key = f"conv_stem/{layer.name}"
            scale = bn_scale[key]
            layer.moving_variance.assign(var)
            layer.gamma.assign(scale * np.sqrt(var + layer.epsilon))
            exported = keras.ops.convert_to_numpy(layer.moving_mean)
            print(
                f"{layer.name}: calibration mean vs exported, median |diff| "
                f"{np.median(np.abs(mean - exported)):.3g} (median |mean| {np.median(np.abs(exported)):.3g})"
            )
        x = layer(x, training=False)

    want = ort.InferenceSession(str(a.onnx), providers=["CPUExecutionProvider"]).run(None, {"input": crops})[0]
    out = model(crops.astype("float32"), training=False)
    got = keras.ops.convert_to_numpy(out["plate"] if isinstance(out, dict) else out)
    diff = float(np.abs(want - got).max())
    agree = float((want.argmax(-1) == got.argmax(-1)).all(axis=1).mean())
    print(f"check on {len(crops)} crops: max |p_onnx - p_keras| {diff:.2e}, same text {agree:.4f}")
    if diff > 1e-3:
        raise SystemExit("the rebuilt model does not match the ONNX file: not written")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(str(a.out))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    sys.exit(main())
