#!/usr/bin/env python3
"""Train edge-alpr's own small plate (or vehicle) detector (torch, from scratch), export to ONNX.

Model: a fully-convolutional FCOS/CenterNet-style net (depthwise-separable backbone to stride 16,
one upsampling merge to stride 8, a 1x1 head giving a plate score and left/top/right/bottom
distances per cell). Decoding happens inside the graph, so the ONNX file has EXACTLY the
Ultralytics raw YOLO single-class contract:

  input  `images`  float32 [1, 3, S, S], RGB / 255, letterboxed (aspect kept, pad 114, centred)
  output `output0` float32 [1, 5, N]: rows (cx, cy, w, h, score) in input pixels, score sigmoid'ed,
         no NMS inside; N = (S / 8) ** 2.  S is stored in the ONNX metadata as "imgsz".

Dataset: scripts/make_detector_dataset.py (train and a disjoint val set). The same network learns
vehicles from a `--target vehicle` dataset; `--class-name vehicle` then names the one class in the
ONNX metadata (`names`), which is how the product tells a vehicle model from a plate model.

Examples:
    python scripts/train_detector.py --data /work/data-gen/det --val /work/data-gen/det-val \
        --epochs 12 --out /work/data-gen/det-runs --export models/plate-det-v1.onnx
    python scripts/train_detector.py --eval-only --weights /work/data-gen/det-runs/best.pt \
        --val /work/data-gen/det-val --export models/plate-det-v1.onnx
    python scripts/train_detector.py --class-name vehicle --score-shift 0 --data /work/data-gen/veh \
        --val /work/data-gen/veh-val --epochs 8 --out /work/data-gen/veh-runs --export models/vehicle-det-v1.onnx

Needs torch (2.13 CPU), numpy, opencv-python-headless, onnx, onnxruntime, and this project installed
(`pip install -e .`: edge_tools.frozen_bn).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812

from edge_tools.frozen_bn import training_mode
from edge_tools.synth.clutter import paste_grilles

STRIDE = 8


def cbr(ci: int, co: int, s: int = 1, k: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(ci, co, k, s, k // 2, bias=False), nn.BatchNorm2d(co), nn.ReLU(inplace=True))


def dws(ci: int, co: int, s: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(ci, ci, 3, s, 1, groups=ci, bias=False),
        nn.BatchNorm2d(ci),
        nn.ReLU(inplace=True),
        nn.Conv2d(ci, co, 1, 1, 0, bias=False),
        nn.BatchNorm2d(co),
        nn.ReLU(inplace=True),
    )


class PlateNet(nn.Module):
    """~0.1 M parameter plate detector (at width 1); forward returns raw maps (score logits, ltrb).

    `width` scales every layer's channels (rounded to multiples of 8): width 1 is plate-det-v1/v2's
    network, width 2 has four times its multiply-adds."""

    def __init__(self, width: float = 1.0) -> None:
        super().__init__()

        def c(n: int) -> int:
            return max(8, round(n * width / 8) * 8)

        self.stem = nn.Sequential(cbr(3, c(16), 2), dws(c(16), c(24), 2), dws(c(24), c(24)))  # /4
        self.c3 = nn.Sequential(dws(c(24), c(48), 2), dws(c(48), c(48)), dws(c(48), c(48)))  # /8
        self.c4 = nn.Sequential(dws(c(48), c(96), 2), dws(c(96), c(96)), dws(c(96), c(96)), dws(c(96), c(96)))  # /16
        self.c5 = nn.Sequential(dws(c(96), c(128), 2), dws(c(128), c(128)))  # /32 (context)
        self.lat5 = cbr(c(128), c(64), k=1)
        self.lat4 = cbr(c(96), c(64), k=1)
        self.lat3 = cbr(c(48), c(64), k=1)
        self.neck = nn.Sequential(dws(c(64), c(64)), dws(c(64), c(64)))
        self.head_cls = nn.Conv2d(c(64), 1, 1)
        self.head_box = nn.Conv2d(c(64), 4, 1)
        nn.init.constant_(self.head_cls.bias, -4.6)
        nn.init.constant_(self.head_box.bias, 0.5)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.stem(x)
        c3 = self.c3(x)
        c4 = self.c4(c3)
        c5 = self.c5(c4)
        p4 = self.lat4(c4) + F.interpolate(self.lat5(c5), scale_factor=2.0, mode="nearest")
        p3 = self.lat3(c3) + F.interpolate(p4, scale_factor=2.0, mode="nearest")
        f = self.neck(p3)
        return self.head_cls(f), self.head_box(f)


class Exported(nn.Module):
    """Wraps PlateNet with in-graph decoding to the [1, 5, N] (cx, cy, w, h, score) contract."""

    def __init__(self, net: PlateNet, score_shift: float = 0.0) -> None:
        super().__init__()
        self.net = net
        self.score_shift = score_shift

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        cls, box = self.net(images)
        b = cls.shape[0]
        # The cell grid follows the input (any square or not, a multiple of 32): the exported model
        # takes the square it was trained at or a larger one (`detector.large_size`).
        rows, cols = torch.arange(cls.shape[2], device=cls.device), torch.arange(cls.shape[3], device=cls.device)
        ys, xs = torch.meshgrid(rows, cols, indexing="ij")
        gx = ((xs.reshape(1, -1) + 0.5) * STRIDE).float()
        gy = ((ys.reshape(1, -1) + 0.5) * STRIDE).float()
        score = torch.sigmoid(cls.reshape(b, -1) - self.score_shift)
        ltrb = decode_ltrb(box.reshape(b, 4, -1))
        x1 = gx - ltrb[:, 0]
        y1 = gy - ltrb[:, 1]
        x2 = gx + ltrb[:, 2]
        y2 = gy + ltrb[:, 3]
        return torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, score], dim=1)


def decode_ltrb(raw: torch.Tensor) -> torch.Tensor:
    return torch.exp(raw.clamp(-4.0, 5.0)) * STRIDE


# -- data ---------------------------------------------------------------------------------------


def load_set(root: Path) -> tuple[np.ndarray, list[np.ndarray], int]:
    meta = json.loads((root / "labels.json").read_text())
    size = int(meta["imgsz"])
    items = meta["items"]
    imgs = np.empty((len(items), size, size, 3), np.uint8)
    boxes = []
    for i, it in enumerate(items):
        imgs[i] = cv2.imread(str(root / it["image"]))[:, :, ::-1]  # RGB
        boxes.append(np.array(it["boxes"], np.float32).reshape(-1, 4))
    return imgs, boxes, size


def make_targets(boxes: list[np.ndarray], size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-cell targets: positive mask (B, N), target boxes (B, N, 4 xyxy), centre weights."""
    g = size // STRIDE
    cx = (np.arange(g) + 0.5) * STRIDE
    gx, gy = np.meshgrid(cx, cx)
    gx, gy = gx.reshape(-1), gy.reshape(-1)
    n = g * g
    pos = np.zeros((len(boxes), n), np.float32)
    tb = np.zeros((len(boxes), n, 4), np.float32)
    for bi, bb in enumerate(boxes):
        best_area = np.full(n, np.inf, np.float32)
        for x1, y1, x2, y2 in bb:
            w, h = x2 - x1, y2 - y1
            mx, my = (x1 + x2) / 2, (y1 + y2) / 2
            rx = max(0.3 * w, 0.75 * STRIDE)
            ry = max(0.3 * h, 0.75 * STRIDE)
            m = (np.abs(gx - mx) <= rx) & (np.abs(gy - my) <= ry)
            if not m.any():
                m = np.zeros(n, bool)
                m[np.argmin((gx - mx) ** 2 + (gy - my) ** 2)] = True
            area = w * h
            m &= area < best_area
            best_area[m] = area
            pos[bi, m] = 1
            tb[bi, m] = (x1, y1, x2, y2)
    return torch.from_numpy(pos), torch.from_numpy(tb), torch.from_numpy(np.stack([gx, gy], 1).astype(np.float32))


def load_labels(root: Path) -> tuple[list[tuple[Path, np.ndarray]], int]:
    """A set's image paths and boxes, without reading the images (for --workers)."""
    meta = json.loads((root / "labels.json").read_text())
    items = [(root / it["image"], np.array(it["boxes"], np.float32).reshape(-1, 4)) for it in meta["items"]]
    return items, int(meta["imgsz"])


class Stream(torch.utils.data.Dataset):
    """Training images read from disk and augmented in DataLoader workers. Sample i of epoch e is
    augmented with its own generator seeded (seed, e, i), so a run does not depend on the number of
    workers."""

    def __init__(
        self, items: list[tuple[Path, np.ndarray]], seed: int, epoch: int, hard: float, grilles: float
    ) -> None:
        self.items, self.seed, self.epoch, self.hard, self.grilles = items, seed, epoch, hard, grilles

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        path, bx = self.items[i]
        img = cv2.imread(str(path))
        if img is None:
            raise FileNotFoundError(f"{path}: not an image")
        rng = np.random.default_rng([self.seed, self.epoch, i])
        return augment(img[:, :, ::-1], bx, rng, self.hard, self.grilles)


def collate(size: int, samples: list[tuple[np.ndarray, np.ndarray]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    pos, tb, _grid = make_targets([b for _, b in samples], size)
    return torch.from_numpy(np.stack([im for im, _ in samples])), pos, tb


def lr_at(progress: float, peak: float, warm: float = 0.08) -> float:
    """One cycle by progress (0-1): linear warm-up from peak/25, then cosine down to about 0."""
    if progress < warm:
        return peak * (0.04 + 0.96 * progress / warm)
    return peak * (1e-4 + (1 - 1e-4) * 0.5 * (1 + math.cos(math.pi * min(1.0, (progress - warm) / (1 - warm)))))


def _motion_kernel(length: int, angle_deg: float) -> np.ndarray:
    k = np.zeros((length, length), np.float32)
    c = (length - 1) / 2
    dx, dy = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    for t in np.linspace(-c, c, 2 * length):
        k[round(c + t * dy), round(c + t * dx)] = 1.0
    return k / k.sum()


def degrade(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One or two camera conditions the training renderer does not draw (RGB uint8 in, out):
    overexposure, motion blur / shake, fog, low light with sensor noise, IR monochrome, glare,
    heavy JPEG."""
    f = img.astype(np.float32)
    for op in rng.choice(
        ["over", "motion", "fog", "dark", "ir", "glare", "jpeg", "noise"], size=int(rng.integers(1, 3)), replace=False
    ):
        if op == "over":  # an exposure set for shade, a bright plate: highlights compress, contrast goes
            k = rng.uniform(1.5, 3.5)
            f = 255.0 * (1.0 - np.exp(-k * f / 255.0)) / (1.0 - np.exp(-k)) + rng.uniform(0, 25)
        elif op == "motion":  # fast vehicle or a shaking pole: a line blur, any direction
            ln = int(rng.integers(3, 14))
            ang = rng.uniform(-25, 25) if rng.random() < 0.6 else rng.uniform(0, 180)
            f = cv2.filter2D(f, -1, _motion_kernel(ln, ang))
        elif op == "fog":
            a = rng.uniform(0.3, 0.7)
            f = cv2.GaussianBlur(f, (0, 0), rng.uniform(0.5, 1.5)) * (1 - a) + a * rng.uniform(150, 220)
        elif op == "dark":
            f = f * rng.uniform(0.12, 0.45)
            f = f + rng.normal(0, rng.uniform(2, 8), f.shape)
        elif op == "ir":
            g = f.mean(axis=2, keepdims=True)
            g = (g - g.mean()) * rng.uniform(1.0, 1.6) + g.mean()
            f = np.repeat(g, 3, axis=2)
        elif op == "glare":
            h, w = f.shape[:2]
            cx, cy, rad = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.1, 0.5) * w
            yy, xx = np.mgrid[0:h, 0:w]
            blob = np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * rad**2)))[..., None]
            f = f + blob * rng.uniform(80, 220)
        elif op == "noise":
            f = f + rng.normal(0, rng.uniform(3, 12), f.shape)
        else:
            _ok, enc = cv2.imencode(
                ".jpg", np.clip(f, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(8, 45))]
            )
            f = cv2.imdecode(enc, cv2.IMREAD_UNCHANGED).astype(np.float32)
    out = np.clip(f, 0, 255).astype(np.uint8)
    # The letterbox's padding is added after the camera: keep it the flat 114 the pipeline adds.
    content = (img != 114).any(axis=2)
    rows, cols = np.flatnonzero(content.any(axis=1)), np.flatnonzero(content.any(axis=0))
    if len(rows) and len(cols):
        pad = np.ones(content.shape, bool)
        pad[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] = False
        out[pad] = 114
    return out


def augment(
    img: np.ndarray, bx: np.ndarray, rng: np.random.Generator, hard: float = 0.0, grilles: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    img = img.copy()
    bx = bx.copy()
    s = img.shape[1]
    if grilles and rng.random() < grilles:  # slatted panels, louvres, mesh: negatives (clutter.paste_grilles)
        paste_grilles(img, [tuple(b) for b in bx], rng, int(rng.integers(1, 4)))
    if rng.random() < 0.5:
        img = img[:, ::-1].copy()
        if len(bx):
            bx[:, [0, 2]] = s - bx[:, [2, 0]]
    if rng.random() < 0.8:
        a = rng.uniform(0.6, 1.4)
        b = rng.uniform(-30, 30)
        img = np.clip(img.astype(np.float32) * a + b, 0, 255).astype(np.uint8)
    if rng.random() < 0.2:
        img = cv2.GaussianBlur(img, (3, 3), 0)
    if rng.random() < 0.3:
        img = np.ascontiguousarray(img[:, :, rng.permutation(3)])
    if hard and rng.random() < hard:
        img = degrade(img, rng)
    return img, bx


def giou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    ix1 = torch.max(a[:, 0], b[:, 0])
    iy1 = torch.max(a[:, 1], b[:, 1])
    ix2 = torch.min(a[:, 2], b[:, 2])
    iy2 = torch.min(a[:, 3], b[:, 3])
    inter = (ix2 - ix1).clamp(min=0) * (iy2 - iy1).clamp(min=0)
    aa = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    ab = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = aa + ab - inter + 1e-6
    iou = inter / union
    cx1 = torch.min(a[:, 0], b[:, 0])
    cy1 = torch.min(a[:, 1], b[:, 1])
    cx2 = torch.max(a[:, 2], b[:, 2])
    cy2 = torch.max(a[:, 3], b[:, 3])
    carea = (cx2 - cx1) * (cy2 - cy1) + 1e-6
    return iou - (carea - union) / carea


def loss_fn(cls: torch.Tensor, box: torch.Tensor, pos: torch.Tensor, tb: torch.Tensor, grid: torch.Tensor):
    b = cls.shape[0]
    logits = cls.reshape(b, -1)
    ltrb = decode_ltrb(box.reshape(b, 4, -1)).permute(0, 2, 1)  # B, N, 4
    pred = torch.stack(
        [grid[:, 0] - ltrb[..., 0], grid[:, 1] - ltrb[..., 1], grid[:, 0] + ltrb[..., 2], grid[:, 1] + ltrb[..., 3]], -1
    )
    npos = pos.sum().clamp(min=1.0)
    m = pos > 0
    # Quality target: IoU of the predicted box for positives (keeps scores ranked by box quality).
    with torch.no_grad():
        tq = torch.zeros_like(logits)
        if m.any():
            tq[m] = giou(pred[m], tb[m]).clamp(min=0.0).detach() * 0.5 + 0.5
    p = torch.sigmoid(logits)
    bce = F.binary_cross_entropy_with_logits(logits, tq, reduction="none")
    wgt = torch.where(m, torch.ones_like(p) * 1.0, 0.75 * p.pow(2.0))
    l_cls = (bce * wgt).sum() / npos
    l_box = (1 - giou(pred[m], tb[m])).sum() / npos if m.any() else logits.sum() * 0
    return l_cls + 2.0 * l_box, float(l_cls), float(l_box)


# -- evaluation ---------------------------------------------------------------------------------


def nms(boxes: np.ndarray, scores: np.ndarray, thr: float = 0.5) -> list[int]:
    order = scores.argsort()[::-1]
    keep = []
    while len(order):
        i = order[0]
        keep.append(int(i))
        rest = order[1:]
        ix1 = np.maximum(boxes[i, 0], boxes[rest, 0])
        iy1 = np.maximum(boxes[i, 1], boxes[rest, 1])
        ix2 = np.minimum(boxes[i, 2], boxes[rest, 2])
        iy2 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
        ar = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        iou = inter / (ar[i] + ar[rest] - inter + 1e-6)
        order = rest[iou < thr]
    return keep


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    aa = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    ab = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (aa[:, None] + ab[None, :] - inter + 1e-6)


def evaluate(predict, imgs: np.ndarray, boxes: list[np.ndarray], score_thr: float = 0.4, min_gt_w: float = 0.0) -> dict:
    """Recall/precision at IoU 0.5. `predict(img_uint8_rgb) -> (1, 5, N)` array."""
    tp = fp = fn = 0
    ms = []
    for img, gt in zip(imgs, boxes, strict=True):
        t = time.perf_counter()
        out = predict(img)[0]
        ms.append((time.perf_counter() - t) * 1000)
        keep = out[4] >= score_thr
        o = out[:, keep]
        pb = np.stack([o[0] - o[2] / 2, o[1] - o[3] / 2, o[0] + o[2] / 2, o[1] + o[3] / 2], 1)
        sc = o[4]
        k = nms(pb, sc, 0.5) if len(sc) else []
        pb = pb[k]
        gt_big = gt[(gt[:, 2] - gt[:, 0]) >= min_gt_w] if len(gt) else gt
        gt_small = gt[(gt[:, 2] - gt[:, 0]) < min_gt_w] if len(gt) else gt
        matched = set()
        if len(pb) and len(gt_big):
            iou = iou_matrix(pb, gt_big)
            for pi in np.argsort(-iou.max(1)):
                gj = int(iou[pi].argmax())
                if iou[pi, gj] >= 0.5 and gj not in matched:
                    matched.add(gj)
                    tp += 1
                elif len(gt_small) and iou_matrix(pb[pi : pi + 1], gt_small).max() >= 0.3:
                    pass  # detection of a plate smaller than the evaluated size: neither TP nor FP
                else:
                    fp += 1
        elif len(pb):
            for pi in range(len(pb)):
                if len(gt_small) and iou_matrix(pb[pi : pi + 1], gt_small).max() >= 0.3:
                    continue
                fp += 1
        fn += len(gt_big) - len(matched)
    return {
        "recall": tp / max(tp + fn, 1),
        "precision": tp / max(tp + fp, 1),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "ms_median": float(np.median(ms)) if ms else 0.0,
    }


def export_onnx(net: PlateNet, size: int, path: Path, score_shift: float = 0.0, class_name: str = "plate") -> None:
    """Export with in-graph decoding. `score_shift` is subtracted from the logits (calibration);
    `class_name` is the one class written to the metadata's `names`. The input's height and width are
    free (multiples of 32); `size`, the square trained at, is the metadata's `imgsz`, which the
    pipeline letterboxes to unless a region is large (`detector.large_size`)."""
    import onnx

    net.eval()
    m = Exported(net, score_shift).eval()
    x = torch.zeros(1, 3, size, size)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        m,
        (x,),
        str(path),
        input_names=["images"],
        output_names=["output0"],
        opset_version=17,
        dynamo=False,
        do_constant_folding=True,
        dynamic_axes={"images": {2: "height", 3: "width"}, "output0": {2: "cells"}},
    )
    model = onnx.load(str(path))
    for k, v in {
        "imgsz": str(size),
        "stride": str(STRIDE),
        "names": f"{{0: '{class_name}'}}",
        "task": "detect",
        "score_shift": f"{score_shift:.4f}",
        "description": f"edge-alpr {path.stem}: synthetic-data {class_name} detector, Ultralytics raw output",
    }.items():
        p = model.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def load_fused_onnx(net: PlateNet, path: Path) -> None:
    """Start from an exported model: its Conv weights have the BatchNorms folded in, so each conv
    takes the fused weight and its BatchNorm becomes the identity plus the fused bias (to be trained
    with the BatchNorms frozen, `--freeze-bn`)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    pairs = []  # (conv, bn) in the order forward() runs them, which is the graph's order
    for mod in (net.stem, net.c3, net.c4, net.c5, net.lat4, net.lat5, net.lat3, net.neck):
        seq = [m for m in mod.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d))]
        pairs += [(seq[i], seq[i + 1]) for i in range(0, len(seq), 2)]
    heads = [net.head_cls, net.head_box]
    if len(convs) != len(pairs) + len(heads):
        raise SystemExit(f"{path}: {len(convs)} Conv nodes, this PlateNet has {len(pairs) + len(heads)}")
    with torch.no_grad():
        for node, (conv, bn) in zip(convs, pairs, strict=False):
            w, b = init[node.input[1]], init[node.input[2]]
            if tuple(w.shape) != tuple(conv.weight.shape):
                raise SystemExit(f"{path}: {node.name} weight {w.shape} does not fit {tuple(conv.weight.shape)}")
            conv.weight.copy_(torch.from_numpy(w))
            bn.weight.fill_(1.0)
            bn.bias.copy_(torch.from_numpy(b))
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
        for node, head in zip(convs[len(pairs) :], heads, strict=True):
            head.weight.copy_(torch.from_numpy(init[node.input[1]]))
            head.bias.copy_(torch.from_numpy(init[node.input[2]]))


def ort_predictor(path: Path, threads: int = 1):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])

    def predict(img: np.ndarray) -> np.ndarray:
        x = (img.astype(np.float32) / 255.0).transpose(2, 0, 1)[None]
        return sess.run(["output0"], {"images": x})[0]

    return predict


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("/work/data-gen/det"), help="training set folder")
    ap.add_argument("--val", type=Path, default=Path("/work/data-gen/det-val"), help="validation set folder")
    ap.add_argument("--out", type=Path, default=Path("/work/data-gen/det-runs"), help="checkpoints folder")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=1, help="torch threads")
    ap.add_argument("--device", default="cpu", help="torch device: cpu, or cuda where a GPU is")
    ap.add_argument(
        "--workers",
        type=int,
        default=0,
        help="DataLoader processes reading and augmenting images from disk (0: all images in memory, one "
        "generator for the run, as plate-det-v1 and v2 were trained)",
    )
    ap.add_argument("--width", type=float, default=1.0, help="channel multiplier of a new network (1: v1/v2's)")
    ap.add_argument(
        "--anneal-by-time",
        action="store_true",
        help="one-cycle learning rate over --epochs or --max-minutes, whichever ends first (else by --epochs)",
    )
    ap.add_argument("--seed", type=int, default=1127)
    ap.add_argument("--max-minutes", type=float, default=0, help="stop after this many minutes (0: no limit)")
    ap.add_argument("--export", type=Path, default=None, help="write the ONNX model here at the end")
    ap.add_argument("--weights", type=Path, default=None, help="start from / evaluate these weights")
    ap.add_argument("--eval-only", action="store_true", help="skip training: export + evaluate --weights")
    ap.add_argument("--class-name", default="plate", help="the class the boxes mark (ONNX metadata `names`)")
    ap.add_argument(
        "--score-shift",
        type=float,
        default=0.811,
        help="logit shift baked into the exported score (0.811 maps a raw 0.6 to 0.4, so the pipeline's "
        "default threshold 0.4 gets the precision of raw 0.6)",
    )
    ap.add_argument("--init-onnx", type=Path, default=None, help="start from an exported model's weights")
    ap.add_argument("--freeze-bn", action="store_true", help="keep BatchNorm statistics fixed (with --init-onnx)")
    ap.add_argument(
        "--hard-aug",
        type=float,
        default=0.0,
        help="share of training images degraded (overexposure, motion blur, fog, low light, IR, glare, JPEG)",
    )
    ap.add_argument(
        "--grilles",
        type=float,
        default=0.0,
        help="share of training images given grille-like negatives (slats, louvres, mesh; no characters)",
    )
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    dev = torch.device(a.device)
    width = a.width
    state = None
    if a.weights:
        state = torch.load(a.weights, map_location="cpu")
        width = state["stem.0.0.weight"].shape[0] / 16  # the checkpoint's own width
    net = PlateNet(width)
    if state is not None:
        net.load_state_dict(state)
    if a.init_onnx:
        load_fused_onnx(net, a.init_onnx)
    print(f"parameters: {sum(p.numel() for p in net.parameters())} (width {width:g})", flush=True)
    vimgs, vboxes, size = load_set(a.val)
    a.out.mkdir(parents=True, exist_ok=True)
    if not a.eval_only:
        t0 = time.time()
        net.to(dev)
        if a.workers:  # read and augment in worker processes, one generator per sample
            items, size = load_labels(a.data)
            n_images, n_boxes = len(items), sum(len(b) for _, b in items)
        else:  # in memory, one generator for the run (how plate-det-v1 and v2 were trained)
            imgs, boxes, size = load_set(a.data)
            n_images, n_boxes = len(imgs), sum(len(b) for b in boxes)
        print(
            f"train images {n_images}, boxes {n_boxes}; val images {len(vimgs)}; load {time.time() - t0:.0f} s",
            flush=True,
        )

        def batches(ep: int):
            if a.workers:
                yield from torch.utils.data.DataLoader(
                    Stream(items, a.seed, ep, a.hard_aug, a.grilles),
                    batch_size=a.batch,
                    shuffle=True,
                    generator=torch.Generator().manual_seed(a.seed * 1000 + ep),
                    num_workers=a.workers,
                    collate_fn=functools.partial(collate, size),
                    pin_memory=dev.type == "cuda",
                    prefetch_factor=2,
                )
                return
            perm = rng.permutation(len(imgs))
            for bi in range(math.ceil(len(imgs) / a.batch)):
                idx = perm[bi * a.batch : (bi + 1) * a.batch]
                yield collate(size, [augment(imgs[i], boxes[i], rng, a.hard_aug, a.grilles) for i in idx])

        _pos, _tb, grid = make_targets([], size)
        grid = grid.to(dev)
        opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-4)
        steps_per_epoch = math.ceil(n_images / a.batch)
        total = a.epochs * steps_per_epoch
        limit = a.max_minutes * 60
        sched = None
        if not a.anneal_by_time:
            sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=total, pct_start=0.08)
        best = -1.0
        step = 0
        stop = False
        for ep in range(a.epochs):
            if a.freeze_bn:
                training_mode(net)
            else:
                net.train()
            te = time.time()
            run = [0.0, 0.0]
            for bi, (xb, pos, tb) in enumerate(batches(ep)):
                if sched is None:  # the schedule ends at --epochs or at --max-minutes, whichever is first
                    progress = max(step / total, (time.time() - t0) / limit if limit else 0.0)
                    for g in opt.param_groups:
                        g["lr"] = lr_at(progress, a.lr)
                x = xb.to(dev, non_blocking=True).permute(0, 3, 1, 2).float() / 255.0
                cls, box = net(x)
                loss, lc, lb = loss_fn(cls, box, pos.to(dev), tb.to(dev), grid)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
                opt.step()
                if sched is not None and step < total - 1:
                    sched.step()
                step += 1
                run[0] += lc
                run[1] += lb
                if bi % 20 == 0:
                    print(
                        f"epoch {ep + 1}/{a.epochs} step {bi}/{steps_per_epoch} cls {run[0] / (bi + 1):.4f} "
                        f"box {run[1] / (bi + 1):.4f} lr {opt.param_groups[0]['lr']:.2e} ({time.time() - te:.0f} s)",
                        flush=True,
                    )
                if limit and time.time() - t0 > limit:
                    stop = True
                    break
            net.eval()
            with torch.no_grad():
                exp = Exported(net).to(dev).eval()
                ev = evaluate(
                    lambda im: (
                        exp(  # noqa: B023
                            torch.from_numpy(im.copy()).to(dev).permute(2, 0, 1)[None].float() / 255.0
                        )
                        .cpu()
                        .numpy()
                    ),
                    vimgs[:400],
                    vboxes[:400],
                )
            f1 = 2 * ev["recall"] * ev["precision"] / max(ev["recall"] + ev["precision"], 1e-6)
            print(
                f"epoch {ep + 1} done in {time.time() - te:.0f} s: val(400) recall {ev['recall']:.3f} "
                f"precision {ev['precision']:.3f} f1 {f1:.3f}",
                flush=True,
            )
            cpu_state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
            torch.save(cpu_state, a.out / "last.pt")
            torch.save(cpu_state, a.out / f"epoch{ep + 1}.pt")  # to choose on other data than val
            if f1 > best:
                best = f1
                torch.save(cpu_state, a.out / "best.pt")
                print(f"  saved best.pt (f1 {f1:.3f})", flush=True)
            if stop:
                print("time limit reached", flush=True)
                break
        net.to("cpu")
        net.load_state_dict(torch.load(a.out / "best.pt", map_location="cpu"))
        print(f"training time {(time.time() - t0) / 60:.1f} min", flush=True)
    if a.export:
        export_onnx(net, size, a.export, a.score_shift, a.class_name)
        print(f"exported {a.export} ({a.export.stat().st_size} bytes)", flush=True)
        pred = ort_predictor(a.export, threads=1)
        pred(vimgs[0])
        res = {"all": evaluate(pred, vimgs, vboxes)}
        res["plates>=20px"] = evaluate(pred, vimgs, vboxes, min_gt_w=20)
        res["plates>=40px"] = evaluate(pred, vimgs, vboxes, min_gt_w=40)
        res["val_images"] = len(vimgs)
        print(json.dumps(res, indent=2), flush=True)
        (a.out / "eval.json").write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    sys.exit(main())
