"""How edge-alpr's ONNX models are run: one onnxruntime session configuration for every stage."""

from __future__ import annotations

from typing import Literal

import onnxruntime as ort

from edge.errors import EdgeError

Optimization = Literal["disable", "basic", "extended", "all"]
Device = Literal["cpu", "cuda"]

# Execution providers per device, in onnxruntime's order of preference: the CPU takes whatever
# operator the GPU provider cannot run.
_PROVIDERS: dict[str, list[str]] = {
    "cpu": ["CPUExecutionProvider"],
    "cuda": ["CUDAExecutionProvider", "CPUExecutionProvider"],
}

_LEVELS: dict[str, ort.GraphOptimizationLevel] = {
    "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
    "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
    "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
}


def session_options(
    threads: int = 1, *, spinning: bool = False, optimization: Optimization = "all"
) -> ort.SessionOptions:
    """Session options for one model.

    The defaults (one intra-op thread, no spinning, every graph optimisation) are the fastest per
    session measured on 2-4 shared cores: a camera's capture and inference threads and the other
    cameras' sessions already compete for the cores, and a spinning thread burns a core it waits on.
    """
    if optimization not in _LEVELS:
        raise ValueError(f"optimization must be one of {sorted(_LEVELS)}, not {optimization!r}")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = _LEVELS[optimization]
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    opts.log_severity_level = 3
    return opts


def providers(device: Device, key: str) -> list[str]:
    """onnxruntime providers for `device`; an EdgeError naming config `key` when this onnxruntime lacks it."""
    if device not in _PROVIDERS:
        raise EdgeError(f"{key}: unknown device {device!r}; choose from {sorted(_PROVIDERS)}")
    wanted = _PROVIDERS[device]
    available = ort.get_available_providers()
    if wanted[0] not in available:
        raise EdgeError(
            f"{key}: {device} needs onnxruntime's {wanted[0]}, which this onnxruntime {ort.__version__} does not "
            f"have (it has {', '.join(available)}). On a Jetson install NVIDIA's onnxruntime-gpu wheel for its "
            f"JetPack; elsewhere set {key}: cpu"
        )
    return list(wanted)
