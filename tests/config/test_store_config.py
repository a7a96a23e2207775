"""Store and retention configuration: YAML in, effective per-camera policy out, bad values refused by line."""

from __future__ import annotations

from datetime import timedelta

import pytest

from edge.config import ConfigError, parse_config
from edge.config.store import RetentionConfig


def test_defaults() -> None:
    cfg = parse_config("")
    assert cfg.retention.non_hit == timedelta(days=21)
    assert cfg.retention.hit == timedelta(days=90)
    assert cfg.store.keep_crops is False
    assert cfg.store.min_free_mb == 200
    assert cfg.retention.effective_purge_interval() == timedelta(hours=1)


def test_full_retention_yaml_and_per_camera_policy() -> None:
    cfg = parse_config(
        """
store:
  path: /var/lib/edge/reads.db
  keep_crops: true
  min_free_mb: 500
retention:
  non_hit: 3m
  hit: 21d
  crops: 0
  purge_interval: 1m
  cameras:
    school:
      non_hit: 1m
    depot:
      hit: 30d
      crops: 1h
"""
    )
    r = cfg.retention
    assert cfg.store.min_free_mb == 500
    assert r.policy("lane1").non_hit == timedelta(minutes=3)
    assert r.policy("school").non_hit == timedelta(minutes=1)
    assert r.policy("school").hit == timedelta(days=21)
    depot = r.policy("depot")
    assert depot.hit == timedelta(days=30)
    assert depot.crops_for("non_hit") == timedelta(minutes=3)  # crops never outlive their read
    assert depot.crops_for("hit") == timedelta(hours=1)
    assert r.policy("lane1").crops == timedelta(0)
    assert r.longest("hit") == timedelta(days=30)
    assert r.longest("non_hit") == timedelta(minutes=3)
    assert r.shortest() == timedelta(minutes=1)


def test_nh_three_minutes_gets_a_purge_interval_that_keeps_up() -> None:
    r = RetentionConfig(non_hit="3m", hit="3m")  # type: ignore[arg-type]
    assert r.effective_purge_interval() == timedelta(seconds=45)


BAD = [
    (
        "interval longer than retention",
        "retention:\n  non_hit: 3m\n  purge_interval: 1h\n",
        ":3: retention.purge_interval: 1h is longer than the shortest retention 3m",
    ),
    ("zero non-hit", "retention:\n  non_hit: 0s\n", ":2: retention.non_hit: must be longer than 0s"),
    (
        "camera zero hit",
        "retention:\n  cameras:\n    a:\n      hit: 0s\n",
        ":4: retention.cameras.a.hit: must be longer than 0s",
    ),
    (
        "unknown camera key",
        "retention:\n  cameras:\n    a:\n      nonhit: 1d\n",
        ":4: retention.cameras.a.nonhit: unknown key",
    ),
    (
        "bad camera name",
        "retention:\n  cameras:\n    Lane 1:\n      hit: 1d\n",
        ":2: retention.cameras: not a camera name: Lane 1",
    ),
    (
        "interval vs camera",
        "retention:\n  cameras:\n    a:\n      hit: 1m\n  purge_interval: 2m\n",
        ":5: retention.purge_interval: 2m",
    ),
    ("bad crops", "retention:\n  crops: forever\n", ":2: retention.crops: invalid duration"),
    (
        "negative free",
        "store:\n  min_free_mb: -1\n",
        ":2: store.min_free_mb: Input should be greater than or equal to 0",
    ),
]


@pytest.mark.parametrize(("yaml_text", "expected"), [(y, e) for _, y, e in BAD], ids=[n for n, _, _ in BAD])
def test_bad_store_config_is_refused_with_line(yaml_text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(yaml_text, "site.yaml")
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("profile: NH\nretention:\n  non_hit: 5m\n", ":3: retention.non_hit: 5m exceeds the 3m limit"),
        ("profile: VA\nretention:\n  cameras:\n    a:\n      non_hit: 30d\n", ":5: retention.cameras.a.non_hit: 30d"),
    ],
    ids=["NH global", "VA camera override"],
)
def test_retention_above_the_profile_cap_is_refused_naming_the_law(yaml_text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(yaml_text, "site.yaml")
    message = str(info.value)
    assert expected in message
    assert "RSA" in message or "Va. Code" in message  # names the law's limit


def test_nh_profile_with_three_minutes_loads() -> None:
    cfg = parse_config("profile: NH\nretention:\n  non_hit: 3m\n")
    assert cfg.retention.non_hit == timedelta(minutes=3)
    assert cfg.retention.effective_purge_interval() <= timedelta(minutes=3)
