"""Errors a user can act on. The CLI prints their message to stderr and exits non-zero."""

from __future__ import annotations


class EdgeError(Exception):
    """A failure whose message tells the user what and where (file, frame, key)."""

    exit_code = 1


class InputError(EdgeError):
    """Bad input given by the user: a missing clip, a file that is not a video, a bad argument."""

    exit_code = 2


class FieldError(InputError):
    """Bad input in named fields of a request. The core names fields, not command-line flags: its
    message travels to the ledger and to MQTT peers, where `--since` means nothing. `template` holds
    each field as ``{name}``; `str()` fills in the field names, `for_flags()` the CLI's flags.

        FieldError("{since} must be before {until}", "since", "until")
        str(...)        -> "since must be before until"
        for_flags()     -> "--since must be before --until"
    """

    def __init__(self, template: str, *fields: str) -> None:
        self.template = template
        self.fields = fields
        super().__init__(template.format(**{f: f for f in fields}))

    def for_flags(self, flags: dict[str, str] | None = None) -> str:
        """The message with each field as its CLI flag (default ``--name-with-dashes``)."""
        flags = flags or {}
        return self.template.format(**{f: flags.get(f, "--" + f.replace("_", "-")) for f in self.fields})


class PolicyDenied(EdgeError):
    """A search or share that policy refused; the denial itself is in the ledger.

    `rule` and `reason` are the policy's words, `ledger_seq` the entry that records the denial (None
    when it could not be recorded), for callers that answer in JSON rather than a message."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        rule: str | None = None,
        reason: str | None = None,
        ledger_seq: int | None = None,
        signals: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.rule = rule
        self.reason = reason
        self.ledger_seq = ledger_seq
        self.signals = signals

    def as_dict(self) -> dict[str, object]:
        return {
            "allowed": False,
            "rule": self.rule,
            "reason": self.reason,
            "ledger_seq": self.ledger_seq,
            "recorded": self.ledger_seq is not None,
            "signals": list(self.signals),
            "message": str(self),
        }
