"""Prohibited-use matching over the phrasing tables (issue 27, finding 3): >= 99 % of prohibited
phrasings refused, <= 1 % of legitimate ones; every wording the issue names, each way."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.policy.terms import CATEGORY_TERMS, termsets
from edge.policy.text import find_term

HERE = Path(__file__).parent
ALL = termsets(tuple(CATEGORY_TERMS))


def table(name: str) -> list[str]:
    lines = (HERE / name).read_text("utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


PROHIBITED = table("phrasings_prohibited.txt")
LEGITIMATE = table("phrasings_legitimate.txt")


def test_tables_are_big_enough_and_distinct():
    assert len(PROHIBITED) >= 200
    assert len(LEGITIMATE) >= 200
    assert len(set(PROHIBITED)) == len(PROHIBITED)
    assert len(set(LEGITIMATE)) == len(LEGITIMATE)
    assert not set(PROHIBITED) & set(LEGITIMATE)


def test_at_least_99_percent_of_prohibited_phrasings_are_refused():
    missed = [t for t in PROHIBITED if find_term(t, ALL) is None]
    assert len(missed) <= 0.01 * len(PROHIBITED), missed


def test_at_most_1_percent_of_legitimate_phrasings_are_refused():
    refused = [f"{t}: {m.describe()}" for t in LEGITIMATE if (m := find_term(t, ALL)) is not None]
    assert len(refused) <= 0.01 * len(LEGITIMATE), refused


# Each wording issue 27 names: let through before, refused now.
ISSUE_MISSED = [
    "DHS request",
    "Department of Homeland Security asked",
    "imigration",
    "immigratoin",
    "lCE request",  # lowercase l for I
    "\u0131ce request",  # dotless i
    "\u026a\u1d04\u1d07 warrant",  # small capitals
    "\u04c0CE warrant",  # Cyrillic palochka
    "sin papeles",  # Spanish
    "controllo immigrazione",  # Italian
    "Abschiebung",  # German
    "aW1taWdyYXRpb24=",  # base64 "immigration"
    "&#73;&#67;&#69; hold",  # HTML entities
    "no papers",
    "legal status",
    "final order",
]
# Each wording issue 27 names: refused before, allowed now.
ISSUE_OVER_REFUSED = [
    "black ice",
    "ice cream truck",
    "ice rink",
    "removal of plates",
    "Asylum Ave",
    "Sanctuary Church",
    "green card inside",
    "Eros Theater",
]


@pytest.mark.parametrize("text", ISSUE_MISSED)
def test_issue_wordings_that_got_through_are_refused(text):
    assert find_term(text, ALL) is not None, text
    assert text in PROHIBITED  # and the table carries it


@pytest.mark.parametrize("text", ISSUE_OVER_REFUSED)
def test_issue_wordings_that_were_refused_are_allowed(text):
    assert find_term(text, ALL) is None, find_term(text, ALL)
    assert text in LEGITIMATE


@pytest.mark.parametrize(
    ("text", "matched", "layer"),
    [
        ("imigration", "imigration", "fuzzy"),
        ("aW1taWdyYXRpb24=", "immigration", "decoded base64"),
        ("\u04c0CE hold", "ice", "exact"),
        ("Abschiebung", "abschiebung", "exact"),
    ],
)
def test_a_match_names_the_text_and_the_layer(text, matched, layer):
    hit = find_term(text, ALL)
    assert hit is not None
    assert hit.matched == matched
    assert layer in hit.layer
    assert hit.group  # which list: agency names, phrases, other languages...
    assert matched in hit.describe()


def test_context_neutralises_only_the_ordinary_word():
    assert find_term("black ice", ALL) is None
    assert find_term("ICE hold on a car that slid on black ice", ALL) is not None
    assert find_term("black ice warrant", ALL) is not None  # an enforcement word keeps it prohibited
    assert find_term("Asylum Ave, assist ERO", ALL) is not None


def test_the_second_held_out_table_stays_where_it_was_measured():
    """Written blind on 2026-12-06 (its header says what was tuned on it since): a regression gate at the
    figures docs/SECURITY.md gives, not an accuracy."""
    held = [ln.split(": ", 1) for ln in table("phrasings_heldout2.txt")]
    assert sorted({k for k, _ in held}) == ["allow", "refuse"]
    missed = [t for k, t in held if k == "refuse" and find_term(t, ALL) is None]
    refused = [t for k, t in held if k == "allow" and find_term(t, ALL) is not None]
    assert len(missed) <= 5, missed
    assert len(refused) <= 3, refused


def test_the_third_held_out_table_stays_where_it_was_measured():
    """Written blind after both reviews of 2026-12-06, run once, not tuned on: a regression gate at its
    one run's figures (docs/SECURITY.md), not an accuracy."""
    held = [ln.split(": ", 1) for ln in table("phrasings_heldout3.txt")]
    missed = [t for k, t in held if k == "refuse" and find_term(t, ALL) is None]
    refused = [t for k, t in held if k == "allow" and find_term(t, ALL) is not None]
    assert len(missed) <= 6, missed
    assert len(refused) <= 7, refused
