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
    """A search or share that policy refused; the denial itself is in the ledger."""

    exit_code = 3
