"""Run recognition under the restrictions the systemd unit sets, as far as a test can without systemd:
MemoryDenyWriteExecute (the kernel's PR_SET_MDWE: no writable+executable memory, no exec gained) and
`SystemCallFilter=~@privileged @resources` with `SystemCallErrorNumber=EPERM` (a seccomp filter that
fails those calls with EPERM). Prints one JSON line; exit 0 when recognition ran.

Usage: python tests/deploy/sandbox_probe.py CLIP FRAMES [--plain]   (--plain: no restrictions, to compare)
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

libc = ctypes.CDLL(None, use_errno=True)


def mdwe() -> None:
    pr_set_mdwe, refuse_exec_gain = 65, 1
    if libc.prctl(pr_set_mdwe, refuse_exec_gain, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_MDWE")
    try:
        mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    except PermissionError:
        return
    raise RuntimeError("a writable and executable mapping was allowed: MDWE is not in force")


def seccomp_eperm(numbers: list[int]) -> None:
    n = len(numbers)
    code = [(0x20, 0, 0, 0)]  # BPF_LD|BPF_W|BPF_ABS: seccomp_data.nr
    code += [(0x15, n - j, 0, nr) for j, nr in enumerate(numbers)]  # BPF_JEQ -> the EPERM return
    code += [(0x06, 0, 0, 0x7FFF0000), (0x06, 0, 0, 0x00050000 | 1)]  # RET ALLOW, RET ERRNO(EPERM)
    raw = b"".join(struct.pack("HBBI", *ins) for ins in code)
    buf = ctypes.create_string_buffer(raw)

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = SockFprog(len(code), ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP")
    if libc.setpriority(0, 0, 5) == 0:
        raise RuntimeError("setpriority was allowed: the seccomp filter is not in force")


def main() -> int:
    clip, frames = sys.argv[1], int(sys.argv[2])
    if "--plain" not in sys.argv[3:]:
        mdwe()
        seccomp_eperm(sorted(DENY[platform.machine()].values()))
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
