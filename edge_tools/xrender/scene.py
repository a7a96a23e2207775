"""Cross-renderer clips: a street scene seen by an ordinary security camera, with ground truth.

Written apart from the training generator (edge/synth) and used only to validate: never for training
data, hard-example mining or checkpoint choice. Its own camera (pitch, focal length, height, roll;
barrel distortion, rolling shutter, interlaced fields, upscaled low resolution, sensor noise, heavy
JPEG, IR monochrome), its own scenes (buildings, sidewalks, trees swaying in wind, walking
pedestrians, a burned-in date/time overlay), its own vehicles and plates (`plates.py`).

Legibility (the truth): in a frame a plate is legible when its outline lies inside the frame and
clear of the camera's text overlay; the height of its smallest registration characters is at least
`MIN_CHAR_PX` pixels of real resolution (`DIM_FACTOR` times more in dim, noisy or hazy light; on an
upscaled low-resolution camera a pixel counts 1/`LOW_RES_FACTOR`); its motion smear during the
exposure is at most `MAX_SMEAR` of that height; fog leaves it at least half its contrast; glare
does not wash it out; and no nearer vehicle or pedestrian covers it. A vehicle is listed when its
plate is legible in at least `MIN_LEGIBLE_FRAMES` frames; first_frame / last_frame are its first
and last legible frames. Everything is a pure function of the clip's seed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edge_tools.xrender.plates import PX_PER_M, PlateSpec, draw_plate, frame_margins, random_spec

FPS = 15
SIZE = (1280, 720)
MIN_CHAR_PX = 10.0
LOW_RES_FACTOR = 1.4  # an upscaled 640x360 sensor: its 720p pixels are worth 1/1.4 of real ones
MAX_SMEAR = 0.3
# Dim, noisy or hazy light: characters must be this much larger to be read without effort.
DIM_FACTOR = {"low-light": 1.4, "night": 1.2, "fog": 1.2, "rain": 1.1, "ir": 1.1}
MIN_LEGIBLE_FRAMES = 4

CONDITIONS = (
    "day",
    "dusk",
    "night",
    "ir",
    "rain",
    "fog",
    "glare",
    "overexposure",
    "low-light",
    "occlusion",
    "shake",
    "busy",
)


@dataclass(frozen=True)
class Camera:
    height: float  # metres above the road
    pitch: float  # radians, downwards
    focal: float  # pixels at SIZE
    x: float  # lateral position (metres)
    roll: float  # radians
    distortion: float  # barrel k1 (0: none)
    rolling_shutter: float  # readout time of the frame as a fraction of the frame period (0: global)
    interlaced: bool
    low_res: bool  # a 640x360 sensor upscaled to 1280x720
    jpeg_quality: int
    noise: float  # sensor noise sigma at gain 1
    exposure: float  # seconds
    ir: bool

    def project(self, pts: np.ndarray) -> np.ndarray:
        """World (x right, y up, z ahead; metres) to pixel (u, v), N x 3 -> N x 2. Points behind: nan."""
        sp, cp = math.sin(self.pitch), math.cos(self.pitch)
        rx = pts[:, 0] - self.x
        ry = pts[:, 1] - self.height
        rz = pts[:, 2]
        zc = -ry * sp + rz * cp
        yc = -ry * cp - rz * sp
        with np.errstate(divide="ignore", invalid="ignore"):
            u = SIZE[0] / 2 + self.focal * rx / zc
            v = SIZE[1] / 2 + self.focal * yc / zc
        u = np.where(zc > 0.5, u, np.nan)
        cr, sr = math.cos(self.roll), math.sin(self.roll)
        du, dv = u - SIZE[0] / 2, v - SIZE[1] / 2
        return np.stack([SIZE[0] / 2 + cr * du - sr * dv, SIZE[1] / 2 + sr * du + cr * dv], axis=1)


@dataclass
class Vehicle:
    spec: PlateSpec
    lane_x: float
    towards: bool  # drives towards the camera (front plate seen) or away (rear plate)
    speed: float  # m/s
    t0: float  # seconds at which it passes z = Z_FAR (towards) / Z_NEAR (away)
    width: float
    height: float
    length: float
    colour: tuple[int, int, int]
    plate_y: float  # height of the plate's centre
    plate_x: float  # lateral offset of the plate from the vehicle's centre
    art: np.ndarray | None = field(default=None, repr=False)

    def z_at(self, t: float) -> float:
        dt = t - self.t0
        return Z_FAR - self.speed * dt if self.towards else Z_NEAR + self.speed * dt


Z_FAR = 70.0  # where approaching vehicles enter
Z_NEAR = 6.0  # where receding vehicles enter (they come from under the camera)


@dataclass
class Pedestrian:
    x: float  # lateral start
    z: float
    vx: float  # m/s across
    t0: float
    height: float
    colour: tuple[int, int, int]


@dataclass(frozen=True)
class ClipSpec:
    """One clip of the cross set: its name is its condition, `tags` the conditions it shows."""

    name: str
    seed: int
    seconds: float
    condition: str
    vehicles: int  # vehicles that pass (0: an empty road)
    tags: tuple[str, ...] = ()


class Clip:
    """A deterministic clip: `frame(i)` renders frame i; `truth()` lists the legible vehicles."""

    def __init__(self, spec: ClipSpec):
        self.spec = spec
        self.rng = np.random.default_rng(spec.seed)
        self.n_frames = round(spec.seconds * FPS)
        cond = spec.condition
        r = self.rng
        height = float(r.uniform(2.8, 4.5))
        self.camera = Camera(
            height=height,
            pitch=math.atan((height - 0.5) / float(r.uniform(13, 17))),  # the frame's centre 13-17 m ahead
            focal=float(r.uniform(3000, 3800)),
            x=float(r.uniform(-0.3, 0.3)),
            roll=math.radians(float(r.uniform(-2.5, 2.5))),
            distortion=float(r.choice([0.0, 0.08, 0.15])),
            rolling_shutter=float(r.choice([0.0, 0.0, 0.6])),
            interlaced=bool(r.random() < 0.25),
            low_res=bool(r.random() < 0.25) and cond not in ("low-light", "fog"),
            jpeg_quality=int(r.choice([18, 25, 35, 50])),
            noise=float(r.uniform(2.0, 5.0)),
            exposure={"night": 1 / 250, "ir": 1 / 250, "low-light": 1 / 125, "overexposure": 1 / 1000}.get(
                cond, 1 / 500
            ),
            ir=cond == "ir",
        )
        busy = cond == "busy"
        n = spec.vehicles
        lanes = [-1.7, 1.7]
        self.vehicles: list[Vehicle] = []
        gap = (spec.seconds - 4.0) / max(1, n)  # seconds between vehicles reaching legible range
        lane_t = dict.fromkeys(lanes, -10.0)
        for k in range(n):
            lane = lanes[k % 2] if busy else float(r.choice(lanes))
            towards = bool(r.random() < (0.75 if lane < 0 else 0.25))
            speed = float(r.uniform(22, 30)) if cond == "overexposure" else float(r.uniform(8, 15))
            # The k-th vehicle reaches legible range about k * gap into the clip, its lane's last one
            # at least 1.3 s (busy) or 1.8 s ahead.
            start = max(lane_t[lane] + (1.3 if busy else 1.8), 0.5 + k * gap + float(r.uniform(0, gap * 0.4)))
            lane_t[lane] = start
            travel = (Z_FAR - 28.0) / speed if towards else 0.0
            t0 = start - travel
            kind = r.random()
            w, h, ln = (1.8, 1.45, 4.3) if kind < 0.6 else ((1.9, 1.9, 4.8) if kind < 0.85 else (2.2, 2.6, 6.0))
            pspec = random_spec(r, spec.seed * 1000 + k)
            self.vehicles.append(
                Vehicle(
                    pspec,
                    lane + float(r.uniform(-0.3, 0.3)),
                    bool(towards),
                    speed,
                    t0,
                    w,
                    h,
                    ln,
                    tuple(int(c) for c in r.integers(20, 230, 3)),
                    float(r.uniform(0.35, 0.6)),
                    float(r.uniform(-0.25, 0.25)) if r.random() < 0.3 else 0.0,
                )
            )
        self.pedestrians = [
            Pedestrian(
                float(r.choice([-4.3, 4.5])),
                float(r.uniform(12, 40)),
                float(r.uniform(0.8, 1.5)) * float(r.choice([-1, 1])) * 0.4,
                float(r.uniform(-3, spec.seconds)),
                float(r.uniform(1.55, 1.9)),
                tuple(int(c) for c in r.integers(10, 200, 3)),
            )
            for _ in range(int(r.integers(3, 7)) + (6 if busy else 0))
        ]
        if cond == "occlusion":  # people crossing the road in front of the vehicles
            for k in range(6):
                self.pedestrians.append(
                    Pedestrian(-6.0, float(r.uniform(13, 20)), 1.4, k * spec.seconds / 6, 1.75, (40, 40, 60))
                )
        self.trees = [
            (float(x), float(z), float(r.uniform(3, 6)), float(r.uniform(0, 6.28)))
            for x, z in zip(r.choice([-5.0, -6.0, 5.0, 6.5], 7), r.uniform(18, 70, 7), strict=True)
        ]
        self.wind = float(r.uniform(0.15, 0.5))
        self.start_time = datetime(2026, 3, 1, 6) + timedelta(minutes=int(r.integers(0, 60 * 24 * 200)))
        self.glare = (float(r.uniform(300, 1000)), float(r.uniform(150, 450)))
        self.layout = int(r.integers(0, 3))
        self._noise = [r.normal(0, 1, (SIZE[1] // 2, SIZE[0] // 2)).astype(np.float32) for _ in range(6)]
        self._bg: np.ndarray | None = None
        self._maps: tuple[np.ndarray, np.ndarray] | None = None

    # -- geometry (no pixels) ----------------------------------------------------------------------
    def _light(self) -> tuple[float, tuple[float, float, float]]:
        """(ambient gain, RGB tint) of the scene."""
        return {
            "day": (1.0, (1.0, 1.0, 1.0)),
            "dusk": (0.55, (1.05, 0.85, 0.75)),
            "night": (0.16, (0.9, 0.9, 1.1)),
            "ir": (0.35, (1.0, 1.0, 1.0)),
            "rain": (0.6, (0.9, 0.95, 1.05)),
            "fog": (0.85, (1.0, 1.0, 1.0)),
            "glare": (1.0, (1.05, 1.0, 0.95)),
            "overexposure": (1.9, (1.0, 1.0, 1.0)),
            "low-light": (0.22, (1.0, 0.95, 0.9)),
            "occlusion": (0.95, (1.0, 1.0, 1.0)),
            "shake": (0.9, (1.0, 1.0, 1.0)),
            "busy": (1.0, (1.0, 1.0, 1.0)),
        }.get(self.spec.condition, (1.0, (1.0, 1.0, 1.0)))

    def plate_quad(self, v: Vehicle, t: float) -> np.ndarray | None:
        """The plate's four corners (TL, TR, BR, BL) in the frame, before lens distortion; None when behind."""
        z = v.z_at(t)
        if z < 1.0 or z > 150:
            return None
        w, h = v.spec.size_m
        x = v.lane_x + v.plate_x
        pts = np.array(
            [
                [x - w / 2, v.plate_y + h / 2, z],
                [x + w / 2, v.plate_y + h / 2, z],
                [x + w / 2, v.plate_y - h / 2, z],
                [x - w / 2, v.plate_y - h / 2, z],
            ]
        )
        q = self.camera.project(pts)
        return None if np.isnan(q).any() else q

    def shake(self, i: int) -> tuple[float, float, float]:
        """Camera shake at frame i: (dx, dy) pixels and the pixels it moves during the exposure."""
        if self.spec.condition != "shake":
            return (0.0, 0.0, 0.0)
        t = i / FPS
        dx = 9 * math.sin(2 * math.pi * 2.3 * t + 0.7) + 4 * math.sin(2 * math.pi * 5.1 * t)
        dy = 7 * math.sin(2 * math.pi * 1.7 * t) + 3 * math.sin(2 * math.pi * 6.3 * t + 1.1)
        vel = math.hypot(9 * 2 * math.pi * 2.3, 7 * 2 * math.pi * 1.7) * 0.6
        return (dx, dy, vel * self.camera.exposure * 8)

    def distort(self, pts: np.ndarray) -> np.ndarray:
        """Where the lens puts undistorted frame points (barrel distortion, k1 on normalised radius)."""
        k = self.camera.distortion
        if k == 0:
            return pts
        c = np.array([SIZE[0] / 2, SIZE[1] / 2])
        n = (pts - c) / (SIZE[0] / 2)
        r2 = (n**2).sum(axis=1, keepdims=True)
        return c + n / (1 + k * r2) * (SIZE[0] / 2)

    def _occluders(self, t: float, z_plate: float) -> list[np.ndarray]:
        """Outlines (frame pixels) of the vehicles and pedestrians drawn over a plate at z_plate at time t."""
        out = []
        for u in self.vehicles:
            zu = u.z_at(t)
            if 1.5 < zu < z_plate:  # drawn after the plate's vehicle (`frame` draws far to near)
                hull = self._vehicle_hull(u, zu)
                if hull is not None:
                    out.append(hull)
        for p in self.pedestrians:
            box = self._ped_box(p, t)
            if box is not None and p.z < z_plate:
                out.append(box)
        return out

    def _vehicle_hull(self, v: Vehicle, z: float) -> np.ndarray | None:
        x0, x1 = v.lane_x - v.width / 2, v.lane_x + v.width / 2
        zb = z + v.length  # the body runs away from the camera behind the face it shows
        pts = np.array([[x, y, zz] for x in (x0, x1) for y in (0.0, v.height) for zz in (z, zb)])
        q = self.camera.project(pts)
        if np.isnan(q).any():
            return None
        return cv2.convexHull(q.astype(np.float32)).reshape(-1, 2)

    def _ped_box(self, p: Pedestrian, t: float) -> np.ndarray | None:
        x = p.x + p.vx * (t - p.t0)
        if abs(x) > 14:
            return None
        q = self.camera.project(
            np.array([[x - 0.28, p.height, p.z], [x + 0.28, p.height, p.z], [x + 0.28, 0.0, p.z], [x - 0.28, 0.0, p.z]])
        )
        return None if np.isnan(q).any() else q

    def seen_quad(self, v: Vehicle, i: int) -> np.ndarray | None:
        """The plate's corners in frame i as the camera delivers it (shake and lens included)."""
        q = self.plate_quad(v, i / FPS)
        if q is None:
            return None
        dx, dy, _ = self.shake(i)
        return self.distort(q + np.array([dx, dy]))

    def _in_frame(self, v: Vehicle, i: int) -> bool:
        """Whether any of the plate's outline is inside frame i (legible or not)."""
        q = self.seen_quad(v, i)
        if q is None:
            return False
        return bool(((q[:, 0] >= 0) & (q[:, 0] < SIZE[0]) & (q[:, 1] >= 0) & (q[:, 1] < SIZE[1])).any())

    def legible(self, v: Vehicle, i: int) -> bool:
        t = i / FPS
        q = self.seen_quad(v, i)
        if q is None:
            return False
        dx, dy, shake_smear = self.shake(i)
        if (q[:, 0] < 2).any() or (q[:, 0] > SIZE[0] - 2).any() or (q[:, 1] < 2).any() or (q[:, 1] > SIZE[1] - 2).any():
            return False
        h_px = float(np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
        char_px = h_px * v.spec.char_height_m / v.spec.size_m[1]
        if self.camera.low_res:
            char_px /= LOW_RES_FACTOR
        if char_px < MIN_CHAR_PX * DIM_FACTOR.get(self.spec.condition, 1.0):
            return False
        q2 = self.plate_quad(v, t + self.camera.exposure)
        smear = float(np.abs(q2 - self.plate_quad(v, t)).max()) if q2 is not None else 0.0  # type: ignore[operator]
        if smear + shake_smear > MAX_SMEAR * char_px * (LOW_RES_FACTOR if self.camera.low_res else 1):
            return False
        z = v.z_at(t)
        if self.spec.condition == "fog" and math.exp(-z / 45.0) < 0.5:
            return False
        if self.spec.condition == "glare":
            c = q.mean(axis=0)
            if math.hypot(c[0] - self.glare[0], c[1] - self.glare[1]) < 150:
                return False
        box = cv2.boundingRect(q.astype(np.float32))
        if any(_overlap(box, r) for r in OVERLAY_BOXES):  # the camera's burned-in text covers it
            return False
        for hull in self._occluders(t, z):
            hb = cv2.boundingRect(self.distort(hull + np.array([dx, dy])).astype(np.float32))
            if _overlap(box, hb):
                return False
        return True

    def truth(self) -> dict[str, Any]:
        """{"fps", "frames", "vehicles": [{"plate", "first_frame", "last_frame", ...}], "conditions", ...}.

        Beside what `edge-alpr eval` reads, each vehicle carries its plate's style, layout, font, its
        legible frame count and its box (x, y, w, h) at its first and last legible frames. "unlisted":
        the plates of vehicles never legible long enough to be listed, with the frames they are in view.
        """
        vehicles = []
        unlisted = []
        for v in self.vehicles:
            frames = [i for i in range(self.n_frames) if self.legible(v, i)]
            if len(frames) < MIN_LEGIBLE_FRAMES:
                # Not a vehicle to read, but its plate is in the picture: a read of exactly its text is
                # no misread (edge.evaluate counts it apart). The window: every frame the plate is in.
                seen = [i for i in range(self.n_frames) if self._in_frame(v, i)]
                if seen:
                    unlisted.append({"plate": v.spec.text, "first_frame": seen[0], "last_frame": seen[-1]})
            else:
                boxes = [cv2.boundingRect(self.seen_quad(v, i).astype(np.float32)) for i in (frames[0], frames[-1])]  # type: ignore[union-attr]
                vehicles.append(
                    {
                        "plate": v.spec.text,
                        "first_frame": frames[0],
                        "last_frame": frames[-1],
                        "legible_frames": len(frames),
                        "box_first": list(boxes[0]),
                        "box_last": list(boxes[1]),
                        "style": v.spec.style,
                        "layout": v.spec.layout,
                        "font": v.spec.font,
                        "frame": v.spec.frame is not None,
                        "towards": v.towards,
                    }
                )
        vehicles.sort(key=lambda d: (d["first_frame"], d["plate"]))
        unlisted.sort(key=lambda d: (d["first_frame"], d["plate"]))
        cam = self.camera
        return {
            "fps": FPS,
            "frames": self.n_frames,
            "vehicles": vehicles,
            "unlisted": unlisted,
            "renderer": "xrender",
            "condition": self.spec.condition,
            "conditions": [self.spec.condition, *self.spec.tags],
            "seed": self.spec.seed,
            "camera": {
                "low_res": cam.low_res,
                "interlaced": cam.interlaced,
                "rolling_shutter": cam.rolling_shutter,
                "distortion": cam.distortion,
                "jpeg_quality": cam.jpeg_quality,
                "ir": cam.ir,
            },
        }

    # -- pixels -----------------------------------------------------------------------------------
    def _background(self) -> np.ndarray:
        """The static scene (RGB float32 albedo): sky, buildings, sidewalks, road and markings."""
        if self._bg is not None:
            return self._bg
        r = np.random.default_rng([self.spec.seed, 1])
        w, h = SIZE
        img = np.zeros((h, w, 3), np.float32)
        img[:] = (150, 175, 205) if self.layout != 2 else (170, 170, 175)
        cam = self.camera
        # Buildings along both sides, far to near.
        for side in (-1, 1):
            for z in np.arange(110, 8, -7.0):
                x_in = side * float(r.uniform(7.0, 10.0))
                height = float(r.uniform(5, 16))
                col = np.array(r.integers(60, 200, 3), np.float32)
                face = np.array([[x_in, 0, z], [x_in, height, z], [x_in, height, z + 7], [x_in, 0, z + 7]])
                q = cam.project(face)
                if not np.isnan(q).any():
                    cv2.fillConvexPoly(img, q.astype(np.int32), col.tolist())
                    for wy in np.arange(1.5, height - 1, 3.0):  # windows
                        for wz in (z + 1.5, z + 4.5):
                            wq = cam.project(
                                np.array(
                                    [
                                        [x_in, wy, wz],
                                        [x_in, wy + 1.2, wz],
                                        [x_in, wy + 1.2, wz + 1.2],
                                        [x_in, wy, wz + 1.2],
                                    ]
                                )
                            )
                            if not np.isnan(wq).any():
                                cv2.fillConvexPoly(img, wq.astype(np.int32), (col * 0.45).tolist())
        # The verge: a city's sidewalk, a suburb's lawn, an industrial site's gravel.
        verge = [(150, 145, 135), (70, 120, 55), (120, 110, 95)][self.layout]
        for sx in (-3.6, 3.6):
            side = np.array(
                [[sx, 0.0, 3], [sx + np.sign(sx) * 4, 0.0, 3], [sx + np.sign(sx) * 4, 0.0, 400], [sx, 0.0, 400]]
            )
            cv2.fillConvexPoly(img, cam.project(side).astype(np.int32), verge)
        road = np.array([[-3.6, 0, 3], [3.6, 0, 3], [3.6, 0, 400], [-3.6, 0, 400]])
        cv2.fillConvexPoly(
            img, cam.project(road).astype(np.int32), (88, 88, 92) if self.layout != 2 else (105, 100, 98)
        )
        for lx in (0.0,):  # dashed centre line
            for z in np.arange(4, 200, 9.0):
                m = np.array([[lx - 0.08, 0, z], [lx + 0.08, 0, z], [lx + 0.08, 0, z + 3], [lx - 0.08, 0, z + 3]])
                cv2.fillConvexPoly(img, cam.project(m).astype(np.int32), (225, 225, 215))
        # Road texture: patches of asphalt.
        tex = cv2.resize(r.normal(0, 9, (h // 8, w // 8)).astype(np.float32), SIZE, interpolation=cv2.INTER_CUBIC)
        img += tex[..., None]
        self._bg = img
        return img

    def _draw_vehicle(
        self, img: np.ndarray, light: np.ndarray, v: Vehicle, t: float, plate_gain: float, ambient: float
    ) -> None:
        z = v.z_at(t)
        cam = self.camera
        x0, x1 = v.lane_x - v.width / 2, v.lane_x + v.width / 2
        zb = z + v.length
        col = np.array(v.colour, np.float32)

        def poly(pts: list[list[float]], colour: Any, lit: float | None = None) -> None:
            q = cam.project(np.array(pts, np.float64))
            if np.isnan(q).any():
                return
            qi = np.round(q).astype(np.int32)
            cv2.fillConvexPoly(img, qi, colour)
            cv2.fillConvexPoly(light, qi, ambient if lit is None else lit)

        hb = v.height
        side_x = x1 if v.lane_x < cam.x else x0
        poly(
            [[side_x, 0.3, z], [side_x, hb * 0.95, z + 0.6], [side_x, hb * 0.95, zb], [side_x, 0.3, zb]],
            (col * 0.7).tolist(),
        )
        poly(
            [[x0 + 0.1, hb, z + 0.9], [x1 - 0.1, hb, z + 0.9], [x1 - 0.1, hb, zb - 0.4], [x0 + 0.1, hb, zb - 0.4]],
            (col * 1.1).clip(0, 255).tolist(),
        )
        poly([[x0, 0.25, z], [x1, 0.25, z], [x1, hb * 0.62, z], [x0, hb * 0.62, z]], col.tolist())
        poly(
            [
                [x0 + 0.12, hb * 0.62, z + 0.05],
                [x1 - 0.12, hb * 0.62, z + 0.05],
                [x1 - 0.2, hb, z + 0.9],
                [x0 + 0.2, hb, z + 0.9],
            ],
            (35, 45, 55),
        )
        poly([[x0, 0.12, z - 0.05], [x1, 0.12, z - 0.05], [x1, 0.32, z - 0.05], [x0, 0.32, z - 0.05]], (30, 30, 30))
        lamp = (250, 245, 225) if v.towards else (210, 20, 20)
        lit_lamp = max(ambient, 2.2) if self.spec.condition in ("night", "low-light", "dusk", "ir") else None
        for lx in (x0 + 0.12, x1 - 0.42):
            poly(
                [
                    [lx, hb * 0.45, z - 0.02],
                    [lx + 0.3, hb * 0.45, z - 0.02],
                    [lx + 0.3, hb * 0.56, z - 0.02],
                    [lx, hb * 0.56, z - 0.02],
                ],
                lamp,
                lit_lamp,
            )
        if v.towards and self.spec.condition in ("day", "busy", "shake") and v.plate_x == 0:
            for gx in np.linspace(x0 + 0.5, x1 - 0.5, 6):  # grille slats above the plate
                poly(
                    [
                        [gx, hb * 0.30 + 0.1, z - 0.01],
                        [gx + 0.06, hb * 0.30 + 0.1, z - 0.01],
                        [gx + 0.06, hb * 0.44, z - 0.01],
                        [gx, hb * 0.44, z - 0.01],
                    ],
                    (25, 25, 25),
                )
        # The plate: its artwork warped onto its quad, lit by the plate lamp / IR.
        if v.art is None:
            v.art = draw_plate(v.spec).astype(np.float32)
        w, h = v.spec.size_m
        sx, st, sb = frame_margins(v.spec)
        px = v.lane_x + v.plate_x
        corners = np.array(
            [
                [px - w / 2 - sx, v.plate_y + h / 2 + st, z - 0.03],
                [px + w / 2 + sx, v.plate_y + h / 2 + st, z - 0.03],
                [px + w / 2 + sx, v.plate_y - h / 2 - sb, z - 0.03],
                [px - w / 2 - sx, v.plate_y - h / 2 - sb, z - 0.03],
            ]
        )
        q = cam.project(corners)
        if np.isnan(q).any():
            return
        ah, aw = v.art.shape[:2]
        src = np.array([[0, 0], [aw, 0], [aw, ah], [0, ah]], np.float32)
        x, y, bw, bh = cv2.boundingRect(q.astype(np.float32))
        x0i, y0i = max(0, x - 2), max(0, y - 2)
        x1i, y1i = min(SIZE[0], x + bw + 2), min(SIZE[1], y + bh + 2)
        if x1i <= x0i or y1i <= y0i:
            return
        m = cv2.getPerspectiveTransform(src, (q - np.array([x0i, y0i])).astype(np.float32))
        roi = (x1i - x0i, y1i - y0i)
        # Downscale the artwork first (area average), as optics would, before the perspective warp.
        scale = max(1.0, aw / max(4.0, bw))
        art = v.art
        if scale > 1.5:
            art = cv2.resize(v.art, (max(4, int(aw / scale)), max(4, int(ah / scale))), interpolation=cv2.INTER_AREA)
            m = m @ np.diag([aw / art.shape[1], ah / art.shape[0], 1.0])
        warped = cv2.warpPerspective(art, m, roi, flags=cv2.INTER_LINEAR)
        mask = cv2.warpPerspective(np.ones(art.shape[:2], np.float32), m, roi, flags=cv2.INTER_LINEAR)
        smear = self._smear(v, t)
        if smear[0] ** 2 + smear[1] ** 2 > 2.0:
            k = _line_kernel(*smear)
            warped = cv2.filter2D(warped, -1, k)
            mask = cv2.filter2D(mask, -1, k)
        sub = img[y0i:y1i, x0i:x1i]
        sub[:] = sub * (1 - mask[..., None]) + warped * mask[..., None]
        lsub = light[y0i:y1i, x0i:x1i]
        lsub[:] = lsub * (1 - mask) + plate_gain * mask

    def _smear(self, v: Vehicle, t: float) -> tuple[float, float]:
        a = self.plate_quad(v, t)
        b = self.plate_quad(v, t + self.camera.exposure)
        if a is None or b is None:
            return (0.0, 0.0)
        d = (b - a).mean(axis=0)
        return (float(d[0]), float(d[1]))

    def _draw_pedestrian(self, img: np.ndarray, light: np.ndarray, p: Pedestrian, t: float, ambient: float) -> None:
        box = self._ped_box(p, t)
        if box is None:
            return
        x = p.x + p.vx * (t - p.t0)
        cam = self.camera
        phase = math.sin(2 * math.pi * 1.8 * t + p.x)
        for leg in (-1, 1):  # legs swing
            q = cam.project(np.array([[x, 0.9, p.z], [x + 0.3 * phase * leg, 0.0, p.z]]))
            if not np.isnan(q).any():
                th = max(2, int(0.12 * cam.focal / p.z))
                cv2.line(img, tuple(q[0].astype(int)), tuple(q[1].astype(int)), (40, 40, 50), th)
                cv2.line(light, tuple(q[0].astype(int)), tuple(q[1].astype(int)), ambient, th)
        body = cam.project(
            np.array(
                [
                    [x - 0.22, p.height * 0.86, p.z],
                    [x + 0.22, p.height * 0.86, p.z],
                    [x + 0.2, 0.9, p.z],
                    [x - 0.2, 0.9, p.z],
                ]
            )
        )
        cv2.fillConvexPoly(img, body.astype(np.int32), p.colour)
        cv2.fillConvexPoly(light, body.astype(np.int32), ambient)
        head = cam.project(np.array([[x, p.height * 0.93, p.z]]))[0]
        rad = max(2, int(0.11 * cam.focal / p.z))
        cv2.circle(img, tuple(head.astype(int)), rad, (190, 150, 120), -1)
        cv2.circle(light, tuple(head.astype(int)), rad, ambient, -1)

    def _draw_tree(self, img: np.ndarray, tree: tuple[float, float, float, float], t: float) -> None:
        x, z, height, phase = tree
        cam = self.camera
        trunk = cam.project(np.array([[x, 0, z], [x, height * 0.55, z]]))
        if np.isnan(trunk).any():
            return
        cv2.line(
            img,
            tuple(trunk[0].astype(int)),
            tuple(trunk[1].astype(int)),
            (70, 50, 35),
            max(2, int(0.3 * cam.focal / z)),
        )
        r = np.random.default_rng([int(abs(x) * 10), int(z * 10), int(x < 0)])
        ox, oy = r.uniform(-1.4, 1.4, 14), r.uniform(0.5, 1.0, 14) * height
        size, green = r.uniform(0.6, 1.1, 14), r.integers(70, 130, 14)
        sway = self.wind * np.sin(2 * math.pi * 0.7 * t + phase + ox) * (oy / height)  # each cluster its own phase
        cs = cam.project(np.stack([x + ox + sway, oy, np.full(14, z)], axis=1))
        for c, sz, g in zip(cs, size, green, strict=True):
            if not np.isnan(c).any():
                cv2.circle(img, (int(c[0]), int(c[1])), max(3, int(sz * cam.focal / z)), (40, int(g), 35), -1)

    def frame(self, i: int) -> np.ndarray:
        """Frame i as the camera delivers it (BGR uint8, 720 x 1280)."""
        t = i / FPS
        cond = self.spec.condition
        ambient, tint = self._light()
        img = self._background().copy()
        light = np.full(img.shape[:2], ambient, np.float32)
        plate_gain = {"night": 0.85, "ir": 1.6, "low-light": 0.5, "dusk": 0.75}.get(cond, ambient)
        items: list[tuple[float, str, Any]] = [(tr[1], "tree", tr) for tr in self.trees]
        items += [(p.z, "ped", p) for p in self.pedestrians]
        items += [(v.z_at(t), "car", v) for v in self.vehicles if 1.5 < v.z_at(t) < 140]
        for _, kind, obj in sorted(items, key=lambda it: -it[0]):
            if kind == "tree":
                self._draw_tree(img, obj, t)
            elif kind == "ped":
                self._draw_pedestrian(img, light, obj, t, ambient)
            else:
                self._draw_vehicle(img, light, obj, t, plate_gain, ambient)
        img *= light[..., None]
        if tint != (1.0, 1.0, 1.0):
            img *= np.array(tint, np.float32)
        if cond in ("night", "low-light", "ir", "dusk"):  # headlight blooms, added over whatever is in front
            bloom = np.zeros(img.shape[:2], np.float32)
            for v in self.vehicles:
                z = v.z_at(t)
                if v.towards and 3 < z < 120:
                    for lx in (v.lane_x - v.width / 2 + 0.27, v.lane_x + v.width / 2 - 0.27):
                        c = self.camera.project(np.array([[lx, v.height * 0.5, z]]))[0]
                        if not np.isnan(c).any():
                            cv2.circle(bloom, (int(c[0]), int(c[1])), int(min(40, 600 / z)), 150.0, -1, cv2.LINE_AA)
            if bloom.any():
                img += cv2.GaussianBlur(bloom, (0, 0), 6)[..., None]
        if cond == "rain":
            r = np.random.default_rng([self.spec.seed, i, 3])
            streaks = np.zeros(img.shape[:2], np.float32)
            for _ in range(900):
                x, y = int(r.integers(0, SIZE[0])), int(r.integers(0, SIZE[1]))
                cv2.line(streaks, (x, y), (x - 3, y + int(r.integers(10, 30))), 45.0, 1)
            img = img * 0.92 + streaks[..., None]
        if cond == "fog":
            row_z = np.maximum(1.0, self._row_depth())
            f = np.exp(-row_z / 45.0)[:, None, None]
            img = img * f + 200 * (1 - f)
        if cond == "glare":
            yy, xx = np.mgrid[0 : SIZE[1] : 4, 0 : SIZE[0] : 4]
            d = np.hypot(xx - self.glare[0], yy - self.glare[1])
            g = cv2.resize((400 * np.exp(-((d / 130) ** 2)) + 60 * np.exp(-d / 500)).astype(np.float32), SIZE)
            img = img + g[..., None]
            for k in (0.4, 0.7, 1.25):  # lens flare ghosts along the line through the centre
                c = (
                    int(SIZE[0] / 2 + (SIZE[0] / 2 - self.glare[0]) * k),
                    int(SIZE[1] / 2 + (SIZE[1] / 2 - self.glare[1]) * k),
                )
                ghost = np.zeros_like(img)
                cv2.circle(ghost, c, int(30 + 25 * k), (40, 60, 50), -1, cv2.LINE_AA)
                img = img + ghost
        return self._camera(np.clip(img, 0, 255), i)

    def _row_depth(self) -> np.ndarray:
        """Distance along the road seen at each frame row (ground plane), for fog."""
        cam = self.camera
        v = np.arange(SIZE[1], dtype=np.float64)
        ang = cam.pitch + np.arctan((v - SIZE[1] / 2) / cam.focal)
        return np.where(ang > 0.002, cam.height / np.tan(np.maximum(ang, 0.002)), 400.0)

    def _camera(self, img: np.ndarray, i: int) -> np.ndarray:
        """Sensor and encoder: shake, rolling shutter, interlacing, lens, resolution, noise, overlay, JPEG."""
        cam = self.camera
        dx, dy, smear = self.shake(i)
        if dx or dy:
            m = np.float32([[1, 0, dx], [0, 1, dy]])
            img = cv2.warpAffine(img, m, SIZE, borderMode=cv2.BORDER_REFLECT)
            if smear > 1.5:
                img = cv2.filter2D(img, -1, _line_kernel(smear * 0.8, smear * 0.6))
        img = np.clip(img, 0, 255).astype(np.uint8)  # the optics and sensor below work on 8 bits (speed)
        if cam.rolling_shutter:  # rows read later see the scene shifted by the camera's pan jitter: a shear
            shear = cam.rolling_shutter * 6 * math.sin(i * 0.9) / SIZE[1]
            img = cv2.warpAffine(img, np.float32([[1, shear, 0], [0, 1, 0]]), SIZE, borderMode=cv2.BORDER_REFLECT)
        if cam.interlaced:  # odd lines come from the other field, a little later: combed, then blended
            odd = img[1::2]
            odd[:] = cv2.addWeighted(odd, 0.5, np.roll(img[0::2][: len(odd)], 2, axis=1), 0.5, 0)
        if cam.distortion:
            mx, my = self._lens_maps()
            img = cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        if cam.low_res:
            img = cv2.resize(
                cv2.resize(img, (SIZE[0] // 2, SIZE[1] // 2), interpolation=cv2.INTER_AREA),
                SIZE,
                interpolation=cv2.INTER_LINEAR,
            )
        ambient = self._light()[0]
        sigma = cam.noise * (1.0 / max(0.2, min(1.0, ambient))) ** 0.7
        noise = cv2.resize(self._noise[i % len(self._noise)], SIZE, interpolation=cv2.INTER_NEAREST)
        noise = np.roll(noise, (i * 37) % SIZE[0], axis=1) * sigma
        img = cv2.add(img, cv2.merge([noise, noise, noise]), dtype=cv2.CV_8U)
        if cam.ir:
            g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
            img = cv2.merge([g, g, g])
        bgr = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
        self._overlay(bgr, i)
        ok, enc = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, cam.jpeg_quality])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        return cv2.imdecode(enc, cv2.IMREAD_COLOR)

    def _lens_maps(self) -> tuple[np.ndarray, np.ndarray]:
        if self._maps is None:
            k = self.camera.distortion
            c = np.array([SIZE[0] / 2, SIZE[1] / 2], np.float32)
            yy, xx = np.mgrid[0 : SIZE[1], 0 : SIZE[0]].astype(np.float32)
            nx, ny = (xx - c[0]) / c[0], (yy - c[1]) / c[0]
            # Invert r_d = r_u / (1 + k r_u^2) for each output pixel by fixed-point iteration.
            ux, uy = nx.copy(), ny.copy()
            for _ in range(8):
                r2 = ux**2 + uy**2
                ux, uy = nx * (1 + k * r2), ny * (1 + k * r2)
            self._maps = cv2.convertMaps(ux * c[0] + c[0], uy * c[0] + c[1], cv2.CV_16SC2)
        return self._maps

    def _overlay(self, bgr: np.ndarray, i: int) -> None:
        """The camera's burned-in date, time and name (white with a dark outline, top left)."""
        now = self.start_time + timedelta(seconds=i / FPS)
        text = now.strftime("%Y-%m-%d %H:%M:%S") + f"  CAM{self.spec.seed % 90 + 10:02d} GATE-{self.layout + 1}"
        for colour, th in (((0, 0, 0), 4), ((255, 255, 255), 2)):
            cv2.putText(bgr, text, (24, 44), cv2.FONT_HERSHEY_SIMPLEX, 1.0, colour, th, cv2.LINE_AA)
        day = now.strftime("%a").upper()
        for colour, th in (((0, 0, 0), 4), ((255, 255, 255), 2)):
            cv2.putText(bgr, day, (SIZE[0] - 110, SIZE[1] - 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0, colour, th, cv2.LINE_AA)


# Where `_overlay` writes (x, y, w, h), with a margin: the date/time line top left, the weekday bottom right.
OVERLAY_BOXES = ((14, 10, 720, 46), (SIZE[0] - 120, SIZE[1] - 62, 110, 44))


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _line_kernel(dx: float, dy: float) -> np.ndarray:
    n = max(3, math.ceil(max(abs(dx), abs(dy))) * 2 + 1)
    k = np.zeros((n, n), np.float32)
    c = n // 2
    cv2.line(k, (round(c - dx / 2), round(c - dy / 2)), (round(c + dx / 2), round(c + dy / 2)), 1.0, 1)
    return k / k.sum()


def write_clip(
    clip: Clip, mp4: Path, truth_json: Path, post: Callable[[int, np.ndarray], np.ndarray] | None = None
) -> dict[str, Any]:
    """Render every frame of `clip` to `mp4` (mp4v, 15 fps, 1280x720) and its truth to `truth_json`;
    `post(i, frame)`, when given, changes frame i before it is written (the bench's lighting flicker)."""
    mp4.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(mp4), cv2.VideoWriter.fourcc(*"mp4v"), FPS, SIZE)
    if not writer.isOpened():
        raise RuntimeError(f"{mp4}: cannot open a video writer")
    try:
        for i in range(clip.n_frames):
            frame = clip.frame(i)
            writer.write(post(i, frame) if post is not None else frame)
    finally:
        writer.release()
    truth = clip.truth()
    truth_json.write_text(json.dumps(truth, indent=1) + "\n")
    return truth


# Plate art scale is exported for the tests' sanity checks.
__all__ = ["CONDITIONS", "FPS", "PX_PER_M", "SIZE", "Camera", "Clip", "ClipSpec", "write_clip"]
