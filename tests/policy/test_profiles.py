"""Each jurisdiction profile refuses a config that breaks it, naming the law, the key and the line."""

from __future__ import annotations

import pytest

from edge.config import ConfigError, parse_config
from edge.policy.profiles import PROFILES
from tests.support.policy import site_yaml

STATES = {"IL": "IL", "CA": "CA", "VA": "VA", "NH": "NH", "ME": "ME", "none": "IL"}
COMPLIANT_NON_HIT = {"IL": "21d", "CA": "21d", "VA": "21d", "NH": "3m", "ME": "21d", "none": "365d"}


@pytest.mark.parametrize("profile", list(PROFILES))
def test_compliant_config_loads(profile):
    cfg = parse_config(
        site_yaml(profile, STATES[profile], COMPLIANT_NON_HIT[profile]).replace("range: true", "range: false")
    )
    assert cfg.profile == profile


@pytest.mark.parametrize(
    ("profile", "non_hit", "law", "limit"),
    [
        ("VA", "22d", "Va. Code § 2.2-5517", "21d"),
        ("ME", "30d", "29-A M.R.S. § 2117-A", "21d"),
        ("NH", "4m", "RSA 261:75-b", "3m"),
        ("IL", "31d", "project policy", "30d"),
        ("CA", "60d", "project policy", "30d"),
    ],
)
def test_retention_above_the_cap_is_refused_naming_the_basis(profile, non_hit, law, limit):
    with pytest.raises(ConfigError) as exc:
        parse_config(site_yaml(profile, profile, non_hit), "site.yaml")
    msg = str(exc.value)
    assert "retention.non_hit" in msg
    assert law in msg
    assert f"the {limit} " in msg
    assert "site.yaml:5:" in msg  # the line of non_hit


@pytest.mark.parametrize("profile", ["IL", "CA"])
def test_federal_requesters_are_refused_in_il_and_ca(profile):
    with pytest.raises(ConfigError, match=r"search.requester_kinds: federal agencies may not search"):
        parse_config(site_yaml(profile, profile, kinds="[local, state, federal]"))


@pytest.mark.parametrize("profile", ["IL", "CA"])
def test_out_of_state_requesters_are_refused_in_il_and_ca(profile):
    text = site_yaml(profile, profile) + "  allow_out_of_state: true\n"
    with pytest.raises(ConfigError, match=r"search.allow_out_of_state: out-of-state agencies may not search"):
        parse_config(text)


@pytest.mark.parametrize("profile", ["IL", "CA", "VA"])
def test_case_numbers_cannot_be_waived_where_required(profile):
    text = site_yaml(profile, profile, case_required="false").replace("case_required: true", "case_required: false")
    with pytest.raises(ConfigError, match=r"search.purposes.3.case_required: profile .* requires a case number"):
        parse_config(text)


def test_nh_refuses_time_range_sweeps():
    with pytest.raises(ConfigError, match=r"search.purposes.1.range: time-range searches"):
        parse_config(site_yaml("NH", "NH", "3m"))


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize(
    "purpose",
    [
        "{code: immigration-enforcement, description: help}",
        "{code: ice-assist, description: Assist other agencies}",
        "{code: agency-assist, description: Assist I.C.E. E.R.O.}",
        "{code: reproductive-health, description: x y z}",
    ],
)
def test_prohibited_purposes_are_refused_under_every_profile(profile, purpose):
    text = site_yaml(profile, STATES[profile], COMPLIANT_NON_HIT[profile]).replace(
        "  purposes:\n", f"  purposes:\n    - {purpose}\n"
    )
    with pytest.raises(ConfigError, match=r"search.purposes.0.code: purpose .* prohibited"):
        parse_config(text)


def test_an_immigration_agency_cannot_be_registered_as_local():
    text = site_yaml("none").replace("kind: federal, state: US}", "kind: local, state: IL}", 1)
    with pytest.raises(ConfigError, match=r"search.agencies.2.id: .* register it as federal"):
        parse_config(text)


def test_every_profile_cites_its_basis():
    for code, prof in PROFILES.items():
        if code != "none":
            assert prof.statutes
            assert prof.non_hit_cap is not None
            assert prof.non_hit_cap.basis


def test_the_documented_audit_and_search_snippet_loads_under_il():
    import textwrap

    import edge.config.audit as doc

    text = doc.__doc__ or ""
    snippet = textwrap.dedent(text[text.index("    audit:") :])
    cfg = parse_config("profile: IL\n" + snippet, "edge/config/audit.py docstring")
    assert [p.code for p in cfg.search.purposes][:2] == ["stolen-vehicle", "amber-alert"]
    assert cfg.search.agencies[2].kind == "federal"
