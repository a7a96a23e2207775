"""Plate artwork for the cross-renderer: layouts, colours and fonts the training generator never uses.

A `PlateSpec` is drawn by `draw_plate` into an RGB image at a fixed scale (`PX_PER_M` pixels per
metre); the scene warps that image onto the vehicle. The registration (`spec.text`, the truth) is the
plate's characters in reading order without separators: top line then bottom line, small stacked
characters top then bottom, where they stand. Everything else printed on a plate (a header word, a
slogan, a country code, a dealer frame's text) is not part of it, as on real plates.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

# Debian packages the training generator does not use (it renders DejaVu, Liberation, Roboto, B612
# and osifont): fonts-freefont-ttf, fonts-urw-base35, fonts-open-sans, fonts-cantarell.
FONTS: dict[str, tuple[str, ...]] = {
    "FreeSansBold": ("/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",),
    "FreeMonoBold": ("/usr/share/fonts/truetype/freefont/FreeMonoBold.ttf",),
    "NimbusSansNarrow-Bold": ("/usr/share/fonts/opentype/urw-base35/NimbusSansNarrow-Bold.otf",),
    "NimbusSans-Bold": ("/usr/share/fonts/opentype/urw-base35/NimbusSans-Bold.otf",),
    "NimbusMonoPS-Bold": ("/usr/share/fonts/opentype/urw-base35/NimbusMonoPS-Bold.otf",),
    "URWGothic-Demi": ("/usr/share/fonts/opentype/urw-base35/URWGothic-Demi.otf",),
    "OpenSans-CondBold": ("/usr/share/fonts/truetype/open-sans/OpenSans-CondBold.ttf",),
    "OpenSans-Bold": ("/usr/share/fonts/truetype/open-sans/OpenSans-Bold.ttf",),
    "Cantarell-Bold": ("/usr/share/fonts/opentype/cantarell/Cantarell-Bold.otf",),
}
FONT_PACKAGES = "fonts-freefont-ttf fonts-urw-base35 fonts-open-sans fonts-cantarell"

PX_PER_M = 1000  # plate artwork scale: a 0.52 m plate is drawn 520 px wide

# Letters as many registries issue them: no I, O or Q (a reader cannot tell them from 1 and 0).
LETTERS = "".join(c for c in string.ascii_uppercase if c not in "IOQ")
DIGITS = string.digits

# style: (size in metres, background RGB, character RGB, border RGB)
STYLES: dict[str, tuple[tuple[float, float], tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]]] = {
    "us": ((0.305, 0.152), (244, 244, 238), (22, 40, 120), (22, 40, 120)),
    "us-red": ((0.305, 0.152), (250, 248, 240), (150, 20, 30), (150, 20, 30)),
    "eu-white": ((0.520, 0.110), (246, 246, 246), (15, 15, 15), (15, 15, 15)),
    "eu-yellow": ((0.520, 0.110), (250, 204, 20), (10, 10, 10), (10, 10, 10)),
    "dark": ((0.520, 0.120), (24, 24, 28), (225, 225, 215), (200, 200, 200)),
    "square": ((0.340, 0.220), (246, 246, 240), (10, 10, 10), (10, 10, 10)),
}

# Layouts: groups of L (letter) / D (digit) joined by the spec's separator; "/" splits two lines;
# a leading "s:" puts two small stacked characters before the main line.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "us": ("LLL DDDD", "DLLL DDD", "LLL DDD", "DDD LLL", "s:DDDDD", "s:LLDDD"),
    "us-red": ("LLL DDDD", "DDD DLL", "s:DDDDD"),
    "eu-white": ("LL DDD LL", "LL DD LLL", "L LL DDDD", "DD LLL D", "LLL DDD"),
    "eu-yellow": ("DD LLL D", "LL DD LLL", "LLL DD L"),
    "dark": ("LLL DDD", "LL DDDD", "DDD LLL"),
    "square": ("LL DD/LLL D", "DD LL/DDDD", "LLD/DDDD"),
}
SEPARATORS = ("-", " ", "·", "")
HEADERS = ("LAKESHORE", "NORTHERN PLAINS", "SUNCOAST", "GRANITE VALLEY", "RED MESA", "PINE HARBOR")
SLOGANS = ("THE GREAT OUTDOORS", "LAND OF RIVERS", "EST. 1889", "DRIVE SAFE", "VISIT US")
DEALERS = ("METRO AUTO SALES", "RIVERSIDE MOTORS", "A1 CAR CENTER", "HILLTOP FORD", "BAYVIEW KIA 555-0143")
COUNTRY = ("D", "F", "NL", "B", "CZ", "E", "P", "L")


@dataclass(frozen=True)
class PlateSpec:
    text: str  # the registration: what a reader must output
    style: str
    layout: str  # the layout pattern with the text filled in and the separator applied
    font: str
    frame: str | None  # dealer text on a plate frame, or None
    bolts: int  # 0, 2 or 4
    dirt: float  # 0..1
    wear: float  # 0..1
    seed: int

    @property
    def size_m(self) -> tuple[float, float]:
        return STYLES[self.style][0]

    @property
    def char_height_m(self) -> float:
        """Height of the smallest characters of the registration, in metres (for legibility)."""
        _w, h = self.size_m
        lines = self.layout.split("/")
        frac = 0.36 if len(lines) == 2 else (0.62 if self.style in ("us", "us-red") else 0.72)
        if self.layout.startswith("s:"):
            frac *= 0.45
        return h * frac


def font_paths_missing() -> list[str]:
    return [p for paths in FONTS.values() for p in paths if not Path(p).exists()]


def require_fonts() -> None:
    """Raise RuntimeError naming the Debian packages when a font of the cross-renderer is missing."""
    missing = font_paths_missing()
    if missing:
        raise RuntimeError(f"cross-renderer fonts missing ({', '.join(missing)}): apt-get install {FONT_PACKAGES}")


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONTS[name][0], size)


def random_spec(rng: np.random.Generator, seed: int) -> PlateSpec:
    """A plate: style, layout, separator, font, frame, bolts, dirt and wear drawn from `rng`."""
    style = str(rng.choice(list(STYLES)))
    pattern = str(rng.choice(LAYOUTS[style]))
    sep = str(rng.choice(SEPARATORS))
    chars: list[str] = []
    out = []
    for c in pattern:
        if c == "L":
            ch = str(rng.choice(list(LETTERS)))
        elif c == "D":
            ch = str(rng.choice(list(DIGITS)))
        elif c == " ":
            out.append(sep if sep else " ")
            continue
        else:
            out.append(c)
            continue
        chars.append(ch)
        out.append(ch)
    layout = "".join(out)
    if pattern.startswith("s:"):  # two small stacked characters before the main line
        stacked = [str(rng.choice(list(LETTERS))) for _ in range(2)]
        chars = stacked + chars
        layout = "s:" + "".join(stacked) + layout[2:]
    if sep == "" and "/" not in layout:
        layout = layout.replace(" ", "") if rng.random() < 0.6 else layout
    font = str(rng.choice(list(FONTS)))
    if style == "square" and font == "FreeMonoBold":
        font = "NimbusSansNarrow-Bold"
    frame = str(rng.choice(DEALERS)) if rng.random() < 0.35 else None
    bolts = int(rng.choice([0, 2, 2, 4]))
    dirt = float(rng.uniform(0, 0.6)) if rng.random() < 0.4 else 0.0
    wear = float(rng.uniform(0, 0.6)) if rng.random() < 0.4 else 0.0
    return PlateSpec("".join(chars), style, layout, font, frame, bolts, dirt, wear, seed)


def _fit_text(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: str,
    box: tuple[int, int, int, int],
    colour: tuple[int, int, int],
    img: Image.Image,
) -> None:
    """Draw `text` filling `box` (x1, y1, x2, y2) in height, squeezed horizontally when too wide."""
    x1, y1, x2, y2 = box
    bw, bh = x2 - x1, y2 - y1
    f = _font(font, max(8, int(bh * 1.3)))
    left, top, right, bottom = f.getbbox(text)
    tw, th = right - left, bottom - top
    layer = Image.new("L", (max(1, tw), max(1, th)), 0)
    ImageDraw.Draw(layer).text((-left, -top), text, font=f, fill=255)
    scale_h = bh / max(1, th)
    new_w = min(bw, int(tw * scale_h))
    layer = layer.resize((max(1, new_w), bh), Image.Resampling.LANCZOS)
    ox = x1 + (bw - new_w) // 2
    img.paste(Image.new("RGB", layer.size, colour), (ox, y1), layer)
    del draw


def draw_plate(spec: PlateSpec) -> np.ndarray:
    """The plate's artwork (RGB uint8), PX_PER_M pixels per metre, frame included when it has one."""
    rng = np.random.default_rng([spec.seed, 7])
    (wm, hm), bg, fg, border = STYLES[spec.style]
    w, h = int(wm * PX_PER_M), int(hm * PX_PER_M)
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((2, 2, w - 3, h - 3), radius=max(4, h // 14), outline=border, width=max(3, h // 40))
    left = int(0.03 * w)
    if spec.style in ("eu-white", "eu-yellow") and rng.random() < 0.8:  # blue band with a country code
        band = int(0.085 * w)
        d.rectangle((4, 4, band, h - 5), fill=(20, 50, 160))
        cx, cy, rad = band // 2 + 2, int(h * 0.3), int(h * 0.16)
        for k in range(12):
            a = 2 * np.pi * k / 12
            px, py = cx + rad * np.cos(a), cy + rad * np.sin(a)
            d.ellipse((px - 2.5, py - 2.5, px + 2.5, py + 2.5), fill=(250, 210, 0))
        code = str(rng.choice(COUNTRY))
        _fit_text(d, code, "NimbusSans-Bold", (8, int(h * 0.58), band - 3, int(h * 0.86)), (250, 250, 250), img)
        left = band + int(0.02 * w)
    right = w - int(0.03 * w)
    lines = spec.layout.split("/")
    if spec.style in ("us", "us-red"):
        _fit_text(
            d,
            str(rng.choice(HEADERS)),
            "NimbusSans-Bold",
            (int(w * 0.2), int(h * 0.05), int(w * 0.8), int(h * 0.17)),
            (170, 30, 30) if spec.style == "us" else (20, 40, 120),
            img,
        )
        _fit_text(
            d,
            str(rng.choice(SLOGANS)),
            "NimbusSans-Bold",
            (int(w * 0.25), int(h * 0.84), int(w * 0.75), int(h * 0.94)),
            (60, 60, 60),
            img,
        )
        top, bottom = int(h * 0.2), int(h * 0.82)
    else:
        top, bottom = int(h * 0.14), int(h * 0.86)
    main = lines[0]
    if main.startswith("s:"):  # two small stacked characters, then the main line
        s1, s2, main = main[2], main[3], main[4:]
        sw = int((right - left) * 0.1)
        mid = (top + bottom) // 2
        _fit_text(d, s1, spec.font, (left, mid - int((bottom - top) * 0.46), left + sw, mid - 3), fg, img)
        _fit_text(d, s2, spec.font, (left, mid + 3, left + sw, mid + int((bottom - top) * 0.46)), fg, img)
        left += sw + int(0.02 * w)
    if len(lines) == 2:
        mid = (top + bottom) // 2
        _fit_text(d, main, spec.font, (left, top, right, mid - 4), fg, img)
        _fit_text(d, lines[1], spec.font, (left, mid + 4, right, bottom), fg, img)
    else:
        _fit_text(d, main, spec.font, (left, top, right, bottom), fg, img)
    for k in range(spec.bolts):
        bx = int(w * (0.12 if k % 2 == 0 else 0.88))
        by = (
            int(h * (0.1 if k < 2 else 0.9))
            if spec.style not in ("us", "us-red")
            else int(h * (0.12 if k < 2 else 0.88))
        )
        r = max(4, int(h * 0.045))
        d.ellipse((bx - r, by - r, bx + r, by + r), fill=(150, 150, 150), outline=(80, 80, 80), width=2)
        d.line((bx - r + 2, by, bx + r - 2, by), fill=(70, 70, 70), width=2)
    arr = np.asarray(img, dtype=np.float32)
    if spec.wear > 0:  # faded patches and scratches
        fade = (
            np.asarray(
                Image.fromarray((rng.random((h // 20 + 1, w // 20 + 1)) * 255).astype(np.uint8)).resize(
                    (w, h), Image.Resampling.BICUBIC
                ),
                np.float32,
            )[..., None]
            / 255.0
        )
        arr = arr + (255 - arr) * (fade * spec.wear * 0.45)
        for _ in range(int(spec.wear * 12)):
            x0, y0 = rng.integers(0, w), rng.integers(0, h)
            x1, y1 = x0 + rng.integers(-w // 4, w // 4), y0 + rng.integers(-h // 6, h // 6)
            scratch = Image.new("L", (w, h), 0)
            ImageDraw.Draw(scratch).line((int(x0), int(y0), int(x1), int(y1)), fill=160, width=2)
            arr = arr + (np.asarray(scratch, np.float32)[..., None] / 255.0) * (230 - arr) * 0.7
    if spec.dirt > 0:  # brownish blotches, denser at the bottom
        blot = np.zeros((h, w), np.float32)
        yy, xx = np.mgrid[0:h, 0:w]
        for _ in range(int(3 + spec.dirt * 10)):
            cx, cy = rng.uniform(0, w), rng.uniform(h * 0.3, h)
            rx, ry = rng.uniform(w * 0.04, w * 0.15), rng.uniform(h * 0.08, h * 0.3)
            blot += np.exp(-(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2))
        a = np.clip(blot * spec.dirt * 0.55, 0, 0.7)[..., None]
        arr = arr * (1 - a) + np.array([90, 70, 45], np.float32) * a
    plate = np.clip(arr, 0, 255).astype(np.uint8)
    if spec.frame is None:
        return plate
    # A dealer's frame around the plate: a dark rim with its name at the bottom and a line on top.
    fw, ft, fb = int(0.035 * w), int(0.10 * h), int(0.2 * h)
    out = Image.new("RGB", (w + 2 * fw, h + ft + fb), (20, 20, 22))
    out.paste(Image.fromarray(plate), (fw, ft))
    od = ImageDraw.Draw(out)
    _fit_text(
        od,
        spec.frame,
        "FreeSansBold",
        (fw + w // 6, h + ft + int(fb * 0.18), fw + 5 * w // 6, h + ft + int(fb * 0.82)),
        (235, 235, 235),
        out,
    )
    _fit_text(
        od,
        "SERVICE · SALES · PARTS",
        "FreeSansBold",
        (fw + w // 4, int(ft * 0.15), fw + 3 * w // 4, int(ft * 0.85)),
        (200, 200, 200),
        out,
    )
    return np.asarray(out.filter(ImageFilter.SMOOTH), np.uint8)


def frame_margins(spec: PlateSpec) -> tuple[float, float, float]:
    """(side, top, bottom) of a dealer frame in metres, zeros without one (the plate's outline stays the truth)."""
    if spec.frame is None:
        return (0.0, 0.0, 0.0)
    w, h = spec.size_m
    return (0.035 * w, 0.10 * h, 0.2 * h)
