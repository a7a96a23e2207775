"""Confusable-character repair happens only where a mask demands it."""

from __future__ import annotations

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
