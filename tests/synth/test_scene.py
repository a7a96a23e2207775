"""Tests for edge_tools.synth.scene: clips, ground truth and OCR crops."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge_tools.synth.scene import (
    MAX_LEGIBLE_BLUR,
    MIN_LEGIBLE_FRAMES,
    MIN_LEGIBLE_WIDTH,
    Clip,
    iter_frames,
    render_clip,
    render_plate_crop,
)

SMALL = (640, 360)


@pytest.fixture(scope="module")
def clip() -> Clip:
    return Clip(seed=11, seconds=8, fps=15, size=(1280, 720), n_vehicles=4)


def test_truth_schema_and_consistency(clip: Clip) -> None:
    truth = clip.truth()
    assert set(truth) == {"fps", "frames", "vehicles"}
    assert truth["fps"] == 15
    assert truth["frames"] == clip.n_frames == 120
    assert truth["vehicles"], "a clip with 4 vehicles must have legible plates"
    plates = {v.plate for v in clip.vehicles}
    for v in truth["vehicles"]:
        assert set(v) == {"plate", "first_frame", "last_frame"}
        assert v["plate"] in plates
        assert 0 <= v["first_frame"] <= v["last_frame"] < truth["frames"]
        assert v["last_frame"] - v["first_frame"] + 1 >= MIN_LEGIBLE_FRAMES
    # Truth agrees with the per-frame plate list: legible exactly at first/last, never outside.
    for v in truth["vehicles"]:
        for i in (v["first_frame"], v["last_frame"]):
            obs = [p for p in clip.plates(i) if p.text == v["plate"]]
            assert obs
            assert obs[0].legible
            assert obs[0].width_px >= MIN_LEGIBLE_WIDTH
        for i in (v["first_frame"] - 1, v["last_frame"] + 1):
            if 0 <= i < clip.n_frames:
                assert not any(p.legible for p in clip.plates(i) if p.text == v["plate"])


def test_legible_plates_are_inside_and_large(clip: Clip) -> None:
    w, h = clip.size
    seen = 0
    for i in range(0, clip.n_frames, 3):
        for p in clip.plates(i):
            x1, y1, x2, y2 = p.box
            assert 0 <= x1 < x2 <= w
            assert 0 <= y1 < y2 <= h
            if p.legible:
                seen += 1
                assert x2 - x1 >= MIN_LEGIBLE_WIDTH
                assert p.quad.min() >= 0
                assert p.quad[:, 0].max() <= w
                assert p.quad[:, 1].max() <= h
    assert seen > 0


def test_smeared_plates_are_not_legible() -> None:
    # Fast traffic at 10 fps: large, fully visible plates move so far during the exposure that
    # some are smeared over more than a quarter of their height; truth must not demand those.
    fast = Clip(seed=7, seconds=6, fps=10, size=(1280, 720), n_vehicles=3, speed=2.0)
    smeared = 0
    for i in range(fast.n_frames):
        for p in fast.plates(i):
            height = float(p.quad[:, 1].max() - p.quad[:, 1].min())
            if p.legible:
                assert p.blur_px <= MAX_LEGIBLE_BLUR * height
            elif (
                p.width_px >= MIN_LEGIBLE_WIDTH and p.visible_fraction == 1.0 and p.blur_px > MAX_LEGIBLE_BLUR * height
            ):
                smeared += 1
    assert smeared > 0


def test_same_seed_same_frames() -> None:
    a = Clip(seed=3, seconds=2, fps=10, size=SMALL, n_vehicles=3)
    b = Clip(seed=3, seconds=2, fps=10, size=SMALL, n_vehicles=3)
    c = Clip(seed=4, seconds=2, fps=10, size=SMALL, n_vehicles=3)
    for i in (0, 7, 19):
        fa, pa = a.render(i)
        fb, pb = b.render(i)
        assert np.array_equal(fa, fb)
        assert [(p.text, p.box) for p in pa] == [(p.text, p.box) for p in pb]
    assert a.truth() == b.truth()
    assert [v.plate for v in a.vehicles] != [v.plate for v in c.vehicles]
    # Random access gives the same frame as sequential rendering.
    seq = list(a.frames())
    assert np.array_equal(seq[7][0], a.render(7)[0])


def test_plate_pixels_where_boxes_say(clip: Clip) -> None:
    """A legible plate's box differs from the empty background there; the frame has a vehicle."""
    truth = clip.truth()
    v = truth["vehicles"][0]
    i = (v["first_frame"] + v["last_frame"]) // 2
    frame, plates = clip.render(i)
    p = next(p for p in plates if p.text == v["plate"])
    x1, y1, x2, y2 = (round(t) for t in p.box)
    patch = frame[y1:y2, x1:x2].astype(int)
    bg = clip.scene.background[y1:y2, x1:x2].astype(int)
    assert np.abs(patch - bg).mean() > 20
    # Plates have strong contrast (characters on a plate background).
    gray = cv2.cvtColor(frame[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY)
    assert np.percentile(gray, 95) - np.percentile(gray, 5) > 60


def test_plates_grow_when_approaching(clip: Clip) -> None:
    widths: dict[str, list[tuple[int, float]]] = {}
    for i in range(clip.n_frames):
        for p in clip.plates(i):
            widths.setdefault(p.text, []).append((i, p.width_px))
    for v in clip.vehicles:
        ws = [w for _, w in widths.get(v.plate, [])]
        if len(ws) < 5:
            continue
        if v.approaching:
            assert ws[-1] > ws[0]
        else:
            assert ws[-1] < ws[0]


def test_iter_frames_yields_boxes() -> None:
    frames = list(iter_frames(seed=5, seconds=1, fps=10, size=SMALL, n_vehicles=2))
    assert len(frames) == 10
    for frame, plates in frames:
        assert frame.shape == (360, 640, 3)
        assert frame.dtype == np.uint8
        for text, box in plates:
            assert isinstance(text, str)
            assert len(box) == 4


@pytest.mark.parametrize("condition", ["day", "night", "rain"])
def test_conditions_change_brightness(condition: str) -> None:
    frame, _ = Clip(seed=2, seconds=1, fps=5, size=SMALL, n_vehicles=1, condition=condition).render(0)
    mean = frame.mean()
    if condition == "night":
        assert mean < 60
    else:
        assert mean > 60


def test_bad_condition_rejected() -> None:
    with pytest.raises(ValueError, match="condition"):
        Clip(seed=1, seconds=1, condition="fog")


def test_render_clip_roundtrip(tmp_path: Path) -> None:
    mp4, js = tmp_path / "c.mp4", tmp_path / "c.json"
    truth = render_clip(mp4, js, seed=9, seconds=3, fps=10, size=SMALL, n_vehicles=2)
    assert json.loads(js.read_text()) == truth
    cap = cv2.VideoCapture(str(mp4))
    n = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        assert frame.shape == (360, 640, 3)
        n += 1
    cap.release()
    assert n == truth["frames"] == 30


def test_render_plate_crop() -> None:
    rng = np.random.default_rng(0)
    for _ in range(10):
        crop, text = render_plate_crop(rng)
        assert crop.dtype == np.uint8
        assert crop.ndim == 3
        h, w = crop.shape[:2]
        assert w > h >= 8  # plates are wider than tall
        assert 4 <= len(text) <= 8
    crop, text = render_plate_crop(np.random.default_rng(1), "AB12CDE", condition="day")
    assert text == "AB12CDE"
    crop2, _ = render_plate_crop(np.random.default_rng(1), "AB12CDE", condition="day")
    assert np.array_equal(crop, crop2)


def test_render_plate_crop_same_across_processes() -> None:
    """Crops must not depend on per-process state such as Python's string-hash seed."""
    import hashlib
    import os
    import subprocess
    import sys

    code = (
        "import hashlib, numpy as np\n"
        "from edge_tools.synth.scene import render_plate_crop\n"
        "c, t = render_plate_crop(np.random.default_rng(4), 'ABC123', condition='night')\n"
        "print(hashlib.sha256(c.tobytes()).hexdigest())\n"
    )
    root = Path(__file__).resolve().parents[2]
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(root)}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip())
    crop, _ = render_plate_crop(np.random.default_rng(4), "ABC123", condition="night")
    assert digests == {hashlib.sha256(crop.tobytes()).hexdigest()}


def test_flicker_moves_the_whole_frame_brightness_only() -> None:
    """A lighting flicker scales every pixel of a frame by one gain (clouds, a lamp's beat,
    headlights): the motion gate must not take it for motion. Off by default."""
    still = Clip(seed=5, seconds=6, fps=10, size=(320, 180), n_vehicles=0)
    lit = Clip(seed=5, seconds=6, fps=10, size=(320, 180), n_vehicles=0, flicker=0.3)
    gains = [lit.gain(i) for i in range(lit.n_frames)]
    assert max(gains) - min(gains) > 0.25
    assert all(still.gain(i) == 1.0 for i in range(still.n_frames))
    i = int(np.argmax(gains))
    plain, bright = still.render(i)[0].astype(float), lit.render(i)[0].astype(float)
    assert bright.mean() > plain.mean() * 1.1
    with pytest.raises(ValueError, match="flicker"):
        Clip(seed=5, seconds=1, flicker=1.5)


def test_varied_lamps_change_only_the_lamps_not_the_plates_or_the_truth() -> None:
    """`Clip(lamps=True)` (detector negatives: tail lights of every shape) draws other lamps and
    nothing else: the same vehicles, plates and boxes, the plate pixels as they were; a receding car
    at night gets saturated red lamps larger than the plain ellipses."""
    kw = {"seed": 4242, "seconds": 4, "fps": 10, "size": (960, 540), "condition": "night", "density": 0.9}
    plain, lit = Clip(**kw), Clip(**kw, lamps=True)  # type: ignore[arg-type]
    assert plain.truth() == lit.truth()
    changed = 0
    red_plain = red_lit = 0
    for i in range(0, plain.n_frames, 5):
        a, pa = plain.render(i)
        b, pb = lit.render(i)
        assert [p.box for p in pa] == [p.box for p in pb]
        outside = np.ones(a.shape[:2], bool)
        for p in pa:
            x0, y0, x1, y1 = (round(v) for v in p.box)
            inside = (slice(y0 + 1, y1 - 1), slice(x0 + 1, x1 - 1))
            # the far tail of a lamp's glow may round a plate pixel by one level, no more
            assert np.abs(a[inside].astype(int) - b[inside].astype(int)).max() <= 1
            outside[max(y0, 0) : y1, max(x0, 0) : x1] = False
        changed += int((a != b).any(axis=2)[outside].sum())
        # saturated red: R high, G and B low
        red_plain += int(((a[..., 2] > 200) & (a[..., 1] < 90) & (a[..., 0] < 90)).sum())
        red_lit += int(((b[..., 2] > 200) & (b[..., 1] < 90) & (b[..., 0] < 90)).sum())
    assert changed > 0
    assert red_lit > 2 * red_plain
