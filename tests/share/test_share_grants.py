"""Grants: config validation (file:line), secrets never inline, and what each profile refuses."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from edge.config import ConfigError, load_config, parse_config
from edge.share import ShareError, ShareService, check_grant
from tests.support.share import FakeLedger, make_grant

GOOD = """
profile: IL
sharing:
  peers:
    - name: peer-a
      broker: mqtts://broker.example.org:8883
      ca: /etc/edge/ca.pem
      cert: env:EDGE_PEER_A_CERT
      key: /etc/edge/peer-a.key
      topic_prefix: peers/a
      agency: Springfield PD
      jurisdiction: IL
      share: hit_categories
      categories: [stolen-vehicle, amber-alert]
      fields: [plate_hash, time, camera, hit]
      plate_hash_key: env:EDGE_PLATE_KEY
      purposes: [stolen_vehicle, missing_person]
      legal_basis: mutual aid agreement 2026-14
      expires: 2027-12-31
      seal_key: x25519:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
"""


def test_a_full_grant_validates() -> None:
    cfg = parse_config(GOOD)
    (g,) = cfg.sharing.peers
    assert g.share == "hit_categories"
    assert g.categories == ["stolen-vehicle", "amber-alert"]
    assert g.port == 8883
    assert g.tls
    assert g.expires == date(2027, 12, 31)


def test_no_peers_by_default() -> None:
    assert parse_config("node_id: x\n").sharing.peers == []


BAD = [
    ("inline key", "      key: '-----BEGIN PRIVATE KEY-----'\n", "inline certificate or key material"),
    (
        "plain mqtt to a remote broker",
        "      broker: mqtt://broker.example.org:1883\n",
        "plain mqtt:// is only allowed",
    ),
    ("credentials in url", "      broker: mqtts://u:p@broker.example.org\n", "must not carry credentials"),
    ("unknown field", "      fields: [plate, vin]\n", "fields.1: Input should be"),
    ("plate and hash", "      fields: [plate, plate_hash]\n", "exclude each other"),
    ("unknown jurisdiction", "      jurisdiction: XX\n", "unknown jurisdiction"),
    ("wildcard topic", "      topic_prefix: peers/#\n", "no wildcards"),
    ("no purposes", "      purposes: []\n", "purposes: List should have at least 1 item"),
    ("bad env ref", "      cert: env:1BAD\n", "invalid environment reference"),
    ("unknown key", "      radius: 50mi\n", "radius: unknown key"),
]


@pytest.mark.parametrize(("line", "expected"), [(b[1], b[2]) for b in BAD], ids=[b[0] for b in BAD])
def test_bad_grants_are_refused_with_file_line(tmp_path: Path, line: str, expected: str) -> None:
    key = line.strip().split(":", 1)[0]
    text = "\n".join(x for x in GOOD.splitlines() if not x.strip().startswith(f"{key}:"))
    text = text.replace("      legal_basis:", line + "      legal_basis:")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert f"{path}:" in message
    assert "sharing.peers.0" in message
    assert expected in message


def test_duplicate_peer_names_refused() -> None:
    body = GOOD.split("  peers:\n", 1)[1]
    with pytest.raises(ConfigError, match="peer names must be unique"):
        parse_config(GOOD + body)


def test_hit_categories_needs_categories() -> None:
    with pytest.raises(ValueError, match="needs at least one entry in categories"):
        make_grant(share="hit_categories")


@pytest.mark.parametrize(
    ("profile", "kw", "rule"),
    [
        ("IL", {"purposes": ["immigration"]}, "prohibited-use"),
        ("none", {"purposes": ["stolen_vehicle", "ICE warrant"]}, "prohibited-use"),
        ("IL", {"purposes": ["reproductive-health"]}, "prohibited-use"),
        ("none", {"purposes": ["warrant service"], "agency": "ICE ERO field office"}, "prohibited-use"),
        ("IL", {"jurisdiction": "TX"}, "il-declaration"),
        # issue 27, finding 3: federal parties are refused under IL/CA wherever they appear
        ("IL", {"jurisdiction": "federal"}, "federal-party"),
        ("IL", {"jurisdiction": "federal", "declaration": "DECL-1"}, "federal-party"),
        ("CA", {"jurisdiction": "federal"}, "federal-party"),
        ("IL", {"jurisdiction": "federal", "agency": "U.S. Department of Homeland Security"}, "prohibited-use"),
        ("IL", {"jurisdiction": "IL", "agency": "U.S. Department of Homeland Security"}, "prohibited-use"),
        ("IL", {"jurisdiction": "IL", "agency": "FBI Chicago field office"}, "federal-party"),
        ("IL", {"jurisdiction": "IL", "agency": "Indiana State Police"}, "out-of-state"),
        ("CA", {"jurisdiction": "NV"}, "ca-in-state-public-agencies"),
        ("CA", {"jurisdiction": "CA", "public_agency": False}, "ca-in-state-public-agencies"),
        ("NH", {"jurisdiction": "NH", "share": "all"}, "nh-hits-only"),
        ("VA", {"jurisdiction": "VA", "public_agency": False}, "public-agency-only"),
    ],
)
def test_profiles_refuse_what_their_law_forbids(profile: str, kw: dict[str, object], rule: str) -> None:
    decision = check_grant(profile, make_grant(**kw))
    assert not decision.allowed
    assert decision.rule == rule
    assert decision.reason


@pytest.mark.parametrize(
    ("profile", "kw"),
    [
        ("IL", {"jurisdiction": "IL"}),
        ("IL", {"jurisdiction": "WI", "declaration": "IL-ALPR-DECL-2026-007"}),
        ("IL", {"jurisdiction": "IL", "agency": "Illinois State Police"}),
        ("IL", {"jurisdiction": "WI", "agency": "Wisconsin State Patrol", "declaration": "IL-ALPR-DECL-2026-8"}),
        ("CA", {"jurisdiction": "CA"}),
        ("NH", {"jurisdiction": "NH", "share": "hits"}),
        ("none", {"jurisdiction": "federal"}),
    ],
)
def test_profiles_allow_lawful_grants(profile: str, kw: dict[str, object]) -> None:
    assert check_grant(profile, make_grant(**kw)).allowed


def test_service_refuses_to_start_with_an_unlawful_grant_and_records_it() -> None:
    cfg = parse_config("profile: CA\n")
    cfg = cfg.model_copy(
        update={"sharing": cfg.sharing.model_copy(update={"peers": [make_grant(jurisdiction="federal")]})}
    )
    ledger = FakeLedger()
    with pytest.raises(ShareError, match=r"sharing.peers\[peer-a\]: California: peer 'peer-a' is a federal agency"):
        ShareService(cfg, ledger=ledger, actor="system")
    (entry,) = ledger.of("share_denied")
    assert entry["peer"] == "peer-a"
    assert entry["rule"] == "federal-party"
    assert entry["grant"]["jurisdiction"] == "federal"
