"""Which grants the law of the device's jurisdiction profile forbids: a pure function of (profile, grant).

These are the sharing rules of the profiles as far as a grant can show them. Each refusal names the
rule so the ledger entry and the error message say why.

- every profile: purposes that no grant may carry (immigration enforcement, reproductive or
  gender-affirming health care), because several of the profiled states forbid them outright and the
  project refuses them everywhere (DESIGN.md: the 2025 "ICE" lookups).
- IL (625 ILCS 5/2-130 and the 2023 amendment): a peer outside Illinois (another state or federal)
  only with a reference to its signed declaration that it will not use the data for those purposes.
- CA (Civil Code 1798.90.55(b)): public agencies in California only; no federal or out-of-state
  peers, no private entities.
- NH (RSA 261:75-b): reads not tied to a hit are kept three minutes and are not shared: hits only.
- VA, ME: peers must be public agencies (law-enforcement sharing only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edge.config.sharing import PeerGrant

FORBIDDEN_PURPOSES: dict[str, str] = {
    "immigration": "immigration enforcement",
    "immigration_enforcement": "immigration enforcement",
    "ice": "immigration enforcement",
    "reproductive_health": "investigating reproductive health care",
    "abortion": "investigating reproductive health care",
    "gender_affirming_care": "investigating gender-affirming health care",
}

# single words that mark a purpose as one of the above, however it is spelled ("ICE warrant", "ICE+ERO")
_FORBIDDEN_WORDS: dict[str, str] = {
    "immigration": "immigration enforcement",
    "ice": "immigration enforcement",
    "ero": "immigration enforcement",
    "deportation": "immigration enforcement",
    "reproductive": "investigating reproductive health care",
    "abortion": "investigating reproductive health care",
}


@dataclass(frozen=True, slots=True)
class GrantDecision:
    allowed: bool
    rule: str
    reason: str


def _deny(rule: str, reason: str) -> GrantDecision:
    return GrantDecision(False, rule, reason)


def check_grant(profile: str, grant: PeerGrant) -> GrantDecision:
    """Allow or deny a grant under a jurisdiction profile ('none' applies only the common rules)."""
    for purpose in grant.purposes:
        words = [w for w in re.split(r"[^a-z0-9]+", purpose.lower()) if w]
        key = "_".join(words)
        hit = next((w for w in words if w in _FORBIDDEN_WORDS), None)
        if key in FORBIDDEN_PURPOSES or hit is not None:
            what = FORBIDDEN_PURPOSES.get(key) or _FORBIDDEN_WORDS.get(hit or "", "a prohibited purpose")
            return _deny("forbidden_purpose", f"purpose {purpose!r} ({what}) may not be granted to any peer")
    out_of_state = grant.jurisdiction != profile
    if profile == "IL" and out_of_state and not grant.declaration:
        return _deny(
            "il_declaration",
            f"Illinois: peer {grant.name!r} ({grant.jurisdiction}) is outside Illinois; a reference to its signed "
            "declaration (no immigration or reproductive-health use) is required in `declaration`",
        )
    if profile == "CA":
        if grant.jurisdiction != "CA":
            return _deny(
                "ca_public_agencies_in_state",
                f"California: reads may only go to California public agencies, not {grant.jurisdiction} "
                f"peer {grant.name!r}",
            )
        if not grant.public_agency:
            return _deny("ca_public_agencies_in_state", f"California: {grant.name!r} is not a public agency")
    if profile == "NH" and grant.share == "all":
        return _deny("nh_hits_only", "New Hampshire: reads that are not hits are not kept past 3 minutes nor shared")
    if profile in ("VA", "ME") and not grant.public_agency:
        return _deny("public_agency_only", f"{profile}: reads may only be shared with public agencies")
    return GrantDecision(True, "granted", f"grant to {grant.name!r} allowed under profile {profile}")
