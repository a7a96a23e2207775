"""scripts/bench.py's ratios: each repeat against the decode and baseline runs of the same repeat."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ratios_are_medians_of_side_by_side_pairs_not_of_medians_picked_apart() -> None:
    bench = _bench()
    # the machine slowed in repeat 2: decode and pipeline both fell, their ratio did not
    decode = [
        {"fps": 600.0, "cpu_ms_per_frame": 2.0},
        {"fps": 300.0, "cpu_ms_per_frame": 2.1},
        {"fps": 590.0, "cpu_ms_per_frame": 2.2},
    ]
    pipe = [
        {"fps": 300.0, "cpu_ms_per_frame": 6.0},
        {"fps": 150.0, "cpu_ms_per_frame": 6.1},
        {"fps": 290.0, "cpu_ms_per_frame": 6.2},
    ]
    runs = {"decode": decode, "pipeline": pipe}
    paired = bench.paired_ratios(pipe, runs)
    assert paired["fps_per_decode"] == [0.5, 0.5, 0.492]
    assert "fps_per_baseline" not in paired
    assert bench.paired_ratios(decode, runs) == {}  # no ratio of a mode against itself
    rows = []
    for mode, done in runs.items():
        r = dict(sorted(done, key=lambda x: x["cpu_ms_per_frame"])[1])  # the median run by CPU
        r.update(clip="street", mode=mode, peak_rss_mb=1.0, paired=bench.paired_ratios(done, runs))
        rows.append(r)
    line = next(x for x in bench.table(rows).splitlines() if "| pipeline |" in x)
    # the median runs (150 fps in the slow repeat, 590 fps decode) would say 0.25x
    assert "| 0.50× |" in line
