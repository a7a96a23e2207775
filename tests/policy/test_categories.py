"""Category opt-out: prohibited uses are refused however written; only configured categories load."""

from __future__ import annotations

import pytest

from edge.config import ConfigError, parse_config
from edge.policy.categories import check_import, prohibited_use

ALLOWED = ["stolen-vehicle", "amber-alert"]


@pytest.mark.parametrize(
    "category",
    ["immigration-violator", "Immigration Violator", "ice-detainer", "I.C.E. hold", "deportable", "abortion-clinic"],
)
def test_prohibited_categories_refused_even_if_configured(category: str) -> None:
    d = check_import(category=category, allowed=[*ALLOWED, category], texts={})
    assert not d.allowed
    assert d.rule == "prohibited_category"
    assert "prohibited use" in d.reason


@pytest.mark.parametrize(
    ("label", "text"), [("name", "ice-list"), ("basis", "ERO request 12"), ("note", "visa overstay")]
)
def test_prohibited_words_in_provenance_or_notes_refused(label: str, text: str) -> None:
    d = check_import(category="stolen-vehicle", allowed=ALLOWED, texts={label: text})
    assert (d.allowed, d.rule) == (False, "prohibited_text")
    assert label in d.reason


def test_innocent_words_are_not_mistaken() -> None:
    texts = {"source": "State Police service desk", "basis": "Notice 12, juice bar theft", "note": "device stolen"}
    assert check_import(category="stolen-vehicle", allowed=ALLOWED, texts=texts).allowed


def test_unconfigured_category_refused_with_the_allowed_ones() -> None:
    d = check_import(category="parking-scofflaw", allowed=ALLOWED, texts={})
    assert (d.allowed, d.rule) == (False, "category_not_configured")
    assert "stolen-vehicle, amber-alert" in d.reason


def test_profile_adds_its_prohibited_purpose_codes() -> None:
    assert prohibited_use("immigration-status", profile="none") is not None  # baseline words
    assert prohibited_use("reproductive-health-care", profile="IL") is not None
    assert prohibited_use("stolen-vehicle", profile="IL") is None


def test_extra_configured_terms() -> None:
    assert prohibited_use("protest-watch") is None
    assert prohibited_use("protest-watch", extra=("protest",)) is not None


def test_config_refuses_a_prohibited_category_with_its_line() -> None:
    text = "hotlists:\n  categories:\n    - code: stolen-vehicle\n      description: Stolen\n" + (
        "    - code: immigration-violator\n      description: Immigration violators\n"
    )
    with pytest.raises(ConfigError, match=r"<config>:\d+:.*immigration-violator"):
        parse_config(text)


def test_config_tolerant_groups_validated() -> None:
    with pytest.raises(ConfigError, match="confusion group"):
        parse_config("hotlists:\n  tolerant:\n    confusions: [O]\n")
    cfg = parse_config("hotlists:\n  tolerant:\n    enabled: true\n    confusions: [o0q]\n  mute: 5m\n")
    assert cfg.hotlists.tolerant.confusions == ["O0Q"]
    assert cfg.hotlists.mute.total_seconds() == 300
