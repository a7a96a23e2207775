"""Building blocks shared by every config section: strict models and durations such as ``3m`` or ``21d``."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


class Strict(BaseModel):
    """Base for all config sections: unknown keys are refused, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def parse_duration(value: Any) -> timedelta:
    """'30s', '3m', '12h', '21d', '2w' (or a timedelta / seconds as a number) -> timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("a duration such as '3m', '21d' is required, not true/false")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"invalid duration {value!r}: use a number and a unit s, m, h, d or w (e.g. 3m, 21d)")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if math.isnan(seconds):
        raise ValueError("a duration must be a number of seconds or a number with a unit, not NaN")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    try:
        return timedelta(seconds=seconds)
    except OverflowError:  # not a ValueError: pydantic would let it escape as a crash
        raise ValueError(f"duration {value!r} is too long (at most 999999999 days)") from None


def format_duration(value: timedelta) -> str:
    seconds = value.total_seconds()
    for unit in ("d", "h", "m"):
        size = _UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration)]
