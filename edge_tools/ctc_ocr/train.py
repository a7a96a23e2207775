"""Fine-tune the PP-OCR recogniser (pretrained on real text) on rendered plate crops with CTC.

Reads crops named `<anything>_<TEXT>.jpg` from --data (written by `edge_tools.ctc_ocr.gen`, which
may still be writing: the file list is re-read every --rescan steps). Each crop gets a fresh
augmentation per use (grey/IR, blur, motion blur, noise, JPEG, down-and-up scaling, gamma and
contrast, framing jitter, small rotation; with --two-lines, two crops stacked into a two-line
plate and stitched as the runtime stitches one). Stops
after --steps or --minutes, whichever comes first, and exports the last weights: no checkpoint is
chosen on any validation set (the cross-renderer set judges the result afterwards).

On a GPU machine (`--device cuda`), `--workers N` processes make the augmented batches, so the
cores keep the GPU fed (scripts/train_ctc_ocr_gpu.sh); without workers the batches are made in the
training loop, as the shipped CPU run made them.

Example (CPU: 1-2 s per step of 32 on 2 idle cores; the shipped run did 1,573 steps in 48 min):
    python -m edge_tools.ctc_ocr.train --data /work/data-gen/ppocr/crops --out /work/data-gen/ppocr/run1 \\
        --minutes 60 --batch 32
    python -m edge_tools.ctc_ocr.train --data /work/data-gen/ppocr2/crops --out /work/data-gen/ppocr2/runD \\
        --init-onnx models/plate-ocr-ctc-v1.onnx --dark 0.3 --lr 5e-5 --minutes 55   # tried: not kept
    python -m edge_tools.ctc_ocr.train --data /tmp/ocr/crops --out /tmp/ocr/a --device cuda --workers 6 \\
        --batch 128 --lr 2e-4 --minutes 8   # a GPU machine
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edge.ocr.ctc import HEIGHT, MAX_WIDTH, batch, decode, stitch_lines
from edge_tools.ctc_ocr.convert import ALPHABET, from_export, to_torch
from edge_tools.frozen_bn import training_mode


def augment(img: np.ndarray[Any, Any], rng: random.Random, dark: float = 0.0) -> np.ndarray[Any, Any]:
    h, w = img.shape[:2]
    if rng.random() < 0.5:  # framing jitter, as another detector box would cut it
        dx, dy = int(w * 0.06), int(h * 0.08)
        x0, x1 = rng.randint(0, dx), w - rng.randint(0, dx)
        y0, y1 = rng.randint(0, dy), h - rng.randint(0, dy)
        if x1 - x0 > 8 and y1 - y0 > 8:
            img = img[y0:y1, x0:x1]
    if rng.random() < 0.3:
        a = rng.uniform(-5, 5)
        hh, ww = img.shape[:2]
        m = cv2.getRotationMatrix2D((ww / 2, hh / 2), a, 1.0)
        img = cv2.warpAffine(img, m, (ww, hh), borderMode=cv2.BORDER_REPLICATE)
    if dark and rng.random() < dark:  # low light: a dim plate, then the camera's gain lifts it with its noise
        f = img.astype(np.float32) * rng.uniform(0.15, 0.5)
        f = f + np.random.default_rng(rng.getrandbits(32)).normal(0, rng.uniform(2, 6), f.shape)
        img = np.clip(f * rng.uniform(1.0, 2.5), 0, 255).astype(np.uint8)
    if rng.random() < 0.25:  # IR / monochrome camera
        g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        img = cv2.cvtColor(g, cv2.COLOR_GRAY2BGR)
    if rng.random() < 0.3:  # low resolution, upscaled
        f = rng.uniform(0.3, 0.7)
        hh, ww = img.shape[:2]
        small = cv2.resize(img, (max(4, int(ww * f)), max(4, int(hh * f))), interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (ww, hh), interpolation=rng.choice([cv2.INTER_LINEAR, cv2.INTER_NEAREST]))
    if rng.random() < 0.3:
        k = rng.choice([3, 5])
        img = cv2.GaussianBlur(img, (k, k), 0)
    if rng.random() < 0.2:  # horizontal motion blur
        k = rng.choice([3, 5, 7])
        kern = np.zeros((k, k), np.float32)
        kern[k // 2, :] = 1.0 / k
        img = cv2.filter2D(img, -1, kern)
    f = img.astype(np.float32)
    if rng.random() < 0.5:  # gamma, contrast, brightness
        f = 255.0 * (f / 255.0) ** rng.uniform(0.5, 2.0)
        f = (f - 128.0) * rng.uniform(0.5, 1.3) + 128.0 + rng.uniform(-40, 40)
    if rng.random() < 0.4:
        f = f + np.random.default_rng(rng.getrandbits(32)).normal(0, rng.uniform(3, 18), f.shape)
    img = np.clip(f, 0, 255).astype(np.uint8)
    if rng.random() < 0.4:
        _ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(12, 60)])
        img = cv2.imdecode(enc, cv2.IMREAD_COLOR)
    return img


def scan(data: Path) -> list[tuple[Path, str]]:
    out = []
    for p in data.glob("*.jpg"):
        if p.name.startswith("."):  # a crop gen.py is still writing (its name carries no text)
            continue
        text = p.stem.rsplit("_", 1)[-1]
        if text and all(c in ALPHABET for c in text):
            out.append((p, text))
    return sorted(out)


def batch_of(
    items: list[tuple[Path, str]],
    rng: random.Random,
    aug: bool,
    two_lines: float = 0.0,
    dark: float = 0.0,
    pad_width: int = 0,
) -> tuple[Any, Any, Any]:
    import torch

    images, labels = [], []
    for i, (p, plate) in enumerate(items):
        img = cv2.imread(str(p), cv2.IMREAD_COLOR)
        if img is None:
            continue
        text = plate
        if aug and rng.random() < two_lines:  # pair it with the next crop as a two-line plate
            q, other = items[(i + 1) % len(items)]
            second = cv2.imread(str(q), cv2.IMREAD_COLOR)
            if second is not None and len(plate) + len(other) <= 12:
                img, text = two_line(img, second), plate + other
        images.append(augment(img, rng, dark) if aug else img)
        labels.append([ALPHABET.index(c) + 1 for c in text])
    x = batch(images, HEIGHT, MAX_WIDTH, pad_width)
    targets = torch.tensor([c for lab in labels for c in lab], dtype=torch.long)
    lengths = torch.tensor([len(lab) for lab in labels], dtype=torch.long)
    return torch.from_numpy(x), targets, lengths


class Batches:
    """Augmented training batches for DataLoader worker processes (`--workers`): item i is a batch
    drawn with its own random stream (seed, i) from the crops not held out, each worker re-reading
    the folder every `rescan` of its items (gen.py may still be writing). A map-style dataset with no
    torch base class, so the module imports without torch and pickles for any start method."""

    def __init__(self, data: Path, held: set[Path], size: int, rescan: int, seed: int, **kw: Any):
        self.data, self.held, self.size, self.rescan, self.seed, self.kw = data, held, size, rescan, seed, kw
        self._pool: list[tuple[Path, str]] = []
        self._scanned = -1

    def __len__(self) -> int:
        return 10**9

    def __getitem__(self, i: int) -> tuple[Any, Any, Any]:
        if not self._pool or i - self._scanned >= self.rescan:
            cv2.setNumThreads(1)  # one process per core: OpenCV's own threads would only contend
            self._pool = [it for it in scan(self.data) if it[0] not in self.held]
            self._scanned = i
        rng = random.Random(self.seed * 1_000_003 + i)
        return batch_of(rng.sample(self._pool, self.size), rng, aug=True, **self.kw)


def greedy(logits: Any) -> list[str]:
    return [text for text, _ in decode(logits.softmax(-1).detach().cpu().numpy(), ALPHABET)]


def two_line(top: np.ndarray[Any, Any], bottom: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Two one-line crops stacked into a two-line plate, then read as the runtime reads one
    (edge.ocr.ctc.stitch_lines): the model learns the stitched form, fragments of the other line included."""
    h = max(8, (top.shape[0] + bottom.shape[0]) // 2)
    w = top.shape[1]
    stacked = np.concatenate([cv2.resize(top, (w, h)), cv2.resize(bottom, (w, h))], axis=0)
    return stitch_lines(stacked)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, type=Path, help="folder of <id>_<TEXT>.jpg crops")
    ap.add_argument("--out", required=True, type=Path, help="run folder: weights, log, exported ONNX")
    ap.add_argument("--steps", type=int, default=100000)
    ap.add_argument("--minutes", type=float, default=60.0, help="stop after this much wall time")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="torch device: cpu, or cuda on a GPU machine")
    ap.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes making augmented batches (DataLoader workers); 0: in the training loop, as the "
        "shipped CPU run did. On a GPU machine, most of the cores",
    )
    ap.add_argument("--rescan", type=int, default=50, help="re-read the crop folder every N steps")
    ap.add_argument("--holdout", type=int, default=300, help="crops kept out to print a sanity accuracy")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--init", type=Path, default=None, help="start from these weights (an earlier run's last.pt), not PP-OCR's"
    )
    ap.add_argument(
        "--init-onnx",
        type=Path,
        default=None,
        help="start from a plate model export.py wrote (e.g. models/plate-ocr-ctc-v1.onnx; BatchNorms folded); "
        "export the result with the same --init-onnx",
    )
    ap.add_argument(
        "--dark", type=float, default=0.0, help="share of training crops made dim and noisy (low light, camera gain)"
    )
    ap.add_argument(
        "--two-lines",
        type=float,
        default=0.0,
        help="share of training crops stacked with another into a two-line plate",
    )
    ap.add_argument(
        "--pad-width",
        type=int,
        default=0,
        help="pad every batch to at least this many columns, as the runtime pads a model whose YAML sets "
        "pad_width (edge.ocr.ctc.CtcConfig); 0: to the widest crop of the batch, as plate-ocr-ctc-v1 was trained",
    )
    ap.add_argument(
        "--train-fraction",
        type=float,
        default=0.5,
        help="train only the last this share of parameters (by graph order); the early "
        "layers keep their real-text features and cost no backward pass",
    )
    a = ap.parse_args(argv)
    import torch

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    a.out.mkdir(parents=True, exist_ok=True)
    net = from_export(a.init_onnx) if a.init_onnx is not None else to_torch()
    if a.init is not None:
        net.load_state_dict(torch.load(a.init, map_location="cpu"))
    training_mode(net)
    device = torch.device(a.device)
    net.to(device)
    params = list(net.parameters())
    total = sum(p.numel() for p in params)
    seen = 0
    for p in params:
        p.requires_grad_(seen >= (1 - a.train_fraction) * total)
        seen += p.numel()
    trainable = [p for p in params if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=a.lr, weight_decay=1e-4)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    items = scan(a.data)
    if len(items) < a.holdout + a.batch:
        raise SystemExit(f"{a.data}: only {len(items)} crops")
    holdout = items[: a.holdout]  # the first crops written, never trained on
    held = {p for p, _ in holdout}
    pool = [it for it in items if it[0] not in held]
    t0 = time.time()
    deadline = t0 + a.minutes * 60
    log = (a.out / "train.log").open("a")

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)
        log.write(msg + "\n")
        log.flush()

    def held_acc() -> float:
        net.eval()
        right = 0
        with torch.no_grad():
            for i in range(0, len(holdout), 64):
                chunk = holdout[i : i + 64]
                x, _, _ = batch_of(chunk, rng, aug=False, pad_width=a.pad_width)
                right += sum(p == t for p, (_, t) in zip(greedy(net(x.to(device))), chunk, strict=False))
        training_mode(net)
        return right / len(holdout)

    say(f"training {sum(p.numel() for p in trainable)} of {total} parameters on {device}")
    say(f"start: {len(pool)} crops, held-out sanity accuracy {held_acc():.3f}")
    aug = {"two_lines": a.two_lines, "dark": a.dark, "pad_width": a.pad_width}
    made = (
        iter(
            torch.utils.data.DataLoader(
                Batches(a.data, held, a.batch, a.rescan, a.seed, **aug),
                batch_size=None,
                num_workers=a.workers,
                prefetch_factor=4,
                persistent_workers=True,
                pin_memory=device.type == "cuda",
            )
        )
        if a.workers > 0
        else None
    )
    step, ema = 0, None
    while step < a.steps and time.time() < deadline:
        if made is None and step and step % a.rescan == 0:
            pool = [it for it in scan(a.data) if it[0] not in held]
        frac = min(1.0, (time.time() - t0) / (deadline - t0))
        for g in opt.param_groups:  # warm-up 3 %, then cosine to 5 %
            g["lr"] = a.lr * (
                min(1.0, frac / 0.03) if frac < 0.03 else 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac))
            )
        x, targets, lengths = (
            next(made) if made is not None else batch_of(rng.sample(pool, a.batch), rng, aug=True, **aug)
        )
        x, targets, lengths = (t.to(device, non_blocking=True) for t in (x, targets, lengths))
        logp = net(x).log_softmax(-1).permute(1, 0, 2)  # T, N, C
        inp_len = torch.full((x.shape[0],), logp.shape[0], dtype=torch.long, device=device)
        loss = ctc(logp, targets, inp_len, lengths)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 5.0)
        opt.step()
        step += 1
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % 25 == 0:
            say(
                f"step {step} loss {ema:.3f} lr {opt.param_groups[0]['lr']:.2e} "
                f"pool {len(pool) if made is None else 'in workers'} "
                f"{time.time() - t0:.0f}s"
            )
        if step % 200 == 0:
            say(f"step {step} held-out sanity accuracy {held_acc():.3f}")
            torch.save(net.state_dict(), a.out / "last.pt")
    torch.save(net.state_dict(), a.out / "last.pt")
    say(f"end: step {step}, held-out sanity accuracy {held_acc():.3f} (own renderer: not a generalisation figure)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
