"""Layer 1 of prohibited-use matching: one canonical reading of free text, however it is typed.

* Unicode NFKC (fullwidth, ligatures, mathematical letters), format characters (zero-width space,
  joiners, bidi marks) removed, case folded, accents dropped.
* UTS #39 confusables: every non-ASCII character that the Unicode confusables table
  (``confusables.txt``, as shipped by the maintained ``confusable-homoglyphs`` package) lists as a
  look-alike of an ASCII letter or digit is read as that letter: Cyrillic "і", "Ӏ" (palochka), dotless
  "ı", Greek "ο"... Small capitals ("ɪᴄᴇ") are read by their Unicode names, which the table maps to
  other look-alikes rather than to ASCII.
* Tokens: alphanumeric runs; runs of single letters ("i c e", "I.C.E.") are joined into one token.
* Readings (each matched on its own): ``plain``; ``leet`` where a token mixing letters and digits
  is read with digits as letters ("1CE" -> "ice") and symbols as letters ("@b0rt!on"); ``skeleton``,
  the leet reading with the letters a reader cannot tell apart collapsed ("l", "1", "I", "|" all read
  as "i"), so "lCE" (lowercase L) reads as "ICE". Terms are collapsed the same way (``collapse``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

_TOKEN = re.compile(r"[a-z0-9]+")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g"})
_SYMBOL_LEET = str.maketrans({"@": "a", "$": "s", "!": "i", "|": "i", "€": "e"})
_COLLAPSE = str.maketrans({"l": "i"})  # after leet: 1 and | are already i
# Small capitals and other letters the confusables table maps to non-ASCII look-alikes.
_NAMED = re.compile(r"^LATIN (?:LETTER SMALL CAPITAL|SMALL CAPITAL LETTER) ([A-Z])$")
_SCAN = ((0x0180, 0x02B0), (0x1D00, 0x1DC0), (0xA720, 0xA800))


@cache
def _confusables() -> dict[int, str]:
    """Non-ASCII character -> the ASCII letter or digit it passes for (UTS #39 data)."""
    table: dict[int, str] = {}
    try:
        data = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8"))
    except ModuleNotFoundError:  # pragma: no cover - a runtime dependency; say what is missing
        raise RuntimeError(
            "prohibited-use matching needs the confusables data: pip install confusable-homoglyphs"
        ) from None
    for char, glyphs in data.items():
        if len(char) != 1 or char.isascii():
            continue
        ascii_ = [g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalnum()]
        if ascii_:
            letters = [c for c in ascii_ if c.isalpha()]
            table[ord(char)] = (letters or ascii_)[0].lower()
    for lo, hi in _SCAN:
        for cp in range(lo, hi):
            m = _NAMED.match(unicodedata.name(chr(cp), ""))
            if m:
                table[cp] = m.group(1).lower()
    return table


def fold(text: str) -> str:
    """NFKC, format characters out, UTS #39 skeleton to ASCII letters, case folded, accents dropped."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = text.translate(_confusables()).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_confusables())


def squash(term: str) -> str:
    """A term's matching key: folded, letters and digits only."""
    return "".join(_TOKEN.findall(fold(term)))


def collapse(key: str) -> str:
    """A key with look-alike letters collapsed (the skeleton reading's alphabet)."""
    return key.translate(_LEET).translate(_COLLAPSE)


def tokens_of(folded: str) -> list[str]:
    """Alphanumeric tokens; runs of single letters ("i c e") joined into one."""
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


@dataclass(frozen=True, slots=True)
class Reading:
    name: str  # plain, leet or skeleton
    tokens: tuple[str, ...]
    joined: str  # every token concatenated, no separators


@dataclass(frozen=True, slots=True)
class Normalised:
    tokens: tuple[str, ...]  # the plain reading's tokens
    readings: tuple[Reading, ...]

    @property
    def joined(self) -> str:
        return self.readings[0].joined


def readings_of(folded: str) -> Normalised:
    """The three readings of already folded (and context-masked) text."""
    plain = tuple(tokens_of(folded))
    leet_src = tokens_of(folded.translate(_SYMBOL_LEET))
    leet = tuple(t if t.isdigit() else t.translate(_LEET) for t in leet_src)
    mixed = tuple(t.translate(_LEET) if (not t.isalpha() and not t.isdigit()) else t for t in leet_src)
    skeleton = tuple(t if t.isdigit() else t.translate(_COLLAPSE) for t in leet)
    return Normalised(
        plain,
        (
            Reading("plain", plain, "".join(plain)),
            Reading("leet", mixed, "".join(leet)),
            Reading("skeleton", skeleton, "".join(skeleton)),
        ),
    )


def normalise(text: str) -> Normalised:
    return readings_of(fold(text))
