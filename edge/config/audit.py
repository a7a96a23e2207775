"""Audit ledger, misuse signals and justified search.

Deny by default: with no ``search.purposes`` or no ``search.agencies`` every search is refused. A
config whose purposes, requester rules or retention break its jurisdiction profile is refused at load
(``edge.policy.profiles``). Example (all keys optional except what a search needs)::

    audit:
      ledger: data/audit.db              # default: audit.db beside store.path
      key: data/audit-ed25519.key        # default: beside store.path; created 0600 on first run
      checkpoint_every: 1000             # signed checkpoint every N entries (and at close)
      public_key: null                   # pin: edge-alpr audit key prints it; verify then trusts only it
      witness_dir: null                  # folder of cosigned tree heads / checkpoint copies verify uses
      require_os_user: false             # true: --user must be the OS account (or the sudo caller)
      misuse:
        window: 1h
        max_searches_per_user: 30
        max_searches_per_agency: 100
        repeat_plate_window: 7d
        repeat_plate_threshold: 3
        denied_threshold: 3
        denied_window: 1d
    search:
      purposes:
        - {code: stolen-vehicle, description: Stolen vehicle or plate report, partial: true}
        - {code: amber-alert, description: AMBER / missing child alert, partial: true, range: true}
        - {code: violent-felony, description: Violent felony investigation}
        - {code: missing-person, description: Missing or endangered person, partial: true}
      agencies:
        - {id: SPRINGFIELD-PD, name: Springfield Police Department, kind: local, state: IL}
        - {id: ISP, name: Illinois State Police, kind: state, state: IL}
        - {id: ICE, name: U.S. Immigration and Customs Enforcement, kind: federal, state: US}
      requester_kinds: [local, state]    # kinds that may search; IL/CA refuse federal
      allow_out_of_state: false          # IL/CA refuse true
      case_number: {pattern: '^[0-9]{2,4}-[0-9]{3,8}$', required: true}
      min_reason_length: 12
      range_max_window: 2h
      max_results: 1000
      pattern_min_known: null            # known characters a --pattern needs; default: the profile's (4 or 5)
      pattern_max_window: 24h            # a --pattern search needs --since, at most this long ago
      pattern_max_results: 100           # most reads a --pattern search returns
      prohibited_purposes: []            # added to the profile's
      prohibited_terms: []               # added to the built-in words (see edge.policy.terms)
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from edge.config.common import Duration, Strict

AgencyKind = Literal["local", "state", "federal", "tribal", "private"]


class MisuseConfig(Strict):
    window: Duration = Field(default=timedelta(hours=1), description="Window for per-user and per-agency volume.")
    max_searches_per_user: int = Field(default=30, ge=1, description="Searches by one user per window before a signal.")
    max_searches_per_agency: int = Field(
        default=100, ge=1, description="Searches by one requesting agency per window before a signal."
    )
    repeat_plate_window: Duration = Field(
        default=timedelta(days=7), description="Window in which repeated lookups of one plate are counted."
    )
    repeat_plate_threshold: int = Field(
        default=3, ge=2, description="Lookups of one plate within the window that raise a signal."
    )
    denied_threshold: int = Field(
        default=3, ge=1, description="Denied attempts by one user within denied_window that raise a signal."
    )
    denied_window: Duration = Field(default=timedelta(days=1), description="Window for counting denied attempts.")


class AuditConfig(Strict):
    ledger: str | None = Field(default=None, description="Ledger SQLite file; default: audit.db beside the store.")
    key: str | None = Field(
        default=None,
        description="Ed25519 signing key (PEM); default: audit-ed25519.key beside the store. Created with mode "
        "0600 on first run; a key readable by others is refused.",
    )
    checkpoint_every: int = Field(
        default=1000, ge=1, le=1_000_000, description="Write a signed checkpoint every N entries (and at close)."
    )
    public_key: str | None = Field(
        default=None,
        description="Pinned verifier key (name+id+base64, from `edge-alpr audit key`); verify trusts only it.",
    )
    busy_timeout: Duration = Field(
        default=timedelta(seconds=5), description="How long an append waits for another writer before failing."
    )
    misuse: MisuseConfig = Field(default_factory=MisuseConfig, description="Misuse signal thresholds.")
    witness_dir: str | None = Field(
        default=None,
        description="Folder of checkpoint notes kept by witnesses (cosigned tree heads from `edge-alpr audit "
        "witness`, or checkpoint copies), *.txt: `audit verify`, the report and /healthz check the ledger "
        "against every one by themselves.",
    )
    require_os_user: bool = Field(
        default=False,
        description="--user of search and hotlist commands must be the OS account running them (or, under "
        "sudo, the account that called sudo); a search under another name is refused and the refusal recorded.",
    )


class PurposeConfig(Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,47}$", description="Purpose code given with --purpose.")
    description: str = Field(min_length=3, max_length=200, description="What the purpose covers.")
    partial: bool = Field(default=False, description="Partial-plate (pattern) searches are allowed for it.")
    range: bool = Field(default=False, description="Time-range searches without a plate are allowed for it.")
    case_required: bool | None = Field(
        default=None, description="Override search.case_number.required for this purpose."
    )


class AgencyConfig(Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$", description="Agency id given with --requester.")
    name: str = Field(min_length=2, max_length=200, description="Full agency name.")
    kind: AgencyKind = Field(description="local, state, federal, tribal or private.")
    state: str = Field(pattern=r"^[A-Z]{2}$", description="Two-letter state of the agency ('US' for a federal agency).")
    aliases: list[str] = Field(default_factory=list, description="Other names requesters may type for it.")


class CaseNumberConfig(Strict):
    pattern: str = Field(
        default=r"^[A-Za-z0-9][A-Za-z0-9/-]{3,31}$", description="Regular expression a case number must match."
    )
    required: bool = Field(default=True, description="A search without a case number is refused.")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return value


class SearchConfig(Strict):
    purposes: list[PurposeConfig] = Field(
        default_factory=list, description="Purposes a search may give; none listed: every search is refused."
    )
    agencies: list[AgencyConfig] = Field(
        default_factory=list, description="Known agencies; a requester or on-behalf-of agency not listed is refused."
    )
    requester_kinds: list[AgencyKind] = Field(
        default_factory=lambda: list[AgencyKind](["local", "state"]),
        description="Agency kinds that may search (or be searched for).",
    )
    allow_out_of_state: bool = Field(
        default=False, description="Agencies of another state may search (never under IL or CA)."
    )
    home_state: str | None = Field(
        default=None, pattern=r"^[A-Z]{2}$", description="State of this device; default: the profile's state."
    )
    case_number: CaseNumberConfig = Field(default_factory=CaseNumberConfig, description="Case number rules.")
    min_reason_length: int = Field(default=12, ge=1, description="Shortest accepted free-text reason (characters).")
    range_max_window: Duration = Field(
        default=timedelta(hours=2), description="Longest time window of a search without a plate."
    )
    max_results: int = Field(default=1000, ge=1, le=100_000, description="Most reads one search returns.")
    pattern_min_known: int | None = Field(
        default=None,
        ge=1,
        le=10,
        description="Known (non-wildcard) characters a partial-plate pattern needs; default and floor: the "
        "jurisdiction profile's.",
    )
    pattern_max_window: Duration = Field(
        default=timedelta(hours=24),
        description="Longest time window of a partial-plate search (it needs --since, like a time-range search).",
    )
    pattern_max_results: int = Field(
        default=100, ge=1, le=100_000, description="Most reads one partial-plate search returns."
    )
    prohibited_purposes: list[str] = Field(
        default_factory=list, description="Purpose codes refused in addition to the profile's."
    )
    prohibited_terms: list[str] = Field(
        default_factory=list, description="Words refused in reasons and agency names, in addition to the built-in."
    )

    @model_validator(mode="after")
    def _unique(self) -> SearchConfig:
        for what, values in (
            ("purpose codes", [p.code for p in self.purposes]),
            ("agency ids", [a.id.upper() for a in self.agencies]),
        ):
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"{what} must be unique; repeated: {', '.join(dupes)}")
        return self

    def purpose(self, code: str) -> PurposeConfig | None:
        return next((p for p in self.purposes if p.code == code), None)
