"""Is the system clock synchronised? The kernel's own answer (adjtimex: STA_UNSYNC clear), which
systemd-timesyncd, chrony and ntpd all set. A Raspberry Pi has no real-time clock: until NTP answers
after a boot its clock carries the last shutdown's time, and so would read times and ledger entries.
The health document and /metrics say so; the unit waits for time-sync.target where the installer
enabled systemd-time-wait-sync (docs/DEPLOY.md)."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_STA_UNSYNC = 0x0040
_TIME_ERROR = 5


class _Timex(ctypes.Structure):  # struct timex (Linux), read only: modes = 0 changes nothing
    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("constant", ctypes.c_long),
        ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long),
        ("time_sec", ctypes.c_long),
        ("time_usec", ctypes.c_long),
        ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long),
        ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long),
        ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long),
        ("tai", ctypes.c_int),
        ("_pad", ctypes.c_int * 11),
    ]


def clock_synchronised() -> bool | None:
    """True when the kernel says the clock is synchronised, False when not, None where it cannot say."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        timex = _Timex()
        state = libc.adjtimex(ctypes.byref(timex))
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    return state != _TIME_ERROR and not timex.status & _STA_UNSYNC
