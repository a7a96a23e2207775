"""Who really did it: the authenticated actor recorded beside the declared one in every ledger entry.

``--user`` and ``--requester`` are what someone typed. Every entry's detail also gets ``auth``: the OS
account the process runs as (from its effective uid, not from $USER, which anyone can set), its uid,
and, when running as root through sudo, the account that called sudo (SUDO_USER). A remote search adds
the peer whose grant and connection carried the request. With ``audit.require_os_user`` a declared user
other than the OS account (or the sudo caller) is refused, and recorded as refused; the transparency
report lists every entry whose declared user is not its authenticated one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any


def os_identity() -> dict[str, Any]:
    """{"os_user", "uid"} of this process, plus "sudo_user" when root was reached through sudo."""
    uid = os.geteuid()
    try:
        import pwd

        name = pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        name = f"uid:{uid}"
    out: dict[str, Any] = {"os_user": name, "uid": uid}
    sudo = os.environ.get("SUDO_USER")
    if uid == 0 and sudo:
        out["sudo_user"] = sudo
    return out


def accounts(auth: Mapping[str, Any]) -> set[str]:
    """The names a declared user may carry for this authenticated actor."""
    return {str(auth[k]) for k in ("os_user", "sudo_user") if auth.get(k)}


def mismatch(declared: str, auth: Mapping[str, Any] | None) -> bool:
    """True when the declared user is not the authenticated one ('system' entries are the service)."""
    if not auth or declared == "system":
        return False
    peer = auth.get("peer")
    if peer:
        return not declared.startswith(f"{peer}:")
    return declared not in accounts(auth)
