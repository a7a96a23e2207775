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
            "i-200", "i200", "form i-205", "i-205 warrant", "i-94 expired", "i94 expired", "i-94 record",
            "form i-94", "administrative warrant", "i-247a", "=nta", "i-862", "i862",
            "i-213", "ij order", "bia appeal", "voluntary departure", "8 usc", "8 u.s.c", "ina 212",
            "ina 237", "ina section", "8 cfr", "two eighty seven g", "repatriation", "repatriate",
            "=ewi", "alien number", "alien registration number", "citizenship",
            "=undoc", "=undocs", "=undocu", "=immig", "=immi", "=immgr", "=immigr", "=imigr", "=imm", "=remov",
            "=removl", "=deportn", "immigrashun", "=daca", "temporary protected status", "alien file", "=e-verify",
            "=everify", "removal in absentia", "ordered removed", "is removable", "hes removable",
            "removable alien", "in absentia order", "absentia removal", "a-number on file", "without inspection",
            "visa expired", "expired visa", "visa has expired", "visa lapsed", "texas sb 8", "texas sb8",
            "sb 8 civil", "sb8 civil", "crossed the border illegally",
            "his visa expired", "her visa expired", "their visa expired", "is here illegally", "hes here illegally",
            "shes here illegally", "are here illegally", "living here illegally", "staying here illegally",
            "unlawfully in the us", "unlawfully in the united states", "unlawfully in the country",
            "removing him from the country", "removing her from the country", "removed from the united states",
            "he has no papers", "she has no papers", "they have no papers", "does not have papers",
            "customs enforcement", "dept of homeland", "ins hold", "287 program", "no lawful presence",
            "lawful presence", "not lawfully present", "here legally", "in the country legally",
            "lawful permanent resident",
            "permanent resident card", "=asylee", "humanitarian parole", "tps holder", "uac sponsor", "remove him to",
            "remove her to", "to be removed to", "reentered after removal", "re-entered after being removed",
            "h-2a visa", "student visa", "f-1 status", "title 8 violation", "admin warrant",
            "civil warrant from the feds",
            "federal hold",
            "i-130", "=i130", "fugitive operations", "border crosser", "border crossers", "border jumper",
        ),
        "federal agency names and abbreviations": (
            "ICE", "ERO", "HSI", "CBP", "USBP", "USCIS", "EOIR", "DHS", "BORTAC", "OFO", "INS agent",
            "border patrol", "customs and border", "homeland sec", "homeland security", "department of homeland",
            "homeland security investigations", "immigration and customs", "enforcement and removal",
            "citizenship and immigration", "immigration and naturalization", "border protection",
            "us customs", "customs agent", "customs agents", "customs officer", "customs officers",
            "bp agent", "bp agents", "border agent", "border agents", "fugitive operations team",
            "secure communities", "save check", "save query", "sevis", "sevp",
            "detention and removal", "midway blitz", "operation at large", "=sddo", "=afod",
            "alternatives to detention", "=isap", "=osup", "intensive supervision appearance", "pep hit",
            "=obp", "air and marine operations", "refugee resettlement",
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
            "out of status", "overstayed visa", "b-2 visa",
            "h-1b expired", "tps expired", "daca lapsed", "daca expired",
            "present without admission", "legal presence",
            "papers are not", "papers not in order", "is a us citizen", "us citizen or", "verify citizenship",
            "check citizenship", "send him back", "send her back", "send them back",
            "removed from the country",
            "for the feds", "to the feds", "wetback", "wetbacks", "immigrated illegally", "immigrate legally",
            "migration enforcement", "emigrated here illegally", "asylum court", "immigration court",
            "immigration judge", "immigration hearing", "hes an illegal", "shes an illegal", "he is an illegal",
            "she is an illegal", "in us without", "in the us without", "in the country without",
            "us unlawfully", "country unlawfully",
            "send him home", "send her home", "send them home",
            "foreigner without", "paroled at the border", "have no status", "has no status", "no legal status",

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
            "einwanderung", "einwanderer", "abschiebung", "abschiebe", "abschieben", "abgeschoben",
            "auslanderbehorde",
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
            "end the pregnancy", "dilation and evacuation", "self-induced", "self induced", "to end pregnancy",
            "to end her pregnancy",
            "terminating her pregnancy", "pregnancy was terminated", "ended pregnancy", "ru-486", "ru486", "cytotec",
            "mifeprex", "miso pills", "whole womans health", "womens health clinic out of state",


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
