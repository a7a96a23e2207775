"""Find a prohibited use in free text however it is written: the layers of the matcher, in order.

Officers typed "immigration", "ICE+ERO", "ICE WARRANT", "I.C.E." into reason boxes; an insider who
knows there is a filter types "imigration", "ӀCE" (Cyrillic palochka), "aW1taWdyYXRpb24=" or
"no papers". ``find_term`` reads a text through these layers and returns the first prohibited term
with the layer and the text that matched it:

1. ``decode``: the text and what common encodings hide in it (base64, HTML entities, URL escapes).
2. ``normalise``: NFKC, zero-width characters out, UTS #39 confusable skeleton, case folded, accents
   dropped; three readings (plain, digits and symbols as letters, look-alike letters collapsed).
3. ``context``: the ordinary meanings of terms ("black ice", "ice cream truck", "Asylum Ave",
   "removal of plates", "Eros Theater") are neutralised, only that word, before matching.
4. exact terms (``edge.policy.terms``): short terms (acronyms such as ICE, ERO, HSI, CBP and short
   words, or any term written "=word") match whole tokens, a token split in two ("Ic.E"), the plural
   ("ICEs") or a compound with an enforcement word ("ICEwarrant"), never a substring of a longer word
   ("police", "juice"); inside spelt-out letters they match anywhere ("U.S. I.C.E.", "I C E R O"). Long
   terms (six letters or more, and phrases) match across separators ("immi gra-tion",
   "immigration_status", "borderpatrol") from where a word starts to where one ends, or beside an
   inflection, prefix or enforcement word ("deportations", "immigrationhold"): "Bayside Port" is no
   "deport". A fourth reading cuts words where letters meet digits ("ICE2026", "HSI2026-5").
5. ``fuzzy``: single-word terms of seven letters or more within one edit (two from twelve letters).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import groupby

from edge.policy.context import mask
from edge.policy.decode import variants
from edge.policy.fuzzy import fuzzy_hit
from edge.policy.normalise import Normalised, Reading, collapse, fold, normalise, readings_of, squash

__all__ = ["Normalised", "TermMatch", "TermSet", "find_term", "normalise", "squash"]

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
class Keys:
    short: frozenset[str]
    long: tuple[str, ...]
    glue: frozenset[str]
    fuzzy: tuple[str, ...] = ()  # single words only, never phrases or whole-word ("=") terms


def _keys(short: Iterable[str], long: Iterable[str], convert: bool, single: Iterable[str] = ()) -> Keys:
    f = collapse if convert else (lambda k: k)
    s = frozenset(f(k) for k in short)
    lg = tuple(sorted({f(k) for k in long}, key=lambda t: (-len(t), t)))
    glue = frozenset(f(w) for w in ENFORCEMENT_WORDS) | {t for t in lg if len(t) <= 12}
    return Keys(s, lg, glue, tuple(sorted({f(k) for k in single if k.isalpha()}, key=lambda t: (-len(t), t))))


@dataclass(frozen=True, slots=True)
class TermSet:
    """Prohibited terms of one category, split into short (token) and long (substring) forms."""

    category: str
    short: frozenset[str]
    long: tuple[str, ...]
    groups: Mapping[str, str] = field(default_factory=dict)  # key -> the term group it comes from
    plain: Keys = field(default=Keys(frozenset(), (), frozenset()))
    skeleton: Keys = field(default=Keys(frozenset(), (), frozenset()))
    skeleton_of: Mapping[str, str] = field(default_factory=dict)  # collapsed key -> key

    @classmethod
    def of(cls, category: str, terms: Iterable[str], groups: Mapping[str, Iterable[str]] | None = None) -> TermSet:
        short: set[str] = set()
        long: list[str] = []
        single: list[str] = []
        for term in terms:
            whole = term.startswith("=")
            key = squash(term.removeprefix("="))
            if not key:
                continue
            if whole or (len(key) <= _SHORT and " " not in term.strip()):
                short.add(key)
            else:
                long.append(key)
                if not any(ch in term for ch in " -_/."):
                    single.append(key)
        group_of = {squash(t.removeprefix("=")): g for g, ts in (groups or {}).items() for t in ts}
        keys = {*short, *long}
        return cls(
            category,
            frozenset(short),
            tuple(sorted(set(long), key=lambda t: (-len(t), t))),
            group_of,
            _keys(short, long, False, single),
            _keys(short, long, True, single),
            {collapse(k): k for k in sorted(keys, key=len)},
        )

    def keys_for(self, reading: Reading) -> Keys:
        return self.skeleton if reading.name == "skeleton" else self.plain

    def term(self, key: str, reading: Reading) -> str:
        return self.skeleton_of.get(key, key) if reading.name == "skeleton" else key


@dataclass(frozen=True, slots=True)
class TermMatch:
    category: str
    term: str  # the term's key
    matched: str = ""  # what in the text matched it (folded)
    layer: str = "exact"  # exact, fuzzy, decoded (base64) ...
    group: str = ""  # the term group (agency names, phrases, other languages...)

    def describe(self) -> str:
        """For refusals: 'matched "imigration" as "immigration" (immigration words, fuzzy)'."""
        how = ", ".join(x for x in (self.group, self.layer) if x)
        seen = f"{self.matched!r} as {self.term!r}" if self.matched and self.matched != self.term else repr(self.term)
        return f"matched {seen} ({how})"


def _short_hit(reading: Reading, keys: Keys) -> tuple[str, str] | None:
    short, glue = keys.short, keys.glue
    tokens = reading.tokens
    for run in reading.runs:  # spelt-out letters: a term with initials around it ("U.S. I.C.E.", "I C E R O")
        for key in _longest_first(short):
            i = run.find(key) if len(key) >= 3 and key.isalpha() else -1
            if i != -1 and all(_initials(p, short, glue) for p in (run[:i], run[i + len(key) :])):
                return key, run
    for tok in tokens:
        if tok in short:
            return tok, tok
        if tok.endswith("s") and tok[:-1] in short:
            return tok[:-1], tok
        # Compounds: an acronym glued to other prohibited terms or enforcement words. Only as far as the
        # longest short term: a 60,000-letter token took a minute when every split was tried.
        for k in range(1, min(len(tok), _longest(short) + 1)):
            head, tail = tok[:k], tok[-k:]
            if head in short and _compound(tok[k:], short, glue):
                return head, tok
            if tail in short and _compound(tok[:-k], short, glue):
                return tail, tok
    # A short term split across adjacent tokens ("Ic.E", "H SI", "us ci s"); a common short word joins
    # only a piece of one or two letters ("I CE"), not a word ("a lien" is no "alien", "of O" no "ofo").
    for i in range(len(tokens)):
        glued = tokens[i]
        for j in range(i + 1, len(tokens)):
            if j == i + 1 and tokens[i] in _SMALL_WORDS and len(tokens[j]) > 2:
                break
            glued += tokens[j]
            if len(glued) > _SHORT:
                break
            if glued in short:
                return glued, " ".join(tokens[i : j + 1])
    return None


_SMALL_WORDS = frozenset({"a", "i", "an", "of", "to", "in", "on", "at", "is", "as", "or", "by", "dr", "er", "hs", "st"})


# What may follow a long term inside one word ("deportations", "deportee", "immigrationhold") or come
# before it ("nonimmigrant"): inflections, prefixes, digits, and the enforcement words and other terms.
_ENDINGS = frozenset({"s", "ed", "ing", "ee", "ees", "er", "ers", "able", "ation", "ations"})
_PREFIXES = frozenset({"non", "anti", "pro", "self", "re", "pre", "un", "ex"})


def _long_hit(reading: Reading, keys: Keys) -> str | None:
    """The first long term in the reading's joined text that starts and ends where words do, across any
    separators ("immi gra-tion", "borderpatrol"), or inside a word only beside an inflection, a prefix,
    digits, an enforcement word or another term ("deportations", "nonimmigrant", "immigrationhold") —
    never a word's middle: "Bayside Port" is not "deport", "green cardigan" not "green card"."""
    joined = reading.joined
    starts, ends = [], []
    at = 0
    for tok in reading.tokens:
        starts.append(at)
        at += len(tok)
        ends.append(at)
    if not starts:
        return None
    start_set, end_set = set(starts), set(ends)
    glue = keys.glue | keys.short
    for term in keys.long:
        i = joined.find(term)
        while i != -1:
            e = i + len(term)
            before = joined[starts[bisect_right(starts, i) - 1] : i]
            after = joined[e : ends[bisect_left(ends, e)]]
            # digits beside a term that starts or ends in one are another number: "18 USC", "SB 8123"
            if (i in start_set or _fits(before, _PREFIXES, glue, term[0].isdigit())) and (
                e in end_set or _fits(after, _ENDINGS, glue, term[-1].isdigit())
            ):
                return term
            i = joined.find(term, i + 1)
    return None


def _initials(piece: str, short: frozenset[str], glue: frozenset[str]) -> bool:
    """Whether letters spelt out beside a term are a couple of initials or other terms ("U.S." of "U.S.
    I.C.E.", "ERO" of "I C E R O"), not the rest of a word spelt out ("P.O.L.I.C.E.")."""
    # Whether each suffix piece[j:] is: two letters or fewer, a term or glue word, or a short term
    # followed by such a suffix (from the end, without recursion: a spelt-out run may be long).
    n = len(piece)
    ok = [False] * (n + 1)
    for j in range(n, -1, -1):
        rest = piece[j:]
        ok[j] = (
            n - j <= 2
            or rest in short
            or rest in glue
            or any(piece.startswith(k, j) and ok[j + len(k)] for k in short if k)
        )
    return ok[0]


def _fits(piece: str, words: frozenset[str], glue: frozenset[str], numeric: bool) -> bool:
    return (piece.isdigit() and not numeric) or piece in words or piece in glue


@lru_cache(maxsize=64)
def _longest_first(short: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(short, key=len, reverse=True))


@lru_cache(maxsize=64)
def _longest(short: frozenset[str]) -> int:
    return max((len(k) for k in short), default=0)


def _compound(rest: str, short: frozenset[str], glue: frozenset[str]) -> bool:
    if not rest:
        return False
    if rest in short or rest in glue or (rest.endswith("s") and rest[:-1] in short):
        return True
    return any(rest.startswith(t) and _compound(rest[len(t) :], short, glue) for t in short)


def _match(norm: Normalised, ts: TermSet, *, fuzzy: bool) -> tuple[str, str, str] | None:
    """(term key, matched text, layer) in one normalised text, exact first, then fuzzy."""
    for reading in norm.readings:
        keys = ts.keys_for(reading)
        term = _long_hit(reading, keys)
        if term is not None:
            return ts.term(term, reading), term, "exact"
        hit = _short_hit(reading, keys)
        if hit is not None:
            return ts.term(hit[0], reading), hit[1], "exact"
    if fuzzy:
        for reading in norm.readings[0::2]:  # plain and skeleton
            keys = ts.keys_for(reading)
            found = fuzzy_hit(reading.tokens, keys.fuzzy)
            if found is not None:
                return ts.term(found[0], reading), found[1], "fuzzy"
    return None


def camel_split(text: str) -> str:
    """`text` with every word of mixed case reduced to its runs of two or more capitals ("ICEpartner" ->
    "ICE", "xICEx" -> "ICE"); words in one case stay whole ("POLICE", "police"), the rest of a mixed word
    is dropped ("JRice" -> "JR", not "ice"), and a word typed with caps lock inverted ("vICE") is kept."""

    def split(m: re.Match[str]) -> str:
        word = m.group(0)
        if word.isupper() or word.islower() or not any(c.isupper() for c in word):
            return word
        if word[0].islower() and word[1:].isupper():
            return word  # caps lock on and shift held: "vICE UNIT" is "Vice unit"
        runs = ["".join(g) for upper, g in groupby(word, key=str.isupper) if upper]
        runs = [r for r in runs if len(r) >= 2]
        return " ".join(runs) if runs else word

    return re.sub(r"\w+", split, unicodedata.normalize("NFKC", text))


def find_term(text: str, termsets: Iterable[TermSet]) -> TermMatch | None:
    """First prohibited term found in `text` (or in what it encodes), or None."""
    if not text or not text.strip():
        return None
    sets = tuple(termsets)
    texts = variants(text)
    split = camel_split(text)
    if split != text:  # an acronym in capitals inside a word of small letters: "ICEpartner", "fedICE"
        texts.append(("capitals", split))
    norms = [(how, readings_of(mask(fold(candidate))[0])) for how, candidate in texts]
    for fuzzy in (False, True):
        for how, norm in norms:
            for ts in sets:
                found = _match(norm, ts, fuzzy=fuzzy)
                if found is not None:
                    term, matched, layer = found
                    layer = f"{layer}, decoded {how}" if how else layer
                    return TermMatch(ts.category, term, matched, layer, ts.groups.get(term, ""))
    return None
