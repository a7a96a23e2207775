"""Jurisdiction profiles: what each state's ALPR law (or, where it is silent, this project's policy)
requires of a device, and the load-time check that refuses a config breaking its profile.

Every limit below carries its basis. ``statutory=True`` means the number is in the statute as we
read it; ``statutory=False`` means the statute sets no number and the value is this project's
conservative default (a policy choice, not the law). Statute texts are not vendored here: check the
current official text (and counsel) before relying on a profile in production.

Under every profile, including ``none``, the project baseline refuses immigration enforcement and
reproductive-health investigations (``edge.policy.terms``); profiles add to that, never remove.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from edge.policy.terms import IMMIGRATION, REPRODUCTIVE, termsets
from edge.policy.text import find_term

if TYPE_CHECKING:
    from edge.config.model import Config

BASELINE_CATEGORIES: tuple[str, ...] = (IMMIGRATION, REPRODUCTIVE)


@dataclass(frozen=True, slots=True)
class Cap:
    """A retention limit and where it comes from."""

    limit: timedelta
    basis: str
    statutory: bool


@dataclass(frozen=True, slots=True)
class JurisdictionProfile:
    code: str
    name: str
    state: str | None
    statutes: tuple[str, ...]
    prohibited_categories: tuple[str, ...] = BASELINE_CATEGORIES
    prohibited_purposes: tuple[str, ...] = ()
    forbid_federal_requesters: bool = False
    forbid_out_of_state_requesters: bool = False
    require_case_number: bool = False
    allow_range_queries: bool = True
    # Partial-plate (pattern) searches: fewest known (non-wildcard) characters. Project policy in every
    # profile (no statute gives a number): fewer known characters make a pattern a sweep of who passed.
    pattern_min_known: int = 4
    non_hit_cap: Cap | None = None
    hit_cap: Cap | None = None
    sharing: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def all_prohibited_purposes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.prohibited_categories, *self.prohibited_purposes]))

    @property
    def citation(self) -> str:
        return "; ".join(self.statutes) if self.statutes else "no state ALPR statute (project baseline only)"


IL_LAW = "625 ILCS 5/2-130 (as amended by HB 3326, 103rd G.A., signed 2023-08-11)"
CA_LAW = "Cal. Civ. Code §§ 1798.90.5-1798.90.55 (SB 34, 2015)"
VA_LAW = "Va. Code § 2.2-5517 (HB 2724, 2025)"
NH_LAW = "N.H. RSA 261:75-b"
ME_LAW = "29-A M.R.S. § 2117-A"

PROFILES: dict[str, JurisdictionProfile] = {
    "none": JurisdictionProfile(
        code="none",
        name="No jurisdiction profile",
        state=None,
        statutes=(),
        notes=(
            "Only the project baseline applies: immigration enforcement and reproductive-health "
            "investigations are refused, requesters must be registered agencies.",
        ),
    ),
    "IL": JurisdictionProfile(
        code="IL",
        name="Illinois",
        state="IL",
        statutes=(IL_LAW, "Illinois TRUST Act, 5 ILCS 805"),
        prohibited_purposes=("immigration-status", "reproductive-health-care", "abortion"),
        forbid_federal_requesters=True,
        forbid_out_of_state_requesters=True,
        require_case_number=True,
        pattern_min_known=5,
        non_hit_cap=Cap(
            timedelta(days=30),
            "project policy: 625 ILCS 5/2-130 sets no retention period (a 30-day limit appeared in a 2023 bill "
            "version, not in the enacted text as we read it)",
            statutory=False,
        ),
        hit_cap=Cap(timedelta(days=365), "project policy: the statute sets no retention period", statutory=False),
        sharing=(
            f"{IL_LAW}: no sharing for investigating or enforcing laws on reproductive health care or "
            "immigration status; out-of-state agencies only after a signed written declaration. The project "
            "refuses federal and out-of-state searchers outright (declarations are not modelled for searches)."
        ),
    ),
    "CA": JurisdictionProfile(
        code="CA",
        name="California",
        state="CA",
        statutes=(CA_LAW, "Cal. Gov. Code § 7284.6 (SB 54, California Values Act)", "Cal. Penal Code § 13778.2"),
        prohibited_purposes=("immigration-status", "reproductive-health-care", "abortion"),
        forbid_federal_requesters=True,
        forbid_out_of_state_requesters=True,
        require_case_number=True,
        pattern_min_known=5,
        non_hit_cap=Cap(
            timedelta(days=30),
            "project policy: Civ. Code § 1798.90.51 requires a usage policy with a retention period but fixes "
            "no number",
            statutory=False,
        ),
        hit_cap=Cap(timedelta(days=365), "project policy: the statute fixes no number", statutory=False),
        sharing=(
            f"{CA_LAW} § 1798.90.55(b): ALPR information only to another California public agency (the "
            "Attorney General's bulletin 2023-DLE-06 reads this as excluding out-of-state and federal "
            "agencies); Gov. Code § 7284.6 bars use of resources for immigration enforcement."
        ),
    ),
    "VA": JurisdictionProfile(
        code="VA",
        name="Virginia",
        state="VA",
        statutes=(VA_LAW,),
        require_case_number=True,
        pattern_min_known=5,
        non_hit_cap=Cap(
            timedelta(days=21), VA_LAW + ": data purged after 21 days unless part of an investigation", statutory=True
        ),
        sharing=(
            f"{VA_LAW}: use limited to criminal investigations on reasonable suspicion, missing or "
            "endangered persons and human trafficking, and notifications (stolen vehicles or plates, "
            "warrants); queries record a case number."
        ),
    ),
    "NH": JurisdictionProfile(
        code="NH",
        name="New Hampshire",
        state="NH",
        statutes=(NH_LAW,),
        allow_range_queries=False,
        non_hit_cap=Cap(
            timedelta(minutes=3), NH_LAW + ": plates not matching a list purged within 3 minutes", statutory=True
        ),
        sharing=f"{NH_LAW}: records are confidential and used only for the purposes the statute lists.",
        notes=(
            "Time-range sweeps are refused (project reading: the statute allows matching against lists, "
            "not browsing who passed).",
        ),
    ),
    "ME": JurisdictionProfile(
        code="ME",
        name="Maine",
        state="ME",
        statutes=(ME_LAW,),
        non_hit_cap=Cap(
            timedelta(days=21), ME_LAW + ": data may not be kept more than 21 days unless evidence", statutory=True
        ),
        sharing=f"{ME_LAW}: data is confidential and shared only with law enforcement for official purposes.",
    ),
}


def format_duration(value: timedelta) -> str:
    """Durations in messages the way statutes state them: 21d rather than 3w, 3m, 12h."""
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{value.total_seconds():g}s"


def _err(loc: tuple[str | int, ...], message: str, value: Any) -> InitErrorDetails:
    return InitErrorDetails(
        type=PydanticCustomError("profile", "{message}", {"message": message}), loc=loc, input=value
    )


def profile_problems(cfg: Config) -> list[InitErrorDetails]:
    """Everything in `cfg` its profile forbids, each with the key path it is about."""
    prof = PROFILES[cfg.profile]
    out: list[InitErrorDetails] = []
    who = f"profile {prof.code}"

    for tier, cap in (("non_hit", prof.non_hit_cap), ("hit", prof.hit_cap)):
        if cap is None:
            continue
        kind = "limit" if cap.statutory else "project cap"
        value = getattr(cfg.retention, tier)
        if value > cap.limit:
            out.append(
                _err(
                    ("retention", tier),
                    f"{format_duration(value)} exceeds the {format_duration(cap.limit)} {kind} on "
                    f"{tier.replace('_', '-')} reads under {who} ({cap.basis})",
                    format_duration(value),
                )
            )
        for cam, override in sorted(cfg.retention.cameras.items()):
            v = getattr(override, tier)
            if v is not None and v > cap.limit:
                out.append(
                    _err(
                        ("retention", "cameras", cam, tier),
                        f"{format_duration(v)} exceeds the {format_duration(cap.limit)} {kind} on "
                        f"{tier.replace('_', '-')} reads under {who} ({cap.basis})",
                        format_duration(v),
                    )
                )

    search = cfg.search
    prohibited = {*prof.all_prohibited_purposes, *search.prohibited_purposes}
    sets = termsets(prof.prohibited_categories, tuple(search.prohibited_terms))
    for i, p in enumerate(search.purposes):
        if p.code in prohibited:
            out.append(
                _err(
                    ("search", "purposes", i, "code"),
                    f"purpose {p.code!r} is prohibited under {who} ({prof.citation})",
                    p.code,
                )
            )
            continue
        hit = find_term(f"{p.code} {p.description}", sets)
        if hit is not None:
            out.append(
                _err(
                    ("search", "purposes", i, "code"),
                    f"purpose {p.code!r} reads as {hit.category} (term {hit.term!r}), prohibited under {who}",
                    p.code,
                )
            )
        if prof.require_case_number and p.case_required is False:
            out.append(
                _err(
                    ("search", "purposes", i, "case_required"),
                    f"{who} requires a case number for every search ({prof.citation})",
                    False,
                )
            )
        if not prof.allow_range_queries and p.range:
            out.append(
                _err(
                    ("search", "purposes", i, "range"),
                    f"time-range searches without a plate are refused under {who}",
                    True,
                )
            )
    if search.pattern_min_known is not None and search.pattern_min_known < prof.pattern_min_known:
        out.append(
            _err(
                ("search", "pattern_min_known"),
                f"{search.pattern_min_known} is below the {prof.pattern_min_known} known characters a partial-plate "
                f"pattern needs under {who} (a config may raise it, not lower it)",
                search.pattern_min_known,
            )
        )
    if prof.forbid_federal_requesters and "federal" in search.requester_kinds:
        out.append(
            _err(
                ("search", "requester_kinds"),
                f"federal agencies may not search under {who} ({prof.sharing or prof.citation})",
                list(search.requester_kinds),
            )
        )
    if prof.forbid_out_of_state_requesters and search.allow_out_of_state:
        out.append(
            _err(
                ("search", "allow_out_of_state"),
                f"out-of-state agencies may not search under {who} ({prof.citation})",
                True,
            )
        )
    if prof.require_case_number and not search.case_number.required:
        out.append(
            _err(
                ("search", "case_number", "required"),
                f"{who} requires a case number for every search ({prof.citation})",
                False,
            )
        )
    if prof.state and search.home_state and search.home_state != prof.state:
        out.append(
            _err(
                ("search", "home_state"),
                f"home_state {search.home_state} contradicts {who} (state {prof.state})",
                search.home_state,
            )
        )
    for i, a in enumerate(search.agencies):
        hit = find_term(" ".join([a.id, a.name, *a.aliases]), sets)
        if hit is not None and a.kind != "federal":
            out.append(
                _err(
                    ("search", "agencies", i, "id"),
                    f"agency {a.id!r} is named like {hit.category} ({hit.term!r}) but registered as "
                    f"{a.kind}: register it as federal",
                    a.id,
                )
            )
    from edge.policy.grants import check_grant  # the grant rules build on these profiles

    for i, grant in enumerate(cfg.sharing.peers):
        decision = check_grant(cfg.profile, grant, tuple(search.prohibited_terms))
        if not decision.allowed:
            out.append(
                _err(
                    ("sharing", "peers", i, "name"),
                    f"grant to peer {grant.name!r} refused under {who} [{decision.rule}]: {decision.reason}",
                    grant.name,
                )
            )
    return out


def check_profile(cfg: Config) -> None:
    """Raise a ValidationError (one line error per problem, with its key path) if `cfg` breaks its profile."""
    problems = profile_problems(cfg)
    if problems:
        raise ValidationError.from_exception_data("Config", problems)
