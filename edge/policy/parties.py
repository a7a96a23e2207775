"""Structural rule: which named parties are federal or of another state, wherever they appear.

IL and CA forbid giving ALPR data to federal and out-of-state agencies; the project extends that to
every place a party can enter: requesters and on-behalf-of agencies (``edge.policy.search``), grants
(``edge.policy.grants``) and hotlist sources (``edge.policy.categories``). A registered agency's
kind and state decide for requesters; a free-text name (a hotlist's ``--source``, a grant's agency)
is read with ``foreign_party``: federal words and agencies, or the name of another state.
Matching uses the same normalisation as prohibited-use matching (``edge.policy.normalise``).
"""

from __future__ import annotations

from edge.policy.normalise import normalise

FEDERAL_WORDS: tuple[str, ...] = (
    "federal", "fbi", "dea", "atf", "usms", "us marshals", "united states", "department of justice", "doj",
    "homeland security", "border patrol", "secret service", "us attorney", "postal inspection", "irs",
    "us department", "us dept", "interpol",
)  # fmt: skip

STATES: dict[str, str] = {
    "AL": "alabama", "AK": "alaska", "AZ": "arizona", "AR": "arkansas", "CA": "california", "CO": "colorado",
    "CT": "connecticut", "DE": "delaware", "FL": "florida", "GA": "georgia", "HI": "hawaii", "ID": "idaho",
    "IL": "illinois", "IN": "indiana", "IA": "iowa", "KS": "kansas", "KY": "kentucky", "LA": "louisiana",
    "ME": "maine", "MD": "maryland", "MA": "massachusetts", "MI": "michigan", "MN": "minnesota",
    "MS": "mississippi", "MO": "missouri", "MT": "montana", "NE": "nebraska", "NV": "nevada",
    "NH": "new hampshire", "NJ": "new jersey", "NM": "new mexico", "NY": "new york", "NC": "north carolina",
    "ND": "north dakota", "OH": "ohio", "OK": "oklahoma", "OR": "oregon", "PA": "pennsylvania",
    "RI": "rhode island", "SC": "south carolina", "SD": "south dakota", "TN": "tennessee", "TX": "texas",
    "UT": "utah", "VT": "vermont", "VA": "virginia", "WA": "washington", "WV": "west virginia",
    "WI": "wisconsin", "WY": "wyoming",
}  # fmt: skip


def _has_phrase(tokens: tuple[str, ...], phrase: str) -> bool:
    words = tuple(phrase.split())
    n = len(words)
    return any(tokens[i : i + n] == words for i in range(len(tokens) - n + 1))


def federal_party(name: str) -> str | None:
    """Why `name` reads as a federal party, or None."""
    tokens = normalise(name).tokens
    word = next((w for w in FEDERAL_WORDS if _has_phrase(tokens, w)), None)
    return None if word is None else f"{name!r} names a federal party ({word!r})"


def other_state(name: str, home_state: str) -> str | None:
    """Why `name` reads as a party of another state than `home_state`, or None."""
    tokens = normalise(name).tokens
    home = STATES.get(home_state, "")
    if home and _has_phrase(tokens, home):
        return None
    for code, state in STATES.items():
        # "washington" alone is also a city and a street: only "washington state" counts
        phrase = "washington state" if code == "WA" else state
        if code != home_state and _has_phrase(tokens, phrase):
            return f"{name!r} names another state ({state.title()}) than {home_state}"
    return None


def foreign_party(name: str, home_state: str) -> str | None:
    """Why `name` reads as a federal or out-of-state party for a device in `home_state`; or None."""
    return federal_party(name) or other_state(name, home_state)
