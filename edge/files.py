"""Private files and folders for plates, the ledger and keys, whatever the umask.

A store, ledger, hotlist database or signing key is created 0600 (owner only) before SQLite or
anyone opens it; SQLite gives its ``-wal`` and ``-shm`` files the database file's mode. A folder
this code creates for them is 0700. An existing file readable by others is tightened to 0600 (the
program owns it); an existing folder is left alone, since it may be shared (``/tmp``, a home
folder), but a warning says when others can list it. The Pi installer makes ``/var/lib/edge-alpr``
0750 for the service group; 0640 files and 0750 folders set by an operator are kept.

Used by the store, the audit ledger, the hotlist database and the signing key (issue 27, finding 7:
files were 0644 in 0755 folders outside the installer, so any local user could read plates).
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

FILE_MODE = 0o600
DIR_MODE = 0o700
_OTHERS = stat.S_IRWXO
_GROUP_WRITE = stat.S_IWGRP


def private_dir(path: Path) -> None:
    """Create `path` and missing parents 0700; warn if an existing one is open to others."""
    missing: list[Path] = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(d, DIR_MODE)  # mkdir's mode is filtered by the umask; this is not
    if not missing and path.is_dir() and path.stat().st_mode & _OTHERS and not path.stat().st_mode & stat.S_ISVTX:
        log.warning("folder %s can be listed by other users; make it 0700 or 0750", path)


def private_file(path: Path) -> None:
    """Make sure `path` exists with no access for others (0600 when created, tightened if looser)."""
    private_dir(path.parent)
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile: tightened below
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    for p in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        _tighten(p)


def _tighten(path: Path) -> None:
    try:
        mode = path.stat().st_mode
        if mode & (_OTHERS | _GROUP_WRITE):
            os.chmod(path, stat.S_IMODE(mode) & 0o640)
    except FileNotFoundError:
        return
    except PermissionError:  # not ours: whoever opens it next reports what is wrong with it
        log.warning("%s may be open to other users and is not ours to tighten", path)
