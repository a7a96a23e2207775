"""Config validation: every shipped YAML validates; bad ones fail naming file, line and key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from edge.config import ConfigError, load_config, parse_config
from edge.config.common import parse_duration

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "config").rglob("*.yaml"))


def test_there_are_shipped_configs() -> None:
    assert any(p.name == "example.yaml" for p in SHIPPED)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_yaml_validates(path: Path) -> None:
    cfg = load_config(path)
    assert cfg.node_id


BAD = [
    ("unknown top key", "nodeid: x\n", ":1: nodeid: unknown key"),
    ("unknown nested key", "gate:\n  kind: motion\n  sensitivity: 3\n", ":3: gate.sensitivity: unknown key"),
    ("duplicate key", "store:\n  path: a.db\n  path: b.db\n", ":3: store.path: duplicate key (first given at line 2)"),
    ("wrong type", "detector:\n  threads: many\n", ":2: detector.threads: Input should be a valid integer"),
    (
        "out of range",
        "detector:\n  score_threshold: 1.5\n",
        ":2: detector.score_threshold: Input should be less than 1",
    ),
    ("bad duration", "retention:\n  non_hit: 21 days\n", ":2: retention.non_hit: invalid duration '21 days'"),
    ("bad enum", "profile: TX\n", ":1: profile: Input should be"),
    ("malformed yaml", "store:\n  path: [a\n", ":3: invalid YAML"),
    ("not a mapping", "- a\n- b\n", ":1: the config must be a mapping"),
    (
        "camera in list",
        "cameras:\n  - name: a\n    source: '0'\n  - name: b\n    sorce: '1'\n",
        ":5: cameras.1.sorce: unknown key",
    ),
    ("missing camera source", "cameras:\n  - name: a\n", ":2: cameras.0.source: required key is missing"),
    ("bad camera name", "cameras:\n  - name: Lane 1\n    source: '0'\n", ":2: cameras.0.name: String should match"),
    ("dup camera", "cameras:\n  - {name: a, source: '0'}\n  - {name: a, source: '1'}\n", "camera names must be unique"),
    ("bad regex", "tracking:\n  formats: ['[A-Z']\n", ":2: tracking.formats: invalid regular expression"),
    ("letter weight of zero", "tracking:\n  letter_weights: {O: 0}\n", ":2: tracking.letter_weights: the weight"),
    ("letter weight of no look-alike", "tracking:\n  letter_weights: {A: 0.5}\n", "'A' is none of the letters"),
    ("explicit tag on bad text", "store:\n  keep_crops: !!float x\n", ":2: store.keep_crops: invalid YAML value 'x'"),
    ("merge key", "a: &x {b: 1}\nstore:\n  <<: *x\n", ":3: YAML merge keys"),
    ("bad optimisation level", "ocr:\n  optimization: max\n", ":2: ocr.optimization: Input should be"),
    (
        "session keys rapidocr cannot take",
        "ocr:\n  backend: rapidocr\n  spinning: true\n",
        ":1: ocr: ocr.spinning, ocr.optimization, ocr.device and ocr.views apply to the fast-plate-ocr backend",
    ),
    (
        "views rapidocr cannot take",
        "ocr:\n  backend: rapidocr\n  views: 2\n",
        ":1: ocr: ocr.spinning, ocr.optimization, ocr.device and ocr.views apply to the fast-plate-ocr backend",
    ),
    ("three views", "ocr:\n  views: 3\n", ":2: ocr.views: Input should be less than or equal to 2"),
    (
        "second opinion from the backend itself",
        "ocr:\n  backend: rapidocr\n  second_opinion: rapidocr\n",
        ":1: ocr: ocr.second_opinion 'rapidocr' is ocr.backend already",
    ),
    ("unknown second opinion", "ocr:\n  second_opinion: tesseract\n", ":2: ocr.second_opinion: Input should be"),
    (
        "OCR narrower than the tracker keeps",
        "tracking:\n  min_plate_width: 40\n",
        "ocr.min_width 48 is above tracking.min_plate_width 40: plates between the two would be tracked and never",
    ),
    ("negative OCR width", "ocr:\n  min_width: -1\n", ":2: ocr.min_width: Input should be greater than or equal"),
    ("renamed key", "gate:\n  rest_fps: 15\n", ":2: gate.rest_fps: no longer a key: replaced by gate.rest_stride"),
    (
        "camera mask of two points",
        "cameras:\n  - name: a\n    source: '0'\n    masks:\n      - [[0, 0], [10, 0]]\n",
        ":4: cameras.0.masks: mask 0 has 2 point(s): a polygon needs at least 3",
    ),
    (
        "camera mask off the frame",
        "cameras:\n  - name: a\n    source: '0'\n    masks: [[[0, 0], [10, 0], [5, -3]]]\n",
        ":4: cameras.0.masks: mask 0 has negative coordinates (5, -3)",
    ),
    (
        "camera mask not points",
        "cameras:\n  - name: a\n    source: '0'\n    masks: [[1, 2, 3]]\n",
        ":4: cameras.0.masks",
    ),
    (
        "hotlist confidence above 1",
        "hotlists:\n  min_confidence: 1.5\n",
        ":2: hotlists.min_confidence: Input should be",
    ),
    (
        "store low_confidence",
        "store:\n  low_confidence: hide\n",
        ":2: store.low_confidence: Input should be 'drop' or 'keep'",
    ),
    (
        "second weight 0",
        "ocr:\n  second_opinion: rapidocr\n  second_weight: 0\n",
        ":3: ocr.second_weight: Input should be greater than 0",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in BAD], ids=[n for n, _, _ in BAD])
def test_bad_config_is_refused_with_location(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    assert expected in message


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_durations() -> None:
    assert parse_duration("3m") == timedelta(minutes=3)
    assert parse_duration("21d") == timedelta(days=21)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    assert parse_config("retention:\n  non_hit: 3m\n").retention.non_hit == timedelta(minutes=3)
    for bad in ("3", "3x", "-1d", "d", ""):
        with pytest.raises(ValueError, match="duration"):
            parse_duration(bad)


def test_defaults_validate() -> None:
    cfg = load_config(None)
    assert cfg.profile == "none"
    assert cfg.store.path == "data/edge-alpr.db"
    assert cfg.retention.non_hit == timedelta(days=21)


def test_example_yaml_is_the_generated_one_and_documents_every_key() -> None:
    from edge.config.example import render_example
    from edge.config.model import Config

    text = (ROOT / "config" / "example.yaml").read_text()
    assert text == render_example(), (
        "config/example.yaml is stale: run `edge-alpr config example > config/example.yaml`"
    )
    for name in Config.model_fields:
        assert f"\n{name}:" in text
    assert text.count("#") > len(Config.model_fields) * 3


def test_every_config_field_has_a_description() -> None:
    from pydantic import BaseModel

    from edge.config.example import _model_of
    from edge.config.model import Config

    missing: list[str] = []

    def walk(model: type[BaseModel], path: str) -> None:
        for name, field in model.model_fields.items():
            if not field.description:
                missing.append(f"{path}{name}")
            held = _model_of(field.annotation)
            if held is not None:
                walk(held[1], f"{path}{name}.")

    walk(Config, "")
    assert missing == []


def test_grant_category_must_be_a_hotlist_category(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "sharing:\n  peers:\n    - name: hub\n      broker: mqtts://127.0.0.1:8883\n      ca: /x/ca.pem\n"
        "      cert: /x/c.pem\n      key: /x/k.pem\n      agency: HUB\n      jurisdiction: IL\n"
        "      share: hit_categories\n      categories:\n        - stolen-vehicle\n        - stolen_vehicle\n"
        "      expires: 2030-01-01\n      topic_prefix: alpr/hub\n      legal_basis: MOU 2026-1\n"
        "      purposes: [stolen-vehicle]\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert ":13: sharing.peers.0.categories.1: hotlist category 'stolen_vehicle' is not in hotlists.categories" in str(
        info.value
    )


# Issue 27, finding 7: this file (372 bytes) made `config check` take 3.5 GB and 37 s.
ALIAS_BOMB = """\
node_id: n1
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_an_alias_bomb_is_refused_quickly_with_file_and_line(tmp_path: Path) -> None:
    import time
    import tracemalloc

    path = tmp_path / "bomb.yaml"
    path.write_text(ALIAS_BOMB)
    assert len(ALIAS_BOMB.encode()) < 400
    tracemalloc.start()
    t0 = time.perf_counter()
    with pytest.raises(ConfigError) as err:
        load_config(path)
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seconds < 5
    assert peak < 100 * 2**20
    message = str(err.value)
    assert message.startswith(f"{path}:2: ")  # the anchor that is repeated
    assert "alias" in message


def test_a_modest_use_of_aliases_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("node_id: n1\nretention:\n  non_hit: &r 21d\n  hit: *r\n")
    assert load_config(path).retention.hit == timedelta(days=21)


def test_an_oversized_config_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("node_id: n1\n" + "# padding\n" * 200_000)
    with pytest.raises(ConfigError, match=r"big.yaml: config file is \d+ bytes; the limit is"):
        load_config(path)
