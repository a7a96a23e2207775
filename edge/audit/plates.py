"""Plate-like text in the ledger's free-text fields is replaced by the keyed plate token before writing.

The ledger outlives the store's retention of plates, so a plate typed into ``--reason``, ``--requester``,
``--user`` (or a case number, an on-behalf-of, a hotlist source...) must not be kept in clear. A token
is *plate-like* when it looks like a licence plate as people type one:

* one run of 5 to 8 letters and digits, two digits or more, letters in runs of at most four
  (``ZZT4821``, ``7ABC123``, ``abc123``), except times, ordinals and units (``10pm``, ``21st``,
  ``120mph``): user names like ``officer1`` or ``jsmith12`` stay;
* two or three alternating groups of letters and digits separated by a space, a hyphen or a dot, 5 to
  8 characters in all (``ZZT 4821``, ``ABC-1234``, ``zzt-4821``, ``12-AB-34``); joined by a space, the
  letter groups must be capitals (``at 1234`` and ``case 2026`` are words with a number).

Short model names (``F150``, ``RAV4``) and words with a number (``case 2026``, ``unit 12``) stay.

Digit-only runs (case numbers, years, times) and words are left alone, as are agency-style names
(``SPRINGFIELD-PD``: letters only). Each match becomes ``[plate:<token>]`` where the token is the
ledger's keyed ``plate_token`` of the plate, so ``audit find --plate`` still finds the entry, two
mentions of one plate give one token, and the text itself is gone.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from typing import Any

# Top-level keys of ledger details that hold text a person typed or a policy echoed back.
FREE_TEXT_KEYS = frozenset(
    {
        "reason",
        "requester",
        "on_behalf_of",
        "case",
        "user",
        "decision",
        "note",
        "comment",
        "source",
        "basis",
        "provenance",
        "description",
        "agency",
    }
)

_RUN = re.compile(r"[A-Za-z0-9]+")
_SEPARATORS = frozenset({" ", "-", "."})
_NOT_PLATES = re.compile(
    r"^(?:[0-9]{1,2}(?:am|pm|hrs?|min)|[0-9]+(?:st|nd|rd|th|mph|kph|km|mi|ft|lbs?))$", re.IGNORECASE
)


_LETTERS = re.compile(r"[A-Za-z]+")


def _solid(run: str) -> bool:
    """ZZT4821, 7abc123: 5-8 characters, two digits or more, letters in runs of at most four (so user
    names like officer1 or jsmith12 stay), not a time, ordinal or unit (10pm, 21st, 120mph)."""
    letters = _LETTERS.findall(run)
    return (
        5 <= len(run) <= 8
        and sum(c.isdigit() for c in run) >= 2
        and bool(letters)
        and max(len(x) for x in letters) <= 4
        and not _NOT_PLATES.match(run)
    )


def _grouped(parts: list[str], spaced: bool) -> bool:
    """ZZT 4821, ABC-1234, zzt-4821, 12-AB-34: alternating letter and digit groups, 5-8 characters in all;
    joined by a space, the letter groups must be capitals (so 'case 2026' and 'at 1234' stay)."""
    kinds = ["a" if p.isalpha() else "d" if p.isdigit() else "x" for p in parts]
    if "x" in kinds or any(a == b for a, b in itertools.pairwise(kinds)):
        return False
    if not 5 <= sum(len(p) for p in parts) <= 8:
        return False
    letters = [p for p in parts if p.isalpha()]
    digits = [p for p in parts if p.isdigit()]
    if any(len(p) > 4 for p in letters) or any(len(p) > 5 for p in digits):
        return False
    return not spaced or all(p.isupper() for p in letters)


def scrub_text(text: str, token: Callable[[str], str]) -> str:
    """`text` with every plate-like run replaced by ``[plate:<token(run)>]``."""
    runs = list(_RUN.finditer(text))
    out: list[str] = []
    pos = i = 0
    while i < len(runs):
        take = 0
        for n in (3, 2):
            window = runs[i : i + n]
            seps = [text[a.end() : b.start()] for a, b in itertools.pairwise(window)]
            spaced = " " in seps
            if (
                len(window) == n
                and all(sep in _SEPARATORS for sep in seps)
                and _grouped([m.group(0) for m in window], spaced)
            ):
                take = n
                break
        if not take and _solid(runs[i].group(0)):
            take = 1
        if not take:
            i += 1
            continue
        start, end = runs[i].start(), runs[i + take - 1].end()
        out.append(text[pos:start])
        out.append(f"[plate:{token(text[start:end])}]")
        pos = end
        i += take
    out.append(text[pos:])
    return "".join(out)


def scrub_detail(detail: Mapping[str, Any], token: Callable[[str], str]) -> dict[str, Any]:
    """A copy of a ledger detail whose top-level free-text fields (and every string inside them) are
    scrubbed of plate-like text. Other keys (ids, hashes, a recorded configuration) are kept as given."""

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return scrub_text(value, token)
        if isinstance(value, Mapping):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        return value

    return {k: walk(v) if k in FREE_TEXT_KEYS else v for k, v in detail.items()}
