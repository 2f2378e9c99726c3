"""Coterminosity: the one read-only code path the command, the API, the coterminosity page and the
organisation pages use (decision 0011). It reads the LSOA memberships once per reference data version.

Levels: `pct` (2013 PCTs, approximate, decision 0012), `ccg` and `stp` (April 2020) against the 2019 councils
with social services; `sub-icb` and `icb` (today's, the vintage of the loaded ONS lookup) against today's.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from jointcare.errors import FieldError
from jointcare.organisations.domain import fold, search_words
from jointcare.places import domain
from jointcare.places.models import Area, Level, Lsoa, Lsoa21, LsoaPctShare, ReferenceState

COUNCIL_BOUNDARIES = Path(__file__).resolve().parent / "data" / "councils.geojson.gz"
# The Area level holding each coterminosity level's bodies, and the level of the councils they are measured against.
BODY_AREA = {"pct": Level.PCT, "ccg": Level.CCG, "stp": Level.STP, "sub-icb": Level.SUB_ICB, "icb": Level.ICB}
COUNCIL_AREA = {"pct": Level.UTLA, "ccg": Level.UTLA, "stp": Level.UTLA, "sub-icb": Level.COUNCIL, "icb": Level.COUNCIL}
# The organisation kind of each level's bodies.
KIND = {"pct": "pct", "ccg": "ccg", "stp": "stp", "sub-icb": "sub_icb", "icb": "icb"}
LABELS = {
    "pct": "Primary care trusts (2013)",
    "ccg": "Clinical commissioning groups (April 2020)",
    "stp": "Sustainability and transformation partnerships (April 2020)",
    "sub-icb": "Sub-ICB locations ({nhs})",
    "icb": "Integrated care boards ({nhs})",
}
SHORT = {"pct": "PCT", "ccg": "CCG", "stp": "STP", "sub-icb": "Sub-ICB location", "icb": "ICB"}
SHORT_PLURAL = {"pct": "PCTs", "ccg": "CCGs", "stp": "STPs", "sub-icb": "Sub-ICB locations", "icb": "ICBs"}


@dataclass
class Snapshot:
    """What coterminosity needs from the database, held in memory for one reference data version."""

    version: tuple  # (ReferenceState.version, loaded_at)
    vintage: tuple  # (ICB lookup year, councils year) or (None, None)
    memberships: dict  # level -> list of (lsoa, body, council[, fraction])
    weights: dict  # level -> {lsoa: population} or None
    names: dict  # (area level, code) -> (name, ods_code)
    council_2019_of: dict  # today's council -> the 2019 council it lay in (to map 2019 councils on today's outlines)
    reports: dict = field(default_factory=dict)  # (level, threshold) -> report, computed on demand


class _SnapshotCache:
    def __init__(self):
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    def clear(self):
        self._snapshot = None

    def get(self) -> Snapshot:
        state = ReferenceState.objects.filter(pk=1).values_list("version", "loaded_at", "nhs_year", "council_year").first()
        version, loaded_at, nhs_year, council_year = state if state else (0, None, None, None)
        snap = self._snapshot
        if snap is not None and snap.version == (version, loaded_at):
            return snap
        with self._lock:
            snap = _build_snapshot((version, loaded_at), (nhs_year, council_year))
            self._snapshot = snap
            return snap


_SNAPSHOT = _SnapshotCache()


def clear_cache() -> None:
    """Forget the in-memory snapshot (the next computation reads the database again)."""
    _SNAPSHOT.clear()


def _complete(rows) -> dict | None:
    """LSOA -> population when every LSOA has one, else None (weigh each LSOA equally)."""
    if rows and all(pop is not None for _, pop in rows):
        return dict(rows)
    return None


def _build_snapshot(version: tuple, vintage: tuple) -> Snapshot:
    names = {(lvl, code): (name, ods) for lvl, code, name, ods in Area.objects.values_list("level", "code", "name", "ods_code")}
    stp_of = dict(Area.objects.filter(level=Level.CCG).values_list("code", "parent_code"))
    icb_of = dict(Area.objects.filter(level=Level.SUB_ICB).values_list("code", "parent_code"))
    old = [r for r in Lsoa.objects.values_list("code", "ccg20", "utla19", "population") if domain.is_social_services_council(r[2])]
    new = list(Lsoa21.objects.values_list("code", "sub_icb", "council", "population"))
    utla = {code: council for code, _, council, _ in old}
    pct = [(lsoa, body, utla[lsoa], fraction)
           for lsoa, body, fraction in LsoaPctShare.objects.values_list("lsoa_code", "pct_code", "fraction") if lsoa in utla]
    memberships = {
        "pct": pct,
        "ccg": [(code, body, council) for code, body, council, _ in old],
        "stp": [(code, stp_of.get(body, ""), council) for code, body, council, _ in old],
        "sub-icb": [(code, body, council) for code, body, council, _ in new],
        "icb": [(code, icb_of.get(body, ""), council) for code, body, council, _ in new],
    }
    w_old = _complete([(code, pop) for code, _, _, pop in old])
    w_new = _complete([(code, pop) for code, _, _, pop in new])
    weights = {"pct": w_old, "ccg": w_old, "stp": w_old, "sub-icb": w_new, "icb": w_new}
    # Unchanged LSOAs keep their code from 2011 to 2021, and today's councils nest in the 2019 ones.
    votes = defaultdict(Counter)
    for code, _, council, _ in new:
        if code in utla:
            votes[council][utla[code]] += 1
    council_2019_of = {council: c.most_common(1)[0][0] for council, c in votes.items()}
    return Snapshot(version, vintage, memberships, weights, names, council_2019_of)


def parse_threshold(value) -> float:
    if value is None or value == "":
        return domain.DEFAULT_THRESHOLD
    try:
        threshold = float(value)
    except (TypeError, ValueError):
        raise FieldError(f"The threshold must be a number between 0 and 1, not '{value}'", field="threshold") from None
    error = domain.threshold_error(threshold)
    if error:
        raise FieldError(error, field="threshold")
    return threshold


def check_level(level) -> str:
    error = domain.level_error(level or "")
    if error:
        raise FieldError(error, field="level")
    return level


def vintage_text(level: str, vintage: tuple) -> tuple[str, str]:
    """(the bodies' date, the councils' date) of a level, for labels."""
    nhs, councils = vintage if vintage and vintage[0] else (None, None)
    if level in domain.CURRENT_LEVELS:
        return (f"April {nhs}" if nhs else "not loaded", f"April {councils}" if councils else "not loaded")
    return ("2013" if level == "pct" else "April 2020", "April 2019")


def level_labels() -> dict[str, str]:
    """Level -> its label with the vintage in the database, e.g. "Integrated care boards (April 2024)"."""
    vintage = _SNAPSHOT.get().vintage
    return {level: LABELS[level].format(nhs=vintage_text(level, vintage)[0]) for level in domain.LEVELS}


def coterminosity_report(level: str, threshold=domain.DEFAULT_THRESHOLD) -> dict:
    """Coterminosity of every NHS body at `level` with the councils with social services of its time.

    Returns {"level", "threshold", "weighting", "vintage", "bodies": [...], "councils": [...], "summary": {...}}
    with unrounded shares; `rounded_bodies` gives the published JSON shape. Computed once per reference version.
    """
    level = check_level(level)
    threshold = parse_threshold(threshold)
    snap = _SNAPSHOT.get()
    key = (level, threshold)
    if key not in snap.reports:
        snap.reports[key] = _report(snap, level, threshold)
    return snap.reports[key]


def _report(snap: Snapshot, level: str, threshold: float) -> dict:
    result = domain.coterminosity(snap.memberships[level], snap.weights[level], threshold)
    names, body_level, council_level = snap.names, BODY_AREA[level], COUNCIL_AREA[level]

    def body_name(code):
        return names.get((body_level, code), ("", ""))

    def council_name(code):
        return names.get((council_level, code), ("", ""))[0]

    bodies = [
        {
            "code": b.code,
            "ods_code": body_name(b.code)[1],
            "name": body_name(b.code)[0],
            "councils": [
                {"code": c.code, "name": council_name(c.code), "share": c.share, "council_share": c.council_share}
                for c in b.councils
            ],
            "largest_share": b.largest_share,
            "coterminous": b.coterminous,
        }
        for b in result.bodies
    ]
    councils = [
        {
            "code": c.code,
            "name": council_name(c.code),
            "bodies": [
                {"code": o.code, "ods_code": body_name(o.code)[1], "name": body_name(o.code)[0], "share": o.share,
                 "body_share": o.body_share}
                for o in c.bodies
            ],
        }
        for c in result.councils
    ]
    bodies_date, councils_date = vintage_text(level, snap.vintage)
    return {
        "level": level,
        "label": LABELS[level].format(nhs=bodies_date),
        # For the map: today's council outline -> the 2019 council measured there (none for today's levels).
        "outlines": {} if council_level == Level.COUNCIL else dict(snap.council_2019_of),
        "threshold": threshold,
        "weighting": "population" if snap.weights[level] is not None else "lsoa_count",
        "vintage": {"bodies": bodies_date, "councils": councils_date},
        "bodies": bodies,
        "councils": councils,
        "summary": {
            "bodies": len(bodies),
            "several_councils": result.several_count,
            "coterminous": result.coterminous_count,
            "councils": len(councils),
        },
    }


def body(level: str, code: str, threshold=domain.DEFAULT_THRESHOLD) -> dict | None:
    """One NHS body's entry in its level's report, or None."""
    return next((b for b in coterminosity_report(level, threshold)["bodies"] if b["code"] == code), None)


def council(code: str, threshold=domain.DEFAULT_THRESHOLD) -> list[dict]:
    """For one council: at each level where it is measured, the bodies overlapping it (level, label, bodies)."""
    out = []
    for level in reversed(domain.LEVELS):  # today's first
        report = coterminosity_report(level, threshold)
        entry = next((c for c in report["councils"] if c["code"] == code), None)
        if entry:
            coterminous = {b["code"] for b in report["bodies"] if b["coterminous"]}
            out.append({"level": level, "label": report["label"], "short": SHORT[level],
                        "bodies": [{**b, "coterminous": b["code"] in coterminous} for b in entry["bodies"]]})
    return out


def main_councils(level: str) -> dict[str, str]:
    """Body code -> the council holding the largest share of it (how people know a Sub-ICB location)."""
    return {b["code"]: b["councils"][0]["name"] for b in coterminosity_report(level)["bodies"] if b["councils"]}


# --- the coterminosity page: search, filters, order ------------------------------------------------------

SORTS = {
    "code": lambda b: b["code"],
    "name": lambda b: (fold(b["name"]), b["code"]),
    "councils": lambda b: (len(b["councils"]), b["code"]),
    "largest": lambda b: (b["largest_share"], b["code"]),
    "coterminous": lambda b: (b["coterminous"], b["code"]),
}
SPANS = ("", "one", "several")
COTERMINOUS = ("", "yes", "no")


def filter_bodies(report: dict, q: str = "", spans: str = "", coterminous: str = "", sort: str = "code") -> list[dict]:
    """The report's bodies with a word starting with each word of `q` (in their name, codes or the names of the
    councils they overlap), spanning one or several councils, coterminous or not; ordered by `sort` ("-name": descending)."""
    words = search_words(q)
    out = []
    for b in report["bodies"]:
        if spans and (len(b["councils"]) > 1) != (spans == "several"):
            continue
        if coterminous and b["coterminous"] != (coterminous == "yes"):
            continue
        if words:
            text = " " + fold(" ".join([b["name"], b["code"], b["ods_code"], *(c["name"] for c in b["councils"])]))
            if not all(f" {w}" in text for w in words):  # each word starts a word, as in the organisation search
                continue
        out.append(b)
    key = sort.lstrip("-")
    return sorted(out, key=SORTS.get(key, SORTS["code"]), reverse=sort.startswith("-") and key in SORTS)


def export_rows(bodies: list[dict]) -> tuple[list[str], list[list]]:
    """One row per body and council it overlaps: the CSV and XLSX downloads (and the command's CSV)."""
    headers = ["code", "ods_code", "name", "council_code", "council_name", "share", "council_share", "largest_share",
               "coterminous"]
    rows = [[b["code"], b["ods_code"], b["name"], c["code"], c["name"], _r(c["share"]), _r(c["council_share"]),
             _r(b["largest_share"]), "yes" if b["coterminous"] else "no"] for b in bodies for c in b["councils"]]
    return headers, rows


# --- an organisation's own picture -------------------------------------------------------------------------

LEVEL_OF_KIND = {kind: level for level, kind in KIND.items()}


def organisation_picture(kind: str, gss_code: str | None, threshold=domain.DEFAULT_THRESHOLD) -> dict | None:
    """What an NHS body or council page shows of its coterminosity, or None for other kinds (or no data).

    NHS body: {"type": "body", "level", "label", "short", "vintage", "body", "map"}; council: {"type": "council",
    "levels": [...], "map"}. `map` is what the map script shades: today's council outlines -> a value.
    """
    if not gss_code:
        return None
    if kind in LEVEL_OF_KIND:
        level = LEVEL_OF_KIND[kind]
        entry = body(level, gss_code, threshold)
        if entry is None:
            return None
        result = coterminosity_report(level, threshold)
        return {
            "type": "body", "level": level, "label": result["label"], "short": SHORT[level],
            "vintage": result["vintage"], "threshold": result["threshold"], "body": entry,
            # Shaded by how much of each council lies in the body: whole councils dark, edges pale.
            "map": _map_data("share", {c["code"]: c["council_share"] for c in entry["councils"]},
                             {c["code"]: f"{c['name']}: {c['council_share']:.1%} of the council lies in the {SHORT[level]}, "
                                         f"{c['share']:.1%} of the {SHORT[level]}" for c in entry["councils"]}, result),
        }
    if kind == "upper_tier_council":
        levels = council(gss_code, threshold)
        if not levels:
            return None
        result = coterminosity_report(levels[0]["level"], threshold)
        name = next((c["name"] for c in result["councils"] if c["code"] == gss_code), "")
        return {"type": "council", "levels": levels, "threshold": result["threshold"],
                "map": _map_data("highlight", {gss_code: 1}, {gss_code: name}, result)}
    return None


def _map_data(mode: str, values: dict, names: dict, report: dict) -> dict:
    return {"mode": mode, "values": values, "names": names, "outlines": report["outlines"], "fit": True,
            "unit": [SHORT[report["level"]], SHORT_PLURAL[report["level"]]]}


def level_map_data(report: dict) -> dict:
    """The coterminosity page's map: each council shaded by the number of bodies overlapping it."""
    return {
        "mode": "count", "values": {c["code"]: len(c["bodies"]) for c in report["councils"]},
        "names": {c["code"]: c["name"] for c in report["councils"]}, "outlines": report["outlines"], "fit": False,
        "unit": [SHORT[report["level"]], SHORT_PLURAL[report["level"]]],
    }


def _r(x: float) -> float:
    return round(x, 4)


def rounded_bodies(report: dict) -> list[dict]:
    """The published JSON: one object per NHS body, shares rounded to 4 decimal places."""
    return [
        {
            **b,
            "councils": [{**c, "share": _r(c["share"]), "council_share": _r(c["council_share"])} for c in b["councils"]],
            "largest_share": _r(b["largest_share"]),
        }
        for b in report["bodies"]
    ]


def rounded_councils(report: dict) -> list[dict]:
    return [
        {**c, "bodies": [{**o, "share": _r(o["share"]), "body_share": _r(o["body_share"])} for o in c["bodies"]]}
        for c in report["councils"]
    ]


def council_boundaries_gzip() -> bytes:
    return COUNCIL_BOUNDARIES.read_bytes()
