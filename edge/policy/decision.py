"""The one answer every policy gives: allowed or not, the rule that decided, a reason a person can read.

Search, grant and hotlist-import decisions are all `Decision`s, so the ledger, the CLI and the
report read them one way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    rule: str  # a stable slug, e.g. "prohibited-use", "granted"; the report groups denials by it
    reason: str  # what a person reads: names the field and the matched text, never a CLI flag

    @classmethod
    def allow(cls, rule: str, reason: str) -> Decision:
        return cls(True, rule, reason)

    @classmethod
    def deny(cls, rule: str, reason: str) -> Decision:
        return cls(False, rule, reason)
