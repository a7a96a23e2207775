"""Confusable-character repair happens only where a mask demands it."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.config import ConfigError, parse_config
from edge.track.formats import PlateFormats, fits_mask, repair


def test_repair_only_where_the_mask_demands() -> None:
    assert repair("A8C1234", "LLLDDDD") == "ABC1234"
    assert repair("ABC12B4", "LLLDDDD") == "ABC1284"
    assert repair("OBC1234", "DLLDDDD") == "0BC1234"
    assert repair("ABC1234", "LLLDDDD") == "ABC1234"
    assert repair("AXC1234", "LLLDDDD") == "AXC1234"
    assert repair("A4C1234", "LLLDDDD") is None  # 4 has no letter look-alike
    assert repair("ABC123", "LLLDDDD") is None


def test_valid_text_is_never_changed() -> None:
    f = PlateFormats([r"^[A-Z0-9]{4,8}$"], ["LLLDDDD"])
    assert f.normalise("A8C1234") == ("A8C1234", True)  # fits the regex: no repair


def test_normalise_picks_fewest_swaps_and_flags_unfixable() -> None:
    f = PlateFormats([], ["LLLDDDD", "DLLLDDD"])
    assert f.normalise("1ABC234") == ("1ABC234", True)  # fits DLLLDDD as read
    assert f.normalise("8BC12S4") == ("BBC1254", True)  # 2 swaps either way: the first mask wins
    assert f.normalise("1A8C234") == ("1ABC234", True)  # 1 swap (DLLLDDD) beats 3 (LLLDDDD)
    assert f.normalise("1234") == ("1234", False)
    assert fits_mask("AB12", "LLDD")
    assert not fits_mask("AB12", "LLLD")


def test_mask_config_validated() -> None:
    assert parse_config("tracking:\n  masks: [LLLDDDD]\n").tracking.masks == ["LLLDDDD"]
    with pytest.raises(ConfigError, match=r":2: tracking.masks: .*invalid mask 'LLX'"):
        parse_config("tracking:\n  masks: [LLX]\n")


def test_masks_without_formats_replace_the_catch_all() -> None:
    # The default format accepts any 4-8 characters: left in place beside masks, no read would ever
    # be repaired. Masks given alone are the whole format.
    cfg = parse_config("tracking:\n  masks: [DDLLDD, LLLDDD]\n").tracking
    assert cfg.formats == []
    f = PlateFormats(cfg.formats, cfg.masks)
    assert f.normalise("270T85") == ("27OT85", True)  # 0 where DDLLDD demands a letter
    assert f.normalise("ZRO402") == ("ZRO402", True)  # fits LLLDDD as read
    assert f.normalise("AXCY12") == ("AXCY12", False)  # fits no mask, X and Y have no look-alike
    explicit = parse_config("tracking:\n  masks: [DDLLDD]\n  formats: ['^[0-9]{6}$']\n").tracking
    assert explicit.formats == ["^[0-9]{6}$"]  # formats given are kept beside the masks
    from edge.config.pipeline import WORLD_FORMATS

    assert parse_config("tracking:\n  iou: 0.3\n").tracking.formats == list(WORLD_FORMATS)


@pytest.mark.parametrize("name", ["synthetic-region.yaml", "synthetic-region-second-opinion.yaml"])
def test_synthetic_region_configs_carry_the_renderers_formats(name: str) -> None:
    from edge.config import load_config
    from edge_tools.synth.plates import PLATE_MASKS

    cfg = load_config(Path(__file__).parents[2] / "config" / name)
    assert tuple(cfg.tracking.masks) == PLATE_MASKS  # in the renderer's order, commonest first: ties go to the first
    assert cfg.tracking.formats == []


def test_masks_beside_a_catch_all_format_are_refused_with_the_line() -> None:
    # config/example.yaml spells the default format out: masks added to a copy of it would never
    # repair a read, so the config says so instead of running with inert masks.
    text = "tracking:\n  formats: ['^[A-Z0-9]{4,8}$']\n  masks: [LLLDDDD]\n"
    with pytest.raises(ConfigError, match=r":3: tracking.masks: .*accepts any 7 characters.*'LLLDDDD'"):
        parse_config(text)
    narrow = parse_config("tracking:\n  formats: ['^[A-Z]{3}[0-9]{4}$']\n  masks: [DDDLLLL]\n").tracking
    assert narrow.formats == ["^[A-Z]{3}[0-9]{4}$"]
    assert narrow.masks == ["DDDLLLL"]
