"""Score stored reads against a clip's ground truth (the `eval` command and the validation script).

Truth: {"fps": F, "frames": N, "vehicles": [{"plate": "ABC1234", "first_frame": i, "last_frame": j}]}.
A read belongs to a vehicle when its frame_index falls in [first_frame - fps, last_frame + 2*fps]
(`Truth.window`): a track is read when it ends, up to 2 s after the plate was last legible, and the
evidence frame it names may come before the first frame the renderer deems legible (until
2026-12-05 the window opened at first_frame, and reads of the right plate 1-3 frames early were
scored wrong). A read whose text matches no candidate is a wrong read; a read inside no window is a
false read.

A truth may also list "unlisted" plates (same fields): plates in the picture that never became legible
enough to be a vehicle to read (cut off, covered, too far). A read of exactly such a plate while it is
in view is no misread and no vehicle read: it is counted apart (`unlisted_reads`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from edge.errors import InputError


@dataclass(frozen=True)
class Vehicle:
    plate: str
    first_frame: int
    last_frame: int


@dataclass(frozen=True)
class Truth:
    fps: float
    frames: int
    vehicles: tuple[Vehicle, ...]
    unlisted: tuple[Vehicle, ...] = ()

    @classmethod
    def load(cls, path: Path) -> Truth:
        try:
            data = json.loads(path.read_text())
            vehicles, unlisted = (
                tuple(Vehicle(str(v["plate"]), int(v["first_frame"]), int(v["last_frame"])) for v in listed)
                for listed in (data["vehicles"], data.get("unlisted", []))
            )
            return cls(float(data["fps"]), int(data["frames"]), vehicles, unlisted)
        except FileNotFoundError:
            raise InputError(f"{path}: truth file not found") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}: not a truth JSON ({exc!r}); expected fps, frames, vehicles[]") from None

    def window(self, v: Vehicle) -> tuple[int, int]:
        """The frames a read of `v` may carry: from 1 s before its first legible frame to 2 s after its last."""
        return v.first_frame - round(self.fps), v.last_frame + round(2 * self.fps)

    def _in_window(self, v: Vehicle, frame: int | None) -> bool:
        lo, hi = self.window(v)
        return frame is not None and lo <= frame <= hi

    def candidates(self, frame: int | None) -> list[int]:
        """The vehicles (indices) a read at `frame` may be of; none for a read with no frame."""
        return [i for i, v in enumerate(self.vehicles) if self._in_window(v, frame)]

    def unlisted_at(self, plate: str, frame: int | None) -> bool:
        """Whether `plate` is an unlisted plate in view at `frame` (the same window as a vehicle's)."""
        return any(u.plate == plate and self._in_window(u, frame) for u in self.unlisted)


@dataclass
class EvalResult:
    vehicles: int = 0
    reads: int = 0
    read_exact: int = 0
    missed: int = 0
    duplicate_reads: int = 0
    wrong_reads: int = 0
    false_reads: int = 0
    unlisted_reads: int = 0  # exact reads of plates the truth lists as never legible (module docstring)
    frames: int = 0
    seconds: float = 0.0
    fps: float = 0.0
    missed_plates: list[str] = field(default_factory=list)
    # the texts of the wrong reads (not in `as_dict`): which misreads a change adds or removes
    wrong_plates: list[str] = field(default_factory=list)
    # (confidence, exact) of each stored read, when `score` was given the confidences: how often a read
    # stored at a given calibrated confidence was exact (not in `as_dict`)
    confidence_exact: list[tuple[float, bool]] = field(default_factory=list)

    def add(self, other: EvalResult) -> None:
        counts = ("vehicles", "reads", "read_exact", "missed", "duplicate_reads", "wrong_reads", "false_reads")
        for name in (*counts, "unlisted_reads"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.frames += other.frames
        self.seconds += other.seconds
        self.fps = self.frames / self.seconds if self.seconds else 0.0
        self.missed_plates += other.missed_plates
        self.wrong_plates += other.wrong_plates
        self.confidence_exact += other.confidence_exact

    @property
    def exact_rate(self) -> float:
        return self.read_exact / self.vehicles if self.vehicles else 1.0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        del d["confidence_exact"], d["wrong_plates"]
        d["exact_rate"] = round(self.exact_rate, 4)
        d["fps"] = round(self.fps, 1)
        d["seconds"] = round(self.seconds, 2)
        return d


def score(reads: list[tuple[str, int | None]], truth: Truth, *, confidences: list[float] | None = None) -> EvalResult:
    """Score (plate, frame_index) reads against the truth; with `confidences` (one per read, in order),
    also record each read's confidence beside whether it was exact (`EvalResult.confidence_exact`)."""
    if confidences is not None and len(confidences) != len(reads):
        raise ValueError(f"score: {len(confidences)} confidences for {len(reads)} reads")
    exact = [0] * len(truth.vehicles)
    result = EvalResult(vehicles=len(truth.vehicles), reads=len(reads), frames=truth.frames)
    for k, (plate, frame) in enumerate(reads):
        cands = truth.candidates(frame)
        match = [i for i in cands if truth.vehicles[i].plate == plate]
        unlisted = truth.unlisted_at(plate, frame)
        if confidences is not None:
            result.confidence_exact.append((confidences[k], bool(match) or unlisted))
        if frame is None:
            result.false_reads += 1
        elif match:
            exact[match[0]] += 1
        elif unlisted:
            result.unlisted_reads += 1
        elif cands:
            result.wrong_reads += 1
            result.wrong_plates.append(plate)
        else:
            result.false_reads += 1
    for i, n in enumerate(exact):
        if n:
            result.read_exact += 1
            result.duplicate_reads += n - 1
        else:
            result.missed += 1
            result.missed_plates.append(truth.vehicles[i].plate)
    return result
