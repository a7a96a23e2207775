"""Run recognition under the restrictions the systemd unit sets, the way systemd sets them (a seccomp
filter), without systemd: MemoryDenyWriteExecute (mmap with PROT_WRITE and PROT_EXEC together, and
mprotect/pkey_mprotect adding PROT_EXEC, fail) and `SystemCallFilter=~@privileged @resources` with
`SystemCallErrorNumber=EPERM` (those calls fail with EPERM). Prints one JSON line; exit 0 when
recognition ran.

Usage: python tests/support/sandbox_probe.py CLIP FRAMES [--plain]   (--plain: no restrictions, to compare)
"""

from __future__ import annotations

import ctypes
import json
import mmap
import platform
import struct
import sys

# @resources and the @privileged calls a Python/ONNX process could plausibly make, by architecture
DENY = {
    "x86_64": {
        "ioprio_set": 251, "mbind": 237, "migrate_pages": 256, "move_pages": 279, "sched_setaffinity": 203,
        "sched_setattr": 314, "sched_setparam": 142, "sched_setscheduler": 144, "set_mempolicy": 238,
        "setpriority": 141, "setrlimit": 160, "prlimit64": 302, "chroot": 161, "setuid": 105, "setgid": 106,
        "mount": 165, "umount2": 166, "swapon": 167, "reboot": 169, "iopl": 172, "ioperm": 173,
    },
    "aarch64": {
        "ioprio_set": 30, "mbind": 235, "migrate_pages": 238, "move_pages": 239, "sched_setaffinity": 122,
        "sched_setattr": 274, "sched_setparam": 118, "sched_setscheduler": 119, "set_mempolicy": 237,
        "setpriority": 140, "setrlimit": 164, "prlimit64": 261, "chroot": 51, "setuid": 146, "setgid": 144,
        "mount": 40, "umount2": 39, "swapon": 224, "reboot": 142,
    },
}  # fmt: skip
MEMORY = {  # mmap, mprotect, pkey_mprotect
    "x86_64": (9, 10, 329),
    "aarch64": (222, 226, 288),
}
PROT_WRITE, PROT_EXEC = 2, 4

libc = ctypes.CDLL(None, use_errno=True)


def filter_program(deny: list[int], mmap_nr: int, mprotect_nrs: tuple[int, ...]) -> list[tuple[int, int, int, int]]:
    """A classic-BPF seccomp program: EPERM for `deny`, for mmap asking for write and exec together,
    and for mprotect asking for exec (systemd's MemoryDenyWriteExecute); everything else allowed.
    BPF jumps only forward: checks first, then the mmap and mprotect argument tests, then the returns."""
    ld_nr, ld_prot = (0x20, 0, 0, 0), (0x20, 0, 0, 32)  # seccomp_data.nr, low word of args[2] (LE)
    allow, eperm = (0x06, 0, 0, 0x7FFF0000), (0x06, 0, 0, 0x00050000 | 1)
    checks = [*deny, mmap_nr, *mprotect_nrs]
    n = len(checks)
    at_mmap, at_mprotect, at_eperm, at_allow = n + 2, n + 5, n + 8, n + 9

    def jeq(here: int, k: int, yes: int, no: int) -> tuple[int, int, int, int]:
        return (0x15, yes - here - 1, no - here - 1, k)

    prog = [ld_nr]
    for i, nr in enumerate(checks):
        target = at_eperm if i < len(deny) else at_mmap if nr == mmap_nr else at_mprotect
        prog.append(jeq(1 + i, nr, target, 2 + i))
    prog.append(allow)  # n + 1: no check matched
    prog += [ld_prot, (0x54, 0, 0, PROT_WRITE | PROT_EXEC), jeq(n + 4, PROT_WRITE | PROT_EXEC, at_eperm, at_allow)]
    prog += [ld_prot, (0x54, 0, 0, PROT_EXEC), jeq(n + 7, PROT_EXEC, at_eperm, at_allow)]
    prog += [eperm, allow]
    assert len(prog) == at_allow + 1
    return prog


def install(prog: list[tuple[int, int, int, int]]) -> None:
    raw = b"".join(struct.pack("HBBI", *ins) for ins in prog)
    buf = ctypes.create_string_buffer(raw)

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(prog), ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP")


def restrict() -> None:
    arch = platform.machine()
    mmap_nr, *mprotect_nrs = MEMORY[arch]
    install(filter_program(sorted(DENY[arch].values()), mmap_nr, tuple(mprotect_nrs)))
    if libc.setpriority(0, 0, 5) == 0:
        raise RuntimeError("setpriority was allowed: the seccomp filter is not in force")
    page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(page))
    if libc.mprotect(ctypes.c_void_p(addr), 4096, mmap.PROT_READ | mmap.PROT_EXEC) == 0:
        raise RuntimeError("mprotect made memory executable: the filter is not in force")
    try:
        mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    except PermissionError:
        return
    raise RuntimeError("a writable and executable mapping was allowed: the filter is not in force")


def main() -> int:
    clip, frames = sys.argv[1], int(sys.argv[2])
    if "--plain" not in sys.argv[3:]:
        restrict()
    from edge.capture import FileSource
    from edge.config import Config
    from edge.pipeline import Recognizer, load_models

    cfg = Config()
    rec = Recognizer(cfg, load_models(cfg))
    src = FileSource(clip)
    n = reads = 0
    for frame in src.frames():
        reads += len(rec.process(frame))
        n += 1
        if n >= frames:
            break
    reads += len(rec.finish())
    src.close()
    doc = {"frames": n, "reads": reads, "detector_calls": rec.times.detector_calls, "ocr_calls": rec.times.ocr_calls}
    print(json.dumps(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
