"""Organisation kinds, sectors and code formats. Pure: no Django import.

Formats follow ../reference STANDARDS 1.2 (ODS) and 1.3 (ONS GSS).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Sector(StrEnum):
    NHS = "nhs"
    COUNCIL = "council"
    VOLUNTARY = "voluntary"
    INDEPENDENT = "independent"


class Kind(StrEnum):
    ICB = "icb"
    SUB_ICB = "sub_icb"
    STP = "stp"
    CCG = "ccg"
    PCT = "pct"
    UPPER_TIER_COUNCIL = "upper_tier_council"
    DISTRICT_COUNCIL = "district_council"
    GP_PRACTICE = "gp_practice"
    NHS_TRUST = "nhs_trust"
    PROVIDER = "provider"
    HOUSING = "housing"


KIND_LABELS = {
    Kind.ICB: "Integrated care board (ICB)",
    Kind.SUB_ICB: "Sub-ICB location",
    Kind.STP: "Sustainability and transformation partnership (STP, historic)",
    Kind.CCG: "Clinical commissioning group (CCG, historic)",
    Kind.PCT: "Primary care trust (historic)",
    Kind.UPPER_TIER_COUNCIL: "Council with social services (upper tier)",
    Kind.DISTRICT_COUNCIL: "District council",
    Kind.GP_PRACTICE: "GP practice",
    Kind.NHS_TRUST: "NHS trust",
    Kind.PROVIDER: "Care provider",
    Kind.HOUSING: "Housing provider",
}
SECTOR_LABELS = {
    Sector.NHS: "NHS",
    Sector.COUNCIL: "Council",
    Sector.VOLUNTARY: "Voluntary",
    Sector.INDEPENDENT: "Independent",
}

# Sectors each kind may belong to.
KIND_SECTORS = {
    Kind.ICB: {Sector.NHS},
    Kind.SUB_ICB: {Sector.NHS},
    Kind.STP: {Sector.NHS},
    Kind.CCG: {Sector.NHS},
    Kind.PCT: {Sector.NHS},
    Kind.UPPER_TIER_COUNCIL: {Sector.COUNCIL},
    Kind.DISTRICT_COUNCIL: {Sector.COUNCIL},
    Kind.GP_PRACTICE: {Sector.NHS},
    Kind.NHS_TRUST: {Sector.NHS},
    Kind.PROVIDER: {Sector.VOLUNTARY, Sector.INDEPENDENT, Sector.NHS, Sector.COUNCIL},
    Kind.HOUSING: {Sector.VOLUNTARY, Sector.INDEPENDENT, Sector.COUNCIL},
}

# CCGs formed by the April 2021 mergers (and the Sub-ICB locations that kept their codes) have five-character
# codes, e.g. A3A8R; older ones two digits and a letter. ICBs kept their STPs' Q codes.
_CCG_ODS = (re.compile(r"^(\d{2}[A-Z]|[0-9A-Z]{5})$"), "two digits and a letter (e.g. 02A) or five letters and digits (e.g. A3A8R)")
_Q_ODS = (re.compile(r"^Q[0-9A-Z]{2}$"), "Q and two letters or digits, e.g. QOP")
ODS_PATTERNS = {
    Kind.GP_PRACTICE: (re.compile(r"^[A-HJ-NP-WY]\d{5}$"), "a letter (not I, O, X or Z) and five digits, e.g. A81001"),
    Kind.PCT: (re.compile(r"^(5[0-9A-Z]{2}|T[0-9A-Z]{2})$"), "5 or T and two letters or digits, e.g. 5A3"),
    Kind.SUB_ICB: _CCG_ODS,
    Kind.CCG: _CCG_ODS,
    Kind.ICB: _Q_ODS,
    Kind.STP: _Q_ODS,
    Kind.NHS_TRUST: (re.compile(r"^R[0-9A-Z]{2}([0-9A-Z]{2})?$"), "R and two letters or digits, e.g. RH8"),
}
ANY_ODS = (re.compile(r"^[0-9A-Z]{3,10}$"), "3 to 10 capital letters or digits")

GSS_PATTERN = re.compile(r"^[EWSN]\d{8}$")
GSS_PREFIXES = {
    Kind.ICB: ("E54",),
    Kind.STP: ("E54",),
    Kind.SUB_ICB: ("E38",),
    Kind.CCG: ("E38",),
    Kind.PCT: ("E16", "E17"),
    Kind.UPPER_TIER_COUNCIL: ("E06", "E08", "E09", "E10"),
    Kind.DISTRICT_COUNCIL: ("E07",),
}
SOCIAL_SERVICES_PREFIXES = ("E06", "E08", "E09", "E10")


def normalise_code(code: str | None) -> str:
    return (code or "").strip().upper()


def ods_error(kind: str, code: str) -> str | None:
    """Why `code` is not a valid ODS code for an organisation of `kind`, or None."""
    pattern, description = ODS_PATTERNS.get(Kind(kind), ANY_ODS)
    if not pattern.match(code):
        return f"'{code}' is not a valid ODS code for a {KIND_LABELS[Kind(kind)].lower()}: expected {description}"
    return None


def gss_error(kind: str, code: str) -> str | None:
    """Why `code` is not a valid ONS GSS code for `kind`, or None."""
    if not GSS_PATTERN.match(code):
        return f"'{code}' is not a valid GSS code: expected a country letter and 8 digits, e.g. E06000001"
    prefixes = GSS_PREFIXES.get(Kind(kind))
    if prefixes and not code.startswith(prefixes):
        return f"'{code}' is not a GSS code for a {KIND_LABELS[Kind(kind)].lower()}: expected it to start {' or '.join(prefixes)}"
    return None


def is_social_services_area(gss_code: str) -> bool:
    return gss_code.startswith(SOCIAL_SERVICES_PREFIXES)


def sector_error(kind: str, sector: str) -> str | None:
    if Sector(sector) not in KIND_SECTORS[Kind(kind)]:
        allowed = ", ".join(SECTOR_LABELS[s] for s in sorted(KIND_SECTORS[Kind(kind)]))
        return f"A {KIND_LABELS[Kind(kind)].lower()} belongs to the sector(s): {allowed}"
    return None


# The kinds an organisation's parent may be, where the hierarchy is defined (GP practice -> Sub-ICB location ->
# ICB, and historically CCG -> STP; district -> county). Kinds not listed may have any parent (a provider's parent group, say).
PARENT_KINDS = {
    Kind.GP_PRACTICE: {Kind.SUB_ICB, Kind.CCG, Kind.PCT},
    Kind.SUB_ICB: {Kind.ICB},
    Kind.CCG: {Kind.STP},
    Kind.DISTRICT_COUNCIL: {Kind.UPPER_TIER_COUNCIL},
}


def parent_error(kind: str, parent_kind: str) -> str | None:
    allowed = PARENT_KINDS.get(Kind(kind))
    if allowed is not None and Kind(parent_kind) not in allowed:
        names = " or ".join(sorted(KIND_LABELS[k].lower() for k in allowed))
        return f"The parent of a {KIND_LABELS[Kind(kind)].lower()} must be a {names}, not a {KIND_LABELS[Kind(parent_kind)].lower()}"
    return None


# --- search ------------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Text reduced for matching: accents and case dropped, '&' read as 'and', apostrophes dropped, other
    punctuation read as spaces.

    "St. Mary's & St. Helen's" -> 'st marys and st helens'; 'Ménière' -> 'meniere'.
    """
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace("&", " and ")
    text = text.replace("'", "").replace("\u2019", "")
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def search_words(query: str) -> list[str]:
    """The words of a search, each to be found at the start of a word of an organisation's search text (any
    order): "manch" finds Manchester, "02a" finds 02A but not the postcode B30 2AA."""
    return list(dict.fromkeys(fold(query).split()))[:10]


# A body is also found by the names of the bodies whose area mostly went to it (not by those it took a sliver of).
FORMER_NAME_SHARE = 0.5


def search_text(name: str, codes: tuple = (), also: tuple = ()) -> str:
    """What an organisation is found by: its name, its codes (and postcode), and other names it had. Every word
    is preceded by a space, so a search word is matched against the starts of words (" " + word)."""
    parts = [fold(name)] + [fold(c) for c in codes if c] + [fold(a) for a in also if a]
    # Postcodes and codes also match without their spaces ("M41 5SL" and "m415sl").
    parts += [fold(c).replace(" ", "") for c in codes if c and " " in fold(c)]
    return "".join(f" {w}" for w in dict.fromkeys(" ".join(parts).split()))[:1000]

