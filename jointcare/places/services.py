"""Load the shipped reference data, load populations, and measure coterminosity.

`load_reference` and `load_population` write (atomically, with one audit entry each).
`coterminosity_report` is the one code path the CLI, the API and the page use.
"""

from __future__ import annotations

import csv
import gzip
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from jointcare.audit.services import record
from jointcare.errors import FieldError
from jointcare.organisations.models import Organisation
from jointcare.places import domain
from jointcare.places.models import Area, Level, Lsoa, LsoaPctShare, PctCcg13Share, ReferenceState

DATA_DIR = Path(__file__).resolve().parent / "data"
REFERENCE = "reference"  # Organisation.source of the rows load_reference owns
COUNCIL_BOUNDARIES = DATA_DIR / "councils.geojson.gz"

Progress = Callable[[str, int, int], None]


def read_data(name: str) -> list[dict]:
    with gzip.open(DATA_DIR / name, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- compare-and-write ------------------------------------------------------------------------------


def _sync(queryset, key: Callable, wanted: dict, fields: list[str], *, delete: bool = True) -> dict:
    """Make `queryset` hold exactly the `wanted` rows (key -> field values), writing only differences."""
    model = queryset.model
    attnames = [model._meta.get_field(f).attname for f in fields]
    existing = {key(obj): obj for obj in queryset.only("pk", *fields)}
    create, update = [], []
    for k, values in wanted.items():
        obj = existing.get(k)
        if obj is None:
            create.append(model(**values))
        elif any(getattr(obj, a) != values[a] for a in attnames):
            for a in attnames:
                setattr(obj, a, values[a])
            update.append(obj)
    stale = [obj.pk for k, obj in existing.items() if k not in wanted]
    if create:
        model.objects.bulk_create(create, batch_size=2000)
    if update:
        model.objects.bulk_update(update, fields, batch_size=1000)
    if stale and delete:
        for i in range(0, len(stale), 900):
            model.objects.filter(pk__in=stale[i : i + 900]).delete()
    return {"created": len(create), "updated": len(update), "deleted": len(stale) if delete else 0}


def _bump(population_loaded: bool | None = None) -> None:
    state, _ = ReferenceState.objects.select_for_update().get_or_create(pk=1)
    state.version += 1
    state.loaded_at = timezone.now()
    if population_loaded is not None:
        state.population_loaded = population_loaded
    state.save()
    transaction.on_commit(_SNAPSHOT.clear)


# --- load-reference ---------------------------------------------------------------------------------


@transaction.atomic
def load_reference(actor=None, progress: Progress | None = None) -> dict:
    """Load (or bring up to date) areas, LSOAs, PCT shares and reference organisations. Idempotent."""
    steps = ["areas", "lsoas", "pct shares", "lsoa-pct shares", "organisations"]

    def tick(i):
        if progress:
            progress(steps[i], i + 1, len(steps))

    counts = {}
    areas = read_data("areas.csv.gz")
    counts["areas"] = _sync(
        Area.objects.all(),
        lambda a: (a.level, a.code),
        {(r["level"], r["code"]): r for r in areas},
        ["code", "name", "level", "ods_code", "parent_code"],
    )
    tick(0)
    lsoas = read_data("lsoa.csv.gz")
    counts["lsoas"] = _sync(
        Lsoa.objects.all(),
        lambda o: o.code,
        {
            r["lsoa11cd"]: {
                "code": r["lsoa11cd"], "name": r["name"], "ccg20": r["ccg20cd"], "lad20": r["lad20cd"],
                "lad19": r["lad19cd"], "utla19": r["utla19cd"], "imd_rank": int(r["imd19_rank"]),
            }
            for r in lsoas
        },
        ["code", "name", "ccg20", "lad20", "lad19", "utla19", "imd_rank"],
    )
    tick(1)
    counts["pct_shares"] = _sync(
        PctCcg13Share.objects.all(),
        lambda o: (o.pct_code, o.ccg13_code),
        {
            (r["pct_code"], r["ccg13_code"]): {
                "pct_code": r["pct_code"], "ccg13_code": r["ccg13_code"], "ccg13_ods": r["ccg13_ods"],
                "postcode_percent": float(r["postcode_percent"]), "ccg13_share": float(r["ccg13_share"]),
            }
            for r in read_data("pct_ccg13.csv.gz")
        },
        ["pct_code", "ccg13_code", "ccg13_ods", "postcode_percent", "ccg13_share"],
    )
    tick(2)
    counts["lsoa_pct"] = _sync(
        LsoaPctShare.objects.all(),
        lambda o: (o.lsoa_code, o.pct_code),
        {
            (r["lsoa11cd"], r["pct_code"]): {"lsoa_code": r["lsoa11cd"], "pct_code": r["pct_code"], "fraction": float(r["fraction"])}
            for r in read_data("lsoa_pct.csv.gz")
        },
        ["lsoa_code", "pct_code", "fraction"],
    )
    tick(3)
    counts["organisations"], skipped = _load_organisations(areas)
    tick(4)
    changed = any(c["created"] or c["updated"] or c["deleted"] for c in counts.values())
    if changed or not ReferenceState.objects.filter(pk=1, version__gt=0).exists():
        _bump()
    summary = "; ".join(f"{name}: {c['created']} new, {c['updated']} changed, {c['deleted']} removed" for name, c in counts.items())
    record(actor, "reference.load", object_type="places.reference", object_id="england", after=counts, summary=f"Loaded reference data. {summary}")
    return {"counts": counts, "skipped": skipped}


ORG_FIELDS = ["name", "sector", "kind", "ods_code", "gss_code", "parent", "postcode", "active", "source"]


def _load_organisations(areas: list[dict]) -> tuple[dict, list[str]]:
    """Create or update the reference organisations (source="reference"); others are never touched.

    Reference rows that leave the data are marked inactive rather than deleted (partnerships may point at them).
    """
    by_level: dict[str, list[dict]] = {}
    for a in areas:
        by_level.setdefault(a["level"], []).append(a)
    taken_ods = set(Organisation.objects.exclude(source=REFERENCE).exclude(ods_code=None).values_list("ods_code", flat=True))
    taken_gss = set(Organisation.objects.exclude(source=REFERENCE).exclude(gss_code=None).values_list("gss_code", flat=True))
    skipped: list[str] = []
    totals = {"created": 0, "updated": 0, "deleted": 0}

    def row(kind, sector, name, ods="", gss="", parent=None, postcode="", active=True):
        if (ods and ods in taken_ods) or (gss and gss in taken_gss):
            skipped.append(f"{kind} {gss or ods} ({name}): code already used by a non-reference organisation")
            return None
        return {
            "name": name, "sector": sector, "kind": kind, "ods_code": ods or None, "gss_code": gss or None,
            "parent_id": parent, "postcode": postcode, "active": active, "source": REFERENCE,
        }

    def sync(kind, wanted_rows, key_field):
        wanted = {r[key_field]: r for r in wanted_rows if r is not None}
        qs = Organisation.objects.filter(source=REFERENCE, kind=kind)
        existing_active = {getattr(o, key_field): o.pk for o in qs.filter(active=True).only("pk", key_field)}
        result = _sync(qs, lambda o: getattr(o, key_field), wanted, ORG_FIELDS, delete=False)
        gone = [pk for code, pk in existing_active.items() if code not in wanted]
        if gone:
            Organisation.objects.filter(pk__in=gone).update(active=False)
        for k in totals:
            totals[k] += result[k]
        totals["deleted"] += len(gone)
        return dict(qs.exclude(**{f"{key_field}__isnull": True}).values_list(key_field, "pk"))

    icb = sync("icb", [row("icb", "nhs", a["name"], a["ods_code"], a["code"]) for a in by_level["icb"]], "gss_code")
    sub = sync(
        "sub_icb",
        [row("sub_icb", "nhs", a["name"], a["ods_code"], a["code"], icb.get(a["parent_code"])) for a in by_level["ccg"]],
        "gss_code",
    )
    sync("pct", [row("pct", "nhs", a["name"], a["ods_code"], a["code"], active=False) for a in by_level["pct"]], "gss_code")
    councils = sync(
        "upper_tier_council",
        [row("upper_tier_council", "council", a["name"], gss=a["code"]) for a in by_level["utla"]
         if domain.is_social_services_council(a["code"])],
        "gss_code",
    )
    sync(
        "district_council",
        [row("district_council", "council", a["name"], gss=a["code"], parent=councils.get(a["parent_code"]))
         for a in by_level["ltla"] if a["code"].startswith("E07")],
        "gss_code",
    )
    ods_to_sub = {a["ods_code"]: sub.get(a["code"]) for a in by_level["ccg"]}
    sync(
        "gp_practice",
        [row("gp_practice", "nhs", p["name"], p["ods_code"], parent=ods_to_sub.get(p["sub_icb_2020"]), postcode=p["postcode"])
         for p in read_data("gp_practices.csv.gz")],
        "ods_code",
    )
    return totals, skipped


# --- load-population ---------------------------------------------------------------------------------


@transaction.atomic
def load_population(actor, text: str) -> dict:
    """Set LSOA populations from CSV text `lsoa_code,population` (a header row is allowed).

    Populations weight coterminosity only when every LSOA has one. Errors name the row and field;
    nothing is written unless the whole file is valid.
    """
    known = dict(Lsoa.objects.values_list("code", "population"))
    if not known:
        raise FieldError("Load the reference data first (jointcare load-reference)", field="file")
    errors, values = [], {}
    for n, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not cells or not "".join(cells).strip():
            continue
        code = cells[0].strip().upper()
        if n == 1 and code and not code.startswith("E01"):
            continue  # header
        if len(cells) < 2:
            errors.append({"row": n, "field": "population", "message": "Missing population"})
            continue
        if code not in known:
            errors.append({"row": n, "field": "lsoa_code", "message": f"'{code}' is not an LSOA code in the reference data"})
            continue
        if code in values:
            errors.append({"row": n, "field": "lsoa_code", "message": f"'{code}' appears more than once"})
            continue
        raw = cells[1].strip().replace(",", "")
        if not raw.isdigit():
            errors.append({"row": n, "field": "population", "message": f"'{cells[1].strip()}' is not a whole number of people"})
            continue
        values[code] = int(raw)
    if errors:
        first = errors[0]
        raise FieldError(f"Row {first['row']}, {first['field']}: {first['message']}", errors=errors)
    if not values:
        raise FieldError("The file has no rows", field="file")
    changed = [(p, c) for c, p in values.items() if known[c] != p]
    if changed:
        table = connection.ops.quote_name(Lsoa._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET population = %s WHERE code = %s", changed)
    complete = all(values.get(c, p) is not None for c, p in known.items())
    _bump(population_loaded=complete)
    result = {"rows": len(values), "changed": len(changed), "complete": complete}
    record(actor, "reference.population", object_type="places.lsoa", object_id="population", after=result,
           summary=f"Loaded populations for {len(values)} LSOAs ({len(changed)} changed)")
    return result


# --- coterminosity -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What coterminosity needs from the database, held in memory for one reference data version."""

    version: tuple  # (ReferenceState.version, loaded_at)
    memberships: dict  # level -> list of (lsoa, body, council[, fraction])
    weights: dict | None
    names: dict  # (level, code) -> (name, ods_code)


class _SnapshotCache:
    def __init__(self):
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    def clear(self):
        self._snapshot = None

    def get(self) -> Snapshot:
        state = ReferenceState.objects.filter(pk=1).values_list("version", "loaded_at", "population_loaded").first()
        version, loaded_at, population_loaded = state if state else (0, None, False)
        snap = self._snapshot
        if snap is not None and snap.version == (version, loaded_at):
            return snap
        with self._lock:
            snap = _build_snapshot((version, loaded_at), population_loaded)
            self._snapshot = snap
            return snap


_SNAPSHOT = _SnapshotCache()


def clear_cache() -> None:
    """Forget the in-memory snapshot (the next computation reads the database again)."""
    _SNAPSHOT.clear()


def _build_snapshot(version: tuple, population_loaded: bool) -> Snapshot:
    names = {(lvl, code): (name, ods) for lvl, code, name, ods in Area.objects.values_list("level", "code", "name", "ods_code")}
    icb_of = dict(Area.objects.filter(level=Level.CCG).values_list("code", "parent_code"))
    rows = [r for r in Lsoa.objects.values_list("code", "ccg20", "utla19", "population") if domain.is_social_services_council(r[2])]
    utla = {code: council for code, _, council, _ in rows}
    ccg = [(code, body, council) for code, body, council, _ in rows]
    icb = [(code, icb_of.get(body, ""), council) for code, body, council, _ in rows]
    pct = [(lsoa, body, utla[lsoa], fraction) for lsoa, body, fraction in LsoaPctShare.objects.values_list("lsoa_code", "pct_code", "fraction") if lsoa in utla]
    weights = None
    if population_loaded and rows and all(r[3] is not None for r in rows):
        weights = {code: pop for code, _, _, pop in rows}
    return Snapshot(version, {"ccg": ccg, "icb": icb, "pct": pct}, weights, names)


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


def coterminosity_report(level: str, threshold=domain.DEFAULT_THRESHOLD) -> dict:
    """Coterminosity of every NHS body at `level` with the councils with social services.

    Returns {"level", "threshold", "weighting", "bodies": [...], "councils": [...], "summary": {...}} with
    unrounded shares; `rounded_bodies` gives the published JSON shape.
    """
    level = check_level(level)
    threshold = parse_threshold(threshold)
    snap = _SNAPSHOT.get()
    result = domain.coterminosity(snap.memberships[level], snap.weights, threshold)
    names = snap.names

    def body_name(code):
        return names.get((level, code), ("", ""))

    def council_name(code):
        return names.get(("utla", code), ("", ""))[0]

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
                {"code": o.code, "ods_code": body_name(o.code)[1], "name": body_name(o.code)[0], "share": o.share, "body_share": o.body_share}
                for o in c.bodies
            ],
        }
        for c in result.councils
    ]
    return {
        "level": level,
        "threshold": threshold,
        "weighting": "population" if snap.weights is not None else "lsoa_count",
        "bodies": bodies,
        "councils": councils,
        "summary": {
            "bodies": len(bodies),
            "several_councils": result.several_count,
            "coterminous": result.coterminous_count,
            "councils": len(councils),
        },
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
