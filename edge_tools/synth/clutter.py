"""Text that is not a plate, pasted into detector training images as hard negatives.

A plate detector trained only on roads with plates learns "text on a light rectangle" and then
fires on the camera's date/time overlay, road signs, shop signs and house numbers (measured on
the cross-renderer's empty roads: 0.37 boxes per frame, nearly all on the overlay). This draws
such text where no plate is, so the detector sees it as background:

- overlays: date/time strings and camera names, white or yellow with a dark outline or shadow, no
  background, near an image edge, in any font (OpenCV's Hershey faces and the machine's fonts);
- signs: words (letters only, one or two lines) on red, blue, green or brown boards;
- house numbers: one to three digits on a small, nearly square coloured plaque.

None of them has a plate's shape and content together (a row of 4-8 letters and digits on a
rectangle 2-5 times as wide as tall, usually light or dark, rarely coloured), so learning them as
background does not teach the detector to miss plates. A first version also drew white and black
boards and four-digit numbers: the detector trained on it (kept as the run's epoch 12) scored a
real white plate 0.13 where plate-det-v1 scored 0.60 (fast-alpr's test photo).
"""

from __future__ import annotations

import cv2
import numpy as np

from edge_tools.synth.plates import available_fonts

WORDS = (
    "STOP", "EXIT", "PARKING", "NO ENTRY", "SCHOOL", "BUS ONLY", "CAFE", "OPEN", "SALE", "TAXI",
    "HOTEL", "PHARMACY", "ONE WAY", "KEEP LEFT", "SLOW", "GARAGE", "BAKERY", "POLICE", "DELIVERIES",
    "CAR WASH", "MARKET", "STATION", "CENTRE", "WELCOME", "YIELD", "DETOUR", "TOILETS", "BANK",
)  # fmt: skip
CAMERAS = ("CAM 01", "CAM1", "CH02", "Camera 3", "NORTH GATE", "IPC-07", "LANE 2", "ENTRANCE", "D1")
HERSHEY = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_PLAIN)
BOARD_COLORS = ((40, 40, 190), (160, 80, 20), (40, 120, 30), (30, 60, 100))  # BGR: red, blue, green, brown


def _overlaps(box: tuple[int, int, int, int], avoid: list[tuple[float, float, float, float]], margin: float) -> bool:
    x0, y0, x1, y1 = box
    return any(
        x0 < bx1 + margin and x1 > bx0 - margin and y0 < by1 + margin and y1 > by0 - margin
        for bx0, by0, bx1, by1 in avoid
    )


def _stamp(rng: np.random.Generator) -> str:
    y, mo, d = int(rng.integers(2019, 2031)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    h, mi, s = int(rng.integers(0, 24)), int(rng.integers(0, 60)), int(rng.integers(0, 60))
    forms = (
        f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}",
        f"{d:02d}/{mo:02d}/{y} {h:02d}:{mi:02d}:{s:02d}",
        f"{mo:02d}-{d:02d}-{y} {h:02d}:{mi:02d}:{s:02d}",
        f"{h:02d}:{mi:02d}:{s:02d}",
        f"{y}/{mo:02d}/{d:02d}",
    )
    return forms[int(rng.integers(len(forms)))]


def _text_mask(text: str, height: int, rng: np.random.Generator) -> np.ndarray:
    """A float mask (0..1) of `text` about `height` px tall, in a random font."""
    fonts = available_fonts()
    if fonts and rng.random() < 0.6:
        from PIL import Image, ImageDraw, ImageFont

        font = ImageFont.truetype(fonts[int(rng.integers(len(fonts)))], max(6, int(height * 1.2)))
        left, top, right, bottom = font.getbbox(text)
        layer = Image.new("L", (right - left + 4, bottom - top + 4), 0)
        ImageDraw.Draw(layer).text((2 - left, 2 - top), text, font=font, fill=255)
        return np.asarray(layer, np.float32) / 255.0
    face = HERSHEY[int(rng.integers(len(HERSHEY)))]
    scale = cv2.getFontScaleFromHeight(face, max(6, height))
    thick = max(1, round(height / 12))
    (tw, th), base = cv2.getTextSize(text, face, scale, thick)
    mask = np.zeros((th + base + 4, tw + 4), np.uint8)
    cv2.putText(mask, text, (2, th + 2), face, scale, 255, thick, cv2.LINE_AA)
    return mask.astype(np.float32) / 255.0


def _blend(img: np.ndarray, mask: np.ndarray, x: int, y: int, color: tuple[int, int, int]) -> None:
    h, w = mask.shape
    roi = img[y : y + h, x : x + w].astype(np.float32)
    m = mask[: roi.shape[0], : roi.shape[1], None]
    img[y : y + h, x : x + w] = (roi * (1 - m) + np.array(color, np.float32) * m).astype(np.uint8)


def paste_clutter(
    image: np.ndarray,
    avoid: list[tuple[float, float, float, float]],
    rng: np.random.Generator,
    n: int,
    region: tuple[int, int, int, int] | None = None,
) -> None:
    """Draw `n` non-plate texts into `image` (BGR, in place) inside `region` (x0, y0, x1, y1: the
    picture, not a letterbox's padding), none within a margin of the `avoid` boxes."""
    rx, ry, rx1, ry1 = region or (0, 0, image.shape[1], image.shape[0])
    img = image[ry:ry1, rx:rx1]
    avoid = [(b[0] - rx, b[1] - ry, b[2] - rx, b[3] - ry) for b in avoid]
    ih, iw = img.shape[:2]
    for _ in range(n):
        kind = rng.choice(["overlay", "sign", "number"], p=[0.45, 0.35, 0.2])
        for _try in range(8):
            if kind == "overlay":
                text = _stamp(rng) if rng.random() < 0.7 else CAMERAS[int(rng.integers(len(CAMERAS)))]
                mask = _text_mask(text, int(rng.integers(8, 26)), rng)
                outline = cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=int(rng.integers(1, 3)))
                h, w = mask.shape
                if w >= iw - 4 or h >= ih - 4:
                    break
                x = int(rng.integers(2, iw - w - 1))
                y = int(
                    rng.choice([rng.integers(2, max(3, ih // 6)), rng.integers(max(2, ih * 5 // 6 - h), ih - h - 1)])
                )
                if _overlaps((x, y, x + w, y + h), avoid, 6):
                    continue
                _blend(img, outline, x, y, (0, 0, 0) if rng.random() < 0.8 else (40, 40, 40))
                _blend(img, mask, x, y, (255, 255, 255) if rng.random() < 0.75 else (0, 230, 255))
                break
            if kind == "sign":
                words = WORDS[int(rng.integers(len(WORDS)))].split(" ")
                lines = [" ".join(words)] if len(words) == 1 or rng.random() < 0.5 else words
            else:
                lines = [str(int(rng.integers(1, 10 ** int(rng.integers(1, 4)))))]
            th = int(rng.integers(7, 30))
            masks = [_text_mask(t, th, rng) for t in lines]
            w = max(m.shape[1] for m in masks) + 2 * max(2, th // 3)
            h = sum(m.shape[0] for m in masks) + 2 * max(2, th // 4)
            if kind == "number":
                w = max(w, int(h * rng.uniform(0.8, 1.4)))
                if w > 1.6 * h:
                    continue  # as wide as a plate: not a house number
            if w >= iw - 4 or h >= ih - 4:
                break
            x, y = int(rng.integers(2, iw - w - 1)), int(rng.integers(2, ih - h - 1))
            if _overlaps((x, y, x + w, y + h), avoid, 6):
                continue
            board = BOARD_COLORS[int(rng.integers(len(BOARD_COLORS)))]
            ink = (245, 245, 245)
            cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1), board, -1)
            if rng.random() < 0.5:
                cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1), ink, 1)
            yy = y + max(2, th // 4)
            for m in masks:
                _blend(img, m, x + (w - m.shape[1]) // 2, yy, ink)
                yy += m.shape[0]
            break


def paste_grilles(
    image: np.ndarray, avoid: list[tuple[float, float, float, float]], rng: np.random.Generator, n: int
) -> None:
    """Draw `n` grille-like patterns into `image` (in place, any channel order), none within a
    margin of the `avoid` boxes: a panel crossed by 3-12 bars (vertical slats, horizontal louvres, or
    a mesh), as on a car's grille, a rear window's heater lines, a fence or a radiator.

    A row of dark bars on a light panel looks to a small detector like a row of characters: on the
    cross renderer's calibration split plate-det-v2 boxed a vehicle's slatted panel 250-300 px wide
    (read as "1111", "IIII") in frame after frame while the plate below it went unboxed. Grilles
    are listed in issue 25 among the hard negatives the detector must learn; no character is drawn.
    Drawn on the training image as it comes (a letterboxed picture's grey padding included: a
    grille there is background too), before brightness, colour and degradation are applied.
    """
    ih, iw = image.shape[:2]
    for _ in range(n):
        for _try in range(8):
            w = int(rng.integers(30, max(31, min(iw // 2, 220))))
            h = int(w / rng.uniform(1.2, 5.0))
            if w >= iw - 4 or h >= ih - 4 or h < 8:
                break
            x, y = int(rng.integers(2, iw - w - 1)), int(rng.integers(2, ih - h - 1))
            if _overlaps((x, y, x + w, y + h), avoid, 6):
                continue
            panel = tuple(int(v) for v in rng.integers(0, 256, 3))
            if rng.random() < 0.5:  # light panels and dark bars: the plate-like case
                panel = tuple(int(v) for v in rng.integers(150, 256, 3))
            bar = tuple(int(v) for v in rng.integers(0, 70, 3)) if rng.random() < 0.8 else (200, 200, 200)
            cv2.rectangle(image, (x, y), (x + w - 1, y + h - 1), panel, -1)
            kind = rng.choice(["slats", "louvres", "mesh"], p=[0.6, 0.25, 0.15])
            k = int(rng.integers(3, 13))
            if kind in ("slats", "mesh"):
                thick = max(1, int(w / k * rng.uniform(0.15, 0.5)))
                for i in range(k):
                    bx = x + int((i + 0.5) * w / k)
                    cv2.line(image, (bx, y + 1), (bx, y + h - 2), bar, thick)
            if kind in ("louvres", "mesh"):
                rows = max(2, min(k, h // 4))
                thick = max(1, int(h / rows * rng.uniform(0.15, 0.5)))
                for i in range(rows):
                    by = y + int((i + 0.5) * h / rows)
                    cv2.line(image, (x + 1, by), (x + w - 2, by), bar, thick)
            if rng.random() < 0.5:
                cv2.rectangle(image, (x, y), (x + w - 1, y + h - 1), bar, max(1, h // 12))
            break
