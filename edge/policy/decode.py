"""Layer 2 of prohibited-use matching: the texts hidden inside a text by common encodings.

A reason box takes whatever is pasted into it: "aW1taWdyYXRpb24=" (base64), "&#73;&#67;&#69;"
(HTML entities), "%49%43%45" or "ICE+hold" (URL encoding), "\\u0049CE" (escapes), "494345" (hex).
``variants`` returns the text itself and every decoding that changes it (HTML entities, URL escapes,
base64 tokens, also short ones and ones split into chunks, in UTF-8, UTF-16 or Latin-1; hex; \\u and
\\x escapes; nested up to three rounds, a base64 layer inside another included), so the matcher reads
all of them. A decoding counts only when it reads as text: a plate number or a case number is not
taken for encoded noise.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from urllib.parse import unquote, unquote_plus

# Base64 tokens from 4 characters ("SUNF" is "ICE"), also when split by spaces into chunks of 4 or more
# ("aW1t aWdy YXRp b24="); hex from 8 digits; \uXXXX and \xXX escapes.
_B64 = re.compile(r"[A-Za-z0-9+/_-]{4,}={0,2}")
# possessive quantifiers: a long token without spaces is rejected in one pass (backtracking through
# every length of every start took a minute for 60,000 characters)
_B64_CHUNKS = re.compile(r"(?<![A-Za-z0-9+/])(?:[A-Za-z0-9+/]{4,}+={0,2}+[ \t]++)++[A-Za-z0-9+/]{2,}+={0,2}+")
_HEX = re.compile(r"\b(?:[0-9A-Fa-f]{2}){4,}\b")
_ESCAPES = re.compile(r"(?:\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2})+")
_ROUNDS = 3


def _printable(raw: bytes) -> str | None:
    """`raw` as text when it reads as text (mostly letters, digits, spaces and punctuation) in UTF-8,
    UTF-16 with a byte-order mark, or Latin-1; or when it is itself base64 (a layer of a nested encoding)."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8", "latin-1")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "latin-1" and sum(ch.isascii() for ch in text) < 0.85 * len(text):
            continue  # any bytes are Latin-1: only mostly-ASCII text with a few accents reads as text
        if len(text) >= 2 and (_texty(text) or re.fullmatch(r"[A-Za-z0-9+/_-]{8,}={0,2}", text)):
            return text
    return None


def _texty(text: str) -> bool:
    readable = sum(ch.isalnum() or ch.isspace() or ch in "-.,:;/'&+()!?#\"" for ch in text)
    return readable >= 0.9 * len(text) and sum(ch.isalpha() for ch in text) >= 0.25 * len(text.replace(" ", ""))


def _base64(text: str) -> list[str]:
    out: list[str] = []
    tokens = [m.group(0) for m in _B64.finditer(text)]
    tokens += [re.sub(r"\s+", "", m.group(0)) for m in _B64_CHUNKS.finditer(text)]
    for token in tokens:
        padded = token + "=" * (-len(token) % 4)
        for alt in (False, True):
            try:
                raw = base64.urlsafe_b64decode(padded) if alt else base64.b64decode(padded, validate=True)
            except (binascii.Error, ValueError):
                continue
            decoded = _printable(raw)
            short = len(token) < 8  # 3-5 bytes: only a word of plain letters ("SUNF" is "ICE")
            if decoded is not None and decoded != token and (not short or (decoded.isalpha() and decoded.isascii())):
                out.append(decoded)
                break
    return out


def _hex(text: str) -> list[str]:
    out = []
    for m in _HEX.finditer(text):
        if m.group(0).isdigit():
            continue  # a case number or a date, not hex
        decoded = _printable(bytes.fromhex(m.group(0)))
        if decoded is not None and _texty(decoded):
            out.append(decoded)
    return out


def _escapes(text: str) -> list[str]:
    def one(m: re.Match[str]) -> str:
        return re.sub(
            r"\\u([0-9A-Fa-f]{4})|\\x([0-9A-Fa-f]{2})", lambda e: chr(int(e.group(1) or e.group(2), 16)), m.group(0)
        )

    decoded = _ESCAPES.sub(one, text)
    return [decoded] if decoded != text else []


def _once(text: str) -> list[str]:
    found = [html.unescape(text), unquote(text), unquote_plus(text), *_base64(text), *_hex(text), *_escapes(text)]
    return [t for t in found if t != text]


def variants(text: str) -> list[tuple[str, str]]:
    """(how, text) pairs: ("", text) first, then each distinct decoding ("html", "url", "base64"...)."""
    out: list[tuple[str, str]] = [("", text)]
    seen = {text}
    frontier = [("", text)]
    for _ in range(_ROUNDS):
        nxt: list[tuple[str, str]] = []
        for how, t in frontier:
            for decoded in _once(t):
                if decoded in seen:
                    continue
                seen.add(decoded)
                item = (f"{how}+{_kind(t, decoded)}".strip("+"), decoded)
                out.append(item)
                nxt.append(item)
        frontier = nxt
    return out


def _kind(before: str, after: str) -> str:
    if html.unescape(before) == after:
        return "html"
    if after in (unquote(before), unquote_plus(before)):
        return "url"
    if after in _escapes(before):
        return "escapes"
    if after in _hex(before):
        return "hex"
    return "base64"
