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
   ("police", "juice"). Long terms (six letters or more, and phrases) match anywhere in the text with
   separators removed ("immi gra-tion", "immigration_status", "borderpatrol").
5. ``fuzzy``: single-word terms of seven letters or more within one edit (two from twelve letters).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

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


def _short_hit(tokens: tuple[str, ...], keys: Keys) -> tuple[str, str] | None:
    short, glue = keys.short, keys.glue
    for tok in tokens:
        if tok in short:
            return tok, tok
        if tok.endswith("s") and tok[:-1] in short:
            return tok[:-1], tok
        # Compounds: an acronym glued to other prohibited terms or enforcement words.
        for k in range(1, len(tok)):
            head, tail = tok[:k], tok[-k:]
            if head in short and _compound(tok[k:], short, glue):
                return head, tok
            if tail in short and _compound(tok[:-k], short, glue):
                return tail, tok
    # A short term split across adjacent tokens ("Ic.E", "H SI", "us ci s").
    for i in range(len(tokens)):
        glued = tokens[i]
        for j in range(i + 1, len(tokens)):
            glued += tokens[j]
            if len(glued) > _SHORT:
                break
            if glued in short:
                return glued, " ".join(tokens[i : j + 1])
    return None


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
        for term in keys.long:
            if term in reading.joined:
                return ts.term(term, reading), term, "exact"
        hit = _short_hit(reading.tokens, keys)
        if hit is not None:
            return ts.term(hit[0], reading), hit[1], "exact"
    if fuzzy:
        for reading in norm.readings[0::2]:  # plain and skeleton
            keys = ts.keys_for(reading)
            found = fuzzy_hit(reading.tokens, keys.fuzzy)
            if found is not None:
                return ts.term(found[0], reading), found[1], "fuzzy"
    return None


def find_term(text: str, termsets: Iterable[TermSet]) -> TermMatch | None:
    """First prohibited term found in `text` (or in what it encodes), or None."""
    if not text or not text.strip():
        return None
    sets = tuple(termsets)
    norms = [(how, readings_of(mask(fold(candidate))[0])) for how, candidate in variants(text)]
    for fuzzy in (False, True):
        for how, norm in norms:
            for ts in sets:
                found = _match(norm, ts, fuzzy=fuzzy)
                if found is not None:
                    term, matched, layer = found
                    layer = f"{layer}, decoded {how}" if how else layer
                    return TermMatch(ts.category, term, matched, layer, ts.groups.get(term, ""))
    return None
