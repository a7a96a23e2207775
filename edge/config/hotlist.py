"""Hotlists: which categories may be loaded, how reads are matched, how alerts are muted.

A category is loaded only if it is listed here, and never if its name (or a list's name, source,
basis or an entry's note) reveals a prohibited use: the project baseline (immigration enforcement,
reproductive health care, see ``edge.policy.terms``), the profile's prohibited categories and this
section's ``prohibited_terms``. Example::

    hotlists:
      path: null                    # default: hotlists.db beside store.path
      categories:
        - {code: stolen-vehicle, description: Stolen vehicle (NCIC / state list)}
        - {code: stolen-plate, description: Stolen licence plate}
        - {code: amber-alert, description: AMBER alert (abducted child)}
        - {code: missing-person, description: Missing or endangered person}
        - {code: wanted-person, description: Felony warrant tied to a vehicle}
      tolerant:
        enabled: false              # also match one OCR confusion, marked match_kind: tolerant
        confusions: [O0, I1, B8, S5, Z2, G6]
      mute: 10m                     # one alert per plate per camera while it stays in view
      prohibited_terms: []          # words refused in addition to the baseline and the profile's
"""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import Field, field_validator, model_validator

from edge.config.common import Duration, Strict

_CODE = r"^[a-z0-9][a-z0-9-]{1,47}$"


class CategoryConfig(Strict):
    code: str = Field(pattern=_CODE, description="Category code given with `hotlist import --category`.")
    description: str = Field(min_length=3, max_length=200, description="What lists of this category hold.")


def _default_categories() -> list[CategoryConfig]:
    return [
        CategoryConfig(code="stolen-vehicle", description="Stolen vehicle"),
        CategoryConfig(code="stolen-plate", description="Stolen licence plate"),
        CategoryConfig(code="amber-alert", description="AMBER alert (abducted child)"),
        CategoryConfig(code="missing-person", description="Missing or endangered person"),
        CategoryConfig(code="wanted-person", description="Felony warrant tied to a vehicle"),
    ]


class ToleranceConfig(Strict):
    enabled: bool = Field(
        default=False,
        description="Also match a read that differs from an entry by one OCR confusion (alert marked tolerant).",
    )
    confusions: list[str] = Field(
        default_factory=lambda: ["O0", "I1", "B8", "S5", "Z2", "G6"],
        description="Groups of characters OCR confuses; one substitution within a group is tolerated.",
    )

    @field_validator("confusions")
    @classmethod
    def _groups(cls, value: list[str]) -> list[str]:
        out = []
        for group in value:
            g = group.strip().upper()
            if len(g) < 2 or not re.fullmatch(r"[A-Z0-9]+", g) or len(set(g)) != len(g):
                raise ValueError(f"confusion group {group!r}: two or more distinct letters/digits, e.g. O0")
            out.append(g)
        return out


class HotlistConfig(Strict):
    """`hotlists:` section."""

    path: str | None = Field(default=None, description="Hotlist SQLite file; default: hotlists.db beside the store.")
    categories: list[CategoryConfig] = Field(
        default_factory=_default_categories,
        description="Categories that may be imported; an import of any other category is refused.",
    )
    tolerant: ToleranceConfig = Field(default_factory=ToleranceConfig, description="OCR-confusion tolerant match.")
    min_confidence: float = Field(
        default=0.9,
        ge=0,
        le=1,
        description="A hotlist alert fires only on an exact match read at least this surely (calibrated "
        "confidence: the share of such reads that are exact, models/README.md). A match below it, or one that "
        "differs by one OCR confusion (tolerant), is a candidate for review: recorded, never an alert.",
    )
    mute: Duration = Field(
        default=timedelta(minutes=10),
        description="After an alert, further matches of the same plate on the same camera raise no alert until "
        "it has been out of sight this long (0: every matching read alerts).",
    )
    prohibited_terms: list[str] = Field(
        default_factory=list,
        description="Words refused in category codes, list names, sources, bases and notes, in addition to the "
        "built-in prohibited uses and the profile's.",
    )

    @model_validator(mode="after")
    def _check(self) -> HotlistConfig:
        codes = [c.code for c in self.categories]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"category codes must be unique; repeated: {', '.join(dupes)}")
        from edge.policy.categories import prohibited_use

        for cat in self.categories:
            for text in (cat.code, cat.description):
                found = prohibited_use(text, extra=tuple(self.prohibited_terms))
                if found is not None:
                    raise ValueError(
                        f"category {cat.code!r} cannot be configured: {text!r} names a prohibited use ({found})"
                    )
        return self

    def category(self, code: str) -> CategoryConfig | None:
        return next((c for c in self.categories if c.code == code), None)
