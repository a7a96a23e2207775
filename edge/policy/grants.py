"""Which grants the law of the device's jurisdiction profile forbids: a pure function of (profile, grant).

Prohibited uses are found with the policy's own term matching (``edge.policy.terms`` over the
profile's prohibited categories and purposes, the same rules searches go through), so "ICE warrant",
"ICE+ERO" or "reproductive-health" in a grant's purposes or agency are refused however spelled. On
top of that, the profile's sharing rules as far as a grant can show them:

- IL (625 ILCS 5/2-130, 2023 amendment): a peer outside Illinois (another state or federal) only with
  a reference to its signed declaration that it will not use the data for those purposes.
- CA (Civil Code 1798.90.55(b)): public agencies in California only; no federal or out-of-state
  peers, no private entities.
- IL and CA: no federal peer at all (jurisdiction ``federal``, or an agency named like one: "U.S.
  Department of Homeland Security" with any jurisdiction), and no agency whose name says another
  state than its declared jurisdiction (``edge.policy.parties``).
- NH (RSA 261:75-b): reads not tied to a hit are kept three minutes and not shared: hits only.
- VA, ME: law-enforcement sharing only: the peer must be a public agency.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge.policy.decision import Decision
from edge.policy.parties import federal_party, other_state
from edge.policy.profiles import PROFILES
from edge.policy.terms import CATEGORY_HELP, termsets
from edge.policy.text import find_term, squash

if TYPE_CHECKING:
    from edge.config.sharing import PeerGrant


def _deny(rule: str, reason: str) -> Decision:
    return Decision.deny(rule, reason)


def check_grant(profile: str, grant: PeerGrant, extra_terms: tuple[str, ...] = ()) -> Decision:
    """Allow or deny a grant under a jurisdiction profile ('none' applies the baseline prohibited uses)."""
    prof = PROFILES[profile]
    sets = termsets(prof.prohibited_categories, extra_terms)
    prohibited = {squash(p) for p in prof.all_prohibited_purposes}
    for purpose in grant.purposes:
        hit = find_term(purpose, sets)
        if hit is not None or squash(purpose) in prohibited:
            what = CATEGORY_HELP.get(hit.category, hit.category) if hit is not None else "a prohibited purpose"
            how = f" ({hit.describe()})" if hit is not None else ""
            return _deny("prohibited-use", f"purpose {purpose!r} indicates {what}{how}; no peer may be granted it")
    for label, text in (("peer agency", grant.agency), ("peer name", grant.name)):
        hit = find_term(text, sets)
        if hit is not None:
            what = CATEGORY_HELP.get(hit.category, hit.category)
            return _deny("prohibited-use", f"{label} {text!r} indicates {what} ({hit.describe()})")
    if prof.state is None:
        return Decision(True, "granted", f"grant to {grant.name!r} allowed (no jurisdiction profile)")
    out_of_state = grant.jurisdiction != prof.state
    if profile in ("IL", "CA"):
        if grant.jurisdiction == "federal":
            return _deny(
                "federal-party",
                f"{prof.name}: peer {grant.name!r} is a federal agency; no federal party receives reads under "
                f"profile {profile} ({prof.citation})",
            )
        federal = federal_party(grant.agency)
        if federal is not None:
            return _deny("federal-party", f"{prof.name}: peer agency {federal}; refused under profile {profile}")
        foreign = other_state(grant.agency, grant.jurisdiction)
        if foreign is not None:
            return _deny(
                "out-of-state",
                f"{prof.name}: peer agency {foreign}, the jurisdiction the grant declares",
            )
    if profile == "IL" and out_of_state and not grant.declaration:
        return _deny(
            "il-declaration",
            f"Illinois: peer {grant.name!r} ({grant.jurisdiction}) is outside Illinois; a reference to its signed "
            "declaration (no immigration or reproductive-health use) is required in `declaration`",
        )
    if profile == "CA":
        if out_of_state:
            return _deny(
                "ca-in-state-public-agencies",
                f"California: reads may only go to California public agencies, not {grant.jurisdiction} "
                f"peer {grant.name!r}",
            )
        if not grant.public_agency:
            return _deny("ca-in-state-public-agencies", f"California: {grant.name!r} is not a public agency")
    if profile == "NH" and grant.share == "all":
        return _deny("nh-hits-only", "New Hampshire: reads that are not hits are not kept past 3 minutes nor shared")
    if profile in ("VA", "ME") and not grant.public_agency:
        return _deny("public-agency-only", f"{profile}: reads may only be shared with public agencies")
    return Decision(True, "granted", f"grant to {grant.name!r} allowed under profile {profile}")
