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
_SYMBOL_LEET = str.maketrans({"@": "a", "$": "s", "!": "i", "|": "i", "€": "e", "*": "o"})  # "ab*rtion"
_COLLAPSE = str.maketrans({"l": "i"})  # after leet: 1 and | are already i
# Letters the confusables table leaves out or maps to non-ASCII look-alikes, read by their Unicode names:
# small capitals, turned, reversed and open letters, letters with a bar or stroke, and the enclosed and
# regional-indicator letters NFKC leaves alone ("🅘🅒🅔", "🇮🇨🇪").
_NAMED = re.compile(
    r"^(?:LATIN (?:LETTER SMALL CAPITAL|SMALL CAPITAL LETTER|(?:SMALL|CAPITAL) LETTER (?:TURNED|REVERSED|OPEN))"
    r"|NEGATIVE (?:CIRCLED|SQUARED) LATIN CAPITAL LETTER|SQUARED LATIN CAPITAL LETTER"
    r"|REGIONAL INDICATOR SYMBOL LETTER) ([A-Z])$"
    r"|^LATIN (?:CAPITAL|SMALL) LETTER ([A-Z]) WITH (?:BAR|STROKE|HOOK|TAIL|CURL|LONG LEG)\b"
)
_SCAN = ((0x0100, 0x02B0), (0x1D00, 0x1DC0), (0x1E00, 0x1F00), (0x2C60, 0x2C80), (0xA720, 0xA800),
         (0xAB30, 0xAB70), (0x1F100, 0x1F200))  # fmt: skip
# Look-alikes the table maps only to other non-ASCII letters.
_EXTRA = {"\u0404": "e", "\u0454": "e", "\u03f9": "c", "\u03f2": "c", "\ua7fe": "i"}


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
            if m and cp not in table:
                table[cp] = (m.group(1) or m.group(2)).lower()
    table.update({ord(k): v for k, v in _EXTRA.items()})
    return table


# Bidirectional controls: text that displays in another order than it is stored ("\u202eECI" shows as
# "ICE" and is stored as "ECI"). A justification must read the same to its auditor as to the matcher.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def hidden_order(text: str) -> str | None:
    """The first bidirectional control character in `text` (as U+XXXX), or None."""
    return next((f"U+{ord(ch):04X}" for ch in text if ch in _BIDI), None)


_WORD: re.Pattern[str] = re.compile(r"\w+")


def mixed_script(text: str) -> str | None:
    """The first word of `text` mixing Latin letters with letters of another writing system ("ⵊCE":
    Tifinagh and Latin; "ІCE": Cyrillic and Latin), or None. A name or a word in another language is
    written in one script; a word mixing them is made to pass for what it is not."""
    for word in _WORD.findall(unicodedata.normalize("NFKC", text)):
        scripts = {_script(ch) for ch in word if ch.isalpha()}
        if "LATIN" in scripts and len(scripts) > 1:
            return str(word)
    return None


def foreign_script(text: str) -> str | None:
    """The first word with a letter of a script other than Latin ("депортации", "移民", "м и г р а"), or
    None. The terms are matched on Latin letters, so text in another script cannot be checked: two CJK
    characters or spaced Cyrillic letters say as much as a sentence. Letters of other scripts used as
    symbols (µ, Δ) and modifier letters count as Latin."""
    for word in _WORD.findall(unicodedata.normalize("NFKC", text)):
        if any(ch.isalpha() and _script(ch) != "LATIN" for ch in word):
            return str(word)
    return None


_CJK = frozenset({"CJK", "HIRAGANA", "KATAKANA", "IDEOGRAPHIC", "HALFWIDTH"})


# Letters of other scripts used as symbols in Latin text: the micro sign (NFKC makes it Greek mu), delta
# ("Δ8-THC"), omega, alpha, beta, gamma, pi.
_SYMBOLS = frozenset("\u00b5\u03bc\u0394\u03b4\u03a9\u03c9\u03b1\u03b2\u03b3\u03c0")


def _script(ch: str) -> str:
    """The writing system of a letter, by the first word of its Unicode name (LATIN, GREEK, CYRILLIC,
    TIFINAGH...; Japanese kana and kanji as one, since a Japanese word mixes them)."""
    if ch.isascii() or ch in _SYMBOLS or unicodedata.category(ch) == "Lm":
        return "LATIN"  # modifier letters (the okina of "Hawaiʻi", "Dʼ") go with any script
    first = unicodedata.name(ch, "?").split(" ")[0]
    return "CJK" if first in _CJK else first


def fold(text: str) -> str:
    """NFKC, format characters out, UTS #39 skeleton to ASCII letters, case folded, accents dropped. The
    look-alikes are read before NFKC too: it turns some into letters that look like nothing Latin
    (U+03F9, a lunate sigma drawn as C, becomes Σ)."""
    text = unicodedata.normalize("NFKC", text.translate(_confusables()))
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


def tokens_of(folded: str, runs: list[str] | None = None) -> list[str]:
    """Alphanumeric tokens; runs of single letters ("i c e") joined into one (also appended to `runs`)."""
    tokens: list[str] = []
    run: list[str] = []
    for tok in _TOKEN.findall(folded):
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if run:
            tokens.append("".join(run))
            if runs is not None and len(run) > 1:
                runs.append(tokens[-1])
            run = []
        tokens.append(tok)
    if run:
        tokens.append("".join(run))
        if runs is not None and len(run) > 1:
            runs.append(tokens[-1])
    return tokens


_APOSTROPHE = re.compile(r"([a-z0-9])['\u2019\u02bc]([a-z])")
# Words the skeleton reading would turn into a term (l read as I): "Allen" is not "alien", HSL not HSI.
_NOT_LOOKALIKES = frozenset({"allen", "allens", "hsl"})
_LONE_DIGIT = re.compile(r"(?<![a-z0-9])[0-9](?![a-z0-9])")
_LETTERS_DIGITS = re.compile(r"[a-z]+|[0-9]+")


@dataclass(frozen=True, slots=True)
class Reading:
    name: str  # plain, leet, skeleton or parts
    tokens: tuple[str, ...]
    joined: str  # every token concatenated, no separators
    # Runs of single letters joined into one token ("U.S. I.C.E." -> "usice"): the matcher looks for a
    # short term anywhere inside them, since whoever spells letters out may add one before or after.
    runs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Normalised:
    tokens: tuple[str, ...]  # the plain reading's tokens
    readings: tuple[Reading, ...]

    @property
    def joined(self) -> str:
        return self.readings[0].joined


def readings_of(folded: str) -> Normalised:
    """The four readings of already folded (and context-masked) text: plain; leet (a lone digit among
    spelt-out letters read as a letter too: "1.C.E.", "D.H.5."); skeleton; and parts, the plain tokens
    cut where letters meet digits ("ice2026", "hsi2026" as a case number)."""
    # An apostrophe inside a word keeps it one word: a possessive ("subject's I-94": the "s" is no
    # spelt-out letter), a name ("O'Hare" is not "o", which "of" before it would make "ofo").
    folded = _APOSTROPHE.sub(r"\1\2", folded)
    runs: list[str] = []
    plain = tuple(tokens_of(folded, runs))
    leet_runs: list[str] = []
    symbols = folded.replace("()", "o").translate(_SYMBOL_LEET)
    leet_src = tokens_of(_LONE_DIGIT.sub(lambda m: m.group(0).translate(_LEET), symbols), leet_runs)
    leet = tuple(t if t.isdigit() else t.translate(_LEET) for t in leet_src)
    mixed = tuple(t.translate(_LEET) if (not t.isalpha() and not t.isdigit()) else t for t in leet_src)
    skeleton = tuple(t if t.isdigit() or t in _NOT_LOOKALIKES else t.translate(_COLLAPSE) for t in leet)
    parts = tuple(p for t in plain for p in _LETTERS_DIGITS.findall(t))
    leet_runs = [r.translate(_LEET) for r in leet_runs]
    return Normalised(
        plain,
        (
            Reading("plain", plain, "".join(plain), tuple(runs)),
            Reading("leet", mixed, "".join(leet), tuple(leet_runs)),
            Reading("skeleton", skeleton, "".join(skeleton), tuple(r.translate(_COLLAPSE) for r in leet_runs)),
            Reading("parts", parts, "".join(parts)),
        ),
    )


def normalise(text: str) -> Normalised:
    return readings_of(fold(text))
