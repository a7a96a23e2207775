"""Synthetic licence-plate images (no real plates, no real people).

`render_plate(text, rng, style)` draws a flat, front-on plate as a BGR uint8 image; the scene
renderer (`edge_tools.synth.scene`) then puts it on a vehicle with perspective, blur, noise and lighting.

Text is drawn with Pillow and TrueType fonts when both are available (install the fonts with
``apt-get install fonts-dejavu-core fonts-liberation2 fonts-roboto-unhinted fonts-b612 fonts-osifont``, or point
``EDGE_SYNTH_FONT_DIR`` at a folder of .ttf/.otf files); otherwise it falls back to OpenCV's
built-in Hershey fonts, which work everywhere but look less like real plates.
"""

from __future__ import annotations

import functools
import itertools
import os
import string
from pathlib import Path
from typing import Any

import cv2
import numpy as np

__all__ = [
    "ALPHABET",
    "STYLES",
    "available_fonts",
    "plate_aspect",
    "random_plate_text",
    "render_plate",
]

ALPHABET = string.digits + string.ascii_uppercase
LETTERS = string.ascii_uppercase
DIGITS = string.digits

#: Plate styles: name -> (aspect w/h, kind). "us" plates are 2:1, "eu" plates ~4.7:1.
STYLES: dict[str, dict[str, Any]] = {
    "us_white": {"aspect": 2.0, "kind": "us"},
    "us_yellow": {"aspect": 2.0, "kind": "us"},
    "us_blue": {"aspect": 2.0, "kind": "us"},
    "eu_white": {"aspect": 4.7, "kind": "eu"},
    "eu_yellow": {"aspect": 4.7, "kind": "eu"},
    "dark": {"aspect": 3.2, "kind": "dark"},
}

# Formats: L = letter, D = digit. Weights roughly favour 6-7 character plates.
_FORMATS: list[tuple[str, float]] = [
    ("LLLDDDD", 0.20),  # ABC1234
    ("DLLLDDD", 0.14),  # 1ABC234
    ("LLDDLLL", 0.14),  # AB12CDE
    ("LLLDDD", 0.12),  # ABC123
    ("DDDLLL", 0.06),  # 123ABC
    ("LLDDDD", 0.06),  # AB1234
    ("LDDDLL", 0.05),  # A123BC
    ("DDLLDD", 0.04),  # 12AB34
    ("LLLLDDD", 0.04),  # ABCD123
    ("LLDDDDD", 0.04),  # AB12345
    ("LDDLLLD", 0.03),  # A12BCD3
    ("DDDD", 0.02),  # 1234
    ("LLDD", 0.02),  # AB12
    ("LLLLDDDD", 0.02),  # ABCD1234
    ("DLLDDDDL", 0.02),  # 1AB2345C
]
# The synthetic region's plate law, as `tracking.masks` (config/synthetic-region.yaml carries it).
PLATE_MASKS: tuple[str, ...] = tuple(fmt for fmt, _ in _FORMATS)
_FORMAT_P = np.array([w for _, w in _FORMATS], dtype=np.float64)
_FORMAT_P /= _FORMAT_P.sum()

# Where separators (space or dash) may go, by format: indices *before* which a gap is drawn.
_GAPS: dict[str, tuple[int, ...]] = {
    "LLLDDDD": (3,),
    "DLLLDDD": (1, 4),
    "LLDDLLL": (4,),
    "LLLDDD": (3,),
    "DDDLLL": (3,),
    "LLDDDD": (2,),
    "LDDDLL": (1, 4),
    "DDLLDD": (2, 4),
    "LLLLDDD": (4,),
    "LLDDDDD": (2,),
    "LDDLLLD": (3,),
    "LLLLDDDD": (4,),
    "DLLDDDDL": (3,),
}

_FONT_DIRS = [
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/truetype/liberation2",
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/roboto/unhinted",
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoTTF",
    "/usr/share/fonts/opentype/b612",
    "/usr/share/fonts/truetype/b612",
    "/usr/share/fonts/opentype/osifont",
    "/usr/share/fonts/truetype/osifont",
]
# Font files that look like plate lettering (bold, condensed, mono, DIN-like), with the Debian package of
# each. The same seeds render other plates under another set of fonts (a font is drawn by index into
# the set), so this set is part of every dataset's and the validation set's definition (the five
# packages are the ones the model notes name for the training data), and `require_fonts` refuses to
# make data without it.
PLATE_FONTS: dict[str, str] = {
    "DejaVuSans-Bold.ttf": "fonts-dejavu-core",
    "DejaVuSansCondensed-Bold.ttf": "fonts-dejavu-core",
    "DejaVuSansMono-Bold.ttf": "fonts-dejavu-core",
    "DejaVuSansCondensed.ttf": "fonts-dejavu-core",
    "LiberationSans-Bold.ttf": "fonts-liberation2",
    "LiberationMono-Bold.ttf": "fonts-liberation2",
    "RobotoCondensed-Bold.ttf": "fonts-roboto-unhinted",
    "RobotoCondensed-Medium.ttf": "fonts-roboto-unhinted",
    "RobotoCondensed-Regular.ttf": "fonts-roboto-unhinted",
    "Roboto-Bold.ttf": "fonts-roboto-unhinted",
    "Roboto-Black.ttf": "fonts-roboto-unhinted",
    "B612-Bold.otf": "fonts-b612",
    "B612Mono-Bold.otf": "fonts-b612",
    "B612-Regular.otf": "fonts-b612",
    "osifont.ttf": "fonts-osifont",
}


def require_fonts() -> None:
    """Refuse (SystemExit naming the Debian packages) to make data without the whole font set.

    Data made with fonts missing is other data: the validation clips rendered without osifont (same
    vehicles, other glyphs) read 102 of 108 with plate-ocr-v8, those of the whole set 101.
    """
    if os.environ.get("EDGE_SYNTH_FONT_DIR"):
        return  # the user chose the fonts; their data is theirs
    have = {Path(p).name for p in available_fonts()}
    missing = sorted({pkg for name, pkg in PLATE_FONTS.items() if name not in have})
    if missing:
        raise SystemExit(
            f"synthetic data needs the plate fonts of packages {', '.join(missing)} "
            f"(apt-get install {' '.join(missing)}): without them the same seeds render other plates"
        )


@functools.lru_cache(maxsize=1)
def available_fonts() -> tuple[str, ...]:
    """Paths of the TrueType/OpenType fonts found on this machine (may be empty).

    Searches ``EDGE_SYNTH_FONT_DIR`` (every .ttf/.otf in it) and the usual Debian font folders.
    Returns an empty tuple when Pillow is missing, since only Pillow can draw them.
    """
    try:
        import PIL.ImageFont  # noqa: F401
    except ImportError:
        return ()
    found: list[str] = []
    extra = os.environ.get("EDGE_SYNTH_FONT_DIR")
    if extra and Path(extra).is_dir():
        found += sorted(str(p) for p in Path(extra).iterdir() if p.suffix.lower() in (".ttf", ".otf"))
    names: set[str] = set()
    for d in _FONT_DIRS:
        for name in PLATE_FONTS:
            p = Path(d) / name
            if p.is_file() and name not in names:  # one copy of a font, wherever a package put it
                found.append(str(p))
                names.add(name)
    return tuple(found)


def random_plate_text(rng: np.random.Generator) -> str:
    """A random plate text, uppercase A-Z and 0-9 only, 4 to 8 characters (e.g. ABC1234)."""
    fmt = _FORMATS[int(rng.choice(len(_FORMATS), p=_FORMAT_P))][0]
    out = []
    for c in fmt:
        pool = LETTERS if c == "L" else DIGITS
        out.append(pool[int(rng.integers(len(pool)))])
    return "".join(out)


def plate_aspect(style: str) -> float:
    """Width / height of a plate of this style."""
    return float(STYLES[style]["aspect"])


def _format_of(text: str) -> str:
    return "".join("D" if c.isdigit() else "L" for c in text)


@functools.lru_cache(maxsize=64)
def _pil_font(path: str, size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


def _draw_text_pil(
    canvas: np.ndarray,
    groups: list[str],
    box: tuple[int, int, int, int],
    color: tuple[int, int, int],
    font_path: str,
    rng: np.random.Generator,
    sep: str,
) -> None:
    """Draw `groups` of characters centred in `box` (x0, y0, x1, y1) on BGR `canvas`, in place."""
    from PIL import Image, ImageDraw

    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    text = (sep if sep else " ").join(groups) if len(groups) > 1 else groups[0]
    # Find a font size whose rendered text fills the box height and fits the width.
    size = int(bh * 1.15)
    for _ in range(30):
        font = _pil_font(font_path, max(size, 6))
        left, top, right, bottom = font.getbbox(text)
        tw, th = right - left, bottom - top
        if tw <= bw and th <= bh:
            break
        size = int(size * min(0.97, max(0.5, min(bw / max(tw, 1), bh / max(th, 1)))))
    font = _pil_font(font_path, max(size, 6))
    left, top, right, bottom = font.getbbox(text)
    tw, th = right - left, bottom - top
    # Horizontal stretch: render on its own layer then resize, to vary character width.
    layer = Image.new("L", (tw + 4, th + 4), 0)
    ImageDraw.Draw(layer).text((2 - left, 2 - top), text, font=font, fill=255)
    mask = np.asarray(layer, dtype=np.float32) / 255.0
    stretch = float(rng.uniform(0.85, 1.0)) * bw / max(mask.shape[1], 1)
    stretch = min(stretch, bw / max(mask.shape[1], 1))
    new_w = max(1, int(mask.shape[1] * max(stretch, 0.5)))
    new_w = min(new_w, bw)
    new_h = min(bh, mask.shape[0])
    mask = np.asarray(cv2.resize(mask, (new_w, new_h), interpolation=cv2.INTER_AREA), dtype=np.float32)
    ox = x0 + (bw - new_w) // 2
    oy = y0 + (bh - new_h) // 2
    roi = canvas[oy : oy + new_h, ox : ox + new_w].astype(np.float32)
    col = np.array(color, dtype=np.float32)[None, None, :]
    m = mask[:, :, None]
    canvas[oy : oy + new_h, ox : ox + new_w] = (roi * (1 - m) + col * m).astype(np.uint8)


def _draw_text_hershey(
    canvas: np.ndarray,
    groups: list[str],
    box: tuple[int, int, int, int],
    color: tuple[int, int, int],
    rng: np.random.Generator,
    sep: str,
) -> None:
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    text = (sep if sep else " ").join(groups) if len(groups) > 1 else groups[0]
    face = [cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX][int(rng.integers(2))]
    thick = max(2, bh // 9)
    (tw, th), _ = cv2.getTextSize(text, face, 1.0, thick)
    layer = np.zeros((th + 2 * thick + 4, tw + 2 * thick + 4), np.uint8)
    cv2.putText(layer, text, (thick + 2, th + thick + 2), face, 1.0, 255, thick, cv2.LINE_AA)
    ys, xs = np.nonzero(layer)
    layer = layer[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    new_w = min(bw, int(bw * rng.uniform(0.85, 1.0)))
    new_h = bh
    mask = cv2.resize(layer, (new_w, new_h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    ox = x0 + (bw - new_w) // 2
    roi = canvas[y0 : y0 + new_h, ox : ox + new_w].astype(np.float32)
    m = mask[:, :, None]
    col = np.array(color, dtype=np.float32)[None, None, :]
    canvas[y0 : y0 + new_h, ox : ox + new_w] = (roi * (1 - m) + col * m).astype(np.uint8)


def _jitter(color: tuple[int, int, int], rng: np.random.Generator, amount: int = 18) -> tuple[int, int, int]:
    c = np.clip(np.array(color) + rng.integers(-amount, amount + 1, 3), 0, 255)
    return (int(c[0]), int(c[1]), int(c[2]))


def _small_text(rng: np.random.Generator, n: int) -> str:
    return "".join(LETTERS[int(rng.integers(26))] for _ in range(n))


def render_plate(text: str, rng: np.random.Generator, style: str | None = None, *, stacked: bool = False) -> np.ndarray:
    """Render a front-on plate showing `text` as a BGR uint8 image.

    `style` is one of `STYLES` (random when None). Height is 96-160 px; width follows the
    style's aspect ratio. Separators (space/dash) and small decorative text may be drawn but are
    not part of `text`, as on real plates. With `stacked` (texts of 5+ characters), the first two
    characters are drawn small, one above the other, left of the rest: part of the registration
    (read top, then bottom, then the line), unlike the decorative text.
    """
    if not text or any(c not in ALPHABET for c in text):
        raise ValueError("plate text must be non-empty uppercase A-Z/0-9")
    if style is None:
        style = list(STYLES)[int(rng.integers(len(STYLES)))]
    if style not in STYLES:
        raise ValueError(f"unknown plate style {style!r}; choose from {sorted(STYLES)}")
    kind = STYLES[style]["kind"]
    aspect = plate_aspect(style) * float(rng.uniform(0.95, 1.05))
    h = int(rng.integers(96, 161))
    w = round(h * aspect)

    # Colours (BGR).
    if style == "us_white":
        bg, fg = _jitter((238, 240, 242), rng, 12), _jitter((90, 30, 20), rng, 25)
        if rng.random() < 0.4:
            fg = _jitter((30, 30, 30), rng, 20)
    elif style == "us_yellow":
        bg, fg = _jitter((40, 200, 235), rng, 15), _jitter((25, 25, 25), rng, 15)
    elif style == "us_blue":
        if rng.random() < 0.5:
            bg, fg = _jitter((225, 200, 170), rng, 15), _jitter((90, 30, 10), rng, 15)
        else:
            bg, fg = _jitter((120, 50, 20), rng, 15), _jitter((235, 235, 235), rng, 12)
    elif style == "eu_white":
        bg, fg = _jitter((240, 240, 240), rng, 10), _jitter((20, 20, 20), rng, 12)
    elif style == "eu_yellow":
        bg, fg = _jitter((20, 195, 245), rng, 12), _jitter((20, 20, 20), rng, 12)
    else:  # dark
        bg = _jitter((30, 30, 30), rng, 15)
        fg = _jitter((225, 225, 225), rng, 15) if rng.random() < 0.7 else _jitter((50, 200, 230), rng, 15)

    img = np.empty((h, w, 3), np.uint8)
    img[:] = bg
    # Subtle vertical gradient / reflective sheen.
    grad = np.linspace(float(rng.uniform(-18, 6)), float(rng.uniform(-6, 18)), h, dtype=np.float32)
    sheen = np.linspace(0, 1, w, dtype=np.float32)[None, :] * float(rng.uniform(-12, 12))
    img = np.clip(img.astype(np.float32) + grad[:, None, None] + sheen[:, :, None], 0, 255).astype(np.uint8)

    text_x0, text_x1 = int(0.06 * w), int(0.94 * w)
    text_y0, text_y1 = int(0.22 * h), int(0.80 * h)
    if kind == "us":
        # State-like band at the top, optional slogan at the bottom (short random letters).
        text_y0, text_y1 = int(0.26 * h), int(0.80 * h)
        band_col = _jitter((150, 60, 20), rng, 40) if rng.random() < 0.6 else _jitter((30, 30, 160), rng, 40)
        if style == "us_blue" and bg[0] < 150:
            band_col = (235, 235, 235)
        sz = max(8, int(0.16 * h))
        cv2.putText(
            img,
            _small_text(rng, int(rng.integers(4, 10))),
            (int(w * rng.uniform(0.2, 0.35)), int(0.05 * h) + sz),
            cv2.FONT_HERSHEY_SIMPLEX,
            sz / 24.0,
            band_col,
            max(1, sz // 10),
            cv2.LINE_AA,
        )
        if rng.random() < 0.5:
            sz2 = max(6, int(0.1 * h))
            cv2.putText(
                img,
                _small_text(rng, int(rng.integers(6, 14))),
                (int(w * rng.uniform(0.2, 0.3)), int(0.95 * h)),
                cv2.FONT_HERSHEY_SIMPLEX,
                sz2 / 24.0,
                band_col,
                1,
                cv2.LINE_AA,
            )
    elif kind == "eu":
        band_w = int(0.085 * w)
        cv2.rectangle(img, (0, 0), (band_w, h), _jitter((150, 55, 10), rng, 20), -1)
        # Ring of stars and a country code.
        cx, cy, r = band_w // 2, int(0.33 * h), max(3, int(0.16 * h))
        for k in range(12):
            a = 2 * np.pi * k / 12
            cv2.circle(img, (int(cx + r * np.cos(a)), int(cy + r * np.sin(a))), max(1, h // 60), (0, 210, 250), -1)
        code = _small_text(rng, int(rng.integers(1, 3)))
        sz = max(8, int(0.22 * h))
        cv2.putText(
            img,
            code,
            (max(1, cx - sz * len(code) // 3), int(0.86 * h)),
            cv2.FONT_HERSHEY_SIMPLEX,
            sz / 30.0,
            (245, 245, 245),
            max(1, sz // 8),
            cv2.LINE_AA,
        )
        text_x0 = band_w + int(0.03 * w)
        text_y0, text_y1 = int(0.14 * h), int(0.86 * h)
    else:
        text_y0, text_y1 = int(0.18 * h), int(0.82 * h)

    small, line = (text[:2], text[2:]) if stacked and len(text) >= 5 else ("", text)
    # Separators between character groups.
    fmt = _format_of(line)
    groups = [line]
    sep = ""
    if fmt in _GAPS and rng.random() < 0.7:
        cuts = _GAPS[fmt]
        bounds = [0, *cuts, len(line)]
        groups = [line[a:b] for a, b in itertools.pairwise(bounds)]
        sep = " " if rng.random() < 0.6 else "-"

    fonts = available_fonts()
    font = fonts[int(rng.integers(len(fonts)))] if fonts else None
    box = (text_x0, text_y0, text_x1, text_y1)
    # Thinner text boxes for short texts, so characters keep a plausible shape.
    max_w = int((text_y1 - text_y0) * 0.75 * (len(line) + len(groups) - 1 + (0.8 if small else 0)))
    if text_x1 - text_x0 > max_w:
        extra = (text_x1 - text_x0 - max_w) // 2
        box = (text_x0 + extra, text_y0, text_x1 - extra, text_y1)
    if small:  # two small characters stacked at the left, the line after them
        x0, y0, x1, y1 = box
        th = y1 - y0
        sw, gap, mid = max(4, int(th * rng.uniform(0.32, 0.45))), max(2, int(th * 0.08)), y0 + th // 2
        for ch, (cy0, cy1) in zip(small, ((y0, mid - 1), (mid + 1, y1)), strict=True):
            if font:
                _draw_text_pil(img, [ch], (x0, cy0, x0 + sw, cy1), fg, font, rng, "")
            else:
                _draw_text_hershey(img, [ch], (x0, cy0, x0 + sw, cy1), fg, rng, "")
        box = (x0 + sw + gap, y0, x1, y1)
    if font:
        _draw_text_pil(img, groups, box, fg, font, rng, sep)
    else:
        _draw_text_hershey(img, groups, box, fg, rng, sep)

    # Border, bolts, rounded frame.
    if rng.random() < 0.75:
        t = max(1, int(h * rng.uniform(0.015, 0.045)))
        bcol = fg if rng.random() < 0.6 else _jitter((120, 120, 120), rng, 40)
        cv2.rectangle(img, (t, t), (w - 1 - t, h - 1 - t), bcol, t, cv2.LINE_AA)
    if rng.random() < 0.5:
        r = max(2, h // 28)
        bolt = _jitter((160, 160, 160), rng, 40)
        ys = [int(0.12 * h), int(0.88 * h)] if kind == "us" else [h // 2]
        xs = [int(0.2 * w), int(0.8 * w)]
        for yy in ys[:1] if rng.random() < 0.5 else ys:
            for xx in xs:
                cv2.circle(img, (xx, yy), r, bolt, -1, cv2.LINE_AA)
    # Dirt / wear.
    if rng.random() < 0.3:
        n = int(rng.integers(3, 15))
        for _ in range(n):
            c = (int(rng.integers(w)), int(rng.integers(h)))
            cv2.circle(img, c, int(rng.integers(1, max(2, h // 15))), _jitter((90, 100, 110), rng, 30), -1)
    return img
