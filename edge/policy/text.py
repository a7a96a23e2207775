"""Find a prohibited use in free text however it is written.

Officers typed "immigration", "ICE+ERO", "ICE WARRANT", "I.C.E." into reason boxes. Matching has to
survive case, punctuation, spacing, fullwidth or look-alike letters and digit-for-letter swaps, without
flagging "police", "service", "device", "juice" or "notice" as "ICE":

* Text is NFKC-normalised, case-folded, accents dropped and Cyrillic/Greek look-alikes mapped to Latin.
* It is split into alphanumeric tokens; runs of single letters ("i c e", "I.C.E.") are joined into one
  token, and a token mixing letters and digits is also read with digits as letters ("1CE" -> "ice").
* Short terms (acronyms such as ICE, ERO, HSI, CBP and short words) match whole tokens only, a
  token split in two ("Ic.E"), the plural ("ICEs") or a compound of such terms with an enforcement word
  ("ICEwarrant", "ICEERO"). Never a substring of a longer word: that is how "police" stays clean.
* A term written with a leading ``=`` ("=removal") is matched like a short one, as a whole word.
* Long terms (six letters or more, and multi-word phrases) match anywhere in the text with all
  separators removed ("immi gra-tion", "immigration_status", "borderpatrol").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Look-alike letters (Cyrillic, Greek) that pass for Latin in a reason box.
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
        "υ": "u", "χ": "x", "ς": "s", "σ": "s",
    }
)  # fmt: skip
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g"})
_SYMBOL_LEET = str.maketrans({"@": "a", "$": "s", "!": "i", "|": "i", "€": "e"})
_TOKEN = re.compile(r"[a-z0-9]+")
_SHORT = 5  # terms up to this many letters match as whole tokens only

# Words that, glued to an agency acronym, make an enforcement compound ("icewarrant", "eroofficer").
ENFORCEMENT_WORDS = frozenset(
    {
        "warrant", "warrants", "hold", "holds", "detainer", "detainers", "agent", "agents", "officer", "officers",
        "request", "requests", "case", "op", "ops", "operation", "raid", "raids", "team", "task", "taskforce",
        "assist", "removal", "deport", "deportation", "target", "targets", "lead", "leads", "tip", "sweep",
        "arrest", "custody", "detention", "hit", "lookup", "check",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Normalised:
    tokens: tuple[str, ...]  # alphanumeric tokens, single-letter runs joined
    leet_tokens: tuple[str, ...]  # same, letter-digit mixes read with digits as letters
    joined: str  # every token concatenated, no separators
    joined_leet: str  # same with digits read as letters


@dataclass(frozen=True, slots=True)
class TermSet:
    """Prohibited terms of one category, split into short (token) and long (substring) forms."""

    category: str
    short: frozenset[str]
    long: tuple[str, ...]

    @classmethod
    def of(cls, category: str, terms: Iterable[str]) -> TermSet:
        short: set[str] = set()
        long: list[str] = []
        for term in terms:
            whole = term.startswith("=")
            key = squash(term.removeprefix("="))
            if not key:
                continue
            if whole or (len(key) <= _SHORT and " " not in term.strip()):
                short.add(key)
            else:
                long.append(key)
        return cls(category, frozenset(short), tuple(sorted(set(long), key=lambda t: (-len(t), t))))


@dataclass(frozen=True, slots=True)
class TermMatch:
    category: str
    term: str


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate(_CONFUSABLES)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def squash(term: str) -> str:
    """A term's matching key: folded, letters and digits only."""
    return "".join(_TOKEN.findall(_fold(term)))


def _tokens(folded: str) -> list[str]:
    tokens: list[str] = []
    run: list[str] = []
    for tok in _TOKEN.findall(folded):
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if run:
            tokens.append("".join(run))
            run = []
        tokens.append(tok)
    if run:
        tokens.append("".join(run))
    return tokens


def normalise(text: str) -> Normalised:
    """Two readings: symbols as separators ("ice|ero"), and symbols and digits as letters ("@b0rt!on")."""
    folded = _fold(text)
    tokens = _tokens(folded)
    leet_src = _tokens(folded.translate(_SYMBOL_LEET))
    leet = tuple(t.translate(_LEET) if (not t.isalpha() and not t.isdigit()) else t for t in leet_src)
    joined = "".join(tokens)
    joined_leet = "".join(t.translate(_LEET) if not t.isdigit() else t for t in leet_src)
    return Normalised(tuple(tokens), leet, joined, joined_leet)


def _short_hit(tokens: tuple[str, ...], short: frozenset[str], glue: frozenset[str]) -> str | None:
    for tok in tokens:
        if tok in short:
            return tok
        if tok.endswith("s") and tok[:-1] in short:
            return tok[:-1]
        # Compounds: an acronym glued to other prohibited terms or enforcement words.
        for term in short:
            if tok.startswith(term) and _compound(tok[len(term) :], short, glue):
                return term
            if tok.endswith(term) and _compound(tok[: -len(term)], short, glue):
                return term
    # A short term split across adjacent tokens ("Ic.E", "H SI", "us ci s").
    for i in range(len(tokens)):
        glued = tokens[i]
        for j in range(i + 1, len(tokens)):
            glued += tokens[j]
            if len(glued) > _SHORT:
                break
            if glued in short:
                return glued
    return None


def _compound(rest: str, short: frozenset[str], glue: frozenset[str]) -> bool:
    if not rest:
        return False
    if rest in short or rest in glue or (rest.endswith("s") and rest[:-1] in short):
        return True
    return any(rest.startswith(t) and _compound(rest[len(t) :], short, glue) for t in short)


def find_term(text: str, termsets: Iterable[TermSet]) -> TermMatch | None:
    """First prohibited term found in `text`, or None."""
    if not text:
        return None
    norm = normalise(text)
    for ts in termsets:
        for term in ts.long:
            if term in norm.joined or term in norm.joined_leet:
                return TermMatch(ts.category, term)
        glue = ENFORCEMENT_WORDS | {t for t in ts.long if len(t) <= 12}
        for tokens in (norm.tokens, norm.leet_tokens):
            hit = _short_hit(tokens, ts.short, glue)
            if hit is not None:
                return TermMatch(ts.category, hit)
    return None
