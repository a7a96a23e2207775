"""Layer 2 of prohibited-use matching: the texts hidden inside a text by common encodings.

A reason box takes whatever is pasted into it: "aW1taWdyYXRpb24=" (base64), "&#73;&#67;&#69;"
(HTML entities), "%49%43%45" or "ICE+hold" (URL encoding). ``variants`` returns the text itself and
every decoding that changes it (HTML entities, URL escapes, base64 tokens, nested up to three
rounds), so the matcher reads all of them. Decoded base64 counts only when it is mostly printable
text: a plate number or a case number is not taken for base64 noise.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from urllib.parse import unquote, unquote_plus

_B64 = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")
_ROUNDS = 3


def _printable(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text or sum(ch.isalpha() or ch.isspace() or ch in "-.,:;/'&+()" for ch in text) < 0.85 * len(text):
        return None
    return text


def _base64(text: str) -> list[str]:
    out: list[str] = []
    for m in _B64.finditer(text):
        token = m.group(0)
        padded = token + "=" * (-len(token) % 4)
        for alt in (False, True):
            try:
                raw = base64.urlsafe_b64decode(padded) if alt else base64.b64decode(padded, validate=True)
            except (binascii.Error, ValueError):
                continue
            decoded = _printable(raw)
            if decoded is not None and decoded != token:
                out.append(decoded)
                break
    return out


def _once(text: str) -> list[str]:
    found = [html.unescape(text), unquote(text), unquote_plus(text), *_base64(text)]
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
    return "base64"
