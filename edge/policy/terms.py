"""Prohibited uses and the words that reveal them. A project baseline that applies under every profile.

Why a baseline and not only per-state lists: the project exists because lookups for federal
immigration enforcement ran through local systems under reasons like "immigration" or "ICE+ERO".
Refusing those uses is a project policy; the profiles in ``edge.policy.profiles`` add what each
state's law requires on top.

The words come in groups (``TERM_GROUPS``), each named in a refusal so an operator sees which list
caught a wording: the words themselves, federal agency names and abbreviations, phrases and
circumlocutions, and the same in Spanish, Italian, German, French and Portuguese. Short terms match
whole words only (see ``edge.policy.text``), so "police", "service" or "device" never match "ICE";
the ordinary meanings of a term ("black ice", "Asylum Ave") are handled by ``edge.policy.context``.
A term written with a leading ``=`` is matched as a whole word only, however long.
"""

from __future__ import annotations

from functools import lru_cache

from edge.policy.text import TermSet

IMMIGRATION = "immigration-enforcement"
REPRODUCTIVE = "reproductive-health"

TERM_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    IMMIGRATION: {
        "immigration words": (
            "immigration", "immigrant", "immigrants", "migrant", "undocumented", "illegal alien", "alien", "aliens",
            "=illegals", "deport", "deported", "deporting", "deportation", "deportable", "=removal",
            "removal proceedings", "removal order", "order of removal", "visa overstay", "overstay", "overstayed",
            "green card", "287g", "287 g", "detainer", "i-247", "i247", "sanctuary", "asylum seeker", "asylum",
            "la migra", "migra", "naturalization", "naturalisation", "expedited removal", "self deport",
            "refugee status",
            # forms, statutes and procedure (review of 2026-12-06)
            "i-200", "i200", "i-205", "administrative warrant", "i-247a", "=nta", "i-862", "i862", "=i94", "i-94",
            "i-213", "in absentia", "ij order", "bia appeal", "voluntary departure", "8 usc", "8 u.s.c", "ina 212",
            "ina 237", "ina section", "8 cfr", "two eighty seven g", "removable", "repatriation", "repatriate",
            "=ewi", "a-number", "alien number", "alien registration number", "citizenship",
            "=undoc", "=undocs", "=undocu", "=immig", "=immi", "=immgr", "=immigr", "=imigr", "=imm", "=remov",
            "=removl", "=deportn", "immigrashun", "=daca", "temporary protected status", "a-file", "alien file",
            "i-130", "=i130", "fugitive operations", "border crosser", "border crossers", "border jumper",
        ),
        "federal agency names and abbreviations": (
            "ICE", "ERO", "HSI", "CBP", "USBP", "USCIS", "EOIR", "DHS", "BORTAC", "OFO", "INS agent",
            "border patrol", "customs and border", "homeland sec", "homeland security", "department of homeland",
            "homeland security investigations", "immigration and customs", "enforcement and removal",
            "citizenship and immigration", "immigration and naturalization", "border protection",
            "us customs", "customs agent", "customs agents", "customs officer", "customs officers",
            "bp agent", "bp agents", "border agent", "border agents", "fugitive operations team",
            "secure communities", "save check", "save query", "e-verify", "everify", "sevis", "sevp",
            "detention and removal", "midway blitz", "operation at large", "=dro", "=sddo", "=afod",
            "alternatives to detention", "=isap", "=osup", "intensive supervision appearance", "pep hit",
            "=obp", "air and marine operations", "office of field operations", "=orr",
            "refugee resettlement", "india charlie echo", "echo romeo oscar", "hotel sierra india",
            "charlie bravo papa", "delta hotel sierra",
        ),
        "phrases and circumlocutions": (
            "immigration status", "citizenship status", "legal status", "lawful status", "residency status",
            "residence status", "legal residency", "no papers", "without papers",
            "papers check", "final order", "not a citizen", "non citizen", "noncitizen", "foreign national",
            "illegally present", "unlawfully present", "unlawful presence", "entered illegally",
            "crossed illegally", "entered without inspection", "visa status", "alien registration",
            "notice to appear", "work authorization", "work permit status", "proof of citizenship",
            "country of origin check", "is he legal", "is she legal", "are they legal", "not legal here",
            "in the country illegally", "in the us illegally", "illegal immigrant",
            "pick up for the feds", "federal immigration",
            "out of status", "visa expired", "expired visa", "visa has expired", "overstayed visa", "b-2 visa",
            "h-1b expired", "tps expired", "daca lapsed", "daca expired", "here illegally", "is illegal",
            "unlawfully in the", "present without admission", "legal presence", "crossed the border",
            "papers are not", "papers not in order", "is a us citizen", "us citizen or", "verify citizenship",
            "check citizenship", "send him back", "send her back", "send them back", "sent back to",
            "removed from the country", "removed from the us", "expel from", "expelled from the country",
            "for the feds", "to the feds", "wetback", "wetbacks", "immigrated illegally", "immigrate legally",
            "migration enforcement", "emigrated here illegally", "asylum court", "immigration court",
            "immigration judge", "immigration hearing", "hes an illegal", "shes an illegal", "he is an illegal",
            "she is an illegal", "in us without", "in the us without", "in the country without", "entered without",
            "us unlawfully", "country unlawfully", "removing him from", "removing her from", "removing them from",
            "send him home", "send her home", "send them home", "no valid visa", "without a visa",
            "foreigner without", "paroled at the border", "have no status", "has no status", "no legal status",
            "visa lapsed", "visa has lapsed", "not have papers", "doesnt have papers", "has no papers",
        ),
        "other languages": (
            # Spanish
            "inmigracion", "inmigrante", "migracion", "migratorio", "migratoria", "deportacion", "deportar",
            "deportado", "indocumentado", "indocumentados", "indocumentada", "sin papeles", "sin documentos",
            "estatus migratorio", "situacion migratoria", "extranjero ilegal", "orden de deportacion",
            "=ilegal", "=ilegales", "es ilegal", "=mojado", "=mojados", "no tiene papeles", "sin estatus",
            "visa vencida", "patrulla fronteriza", "remover del pais", "deportarlo", "deportarla",
            "no tiene estatus", "sin visa", "seguridad nacional", "=extranjero", "=extranjera", "retorno a su pais",
            # Italian
            "immigrazione", "immigrato", "immigrati", "clandestino", "clandestini", "espulsione", "rimpatrio",
            "senza documenti", "permesso di soggiorno", "irregolare sul territorio", "migrante",
            # German
            "einwanderung", "einwanderer", "abschiebung", "abschiebe", "abschieben", "abgeschoben", "auslanderbehorde",
            "auslaenderbehoerde", "ohne papiere", "aufenthaltsstatus", "aufenthaltstitel", "illegal aufhaltig",
            "aufenthaltsrecht", "einwanderungsbehorde", "migrationsstatus", "illegaler einwanderer",
            "ausreisepflichtig", "duldung", "abschiebehaft",
            # French
            "sans papiers", "expulsion du territoire", "reconduite a la frontiere", "statut migratoire",
            "titre de sejour", "=clandestin", "immigre", "immigres", "OQTF", "police aux frontieres",
            "sans papier", "situation irreguliere",
            # Portuguese
            "imigracao", "imigrante", "deportacao", "sem documentos", "situacao migratoria", "estrangeiro ilegal",
            "imigrante ilegal", "expulsao", "sem papeis",
            # Italian, Vietnamese (text in other scripts is refused before matching: edge.policy.search)
            "=irregolare", "extracomunitario", "extracomunitari", "nhap cu", "bat hop phap",
        ),
    },
    REPRODUCTIVE: {
        "reproductive-health words": (
            "abortion", "abortions", "reproductive", "planned parenthood", "pregnancy termination",
            "terminated pregnancy", "termination of pregnancy", "terminate a pregnancy", "terminate her pregnancy",
            "mifepristone", "misoprostol", "abortion pill", "abortion clinic", "out of state clinic visit",
            "abortifacient", "ended her pregnancy", "end her pregnancy", "family planning clinic",
            "pp clinic", "=mife", "plan c pills", "aid access", "ended the pregnancy", "ended a pregnancy",
            "end the pregnancy", "sb 8", "sb8", "dilation and evacuation", "self-induced", "self induced",
            "had a procedure", "for the procedure", "induced miscarriage", "miscarriage was induced",
            "who terminated", "terminated her",
        ),
        "other languages": (
            "=aborto", "abortar", "interrupcion del embarazo", "interruzione di gravidanza", "abtreibung",
            "schwangerschaftsabbruch", "avortement", "interruption volontaire de grossesse", "IVG",
            "interrupcao da gravidez",
        ),
    },
}  # fmt: skip

CATEGORY_TERMS: dict[str, tuple[str, ...]] = {
    cat: tuple(t for words in groups.values() for t in words) for cat, groups in TERM_GROUPS.items()
}

CATEGORY_HELP: dict[str, str] = {
    IMMIGRATION: "enforcement of civil immigration law (immigration status, removal, ICE/ERO/HSI/CBP)",
    REPRODUCTIVE: "investigating reproductive health care (abortion and related care)",
}


@lru_cache(maxsize=64)
def termsets(categories: tuple[str, ...], extra: tuple[str, ...] = ()) -> tuple[TermSet, ...]:
    """Term sets for categories (unknown names ignored) plus a config's own extra words (cached: building
    them folds every term)."""
    sets = [TermSet.of(c, CATEGORY_TERMS[c], TERM_GROUPS[c]) for c in categories if c in CATEGORY_TERMS]
    if extra:
        sets.append(TermSet.of("configured-prohibited-term", extra, {"search.prohibited_terms": tuple(extra)}))
    return tuple(sets)
