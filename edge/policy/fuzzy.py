"""Layer 3 of prohibited-use matching: misspelt long terms ("imigration", "immigratoin", "deportaton").

Only single-word terms of at least ``MIN_LEN`` letters are matched fuzzily: within one edit (a
letter missing, extra, changed, or two neighbours swapped) up to 9 letters, within two from 10 on.
Short words are never fuzzed: "ice" is one edit away from "ace", "icy" and "ire". Neither are
phrases, nor the ordinary words that happen to lie within reach of a term (``NEAR_WORDS``: "reported"
is one edit from "deported", "detained" from "detainer"): a token that is one of them is read as
itself. The list was made by going through every fuzzed term; a new term needs the same check (the
legitimate phrasings in tests/policy/phrasings.csv catch the common ones).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise

MIN_LEN = 7

NEAR_WORDS = frozenset(
    {
        "reported", "reporting", "reportable", "reporter", "departed", "departing", "deporter", "retainer",
        "retainers", "detained", "detainee", "detainees", "clandestine", "documented", "reproduction",
        "reproduce", "emigrant", "emigrants", "emigrate", "immigrate", "importation", "abortive", "portion",
        "vagrant", "vagrants", "migrate", "migrated", "migrating", "migration", "sanctuaries", "naturalist",
        "overstate", "overstated", "reportado", "deportee", "emigration", "deputation", "importations",
        "documenting", "undocked", "verify", "verified", "portable", "setback", "setbacks", "reparation",
        "reparations", "exportation", "expulsion", "removeable", "importable", "deportes", "deporte", "deportivo",
        "deportiva", "deportivos", "deportment",
    }
)  # fmt: skip


# The skeleton reading reads l as i: a word of the list stays itself in that reading too.
_NEAR = NEAR_WORDS | {w.replace("l", "i") for w in NEAR_WORDS}


def max_edits(term: str) -> int:
    return 0 if len(term) < MIN_LEN else (1 if len(term) < 10 else 2)


def within(a: str, b: str, limit: int) -> bool:
    """Optimal string alignment distance of a and b is at most `limit` (transpositions count one)."""
    if abs(len(a) - len(b)) > limit:
        return False
    if a == b:
        return True
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return False
        prev2, prev = prev, cur
    return prev[-1] <= limit


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)}


def fuzzy_hit(tokens: tuple[str, ...], terms: tuple[str, ...]) -> tuple[str, str] | None:
    """(term, token) for the first token (or two adjacent tokens run together) near a long term.

    A cheap filter first: one edit (a transposition included) destroys at most three of a word's
    letter pairs, so a token sharing fewer than ``pairs - 3 * edits`` of a term's pairs is skipped.
    """
    seen: set[str] = set()
    candidates: list[tuple[str, set[str], int]] = []  # (token, its letter pairs, edits taken off the limit)
    singles = [(t, 0) for t in tokens]
    joined = [(a + b, 1) for a, b in pairwise(tokens) if a not in _NEAR and b not in _NEAR]  # "Mia Grant"
    for tok, stricter in [*singles, *joined]:
        if len(tok) >= MIN_LEN - 2 and tok not in seen and tok[:1].isalpha() and tok not in _NEAR:
            seen.add(tok)
            candidates.append((tok, _bigrams(tok), stricter))
    if not candidates:
        return None
    by_length = _by_length(terms)
    for tok, grams, stricter in candidates:
        for n in range(len(tok) - 2, len(tok) + 3):
            for term, full, pairs in by_length.get(n, ()):
                limit = full - stricter
                if limit <= 0:
                    continue
                near = abs(len(tok) - n) <= limit and len(grams & pairs) >= len(pairs) - 3 * limit
                if near and within(tok, term, limit):
                    return term, tok
    return None


@lru_cache(maxsize=64)
def _by_length(terms: tuple[str, ...]) -> dict[int, list[tuple[str, int, frozenset[str]]]]:
    """The fuzzed terms by length, each with its edit limit and letter pairs (built once per term set)."""
    out: dict[int, list[tuple[str, int, frozenset[str]]]] = {}
    for term in terms:
        limit = max_edits(term)
        if limit:
            out.setdefault(len(term), []).append((term, limit, frozenset(_bigrams(term))))
    return out
