"""Prohibited uses are found however they are written; ordinary words that contain them are not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.policy.terms import CATEGORY_TERMS, IMMIGRATION, REPRODUCTIVE, termsets
from edge.policy.text import find_term

ALL = termsets(tuple(CATEGORY_TERMS))

PROHIBITED = [
    # wordings from public records of real searches, and their obvious disguises
    ("immigration", IMMIGRATION),
    ("ICE+ERO", IMMIGRATION),
    ("ICE WARRANT", IMMIGRATION),
    ("ICE warrant service", IMMIGRATION),
    ("I.C.E.", IMMIGRATION),
    ("i c e", IMMIGRATION),
    ("I-C-E hold", IMMIGRATION),
    ("Ic.E", IMMIGRATION),
    ("ICEwarrant", IMMIGRATION),
    ("ICEERO", IMMIGRATION),
    ("assist ICEs", IMMIGRATION),
    ("1CE", IMMIGRATION),
    ("ＩＣＥ request", IMMIGRATION),  # fullwidth
    ("іce", IMMIGRATION),  # Cyrillic i
    ("ICE\u200bERO", IMMIGRATION),  # zero-width space
    ("per ERO request", IMMIGRATION),
    ("HSI case", IMMIGRATION),
    ("H.S.I.", IMMIGRATION),
    ("CBP lookout", IMMIGRATION),
    ("c/b/p", IMMIGRATION),
    ("U.S. Border Patrol", IMMIGRATION),
    ("deport", IMMIGRATION),
    ("deportation target", IMMIGRATION),
    ("removal", IMMIGRATION),
    ("Removal order", IMMIGRATION),
    ("immigration status check", IMMIGRATION),
    ("Immigration_Status", IMMIGRATION),
    ("im-mi-gra-tion", IMMIGRATION),
    ("1MM1GRAT10N", IMMIGRATION),
    ("inmigración", IMMIGRATION),
    ("illegal alien", IMMIGRATION),
    ("undocumented driver", IMMIGRATION),
    ("visa overstay", IMMIGRATION),
    ("287(g) task force", IMMIGRATION),
    ("ICE detainer", IMMIGRATION),
    ("abortion", REPRODUCTIVE),
    ("AB0RT10N", REPRODUCTIVE),
    ("a.b.o.r.t.i.o.n", REPRODUCTIVE),
    ("travelled out of state for an abortion", REPRODUCTIVE),
    ("Planned Parenthood visit", REPRODUCTIVE),
    ("reproductive health care", REPRODUCTIVE),
    ("self-managed abortion pill", REPRODUCTIVE),
]

ALLOWED = [
    "police",
    "P.O.L.I.C.E.",
    "Police service call",
    "device theft",
    "juice shop burglary",
    "notice of violation",
    "office burglary",
    "officer injured",
    "justice center",
    "price tag",
    "licence plate",
    "service station robbery",
    "nice weather",
    "choice",
    "rice",
    "zero",
    "hero",
    "alienation",
    "Visa card fraud",
    "Vehicle reported stolen from Elm St lot",
    "AMBER alert, child taken from school",
    "Armed robbery at gas station, suspect vehicle",
    "Hit and run, pedestrian injured on Main St",
    "Missing elderly person with dementia",
    "Homicide suspect vehicle seen leaving scene",
    "Carjacking at gunpoint",
]


@pytest.mark.parametrize(("text", "category"), PROHIBITED)
def test_prohibited_wordings_are_found(text, category):
    hit = find_term(text, ALL)
    assert hit is not None, text
    assert hit.category == category


@pytest.mark.parametrize("text", ALLOWED)
def test_legitimate_wordings_pass(text):
    assert find_term(text, ALL) is None


SEPARATORS = st.sampled_from(["", " ", ".", "-", "+", "/", "_", "  ", ". ", "*", "|"])


def _disguise(word: str, data: st.DataObject) -> str:
    out = []
    for ch in word:
        out.append(ch.upper() if data.draw(st.booleans()) else ch.lower())
        out.append(data.draw(SEPARATORS))
    return "".join(out)


@settings(max_examples=150, deadline=None)
@given(
    word=st.sampled_from(["ice", "ero", "hsi", "cbp", "immigration", "deportation", "abortion", "uscis"]),
    before=st.sampled_from(["", "per ", "assist ", "Case: ", "req by "]),
    after=st.sampled_from(["", " warrant", " request", " hold", "!", " (urgent)"]),
    data=st.data(),
)
def test_spacing_case_and_punctuation_variants_are_found(word, before, after, data):
    text = before + _disguise(word, data) + after
    assert find_term(text, ALL) is not None, text


@settings(max_examples=150, deadline=None)
@given(
    word=st.sampled_from(["police", "service", "device", "juice", "notice", "office", "justice", "licence", "price"]),
    case=st.sampled_from([str.lower, str.upper, str.title]),
    before=st.sampled_from(["", "the ", "Stolen ", "(", "- "]),
    after=st.sampled_from(["", ".", ",", " report", "!", " dept", "s"]),
)
def test_words_containing_ice_never_match(word, case, before, after):
    text = before + case(word) + after
    assert find_term(text, ALL) is None, text
