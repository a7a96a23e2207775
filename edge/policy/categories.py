"""Which hotlist categories may be loaded: configured ones only, never one that names a prohibited use.

The words are those of ``edge.policy.terms`` matched with ``edge.policy.text`` (the same matcher that
refuses search reasons), so "Immigration Violator", "ICE detainer" or "I.C.E. hold" are caught however
they are written, while "police" or "service" are not. Under a profile that refuses federal and
out-of-state parties (IL, CA) a list whose ``--source`` names one ("FBI", "DHS field office",
"Indiana State Police") is refused too (``edge.policy.parties``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from edge.policy.decision import Decision
from edge.policy.parties import foreign_party
from edge.policy.terms import CATEGORY_TERMS, termsets
from edge.policy.text import find_term

if TYPE_CHECKING:
    from edge.policy.profiles import JurisdictionProfile

# The project baseline: refused under every profile (DESIGN.md, "Why").
BASELINE: tuple[str, ...] = tuple(CATEGORY_TERMS)


def _profile(profile: str) -> JurisdictionProfile | None:
    from edge.policy.profiles import PROFILES

    return PROFILES.get(profile)


def profile_categories(profile: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(prohibited-use categories, prohibited purpose codes) of a jurisdiction profile, baseline included."""
    from edge.policy.profiles import PROFILES

    prof = PROFILES.get(profile)
    if prof is None:
        return BASELINE, ()
    return tuple(dict.fromkeys([*BASELINE, *prof.prohibited_categories])), prof.all_prohibited_purposes


def prohibited_use(text: str, *, profile: str = "none", extra: Iterable[str] = ()) -> str | None:
    """The prohibited use (category and match) `text` reveals, e.g. "immigration-enforcement: matched 'ice'
    (federal agency names and abbreviations, exact)"; or None."""
    cats, codes = profile_categories(profile)
    if text.strip().lower() in codes:
        return f"prohibited purpose {text.strip().lower()!r} under profile {profile}"
    match = find_term(text, termsets(cats, tuple(extra)))
    return None if match is None else f"{match.category}: {match.describe()}"


def check_import(
    *,
    category: str,
    allowed: Iterable[str],
    texts: dict[str, str],
    profile: str = "none",
    extra: Iterable[str] = (),
) -> Decision:
    """Allow or refuse a hotlist import: `texts` are its other free-text fields (name, source, basis...)."""
    extra = tuple(extra)
    found = prohibited_use(category, profile=profile, extra=extra)
    if found is not None:
        return Decision(
            False, "prohibited_category", f"category {category!r} names a prohibited use ({found}); it cannot be loaded"
        )
    for label, text in texts.items():
        found = prohibited_use(text, profile=profile, extra=extra)
        if found is not None:
            return Decision(
                False,
                "prohibited_text",
                f"{label} {text!r} names a prohibited use ({found}); the list cannot be loaded",
            )
    source = texts.get("source", "")
    prof = _profile(profile)
    if source and prof is not None and prof.state and prof.forbid_federal_requesters:
        foreign = foreign_party(source, prof.state)
        if foreign is not None:
            return Decision(
                False,
                "federal-or-out-of-state-source",
                f"source {foreign}: under profile {profile} no federal or out-of-state party feeds this device's "
                f"hotlists ({prof.citation})",
            )
    codes = list(allowed)
    if category not in codes:
        return Decision(
            False,
            "category_not_configured",
            f"category {category!r} is not configured under hotlists.categories "
            f"(allowed: {', '.join(codes) or 'none'})",
        )
    return Decision(True, "allowed", f"category {category!r} allowed")
