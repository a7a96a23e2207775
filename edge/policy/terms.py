"""Prohibited uses and the words that reveal them. A project baseline that applies under every profile.

Why a baseline and not only per-state lists: the project exists because lookups for federal
immigration enforcement ran through local systems under reasons like "immigration" or "ICE+ERO".
Refusing those uses is a project policy; the profiles in ``edge.config.profiles`` add what each
state's law requires on top. Short terms match whole words only (see ``edge.policy.text``), so
"police", "service" or "device" never match "ICE". A bare "ice" does match, including the weather:
write "icy road" rather than "ice".
"""

from __future__ import annotations

from edge.policy.text import TermSet

IMMIGRATION = "immigration-enforcement"
REPRODUCTIVE = "reproductive-health"

CATEGORY_TERMS: dict[str, tuple[str, ...]] = {
    IMMIGRATION: (
        "immigration", "immigrant", "inmigracion", "migrant", "undocumented", "illegal alien", "alien", "aliens",
        "deport", "deportation", "deportable", "=removal", "removal proceedings", "removal order",
        "enforcement and removal", "ICE", "ERO", "HSI", "CBP", "USBP", "USCIS", "EOIR", "BORTAC", "la migra",
        "migra", "border patrol", "customs and border", "homeland security investigations",
        "immigration and customs", "immigration status", "citizenship status", "visa overstay", "overstay",
        "green card", "287g", "287 g", "detainer", "i-247", "i247", "sanctuary", "asylum seeker", "asylum",
    ),
    REPRODUCTIVE: (
        "abortion", "abortions", "reproductive", "planned parenthood", "pregnancy termination",
        "terminated pregnancy", "termination of pregnancy", "mifepristone", "misoprostol", "abortion pill",
        "abortion clinic", "out of state clinic visit",
    ),
}  # fmt: skip

CATEGORY_HELP: dict[str, str] = {
    IMMIGRATION: "enforcement of civil immigration law (immigration status, removal, ICE/ERO/HSI/CBP)",
    REPRODUCTIVE: "investigating reproductive health care (abortion and related care)",
}


def termsets(categories: tuple[str, ...], extra: tuple[str, ...] = ()) -> tuple[TermSet, ...]:
    """Term sets for categories (unknown names ignored) plus a config's own extra words."""
    sets = [TermSet.of(c, CATEGORY_TERMS[c]) for c in categories if c in CATEGORY_TERMS]
    if extra:
        sets.append(TermSet.of("configured-prohibited-term", extra))
    return tuple(sets)
