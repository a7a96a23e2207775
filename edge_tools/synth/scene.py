"""Synthetic roadside-camera clips with ground truth, deterministic from a seed.

A static, pole-mounted camera (3 m high, tilted down) looks along a two-lane road. Vehicles
(boxes with shading, windows, lights and wheels) drive towards the camera or away from it; each
carries a plate from `edge_tools.synth.plates`, projected with the same pinhole camera, so plates grow
and shrink, get perspective, motion blur, noise, night/rain lighting and JPEG-like softness.

Legibility rule (used for the ground truth): in a frame, a plate is *legible* when its four
projected corners are all inside the frame, its projected width is at least `MIN_LEGIBLE_WIDTH`
(90) pixels, its motion blur (pixels moved during the exposure) is at most `MAX_LEGIBLE_BLUR`
(a quarter) of its projected height, and no nearer vehicle's outline overlaps the plate's box.

The camera is set up the way ALPR cameras are: a short shutter at every hour (about a fifth of a
frame by day, a seventh at night and in rain, with IR illumination and more sensor gain, hence
more noise). A general-purpose camera at night exposes for half a frame or more and smears a
passing plate over a third of its height: no reader, human or model, recovers it, and the
blur rule above would leave nothing legible. A vehicle is listed in
the truth JSON only if its plate is legible in at least `MIN_LEGIBLE_FRAMES` frames;
`first_frame`/`last_frame` are the first and last legible frames (0-based).

Everything is a pure function of the seed: frame `i` can be rendered on its own (`render(i)`)
and is identical however it is reached.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edge_tools.synth.plates import STYLES, random_plate_text, render_plate

__all__ = [
    "CONDITIONS",
    "MAX_LEGIBLE_BLUR",
    "MIN_LEGIBLE_FRAMES",
    "MIN_LEGIBLE_WIDTH",
    "Clip",
    "PlateObs",
    "iter_frames",
    "render_clip",
    "render_plate_crop",
    "write_clip",
]

MIN_LEGIBLE_WIDTH = 90
MIN_LEGIBLE_FRAMES = 3
MAX_LEGIBLE_BLUR = 0.25
CONDITIONS = ("day", "night", "rain")

# Plate widths in metres, by style (slightly generous for US plates so they read from further).
_PLATE_W_M = {"us": 0.40, "eu": 0.52, "dark": 0.46}
_LANES_X = (-1.75, 1.75)


@dataclass(frozen=True)
class Camera:
    """Pinhole camera at (0, height, 0) looking along +Z, tilted down by `tilt_deg`."""

    width: int
    height: int
    focal: float
    cam_height: float = 3.0
    tilt_deg: float = 14.0

    def project(self, pts: np.ndarray) -> np.ndarray:
        """World points (N, 3) as (X right, Y up, Z forward) in metres -> pixels (N, 2)."""
        t = math.radians(self.tilt_deg)
        s, c = math.sin(t), math.cos(t)
        x = pts[:, 0]
        dy = pts[:, 1] - self.cam_height
        z = pts[:, 2]
        yc = -dy * c - z * s
        zc = -dy * s + z * c
        zc = np.maximum(zc, 1e-3)
        u = self.width / 2 + self.focal * x / zc
        v = self.height / 2 + self.focal * yc / zc
        return np.stack([u, v], axis=1)

    def ground_coords(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For every pixel, the ground point (X, Z) its ray hits, and a mask of rays that hit."""
        t = math.radians(self.tilt_deg)
        s, c = math.sin(t), math.cos(t)
        us = (np.arange(self.width, dtype=np.float32) - self.width / 2) / self.focal
        vs = (np.arange(self.height, dtype=np.float32) - self.height / 2) / self.focal
        uu, vv = np.meshgrid(us, vs)
        # Ray in camera coords (uu, vv, 1) -> world direction.
        dir_y = -vv * c - s  # world up component
        dir_z = -vv * s + c
        hit = dir_y < -1e-4
        lam = np.where(hit, self.cam_height / np.maximum(-dir_y, 1e-4), 0)
        gx = uu * lam
        gz = dir_z * lam
        return gx, gz, hit


@dataclass
class Vehicle:
    """One vehicle's appearance and trajectory."""

    plate: str
    plate_img: np.ndarray
    plate_w_m: float
    lane_x: float
    approaching: bool
    t_start: float  # seconds
    speed: float  # m/s
    z_start: float
    z_end: float
    body_w: float
    body_h: float
    length: float
    color: tuple[int, int, int]
    kind: str
    plate_y: float
    plate_dx: float
    plate_yaw: float
    plate_roll: float
    wobble: float
    seed: int
    # Where the vehicle stands still on its way (a queue at a light), and for how long: `Clip(stop=...)`.
    stop_z: float | None = None
    stop_s: float = 0.0

    def _driven(self, t: float) -> float:
        """Seconds the vehicle has been driving at `t` (its time standing at `stop_z` left out)."""
        dt = t - self.t_start
        if self.stop_z is not None and dt > 0:
            reach = abs(self.stop_z - self.z_start) / self.speed
            if dt > reach:
                dt = max(reach, dt - self.stop_s)
        return dt

    def z_at(self, t: float) -> float | None:
        if t < self.t_start:
            return None
        d = self.speed * self._driven(t)
        if d > abs(self.z_end - self.z_start):
            return None
        return self.z_start - d if self.approaching else self.z_start + d

    def x_at(self, t: float) -> float:
        if self.stop_z is not None:  # the lateral drift follows the driving time: one standing does not sway
            t = self.t_start + self._driven(t)
        return self.lane_x + self.wobble * math.sin(0.7 * t + self.seed % 7)


@dataclass(frozen=True)
class PlateObs:
    """A plate as seen in one frame: text, box (x1, y1, x2, y2) clipped to the frame, quad."""

    text: str
    box: tuple[float, float, float, float]
    quad: np.ndarray = field(repr=False, compare=False)
    width_px: float
    legible: bool
    visible_fraction: float
    blur_px: float = 0.0  # motion blur length during the exposure
    clear: bool = False  # the whole plate is inside the frame and nothing is in front of it

    @property
    def blur_limit_px(self) -> float:
        """The most motion blur the legibility rule allows this plate."""
        return _blur_limit(self.quad)


def _blur_limit(quad: np.ndarray) -> float:
    """`MAX_LEGIBLE_BLUR` of the projected plate's height, in pixels."""
    return MAX_LEGIBLE_BLUR * float(np.ptp(quad[:, 1]))


def _plate_quad_world(v: Vehicle, x: float, z: float) -> np.ndarray:
    """Plate corners (TL, TR, BR, BL) in world coordinates."""
    aspect = v.plate_img.shape[1] / v.plate_img.shape[0]
    w, h = v.plate_w_m, v.plate_w_m / aspect
    corners = np.array([[-w / 2, h / 2], [w / 2, h / 2], [w / 2, -h / 2], [-w / 2, -h / 2]])
    cr, sr = math.cos(v.plate_roll), math.sin(v.plate_roll)
    corners = corners @ np.array([[cr, sr], [-sr, cr]])
    cy_, sy_ = math.cos(v.plate_yaw), math.sin(v.plate_yaw)
    px = x + v.plate_dx + corners[:, 0] * cy_
    pz = z + corners[:, 0] * sy_
    py = v.plate_y + corners[:, 1]
    return np.stack([px, py, pz], axis=1)


def _body_polys(v: Vehicle, x: float, z: float, cam: Camera) -> dict[str, np.ndarray]:
    """Projected polygons of the visible faces of a vehicle (face nearest the camera at z)."""
    hw = v.body_w / 2
    far = z + v.length
    lower = v.body_h * (0.55 if v.kind != "van" else 0.6)
    face = np.array([[x - hw, v.body_h * 0.98, z], [x + hw, v.body_h * 0.98, z], [x + hw, 0.18, z], [x - hw, 0.18, z]])
    top = v.body_h
    ins = 0.12 if v.kind == "car" else 0.03
    cabin = np.array(
        [
            [x - hw + ins + 0.1, top, z + 0.5],
            [x + hw - ins - 0.1, top, z + 0.5],
            [x + hw - 0.04, lower, z + 0.05],
            [x - hw + 0.04, lower, z + 0.05],
        ]
    )
    side_x = x - hw if x > 0 else x + hw
    side = np.array([[side_x, top, z + 0.3], [side_x, top, far - 0.3], [side_x, 0.18, far], [side_x, 0.18, z]])
    roof = np.array(
        [
            [x - hw + ins, top, z + 0.5],
            [x + hw - ins, top, z + 0.5],
            [x + hw - ins, top, far - 0.3],
            [x - hw + ins, top, far - 0.3],
        ]
    )
    lower_face = np.array([[x - hw, lower, z], [x + hw, lower, z], [x + hw, 0.18, z], [x - hw, 0.18, z]])
    return {
        "side": cam.project(side),
        "roof": cam.project(roof),
        "face": cam.project(face),
        "lower": cam.project(lower_face),
        "cabin": cam.project(cabin),
        "wheel_l": cam.project(
            np.array(
                [
                    [x - hw + 0.05, 0.45, z + 0.1],
                    [x - hw + 0.35, 0.45, z + 0.1],
                    [x - hw + 0.35, 0.0, z + 0.1],
                    [x - hw + 0.05, 0.0, z + 0.1],
                ]
            )
        ),
        "wheel_r": cam.project(
            np.array(
                [
                    [x + hw - 0.35, 0.45, z + 0.1],
                    [x + hw - 0.05, 0.45, z + 0.1],
                    [x + hw - 0.05, 0.0, z + 0.1],
                    [x + hw - 0.35, 0.0, z + 0.1],
                ]
            )
        ),
        "light_l": cam.project(np.array([[x - hw + 0.12, 0.82 * lower + 0.05, z - 0.01]])),
        "light_r": cam.project(np.array([[x + hw - 0.12, 0.82 * lower + 0.05, z - 0.01]])),
    }


def _shade(color: tuple[int, int, int], f: float) -> tuple[int, int, int]:
    return tuple(int(np.clip(c * f, 0, 255)) for c in color)  # type: ignore[return-value]


def _motion_kernel(dx: float, dy: float) -> np.ndarray | None:
    length = math.hypot(dx, dy)
    if length < 1.0:
        return None
    n = math.ceil(length) | 1
    k = np.zeros((n, n), np.float32)
    c = n // 2
    ux, uy = dx / length, dy / length
    for i in range(n):
        tt = i - c
        k[round(c + uy * tt), round(c + ux * tt)] = 1
    return np.asarray(k / k.sum(), dtype=np.float32)


class Scene:
    """Static parts of a clip: camera, background, lighting condition."""

    def __init__(self, size: tuple[int, int], condition: str, rng: np.random.Generator, *, lamps: bool = False) -> None:
        if condition not in CONDITIONS:
            raise ValueError(f"condition must be one of {CONDITIONS}, got {condition!r}")
        w, h = size
        self.size = size
        self.condition = condition
        self.camera = Camera(w, h, focal=2000.0 * w / 1280, tilt_deg=float(rng.uniform(12.5, 14.5)))
        self.background = self._background(rng)
        self.lamps = lamps  # varied lamp shapes (`Clip(lamps=True)`, `_draw_lamps`)
        # Exposure as a fraction of the frame interval (motion blur = pixel motion x exposure).
        self.noise_sigma = {"day": 1.5, "night": 6.0, "rain": 3.5}[condition]
        self.exposure = {"day": 0.2, "night": 0.15, "rain": 0.15}[condition]
        nrng = np.random.default_rng(int(rng.integers(2**31)))
        self.noise_bank = [np.round(nrng.normal(0, self.noise_sigma, (h, w, 1))).astype(np.int16) for _ in range(4)]

    def _background(self, rng: np.random.Generator) -> np.ndarray:
        w, h = self.size
        cam = self.camera
        gx, gz, hit = cam.ground_coords()
        # Low-frequency asphalt blotches plus fine grain.
        base = float(rng.uniform(85, 120))
        low = cv2.resize(
            rng.normal(0, 1, (h // 40 + 2, w // 40 + 2)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC
        )
        grain = rng.normal(0, 1, (h, w)).astype(np.float32)
        road = base + 9 * low + 2.5 * grain
        img = np.repeat(road[:, :, None], 3, axis=2)
        img[:, :, 0] += float(rng.uniform(0, 8))  # bluish asphalt tint in BGR
        ax = np.abs(gx)
        # Sidewalk / verge beyond the road edges.
        verge = hit & (ax > 3.6)
        if rng.random() < 0.5:
            col = np.array([rng.uniform(150, 185)] * 3, np.float32)  # concrete
        else:
            col = np.array([rng.uniform(40, 70), rng.uniform(100, 140), rng.uniform(60, 90)], np.float32)  # grass
        img[verge] = col + 10 * low[verge, None] + 6 * grain[verge, None]
        # Kerb line, edge lines, dashed centre line.
        img[hit & (ax > 3.5) & (ax < 3.6)] = 200
        edge = hit & (np.abs(ax - 3.3) < 0.08)
        img[edge] = 215 + 5 * grain[edge, None]
        dash = hit & (ax < 0.07) & ((gz % 9.0) < 3.0)
        img[dash] = 220 + 5 * grain[dash, None]
        # Sky / buildings above the horizon, if the frame shows any.
        sky = ~hit
        if sky.any():
            ys = np.nonzero(sky.any(axis=1))[0]
            img[sky] = np.array([200, 180, 160], np.float32)
            x = 0
            while x < w:
                bw = int(rng.integers(60, 240))
                top = int(ys.max() - rng.integers(5, max(6, len(ys))))
                colb = rng.uniform(60, 170, 3)
                img[max(0, top) : ys.max() + 1, x : x + bw][sky[max(0, top) : ys.max() + 1, x : x + bw]] = colb
                x += bw
        # Far-distance haze.
        haze = np.clip((gz - 20) / 60, 0, 0.6)[:, :, None] * hit[:, :, None]
        img = img * (1 - haze) + 150 * haze
        if self.condition == "night":
            # Street-light pools on the road.
            light = np.zeros((h, w), np.float32)
            for _ in range(int(rng.integers(1, 4))):
                lz = float(rng.uniform(8, 30))
                lx = float(rng.choice([-4.0, 4.0]))
                d2 = (gx - lx) ** 2 + (gz - lz) ** 2
                light += np.exp(-d2 / 30.0) * hit
            img = img * (0.18 + 0.7 * light[:, :, None])
            img[:, :, 2] *= 1.08
        elif self.condition == "rain":
            img = img * 0.72 + 20
        # Mild optical softness (also keeps the mp4 small).
        return np.asarray(cv2.GaussianBlur(np.clip(img, 0, 255).astype(np.uint8), (3, 3), 0), dtype=np.uint8)


def _draw_vehicle(
    frame: np.ndarray,
    scene: Scene,
    v: Vehicle,
    x: float,
    z: float,
    vel_px: tuple[float, float],
    roi: tuple[int, int, int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw `v` at (x, z) into `frame` (in place). Returns (plate quad in px, vehicle polygon).

    With `roi` (x0, y0, x1, y1), only pixels inside it are drawn (faster for crops).
    """
    cam = scene.camera
    h, w = frame.shape[:2]
    polys = _body_polys(v, x, z, cam)
    allpts = np.concatenate([polys[k] for k in ("side", "roof", "face", "wheel_l", "wheel_r")])
    x0, y0 = np.floor(allpts.min(axis=0)).astype(int) - 8
    x1, y1 = np.ceil(allpts.max(axis=0)).astype(int) + 8
    x0c, y0c, x1c, y1c = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if roi is not None:
        x0c, y0c, x1c, y1c = max(x0c, roi[0]), max(y0c, roi[1]), min(x1c, roi[2]), min(y1c, roi[3])
    plate_quad = cam.project(_plate_quad_world(v, x, z))
    hull = cv2.convexHull(allpts.astype(np.float32)).reshape(-1, 2)
    if x1c <= x0c or y1c <= y0c:
        return plate_quad, hull
    off = np.array([x0c, y0c], np.float32)
    rw, rh = x1c - x0c, y1c - y0c
    # Limit the drawing canvas to the frame ROI.
    layer = frame[y0c:y1c, x0c:x1c].copy()
    mask = np.zeros((rh, rw), np.uint8)
    night = scene.condition == "night"
    lit = 0.35 if night else (0.8 if scene.condition == "rain" else 1.0)
    col = v.color

    def poly(name: str, color: tuple[int, int, int]) -> None:
        p = np.round((polys[name] - off) * 4).astype(np.int32)
        cv2.fillPoly(layer, [p], color, cv2.LINE_AA, shift=2)
        cv2.fillPoly(mask, [p], 255, cv2.LINE_AA, shift=2)

    poly("wheel_l", (20, 20, 20))
    poly("wheel_r", (20, 20, 20))
    poly("side", _shade(col, 0.62 * lit))
    poly("roof", _shade(col, 1.15 * lit))
    poly("face", _shade(col, 0.9 * lit))
    poly("lower", _shade(col, 0.8 * lit))
    glass = (int(60 * lit + 10), int(50 * lit + 10), int(45 * lit + 10))
    poly("cabin", glass)
    # Bumper line and lights.
    face = polys["lower"] - off
    fw = float(np.linalg.norm(face[1] - face[0]))
    bump_y = int(face[2][1] - 0.08 * (face[2][1] - face[1][1]) * 1.5)
    cv2.line(layer, (int(face[3][0]), bump_y), (int(face[2][0]), bump_y), _shade(col, 0.5 * lit), max(1, int(fw / 60)))
    lr = max(2, int(fw / 16))
    if scene.lamps:
        _draw_lamps(layer, [polys[k][0] - off for k in ("light_l", "light_r")], lr, v, night)
    else:
        light_col = (230, 240, 250) if v.approaching else (40, 40, 210)
        if night:
            light_col = (255, 255, 255) if v.approaching else (60, 60, 255)
        for k in ("light_l", "light_r"):
            c = tuple(int(t) for t in (polys[k][0] - off))
            cv2.ellipse(layer, c, (lr, max(1, lr // 2)), 0, 0, 360, light_col, -1, cv2.LINE_AA)
    # Plate via homography.
    ph, pw = v.plate_img.shape[:2]
    src = np.array([[0, 0], [pw - 1, 0], [pw - 1, ph - 1], [0, ph - 1]], np.float32)
    dst = (plate_quad - off).astype(np.float32)
    hm = cv2.getPerspectiveTransform(src, dst)
    pimg = v.plate_img
    pw_px = float(np.linalg.norm(dst[1] - dst[0]))
    if pw_px < pw / 2:  # pre-shrink to avoid aliasing
        f = max(pw_px * 1.5 / pw, 0.05)
        pimg = cv2.resize(pimg, (max(2, int(pw * f)), max(2, int(ph * f))), interpolation=cv2.INTER_AREA)
        src = np.array(
            [[0, 0], [pimg.shape[1] - 1, 0], [pimg.shape[1] - 1, pimg.shape[0] - 1], [0, pimg.shape[0] - 1]], np.float32
        )
        hm = cv2.getPerspectiveTransform(src, dst)
    plate_lit = 0.85 if night else (0.85 if scene.condition == "rain" else 1.0)
    if plate_lit != 1.0:
        pimg = (pimg.astype(np.float32) * plate_lit).astype(np.uint8)
    warped = cv2.warpPerspective(pimg, hm, (rw, rh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    pmask = cv2.warpPerspective(np.full(pimg.shape[:2], 255, np.uint8), hm, (rw, rh), flags=cv2.INTER_LINEAR)
    pm = pmask.astype(np.float32)[:, :, None] / 255
    layer = (layer * (1 - pm) + warped * pm).astype(np.uint8)
    # Shading gradient over the body (light from above).
    g = np.linspace(1.08, 0.85, rh, dtype=np.float32)[:, None, None]
    body_region = mask.astype(np.float32)[:, :, None] / 255
    layer = np.clip(layer * (1 + (g - 1) * body_region), 0, 255).astype(np.uint8)
    kern = _motion_kernel(vel_px[0] * scene.exposure, vel_px[1] * scene.exposure)
    if kern is not None:
        layer = cv2.filter2D(layer, -1, kern)
        mask = cv2.filter2D(mask, -1, kern)
    m = mask.astype(np.float32)[:, :, None] / 255
    under = frame[y0c:y1c, x0c:x1c]
    frame[y0c:y1c, x0c:x1c] = (under * (1 - m) + layer * m).astype(np.uint8)
    if night and v.approaching:
        # Headlight glare.
        for k in ("light_l", "light_r"):
            cx, cy = polys[k][0]
            rad = max(6, int(fw / 5))
            gx0, gy0, gx1, gy1 = int(cx - rad), int(cy - rad), int(cx + rad), int(cy + rad)
            gx0c, gy0c, gx1c, gy1c = max(gx0, 0), max(gy0, 0), min(gx1, w), min(gy1, h)
            if gx1c <= gx0c or gy1c <= gy0c:
                continue
            yy, xx = np.mgrid[gy0c:gy1c, gx0c:gx1c]
            glow = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (rad / 2.5) ** 2)) * 160
            sub = frame[gy0c:gy1c, gx0c:gx1c].astype(np.float32) + glow[:, :, None]
            frame[gy0c:gy1c, gx0c:gx1c] = np.clip(sub, 0, 255).astype(np.uint8)
    return plate_quad, hull


_VEHICLE_COLORS = [
    (240, 240, 240),
    (30, 30, 30),
    (150, 150, 150),
    (190, 190, 195),
    (40, 40, 160),
    (140, 60, 20),
    (60, 90, 40),
    (30, 120, 200),
    (90, 40, 40),
    (200, 200, 180),
    (50, 50, 70),
    (120, 130, 140),
]


def _draw_lamps(layer: np.ndarray, centres: list[np.ndarray], lr: int, v: Vehicle, night: bool) -> None:
    """A vehicle's lamps in one of several shapes and sizes (`Clip(lamps=True)`): round, rectangular,
    wide bars, tall blocks, up to 2.5 times the plain ellipse, and at night the rear ones saturated
    red with a glow. Real cars' tail lights are bright rectangles beside the plate, the size of a
    plate, which a plate detector that saw only small ellipses boxes as plates in the dark. Drawn
    from a generator of the vehicle's own, so every frame of a pass shows the same lamps and a clip
    without `lamps` renders as it always did."""
    rng = np.random.default_rng([v.seed, 0x1A4B])
    shape = int(rng.integers(4))  # 0 ellipse, 1 rectangle, 2 wide bar, 3 tall block
    scale = float(rng.uniform(1.0, 2.5))
    a, b = {0: (1.0, 0.5), 1: (1.0, 0.6), 2: (1.6, 0.35), 3: (0.7, 0.9)}[shape]
    ax, by = max(1, int(lr * scale * a)), max(1, int(lr * scale * b))
    if v.approaching:
        col = (255, 255, 255) if night else tuple(int(c) for c in rng.choice([[230, 240, 250], [60, 170, 240]]))
    else:
        red = int(rng.integers(170, 256)) if not night else 255
        col = (int(rng.integers(0, 70)), int(rng.integers(0, 70)), red)
    for c in centres:
        cx, cy = int(c[0]), int(c[1])
        if shape == 0:
            cv2.ellipse(layer, (cx, cy), (ax, by), 0, 0, 360, col, -1, cv2.LINE_AA)
        else:
            cv2.rectangle(layer, (cx - ax, cy - by), (cx + ax, cy + by), col, -1, cv2.LINE_AA)
    if night and not v.approaching and rng.random() < 0.6:  # the glow of a lit lamp in the dark
        h, w = layer.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w]
        glow = np.zeros((h, w), np.float32)
        for c in centres:
            glow += np.exp(-((xx - c[0]) ** 2 / (2 * (1.2 * ax) ** 2) + (yy - c[1]) ** 2 / (2 * (1.5 * by) ** 2)))
        add = glow[:, :, None] * np.array([10, 10, 90], np.float32)
        layer[:] = np.clip(layer.astype(np.float32) + add, 0, 255).astype(np.uint8)


def _make_vehicle(rng: np.random.Generator, t_start: float, speed_scale: float, lane: int, seed: int) -> Vehicle:
    text = random_plate_text(rng)
    style = list(STYLES)[int(rng.integers(len(STYLES)))]
    pimg = render_plate(text, rng, style)
    kind = str(rng.choice(["car", "car", "car", "suv", "van"]))
    body_w = float(rng.uniform(1.65, 1.95)) if kind != "van" else float(rng.uniform(1.9, 2.1))
    body_h = {"car": rng.uniform(1.35, 1.5), "suv": rng.uniform(1.6, 1.8), "van": rng.uniform(1.9, 2.4)}[kind]
    approaching = bool(rng.random() < 0.6)
    col = _VEHICLE_COLORS[int(rng.integers(len(_VEHICLE_COLORS)))]
    c3 = [int(np.clip(c + rng.integers(-15, 16), 0, 255)) for c in col]
    col = (c3[0], c3[1], c3[2])
    z_far, z_near = float(rng.uniform(45, 70)), 3.0
    return Vehicle(
        plate=text,
        plate_img=pimg,
        plate_w_m=_PLATE_W_M[STYLES[style]["kind"]],
        lane_x=_LANES_X[lane] + float(rng.uniform(-0.35, 0.35)),
        approaching=approaching,
        t_start=t_start,
        speed=float(rng.uniform(4.5, 8.5)) * speed_scale,
        z_start=z_far if approaching else z_near,
        z_end=z_near if approaching else z_far,
        body_w=body_w,
        body_h=float(body_h),
        length=float(rng.uniform(4.0, 5.0)) if kind != "van" else float(rng.uniform(5.0, 6.5)),
        color=col,  # type: ignore[arg-type]
        kind=kind,
        plate_y=float(rng.uniform(0.35, 0.62)),
        plate_dx=float(rng.uniform(-0.05, 0.05)),
        plate_yaw=float(rng.uniform(-0.15, 0.15)),
        plate_roll=float(rng.uniform(-0.04, 0.04)),
        wobble=float(rng.uniform(0, 0.15)),
        seed=seed,
    )


def flicker_gain(t: float, flicker: float) -> float:
    """The global lighting gain at `t` seconds (1.0 without `flicker`): a cloud's slow drift, a lamp's
    4 Hz beat with the shutter, and a step up and down as headlights sweep the scene every few
    seconds; `flicker` is the largest share by which the brightness moves."""
    if not flicker:
        return 1.0
    cloud = np.sin(2 * np.pi * 0.15 * t)
    beat = np.sin(2 * np.pi * 4.0 * t + 1.0)
    sweep = 1.0 if (t % 5.0) < 0.6 else 0.0
    return float(1.0 + flicker * (0.5 * cloud + 0.25 * beat + 0.5 * sweep - 0.25))


class Clip:
    """A synthetic clip: `render(i)` gives frame i and its plates; `truth()` the ground truth."""

    def __init__(
        self,
        *,
        seed: int,
        seconds: float,
        fps: int = 30,
        size: tuple[int, int] = (1280, 720),
        n_vehicles: int | None = None,
        density: float = 0.4,
        condition: str = "day",
        speed: float = 1.0,
        overlay: bool = False,
        pedestrians: int = 0,
        trees: int = 0,
        flicker: float = 0.0,
        lamps: bool = False,
        stop: tuple[float, float] | None = None,
    ) -> None:
        self.seed, self.fps, self.size = seed, fps, size
        self.overlay = overlay
        if not 0.0 <= flicker < 1.0:
            raise ValueError(f"flicker must be in [0, 1), got {flicker}")
        self.flicker = flicker
        self.n_frames = max(1, round(seconds * fps))
        self.duration = self.n_frames / fps
        rng = np.random.default_rng(seed)
        self.scene = Scene(size, condition, rng, lamps=lamps)
        if n_vehicles is None:
            n_vehicles = max(1, int(rng.poisson(density * seconds)))
        # Spread entries over the clip so every vehicle gets a legible pass; alternate lanes, and
        # keep vehicles in the same lane from overlapping.
        self.vehicles: list[Vehicle] = []
        lane_free = [-1e9, -1e9]
        span = max(self.duration - 3.0, 0.5)
        starts = np.sort(rng.uniform(-0.5, span, n_vehicles))
        for i, t_wish in enumerate(starts):
            lane = int(rng.integers(2))
            if lane_free[lane] > t_wish and lane_free[1 - lane] <= lane_free[lane]:
                lane = 1 - lane
            t0 = max(float(t_wish), lane_free[lane])
            v = _make_vehicle(rng, t0, speed, lane, seed * 1000 + i)
            # Start so that the legible part falls inside the clip: approaching vehicles are far
            # away at t_start, so shift them earlier by the time to cover the far stretch.
            if v.approaching:
                v.t_start -= (v.z_start - 12.0) / v.speed
            if stop is not None:  # every vehicle stands at z = stop[0] m for stop[1] s (no queueing behind another)
                v.stop_z, v.stop_s = stop
            self.vehicles.append(v)
            lane_free[lane] = t0 + 1.6 * 9.0 / v.speed
        self._states: list[list[tuple[int, float, float]]] | None = None
        # Street furniture from a generator of its own: a clip without it renders as it always did.
        xrng = np.random.default_rng([seed, 0x5EED])
        self.walkers = [_make_walker(xrng, self.duration) for _ in range(pedestrians)]
        self.trees = [_make_tree(xrng) for _ in range(trees)]

    # -- geometry ------------------------------------------------------------------------------
    def _vehicle_states(self, i: int) -> list[tuple[int, float, float]]:
        """(vehicle index, x, z) of the vehicles present in frame i, farthest first."""
        t = i / self.fps
        out = []
        for k, v in enumerate(self.vehicles):
            z = v.z_at(t)
            if z is not None:
                out.append((k, v.x_at(t), z))
        out.sort(key=lambda s: -s[2])
        return out

    def _plate_motion(self, k: int, x: float, z: float, i: int) -> tuple[float, float]:
        """Pixels the plate centre of vehicle k moves from frame i to the next (its motion blur
        is this times the scene's exposure)."""
        v = self.vehicles[k]
        cam = self.scene.camera
        t = i / self.fps
        z2 = v.z_at(t + 1 / self.fps)
        if z2 is None:
            z2 = z + (z - (v.z_at(t - 1 / self.fps) or z))
        c1 = cam.project(np.array([[x, v.plate_y, z]]))[0]
        c2 = cam.project(np.array([[v.x_at(t + 1 / self.fps), v.plate_y, z2]]))[0]
        return float(c2[0] - c1[0]), float(c2[1] - c1[1])

    def plates(self, i: int) -> list[PlateObs]:
        """The plates visible (at least partly) in frame i, with their legibility. No pixels."""
        w, h = self.size
        cam = self.scene.camera
        states = self._vehicle_states(i)
        hulls = []
        quads = []
        for k, x, z in states:
            v = self.vehicles[k]
            polys = _body_polys(v, x, z, cam)
            allpts = np.concatenate([polys[n] for n in ("side", "roof", "face", "wheel_l", "wheel_r")])
            hulls.append(cv2.convexHull(allpts.astype(np.float32)))
            quads.append(cam.project(_plate_quad_world(v, x, z)))
        out = []
        for j, (k, x, z) in enumerate(states):
            q = quads[j]
            bx0, by0 = q.min(axis=0)
            bx1, by1 = q.max(axis=0)
            area = max((bx1 - bx0) * (by1 - by0), 1e-6)
            cx0, cy0, cx1, cy1 = max(bx0, 0), max(by0, 0), min(bx1, w), min(by1, h)
            if cx1 - cx0 < 2 or cy1 - cy0 < 2:
                continue
            vis = (cx1 - cx0) * (cy1 - cy0) / area
            inside = bx0 >= 0 and by0 >= 0 and bx1 <= w - 1 and by1 <= h - 1
            occluded = False
            for jj in range(j + 1, len(states)):  # nearer vehicles are drawn later
                hull = hulls[jj]
                for px, py in ((bx0, by0), (bx1, by0), (bx1, by1), (bx0, by1), ((bx0 + bx1) / 2, (by0 + by1) / 2)):
                    if cv2.pointPolygonTest(hull, (float(px), float(py)), False) >= 0:
                        occluded = True
                hx0, hy0 = hull.reshape(-1, 2).min(axis=0)
                hx1, hy1 = hull.reshape(-1, 2).max(axis=0)
                if hx0 < bx1 and hx1 > bx0 and hy0 < by1 and hy1 > by0:
                    occluded = True
            if occluded:
                vis = 0.0 if vis < 1 else vis
            width = float(bx1 - bx0)
            blur = math.hypot(*self._plate_motion(k, x, z, i)) * self.scene.exposure
            sharp = blur <= _blur_limit(q)
            legible = inside and width >= MIN_LEGIBLE_WIDTH and sharp and not occluded
            if occluded and not legible and self._fully_hidden(q, hulls[j + 1 :]):
                continue
            out.append(
                PlateObs(
                    self.vehicles[k].plate,
                    (float(cx0), float(cy0), float(cx1), float(cy1)),
                    q,
                    width,
                    legible,
                    float(vis),
                    blur,
                    inside and not occluded,
                )
            )
        return out

    def vehicle_boxes(self, i: int) -> list[tuple[float, float, float, float, float]]:
        """Boxes (x1, y1, x2, y2, visible) of the vehicles in frame i, farthest first: each is the
        axis-aligned box of the vehicle's projected outline (body and wheels), clipped to the
        frame; `visible` is the part of the box inside the frame and not under a nearer vehicle's
        box (0-1). For vehicle-detector labels and tests; no pixels."""
        w, h = self.size
        cam = self.scene.camera
        raw = []
        for k, x, z in self._vehicle_states(i):
            polys = _body_polys(self.vehicles[k], x, z, cam)
            pts = np.concatenate([polys[n] for n in ("side", "roof", "face", "wheel_l", "wheel_r")])
            (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
            raw.append((float(x0), float(y0), float(x1), float(y1)))
        out = []
        for j, (x0, y0, x1, y1) in enumerate(raw):
            area = max((x1 - x0) * (y1 - y0), 1e-6)
            cx0, cy0, cx1, cy1 = max(x0, 0.0), max(y0, 0.0), min(x1, float(w)), min(y1, float(h))
            if cx1 - cx0 < 2 or cy1 - cy0 < 2:
                continue
            vis = (cx1 - cx0) * (cy1 - cy0) / area
            for nx0, ny0, nx1, ny1 in raw[j + 1 :]:  # nearer vehicles hide part of this one
                ix = max(0.0, min(cx1, nx1) - max(cx0, nx0))
                iy = max(0.0, min(cy1, ny1) - max(cy0, ny0))
                vis -= ix * iy / area
            out.append((cx0, cy0, cx1, cy1, max(vis, 0.0)))
        return out

    @staticmethod
    def _fully_hidden(q: np.ndarray, hulls: list[np.ndarray]) -> bool:
        c = q.mean(axis=0)
        return any(cv2.pointPolygonTest(hh, (float(c[0]), float(c[1])), False) >= 0 for hh in hulls)

    def truth(self) -> dict[str, Any]:
        """Ground truth: {"fps", "frames", "vehicles": [{"plate", "first_frame", "last_frame"}]}."""
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        count: dict[str, int] = {}
        for i in range(self.n_frames):
            for p in self.plates(i):
                if p.legible:
                    first.setdefault(p.text, i)
                    last[p.text] = i
                    count[p.text] = count.get(p.text, 0) + 1
        vehicles = [
            {"plate": v.plate, "first_frame": first[v.plate], "last_frame": last[v.plate]}
            for v in self.vehicles
            if count.get(v.plate, 0) >= MIN_LEGIBLE_FRAMES
        ]
        vehicles.sort(key=lambda d: (d["first_frame"], d["plate"]))
        return {"fps": self.fps, "frames": self.n_frames, "vehicles": vehicles}

    # -- pixels --------------------------------------------------------------------------------
    def render(self, i: int) -> tuple[np.ndarray, list[PlateObs]]:
        """Frame i (BGR uint8, H x W x 3) and its plates."""
        if not 0 <= i < self.n_frames:
            raise IndexError(i)
        frame = self.scene.background.copy()
        frng = np.random.default_rng([self.seed, i])
        t = i / self.fps
        for tree in sorted(self.trees, key=lambda tr: -tr.z):
            _draw_tree(frame, self.scene.camera, tree, t, frng)
        for walker in self.walkers:
            _draw_walker(frame, self.scene.camera, walker, t)
        for k, x, z in self._vehicle_states(i):
            _draw_vehicle(frame, self.scene, self.vehicles[k], x, z, self._plate_motion(k, x, z, i))
        frame = _finish(frame, self.scene, frng, noise_idx=int(frng.integers(len(self.scene.noise_bank))))
        if self.flicker:
            frame = cv2.convertScaleAbs(frame, alpha=self.gain(i))
        if self.overlay:
            draw_timestamp(frame, t)
        return frame, self.plates(i)

    def gain(self, i: int) -> float:
        """The global lighting gain of frame i (`flicker_gain`)."""
        return flicker_gain(i / self.fps, self.flicker)

    def frames(self) -> Iterator[tuple[np.ndarray, list[PlateObs]]]:
        for i in range(self.n_frames):
            yield self.render(i)


# -- street furniture: what moves on an empty road and must never become a read -------------------

OVERLAY_START = 1_773_475_200  # 2026-03-14 08:00:00 UTC: the overlay clock of frame 0


def draw_timestamp(frame: np.ndarray, t: float, camera: str = "CAM 01") -> None:
    """Burn a CCTV-style date/time overlay into the top left (in place): white, black outline,
    changing every second, as nearly every surveillance camera does."""
    import time as _time

    w = frame.shape[1]
    stamp = _time.strftime("%Y-%m-%d %H:%M:%S", _time.gmtime(OVERLAY_START + int(t)))
    scale = 1.1 * w / 1280
    thick = max(1, round(2 * w / 1280))
    org = (round(18 * w / 1280), round(44 * w / 1280))
    for text, at in ((stamp, org), (camera, (org[0], org[1] + round(40 * w / 1280)))):
        cv2.putText(frame, text, at, cv2.FONT_HERSHEY_DUPLEX, scale, (0, 0, 0), thick + 3, cv2.LINE_AA)
        cv2.putText(frame, text, at, cv2.FONT_HERSHEY_DUPLEX, scale, (255, 255, 255), thick, cv2.LINE_AA)


@dataclass
class Walker:
    """A pedestrian on the verge: walks along the road (z) at `speed` m/s, turning back at the ends."""

    x: float
    z0: float
    speed: float
    color: tuple[int, int, int]
    phase: float

    def z_at(self, t: float) -> float:
        span = 30.0
        d = (self.z0 - 10.0 + self.speed * t) % (2 * span)
        return 10.0 + (d if d < span else 2 * span - d)


@dataclass
class Tree:
    """A small tree (or bush) beside the road whose crown sways in the wind (the camera looks down:
    taller trees would be out of frame)."""

    x: float
    z: float
    crown_m: float
    sway_hz: float
    phase: float
    color: tuple[int, int, int]


def _make_walker(rng: np.random.Generator, duration: float) -> Walker:
    del duration
    side = float(rng.choice([-1.0, 1.0]))
    return Walker(
        x=side * float(rng.uniform(4.0, 5.5)),
        z0=float(rng.uniform(10, 40)),
        speed=float(rng.uniform(1.0, 1.7)) * float(rng.choice([-1.0, 1.0])),
        color=(int(rng.integers(20, 200)), int(rng.integers(20, 200)), int(rng.integers(20, 200))),
        phase=float(rng.uniform(0, 6.28)),
    )


def _make_tree(rng: np.random.Generator) -> Tree:
    side = float(rng.choice([-1.0, 1.0]))
    return Tree(
        x=side * float(rng.uniform(5.0, 7.0)),
        z=float(rng.uniform(14, 35)),
        crown_m=float(rng.uniform(0.7, 1.3)),
        sway_hz=float(rng.uniform(0.3, 0.8)),
        phase=float(rng.uniform(0, 6.28)),
        color=(int(rng.integers(20, 60)), int(rng.integers(80, 140)), int(rng.integers(30, 70))),
    )


def _draw_walker(frame: np.ndarray, cam: Camera, p: Walker, t: float) -> None:
    z = p.z_at(t)
    swing = 0.25 * math.sin(2 * math.pi * 0.9 * t + p.phase)
    pts = cam.project(
        np.array(
            [
                [p.x - 0.22, 1.45, z],
                [p.x + 0.22, 1.45, z],
                [p.x + 0.2, 0.85, z],
                [p.x - 0.2, 0.85, z],  # torso
                [p.x, 1.62, z],  # head
                [p.x - 0.1, 0.85, z],
                [p.x - 0.1 + swing, 0.0, z],  # legs
                [p.x + 0.1, 0.85, z],
                [p.x + 0.1 - swing, 0.0, z],
            ]
        )
    ).astype(np.int32)
    scale = max(1, int(abs(pts[1, 0] - pts[0, 0]) / 3))
    cv2.fillPoly(frame, [pts[:4]], p.color, cv2.LINE_AA)
    cv2.circle(frame, (int(pts[4, 0]), int(pts[4, 1])), max(2, scale), (90, 120, 170), -1, cv2.LINE_AA)
    for a, b in ((5, 6), (7, 8)):
        cv2.line(frame, tuple(int(v) for v in pts[a]), tuple(int(v) for v in pts[b]), (40, 40, 50), scale, cv2.LINE_AA)


def _draw_tree(frame: np.ndarray, cam: Camera, tree: Tree, t: float, rng: np.random.Generator) -> None:
    sway = 0.3 * math.sin(2 * math.pi * tree.sway_hz * t + tree.phase)
    base, trunk_top, crown = cam.project(
        np.array([[tree.x, 0.0, tree.z], [tree.x, 0.8, tree.z], [tree.x + sway, 0.8 + tree.crown_m, tree.z]])
    )
    px_per_m = cam.focal / max(tree.z, 1.0)
    cv2.line(frame, (int(base[0]), int(base[1])), (int(trunk_top[0]), int(trunk_top[1])), (30, 50, 70),
             max(1, int(0.3 * px_per_m)))  # fmt: skip
    axes = (max(2, int(tree.crown_m * px_per_m)), max(2, int(tree.crown_m * 1.2 * px_per_m)))
    centre = (int(crown[0]), int(crown[1]))
    cv2.ellipse(frame, centre, axes, 0, 0, 360, tree.color, -1, cv2.LINE_AA)
    # Leaves flicker: darker clumps that move from frame to frame.
    for _ in range(12):
        dx, dy = rng.uniform(-0.7, 0.7, 2)
        c = (centre[0] + int(dx * axes[0]), centre[1] + int(dy * axes[1]))
        cv2.circle(frame, c, max(1, axes[0] // 5), tuple(int(v * 0.6) for v in tree.color), -1)


def _finish(frame: np.ndarray, scene: Scene, rng: np.random.Generator, noise_idx: int) -> np.ndarray:
    """Sensor effects on a whole frame: rain streaks, noise."""
    if scene.condition == "rain":
        h, w = frame.shape[:2]
        streaks = np.zeros((h, w), np.uint8)
        n = int(w * h / 2500)
        xs = rng.integers(0, w, n)
        ys = rng.integers(0, h, n)
        ln = rng.integers(8, 25, n)
        for x, y, length in zip(xs, ys, ln, strict=True):
            cv2.line(streaks, (int(x), int(y)), (int(x + length // 5), int(y + length)), 70, 1)
        frame = cv2.add(frame, cv2.merge([streaks, streaks, streaks]))
    noise = scene.noise_bank[noise_idx]
    return np.asarray(np.clip(frame.astype(np.int16) + noise, 0, 255), dtype=np.uint8)


def iter_frames(
    **clip_args: Any,
) -> Iterator[tuple[np.ndarray, list[tuple[str, tuple[float, float, float, float]]]]]:
    """Yield (frame BGR, [(plate_text, (x1, y1, x2, y2)), ...]) for every frame of a clip.

    `clip_args` are `Clip`'s keyword arguments (seed, seconds, fps, size, n_vehicles, density,
    condition, speed). Boxes are the plates' axis-aligned boxes clipped to the frame, for every
    plate at least partly visible (legible or not). Use `Clip` for legibility flags and quads.
    """
    for frame, plates in Clip(**clip_args).frames():
        yield frame, [(p.text, p.box) for p in plates]


def render_clip(
    path_mp4: str | Path, truth_path_json: str | Path, *, progress: bool = False, **clip_args: Any
) -> dict[str, Any]:
    """Render a clip to `path_mp4` (mp4v) and its ground truth to `truth_path_json`; return the truth.

    `clip_args` are `Clip`'s keyword arguments (seed, seconds, fps, size, n_vehicles, density,
    condition, speed, overlay, pedestrians, trees, flicker, lamps, stop: every vehicle stands at
    z = stop[0] metres for stop[1] seconds, a queue at a light, without queueing behind another).
    """
    return write_clip(Clip(**clip_args), path_mp4, truth_path_json, progress=progress)


def write_clip(
    clip: Clip, path_mp4: str | Path, truth_path_json: str | Path, *, progress: bool = False
) -> dict[str, Any]:
    """Write an existing `Clip`'s frames to `path_mp4` (mp4v) and its truth to `truth_path_json`."""
    fps, size = clip.fps, clip.size
    Path(path_mp4).parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path_mp4), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
    if not writer.isOpened():
        raise RuntimeError(f"cannot open video writer for {path_mp4}")
    try:
        for i in range(clip.n_frames):
            frame, _ = clip.render(i)
            writer.write(frame)
            if progress and i % max(1, clip.n_frames // 10) == 0:
                print(f"  frame {i}/{clip.n_frames}", flush=True)
    finally:
        writer.release()
    truth = clip.truth()
    Path(truth_path_json).write_text(json.dumps(truth, indent=2) + "\n")
    return truth


# -- OCR training crops --------------------------------------------------------------------------

_CROP_SCENES: dict[tuple[str, int], Scene] = {}


# Plates narrower than this (pixels) get no small stacked characters: at about a third of the line's
# height they would be a few pixels tall, legible to no one, and a label naming them teaches guessing.
_STACKED_MIN_W = 120


def render_plate_crop(
    rng: np.random.Generator,
    text: str | None = None,
    *,
    condition: str | None = None,
    jitter: float = 0.08,
    pad: float = 0.10,
    min_width: float = 60,
    max_width: float = 260,
    stacked: float = 0.0,
) -> tuple[np.ndarray, str]:
    """A plate crop as the pipeline's detector stage would produce it, and its text.

    One vehicle is drawn in a synthetic scene with the clip renderer (same perspective, lighting,
    noise, and motion blur up to a little more than the legibility limit); the crop is the plate's
    box with each edge moved by up to `jitter` of the box size (detector error), then grown by `pad`
    of the box size on every side (the pipeline's crop padding), then JPEG-compressed at a random
    quality. A share `stacked` of the plates at least _STACKED_MIN_W wide have their first two
    characters small and stacked (`render_plate`). Returns (BGR crop, text).
    """
    if text is None:
        text = random_plate_text(rng)
    if condition is None:
        condition = str(rng.choice(CONDITIONS, p=[0.6, 0.25, 0.15]))
    key = (condition, int(rng.integers(6)))
    if key not in _CROP_SCENES:
        _CROP_SCENES[key] = Scene((1280, 720), condition, np.random.default_rng([CONDITIONS.index(condition), key[1]]))
    scene = _CROP_SCENES[key]
    cam = scene.camera
    v = _make_vehicle(rng, 0.0, 1.0, int(rng.integers(2)), int(rng.integers(1 << 30)))
    style_list = list(STYLES)
    style = style_list[int(rng.integers(len(style_list)))]
    v.plate = text
    v.plate_img = render_plate(text, rng, style)
    v.plate_w_m = _PLATE_W_M[STYLES[style]["kind"]]
    v.plate_yaw = float(rng.uniform(-0.35, 0.35))
    v.plate_roll = float(rng.uniform(-0.08, 0.08))
    target_w = float(np.exp(rng.uniform(np.log(min_width), np.log(max_width))))
    if stacked and target_w >= _STACKED_MIN_W and rng.random() < stacked:  # only where a person reads them
        v.plate_img = render_plate(text, rng, style, stacked=True)
    # Place the vehicle so its plate has about target_w pixels and lies inside the frame.
    x = float(rng.uniform(-1.5, 1.5))
    z = cam.focal * v.plate_w_m / target_w
    quad = cam.project(_plate_quad_world(v, x, z))
    frame = scene.background.copy()
    # Shift the camera target vertically by moving the frame: render into a tall canvas instead.
    h, w = frame.shape[:2]
    c = quad.mean(axis=0)
    if not (20 < c[1] < h - 20 and 20 < c[0] < w - 20):
        x = 0.0
        quad = cam.project(_plate_quad_world(v, x, z))
        c = quad.mean(axis=0)
    if not (0 < c[1] < h):
        # Too close for the camera's tilt: lift the vehicle (equivalent to a camera tilt change).
        big = np.zeros((h * 3, w, 3), np.uint8)
        big[:] = scene.background[h - 1 :, :, :].mean(axis=(0, 1)).astype(np.uint8)
        big[:h] = scene.background
        frame = big
    # Motion blur as the clips have it on legible plates: up to MAX_LEGIBLE_BLUR of the plate's
    # height (a little beyond, for plates at the limit), as pixels per frame at this exposure.
    plate_h = float(quad[:, 1].max() - quad[:, 1].min())
    blur_px = float(rng.uniform(0, 1.1 * MAX_LEGIBLE_BLUR)) * plate_h if rng.random() < 0.85 else 0.0
    speed_px = blur_px / scene.exposure
    ang = float(rng.uniform(1.2, 1.9))
    qx0, qy0 = quad.min(axis=0)
    qx1, qy1 = quad.max(axis=0)
    mw, mh = 0.5 * (qx1 - qx0) + 20, 0.6 * (qy1 - qy0) + 20
    roi = (int(qx0 - mw), int(qy0 - mh), int(qx1 + mw), int(qy1 + mh))
    quad, _ = _draw_vehicle(frame, scene, v, x, z, (speed_px * math.cos(ang), speed_px * math.sin(ang)), roi)
    fh, fw = frame.shape[:2]
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    bw, bh = x1 - x0, y1 - y0
    x0 += rng.uniform(-jitter, jitter) * bw
    x1 += rng.uniform(-jitter, jitter) * bw
    y0 += rng.uniform(-jitter, jitter) * bh
    y1 += rng.uniform(-jitter, jitter) * bh
    bw, bh = x1 - x0, y1 - y0
    cx0 = int(max(0, math.floor(x0 - pad * bw)))
    cy0 = int(max(0, math.floor(y0 - pad * bh)))
    cx1 = int(min(fw, math.ceil(x1 + pad * bw)))
    cy1 = int(min(fh, math.ceil(y1 + pad * bh)))
    crop = frame[cy0:cy1, cx0:cx1].copy()
    if crop.size == 0:
        return render_plate_crop(rng, text, condition=condition, jitter=jitter, pad=pad)
    crop = crop.astype(np.float32)
    # Lighting: global gain/offset, gradient, noise.
    gain = float(rng.uniform(0.6, 1.3)) if condition == "day" else float(rng.uniform(0.7, 1.5))
    crop = crop * gain + float(rng.uniform(-25, 25))
    if rng.random() < 0.3:
        gx = np.linspace(float(rng.uniform(0.6, 1.0)), float(rng.uniform(1.0, 1.3)), crop.shape[1], dtype=np.float32)
        if rng.random() < 0.5:
            gx = gx[::-1]
        crop = crop * gx[None, :, None]
    sigma = scene.noise_sigma * float(rng.uniform(0.5, 2.0))
    crop = crop + rng.normal(0, sigma, crop.shape[:2])[:, :, None].astype(np.float32)
    crop = np.clip(crop, 0, 255).astype(np.uint8)
    if rng.random() < 0.3:
        k = int(rng.choice([3, 5]))
        crop = cv2.GaussianBlur(crop, (k, k), 0)
    if condition == "rain" and rng.random() < 0.7:
        for _ in range(int(rng.integers(2, 12))):
            px, py = int(rng.integers(crop.shape[1])), int(rng.integers(crop.shape[0]))
            ln = int(rng.integers(4, 15))
            cv2.line(crop, (px, py), (px + ln // 5, py + ln), (200, 200, 200), 1)
    q = int(rng.integers(35, 96))
    ok, enc = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, q])
    if ok:
        dec = cv2.imdecode(enc, cv2.IMREAD_COLOR)
        if dec is not None:
            crop = np.asarray(dec, dtype=np.uint8)
    return crop, text
