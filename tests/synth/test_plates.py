"""Tests for edge_tools.synth.plates: plate texts and plate images."""

from __future__ import annotations

import re

import numpy as np
import pytest

from edge_tools.synth.plates import (
    ALPHABET,
    PLATE_FONTS,
    STYLES,
    available_fonts,
    plate_aspect,
    random_plate_text,
    render_plate,
)


def test_random_plate_text_alphabet_and_length() -> None:
    rng = np.random.default_rng(0)
    texts = [random_plate_text(rng) for _ in range(2000)]
    for t in texts:
        assert re.fullmatch(r"[A-Z0-9]{4,8}", t), t
    lengths = {len(t) for t in texts}
    assert {6, 7}.issubset(lengths)
    assert min(lengths) >= 4
    assert max(lengths) <= 8
    # Several formats: letters first, digits first, mixed.
    assert any(re.fullmatch(r"[A-Z]{3}[0-9]{4}", t) for t in texts)
    assert any(re.fullmatch(r"[0-9][A-Z]{3}[0-9]{3}", t) for t in texts)
    assert any(re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z]{3}", t) for t in texts)
    # Not a constant or low-entropy generator.
    assert len(set(texts)) > 1900


def test_random_plate_text_deterministic() -> None:
    a = [random_plate_text(np.random.default_rng(5)) for _ in range(3)]
    assert a[0] == a[1] == a[2]
    assert random_plate_text(np.random.default_rng(5)) != random_plate_text(np.random.default_rng(6))


@pytest.mark.parametrize("style", sorted(STYLES))
def test_render_plate_each_style(style: str) -> None:
    img = render_plate("AB12CDE", np.random.default_rng(1), style)
    assert img.dtype == np.uint8
    assert img.ndim == 3
    assert img.shape[2] == 3
    h, w = img.shape[:2]
    assert 96 <= h <= 160
    assert w / h == pytest.approx(plate_aspect(style), rel=0.08)
    # There is text: a good share of pixels differs strongly from the plate's median colour.
    med = np.median(img.reshape(-1, 3), axis=0)
    far = np.abs(img.astype(int) - med).sum(axis=2) > 150
    assert far.mean() > 0.04


def test_render_plate_deterministic_and_text_dependent() -> None:
    a = render_plate("ABC1234", np.random.default_rng(3), "us_white")
    b = render_plate("ABC1234", np.random.default_rng(3), "us_white")
    c = render_plate("XYZ9876", np.random.default_rng(3), "us_white")
    assert np.array_equal(a, b)
    assert a.shape != c.shape or not np.array_equal(a, c)


def test_render_plate_styles_differ_in_colour() -> None:
    yellow = render_plate("ABC123", np.random.default_rng(2), "eu_yellow").reshape(-1, 3).mean(axis=0)
    dark = render_plate("ABC123", np.random.default_rng(2), "dark").reshape(-1, 3).mean(axis=0)
    white = render_plate("ABC123", np.random.default_rng(2), "eu_white").reshape(-1, 3).mean(axis=0)
    assert dark.mean() < 110 < white.mean()
    assert yellow[2] - yellow[0] > 80  # BGR: red well above blue


@pytest.mark.parametrize("bad", ["", "abc123", "AB-123", "ÄB123"])
def test_render_plate_rejects_bad_text(bad: str) -> None:
    with pytest.raises(ValueError, match="plate text"):
        render_plate(bad, np.random.default_rng(0))


def test_render_plate_rejects_unknown_style() -> None:
    with pytest.raises(ValueError, match="unknown plate style"):
        render_plate("ABC123", np.random.default_rng(0), "neon")


def test_alphabet() -> None:
    assert ALPHABET == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_fonts_are_files() -> None:
    from pathlib import Path

    for f in available_fonts():
        assert Path(f).is_file()


def test_data_scripts_refuse_an_incomplete_font_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same seeds render other plates under other fonts: data is not made without the whole set."""
    import edge_tools.synth.plates as plates

    monkeypatch.delenv("EDGE_SYNTH_FONT_DIR", raising=False)
    monkeypatch.setattr(plates, "_FONT_DIRS", ["/usr/share/fonts/truetype/dejavu"])
    plates.available_fonts.cache_clear()
    try:
        with pytest.raises(SystemExit, match=r"fonts-b612.*fonts-liberation2.*fonts-osifont.*apt-get install"):
            plates.require_fonts()
    finally:
        monkeypatch.undo()
        plates.available_fonts.cache_clear()


def test_one_copy_of_each_font() -> None:
    from pathlib import Path

    names = [Path(f).name for f in available_fonts()]
    assert len(names) == len(set(names))
    assert set(names) <= set(PLATE_FONTS)


def test_stacked_characters_are_drawn_small_on_the_left_and_leave_other_plates_as_they_were() -> None:
    """`stacked` draws the first two characters small, one above the other, left of the line: ink
    in the left part of the text area sits in two separate rows. Without it, the same seed draws the
    same plate as before the option existed (the validation clips stay what they were)."""
    plain = render_plate("PA32130", np.random.default_rng(5), "eu_white")
    again = render_plate("PA32130", np.random.default_rng(5), "eu_white", stacked=False)
    stacked = render_plate("PA32130", np.random.default_rng(5), "eu_white", stacked=True)
    assert np.array_equal(plain, again)
    assert not np.array_equal(plain, stacked)

    def left_rows(img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        grey = img.mean(axis=2)
        ink = grey < 120  # dark characters on the white plate
        col = ink[int(0.2 * h) : int(0.85 * h), int(0.12 * w) : int(0.3 * w)]  # past the blue band
        return col.any(axis=1)

    def edges(img: np.ndarray) -> int:
        return len(np.flatnonzero(np.diff(left_rows(img).astype(int)) != 0))

    # Two characters stacked: an inked run, a gap, another inked run; a full-height character: one run.
    assert edges(stacked) >= 3
    assert edges(plain) < 3
    assert render_plate("AB12", np.random.default_rng(1), "eu_white", stacked=True).shape[0] > 0  # too short: plain
