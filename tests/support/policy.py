"""A realistic site config used by the policy and search tests."""

from __future__ import annotations

SITE = """
node_id: springfield-1
profile: {profile}
retention:
  non_hit: {non_hit}
search:
  purposes:
    - {{code: stolen-vehicle, description: Stolen vehicle or plate report, partial: true}}
    - {{code: amber-alert, description: AMBER / missing child alert, partial: true, range: true}}
    - {{code: violent-felony, description: Violent felony investigation}}
    - {{code: missing-person, description: Missing or endangered person, case_required: {case_required}}}
  agencies:
    - {{id: SPRINGFIELD-PD, name: Springfield Police Department, kind: local, state: {state}, aliases: [SPD]}}
    - {{id: STATE-POLICE, name: State Police, kind: state, state: {state}}}
    - {{id: ICE, name: U.S. Immigration and Customs Enforcement, kind: federal, state: US}}
    - {{id: FBI, name: Federal Bureau of Investigation, kind: federal, state: US}}
    - {{id: GARY-PD, name: Gary Police Department, kind: local, state: IN}}
  requester_kinds: {kinds}
  case_number: {{pattern: '^[0-9]{{4}}-[0-9]{{3,8}}$'}}
"""


def site_yaml(
    profile: str = "IL",
    state: str = "IL",
    non_hit: str = "21d",
    kinds: str = "[local, state]",
    case_required: str = "false",
) -> str:
    if profile in ("IL", "CA", "VA") and case_required == "false":
        case_required = "true"
    return SITE.format(profile=profile, state=state, non_hit=non_hit, kinds=kinds, case_required=case_required)
