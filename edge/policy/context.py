"""Context rules of prohibited-use matching: the ordinary meanings of words that are also terms.

"ice" is the agency and the weather; "asylum" and "sanctuary" are street and church names; "removal"
is what happens to stolen plates; a "green card" is also a document in a lost wallet; "Eros" is a
theater. Each rule below names one ordinary use; where it matches, only that word is neutralised
(replaced by a separator) before the terms are matched, so any other prohibited word in the same
text is still found. A word directly followed by an enforcement word ("black ice warrant",
"Asylum Ave detainer") is never neutralised. The rules run on folded text (``normalise.fold``), so
look-alike letters cannot switch them on or off differently from the terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Enforcement words that keep a word prohibited whatever its context.
_GUARD = (
    r"(?!\W+(?:warrants?|holds?|detainers?|agents?|officers?|requests?|raids?|custody|detention|"
    r"deport\w*|removal|status|enforcement|ops?|operations?|task\w*|lists?|leads?|cases?|teams?|hits|"
    r"partners?|liaisons?|field|office|targets?|sweeps?|checks?|dates?|hearings?|appearances?|claims?|"
    r"applications?|seekers?|interviews?|proceedings|judge|order|notice|lookups?|tips?|subjects?|priority|"
    r"hotlists?|watchlists?|wanted|fugitives?|absconders?|detainees?|referrals?|locate|locating|find|finding|"
    r"track|trace|no\W+show|noshow|radar|database|databases|system|systems|records?|files?|court|courts|"
    r"on\W+(?:the\W+)?(?:subject|suspect|target|him|her|them))\b)"
)
# A card that is expired, held or applied for is the status, wherever it was found.
_CARD_GUARD = (
    r"\b(?!\W+(?:was\W+|is\W+)?(?:found\W+)?(?:expired|invalid|fake|fraudulent|forged|holders?|status|renewal)\b)"
)
# A word right after one of these is addressed, not described ("deliver subject to ICE house"): no
# ordinary meaning is read into it.
_ADDRESSED = frozenset({"to", "for", "per", "via", "notify", "contact", "call", "inform", "assist", "tell", "cc"})
_STREET = (
    r"(?:ave|avenue|st|street|rd|road|blvd|boulevard|ln|lane|dr|drive|way|ct|court|pl|place|pkwy|parkway|"
    r"hwy|highway|cir|circle|ter|terrace|sq|square|hill|park|ridge|creek|lake|point|trail|trails|farm|farms|"
    r"estates|gardens|village|apartments|apts)"
)
_PLACE = r"(?:church|chapel|cathedral|temple|ministries|ministry|baptist|parish|hall|cemetery|woods|cove|bay)"
_WEATHER_BEFORE = (
    r"(?:black|thin|clear|glare|dry|freezing|solid|melting|(?:hail|snow|sleet|rain|slush|wind)\W+(?:and|or)|"
    r"sheets?\W+of|patch(?:es)?\W+of|layer\W+of|covered\W+(?:in|with)|slid\W+on|slipped\W+on|skidded\W+on|"
    r"glazed\W+with|on\W+the|road|bridge|shaved|crushed|bag\W+of|cup\W+of|fishing\W+on)"
)
_WEATHER_AFTER = (
    r"(?:cream|creams|rink|rinks|arena|skat\w*|hockey|storm|storms|machine|maker|chest|box|pack|fishing|"
    r"cubes?|scraper|dam|dams|jam|sculpture|palace|house|center|centre|warning|advisory|buildup|coated|"
    r"covered|on\W+(?:the\W+)?(?:roads?|roadways?|bridges?|ramps?|overpass(?:es)?|windshields?|pavement|"
    r"highways?|lots?|driveways?|sidewalks?|streets?)|trucks?|delivery|vendor|shop|parlou?r|pop|pops|tea|"
    r"coffee|water|bucket|bags?|luge|show|capades)"
)


@dataclass(frozen=True, slots=True)
class ContextRule:
    name: str
    pattern: re.Pattern[str]  # the word to neutralise is group "w"


def _rule(name: str, regex: str) -> ContextRule:
    return ContextRule(name, re.compile(regex))


RULES: tuple[ContextRule, ...] = (
    _rule("weather, food or rink (before)", rf"\b{_WEATHER_BEFORE}\W+(?P<w>ice){_GUARD}\b"),
    _rule("weather, food or rink (after)", rf"\b(?P<w>ice)\W+{_WEATHER_AFTER}\b{_GUARD}"),
    _rule("icy weather phrase", rf"\b(?P<w>ice)\W+(?:and|or)\W+(?:snow|sleet|rain|slush|hail)\b{_GUARD}"),
    # Not "Asylum Court": the court an asylum case is heard in, far likelier than a street of that name.
    _rule("street or place name", rf"\b(?P<w>asylum|sanctuary|eros|alien)\W+(?!court\b|ct\b){_STREET}\b{_GUARD}"),
    # "Ice" as a street only after a house number or a preposition ("crash at Ice Rd"): "ICE St. Paul
    # field office" is the agency's office in a city.
    _rule(
        "street named Ice",
        rf"\b(?:\d+[a-z]?|on|at|near|off|onto|along|of|from|and|&)\W+(?P<w>ice)\W+(?!court\b|ct\b){_STREET}\b{_GUARD}",
    ),
    _rule("church or place name", rf"\b(?P<w>sanctuary|asylum|eros)\W+{_PLACE}\b{_GUARD}"),
    _rule(
        "theater or business name",
        r"\b(?P<w>eros|alien)\W+(?:theater|theatre|cinema|bar|club|lounge|restaurant|cafe|books|motel|spa)\b" + _GUARD,
    ),
    _rule(
        "plates removed from a vehicle",
        r"\b(?P<w>removal)\W+(?:of\W+(?:the\W+|its\W+|both\W+|his\W+|her\W+|their\W+)?)?"
        r"(?:(?:stolen|old|expired|fake|forged|altered|false|temporary|paper|dealer)\W+)?"
        r"(?:license\W+|licence\W+|registration\W+|front\W+|rear\W+)?(?:plates?|tags?|stickers?|vin|"
        r"catalytic|parts|tires|wheels|evidence|debris|snow|graffiti|tint|the\W+vehicle|vehicle)\b(?!\W?s\b)"
        r"(?!\W+(?:owners?|drivers?|occupants?|persons?|passengers?|subjects?|family|registrant)\b)",
    ),
    _rule(
        "tow or debris removal",
        r"\b(?:snow|debris|graffiti|trash|junk|tree|vehicle|tow|plate|tag|sticker|tint|paint|converter|part|"
        r"engine|tire|wheel|battery|stump|asbestos|ice)\W+(?P<w>removal)\b",
    ),
    _rule(
        "child protective removal",
        r"\b(?P<w>removal)\W+of\W+(?:a|the|two|three|her|his|their)?\W*(?:child|children|minor|minors|kids?|"
        r"infant|baby|toddler)\b",
    ),
    # The card itself lost, found or stolen (or in a wallet): "Lost track of him, check his green card" is not.
    _rule(
        "document in lost or stolen property",
        rf"\b(?P<w>green\W+card){_CARD_GUARD}(?=\W+(?:was\W+|is\W+)?(?:inside|lost|found|stolen|missing|turned\W+in)\b"
        r"|.{0,40}\b(?:wallet|purse|bag|backpack)\b)"
        rf"|\b(?:wallet|purse|bag|backpack)\b.{{0,60}}\b(?P<w2>green\W+card){_CARD_GUARD}"
        rf"|\b(?:lost|found|stolen|missing)\W+(?:\w+\W+){{0,2}}?(?P<w3>green\W+card){_CARD_GUARD}",
    ),
    _rule("a weight in grams", r"\b(?P<w>287\W*g)\b(?=\W+(?:of|grams?)\b)"),
    _rule(
        "payment card",
        r"\b(?P<w>visa)\W+(?:(?:debit|credit|gift|prepaid)\W+)?cards?\b|\b(?:card|cards)\W+(?:\w+\W+){0,2}?(?P<w2>visa)\b",
    ),
    _rule("order of protection", r"\b(?P<w>final\W+order)\W+of\W+protection\b"),
    _rule(
        "protective or custody order",
        r"\b(?:protective|restraining|custody|divorce|no\W+contact)\W+order\b.{0,60}\b(?P<w>final\W+order)\b"
        r"|\b(?P<w2>final\W+order)\W+(?:of\W+)?(?:protection|custody|divorce|dissolution|restitution|judgment|"
        r"dismissal|forfeiture|adoption|guardianship)\b",
    ),
    # Only where the text spells it out beside the letters: "DHS (Human Services)", "Department of Human
    # Services (DHS)"; not a "human services" anywhere else in the text.
    _rule(
        "state human services",
        r"\b(?P<w>dhs)\W{1,3}(?:\(\W*)?(?:dept\W+of\W+|department\W+of\W+)?human\W+services\b"
        r"|\bhuman\W+services\W{0,3}\((?P<w2>dhs)\)",
    ),
    _rule("movie title", rf"\b(?P<w>ice)\W+age\b{_GUARD}"),
)


def mask(folded: str) -> tuple[str, list[str]]:
    """`folded` with every ordinary use of a term neutralised, and the names of the rules that did it."""
    used: list[str] = []
    for rule in RULES:

        def blank(m: re.Match[str], rule: ContextRule = rule, folded: str = folded) -> str:
            out = m.group(0)
            start = m.start()
            for g in ("w", "w2", "w3"):
                if g in rule.pattern.groupindex and m.group(g) is not None:
                    before = re.findall(r"\w+", folded[: m.start(g)])
                    if before and before[-1] in _ADDRESSED:
                        continue  # addressed to it ("deliver subject to ICE house"): left to be matched
                    a, b = m.start(g) - start, m.end(g) - start
                    out = out[:a] + "~" * (b - a) + out[b:]
            if rule.name not in used:
                used.append(rule.name)
            return out

        folded = rule.pattern.sub(blank, folded)
    return folded, used
