"""decide(): a table of requests and the rule that must decide each one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.config import parse_config
from edge.policy.search import SearchRequest, build_policy, check_agency, decide
from tests.support.policy import site_yaml

IL = build_policy(parse_config(site_yaml("IL")))
NONE = build_policy(parse_config(site_yaml("none", kinds="[local, state, federal]")))
OK = {
    "purpose": "stolen-vehicle",
    "reason": "Vehicle reported stolen from Elm St lot",
    "requester": "SPRINGFIELD-PD",
    "case_number": "2026-00123",
}


def req(**kw: object) -> SearchRequest:
    return SearchRequest(**{**OK, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({}, "allowed"),
        ({"requester": "spd"}, "allowed"),  # alias, any case
        ({"requester": "Springfield Police Department"}, "allowed"),
        ({"reason": "immigration"}, "prohibited-use"),
        ({"reason": "ICE+ERO"}, "prohibited-use"),
        ({"reason": "ICE WARRANT"}, "prohibited-use"),
        ({"reason": "assist I.C.E. with a stolen car"}, "prohibited-use"),
        ({"case_number": "ICE-2026-1"}, "prohibited-use"),
        ({"purpose": "immigration-enforcement"}, "prohibited-use"),
        ({"purpose": "abortion"}, "prohibited-use"),
        ({"requester": "ICE"}, "prohibited-use"),
        ({"on_behalf_of": "ICE"}, "prohibited-use"),
        ({"on_behalf_of": "H.S.I."}, "prohibited-use"),
        ({"purpose": "immigration-status"}, "prohibited-use"),
        ({"purpose": "curiosity"}, "unknown-purpose"),
        ({"requester": "ACME-SECURITY"}, "unknown-agency"),
        ({"on_behalf_of": "NOBODY-PD"}, "unknown-agency"),
        ({"requester": "FBI"}, "agency-kind"),
        ({"on_behalf_of": "FBI"}, "agency-kind"),
        ({"requester": "GARY-PD"}, "out-of-state"),
        ({"case_number": None}, "case-number"),
        ({"case_number": "  "}, "case-number"),
        ({"case_number": "123"}, "case-number"),
        ({"reason": "Investigation"}, "reason"),
        ({"reason": "investigation - ongoing case"}, "reason"),
        ({"reason": "LE purpose per Sgt"}, "reason"),
        ({"reason": "stolen"}, "reason"),  # too short
        ({"kind": "partial", "known": 5, "window": timedelta(hours=6)}, "allowed"),
        # issue 27, finding 2: a pattern of wildcards swept every read
        ({"kind": "partial", "known": 0, "window": timedelta(hours=6)}, "pattern"),  # --pattern '*'
        ({"kind": "partial", "known": 4, "window": timedelta(hours=6)}, "pattern"),  # IL wants 5
        ({"kind": "partial", "known": 5, "window": None}, "time-bound"),  # no --since
        ({"kind": "partial", "known": 5, "window": timedelta(days=2)}, "time-bound"),
        ({"purpose": "violent-felony", "kind": "partial", "known": 6, "window": timedelta(hours=1)}, "query-kind"),
        ({"purpose": "violent-felony", "kind": "range", "window": timedelta(hours=1)}, "query-kind"),
        ({"purpose": "amber-alert", "kind": "range", "window": timedelta(hours=1)}, "allowed"),
        ({"purpose": "amber-alert", "kind": "range", "window": timedelta(hours=5)}, "query-kind"),
        ({"purpose": "amber-alert", "kind": "range", "window": None}, "query-kind"),
    ],
)
def test_il_decisions(changes, rule):
    d = decide(req(**changes), IL)
    assert d.rule == rule, d.reason
    assert d.allowed is (rule == "allowed")
    assert d.reason


def test_every_denial_gives_a_reason_naming_the_problem():
    d = decide(req(requester="FBI"), IL)
    assert "federal" in d.reason
    assert "625 ILCS 5/2-130" in d.reason
    d = decide(req(reason="ICE+ERO"), IL)
    assert "immigration" in d.reason


def test_profile_none_allows_a_registered_federal_agency_for_a_legitimate_purpose():
    d = decide(req(requester="FBI", reason="Bank robbery getaway car seen on Route 9"), NONE)
    assert d.allowed, d.reason
    # ... but never for immigration enforcement, whatever the profile
    assert decide(req(requester="FBI", reason="locate for ERO"), NONE).rule == "prohibited-use"
    assert decide(req(requester="ICE"), NONE).rule == "prohibited-use"


def test_purpose_may_waive_a_case_number_where_the_profile_allows():
    d = decide(req(purpose="missing-person", case_number=None, reason="Elderly man with dementia walked away"), NONE)
    assert d.allowed, d.reason


def test_check_agency_is_usable_for_share_and_peer_requests():
    assert check_agency("STATE-POLICE", IL).allowed
    assert check_agency("GARY-PD", IL, "peer").rule == "out-of-state"
    assert "peer" in check_agency("ICE", IL, "peer").reason


def test_no_purposes_configured_denies_everything():
    empty = build_policy(parse_config("profile: none\n"))
    assert decide(req(), empty).rule == "unknown-agency"  # structural rules first: no agency is registered
    agencies_only = build_policy(
        parse_config("profile: none\nsearch:\n  agencies: [{id: SPRINGFIELD-PD, name: SPD, kind: local, state: IL}]\n")
    )
    assert decide(req(), agencies_only).rule == "unknown-purpose"


_SEP = st.sampled_from(["", " ", ".", "-", "+", "/", "_"])


@settings(max_examples=100, deadline=None)
@given(
    word=st.sampled_from(["ICE", "ERO", "HSI", "CBP", "immigration", "deport", "abortion"]),
    field=st.sampled_from(["reason", "on_behalf_of", "case_number", "purpose"]),
    data=st.data(),
)
def test_disguised_prohibited_words_are_denied_in_any_field(word, field, data):
    disguised = "".join(
        (ch.upper() if data.draw(st.booleans()) else ch.lower()) + data.draw(_SEP) for ch in word
    ).strip()
    value = {"reason": f"Stolen car, assist {disguised}", "case_number": f"2026-{disguised}"}.get(field, disguised)
    d = decide(req(**{field: value}), IL)
    assert (d.allowed, d.rule) == (False, "prohibited-use"), value


@settings(max_examples=60, deadline=None)
@given(
    reason=st.sampled_from(
        [
            "Vehicle reported stolen from Elm St lot",
            "Armed robbery at gas station, suspect vehicle fled north",
            "Hit and run, pedestrian injured on Main St",
            "Stolen plates reported by owner, police report filed",
            "Carjacking suspect vehicle seen near the service station",
        ]
    ),
    case=st.sampled_from([str.lower, str.upper, str.title, str]),
    tail=st.sampled_from(["", ".", "!", " (urgent)", " - see report"]),
)
def test_legitimate_reasons_are_allowed_however_cased(reason, case, tail):
    d = decide(req(reason=case(reason) + tail), IL)
    assert d.allowed, d.reason


NH = build_policy(parse_config(site_yaml("NH", "NH", "3m").replace(", range: true", "")))


def test_nh_refuses_partial_plates_like_time_ranges_and_none_wants_four_known_characters():
    pattern = {"kind": "partial", "known": 7, "window": timedelta(hours=1), "case_number": "2026-00123"}
    d = decide(req(**pattern), NH)
    assert (d.allowed, d.rule) == (False, "query-kind")
    assert "NH" in d.reason
    assert decide(req(**{**pattern, "known": 4}), NONE).rule == "allowed"
    assert decide(req(**{**pattern, "known": 3}), NONE).rule == "pattern"


def test_a_prohibited_use_refusal_names_the_matched_text_and_layer():
    d = decide(req(reason="locate for imigration, vehicle of RO"), IL)
    assert d.rule == "prohibited-use"
    assert "'imigration'" in d.reason
    assert "fuzzy" in d.reason


def test_on_behalf_of_must_be_a_registered_agency_before_any_text_rule():
    d = decide(req(on_behalf_of="Springfield Neighbourhood Watch"), IL)
    assert d.rule == "unknown-agency"


@pytest.mark.parametrize(
    ("field", "text", "says"),
    [
        ("reason", "Locate subject for \u202eECI\u202c hold", "bidirectional control character (U+202E)"),
        ("reason", "Locate subject for \u0406CE hold", "mixes writing systems in the word"),  # Cyrillic І, Latin CE
        ("reason", "Locate subject for \u2d4aCE hold", "mixes writing systems"),  # Tifinagh
        ("reason", "Найти для депортации", "script the prohibited-use check cannot read"),
        ("case_number", "2026-\u202e321", "case number contains a bidirectional control"),
        ("user", "officer\u2067x", "user contains a bidirectional control"),
    ],
)
def test_text_that_reads_otherwise_than_it_is_stored_is_refused(field, text, says):
    """Insider review 2026-12-06: a right-to-left override showed "ICE hold" while the matcher read "ECI";
    a word mixing scripts and a reason in Cyrillic passed unread. Refused with the reason, rule 'reason'."""
    d = decide(req(**{field: text}), IL)
    assert not d.allowed
    assert d.rule == "reason"
    assert says in d.reason


def test_names_and_other_languages_in_latin_letters_still_pass():
    for reason in (
        "Stolen car of José Pérez from Łódź Street lot",
        "Robo de vehículo en la calle Elm, conductor huyó",
        "Car of Zoë Ångström stolen from naïve café lot",
    ):
        assert decide(req(reason=reason), IL).allowed, reason


def test_the_user_field_is_read_for_prohibited_uses_too():
    d = decide(req(user="ICE-ERO liaison"), IL)
    assert (d.allowed, d.rule) == (False, "prohibited-use")
    assert d.reason.startswith("user indicates")


@pytest.mark.parametrize("case", ["ICE2026-0001", "HSI2026-5", "ERO2026/17", "I247A-2026"])
def test_an_agency_glued_to_digits_in_a_case_number_is_refused(case):
    policy = build_policy(parse_config(site_yaml("none", kinds="[local, state, federal]")))
    assert policy.case_pattern  # the default pattern allows letters: the text rule has to catch it
    d = decide(req(case_number=case), policy)
    assert (d.allowed, d.rule) == (False, "prohibited-use"), d.reason


@pytest.mark.parametrize("reason", ["Locate subject for 移民 enforcement partner", "la м и г р а", "Ай Си И"])
def test_any_letter_of_a_script_the_terms_are_not_matched_in_is_refused(reason):
    """Second review: two CJK characters or spaced Cyrillic letters passed a rule that wanted three letters."""
    d = decide(req(reason=reason), IL)
    assert (d.allowed, d.rule) == (False, "reason")
    assert "Latin alphabet" in d.reason


@pytest.mark.parametrize(
    "reason", ["50 µg of carfentanil found in car", "Δ8THC shop burglary", "Suspect from Hawaiʻi fled"]
)
def test_symbols_and_modifier_letters_are_not_another_script(reason):
    assert decide(req(reason=reason), IL).allowed
