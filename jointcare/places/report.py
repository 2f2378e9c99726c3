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


def level_label(level: str) -> str:
    return LABELS[level].format(nhs=vintage_text(level, _SNAPSHOT.get().vintage)[0])


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
        entry = next((c for c in coterminosity_report(level, threshold)["councils"] if c["code"] == code), None)
        if entry:
            report = coterminosity_report(level, threshold)
            coterminous = {b["code"] for b in report["bodies"] if b["coterminous"]}
            out.append({"level": level, "label": level_label(level), "short": SHORT[level],
                        "bodies": [{**b, "coterminous": b["code"] in coterminous} for b in entry["bodies"]]})
    return out


def map_codes(level: str) -> dict[str, str]:
    """For a level measured against the 2019 councils: today's council (the outline) -> the 2019 council it lay in.
    Empty for today's levels, whose councils are the outlines."""
    return {} if COUNCIL_AREA[level] == Level.COUNCIL else dict(_SNAPSHOT.get().council_2019_of)


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
