"""Errors a user can act on. The CLI prints their message to stderr and exits non-zero."""

from __future__ import annotations


class EdgeError(Exception):
    """A failure whose message tells the user what and where (file, frame, key)."""

    exit_code = 1


class InputError(EdgeError):
    """Bad input given by the user: a missing clip, a file that is not a video, a bad argument."""

    exit_code = 2


class PolicyDenied(EdgeError):
    """A search or share that policy refused; the denial itself is in the ledger."""

    exit_code = 3
