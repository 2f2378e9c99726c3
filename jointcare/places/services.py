"""Load the shipped reference data (or a newer ONS lookup a user downloaded) and LSOA populations.

`load_reference` and `load_population` write atomically, with one audit entry each, and compare before they
write, so a second run with the same data writes nothing. Coterminosity (read-only) is in `report.py`.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from jointcare.audit.services import record
from jointcare.errors import FieldError
from jointcare.organisations.domain import FORMER_NAME_SHARE, search_text
from jointcare.organisations.models import Organisation, Succession
from jointcare.places import domain, lookups
from jointcare.places.models import CURRENT_LEVELS, Area, Level, Lsoa, Lsoa21, LsoaPctShare, PctCcg13Share, ReferenceState

DATA_DIR = Path(__file__).resolve().parent / "data"
REFERENCE = "reference"  # Organisation.source of the rows load_reference owns; Succession.source of 2020 -> today
NEWER_LOOKUP = "reference lookup"  # Succession.source of the links made when a newer lookup replaced today's
# The current geography as shipped, in ONS column names (read like a downloaded lookup; decision 0014).
CURRENT_LOOKUP = "lsoa21_sicbl24_lad23.csv.gz"
CURRENT_BODIES = "sicbl24_icb24.csv.gz"
CURRENT_COUNCILS = "ltla23_utla23.csv.gz"
BRIDGE = "lsoa11_lsoa21.csv.gz"  # LSOA 2011 -> 2021, changed LSOAs only: a code not listed is unchanged

Progress = Callable[[str, int, int], None]


def read_data(name: str) -> list[dict]:
    with gzip.open(DATA_DIR / name, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _shipped_rows(name: str) -> list[list[str]]:
    with gzip.open(DATA_DIR / name, "rt", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def shipped_current() -> lookups.CurrentGeography:
    """Today's geography as shipped in the package."""
    councils = lookups.read_councils(_shipped_rows(CURRENT_COUNCILS), CURRENT_COUNCILS)
    return lookups.read_current(
        _shipped_rows(CURRENT_LOOKUP), councils, _shipped_rows(CURRENT_BODIES), CURRENT_LOOKUP, CURRENT_BODIES
    )


def read_current_files(lookup: Path, bodies: Path | None = None, councils: Path | None = None) -> lookups.CurrentGeography:
    """Today's geography from ONS files a user downloaded (CSV); `councils` defaults to the shipped lookup."""

    def rows(path: Path) -> Iterable[list[str]]:
        with open(path, encoding="utf-8-sig", newline="") as f:
            yield from csv.reader(f)

    council_rows = rows(councils) if councils else _shipped_rows(CURRENT_COUNCILS)
    council_lookup = lookups.read_councils(council_rows, councils.name if councils else CURRENT_COUNCILS)
    return lookups.read_current(rows(lookup), council_lookup, rows(bodies) if bodies else None, lookup.name,
                                bodies.name if bodies else "Sub-ICB location list")


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


def _bump(population_loaded: bool | None = None, vintage: tuple[int, int] | None = None) -> None:
    state, _ = ReferenceState.objects.select_for_update().get_or_create(pk=1)
    state.version += 1
    state.loaded_at = timezone.now()
    if population_loaded is not None:
        state.population_loaded = population_loaded
    if vintage is not None:
        state.nhs_year, state.council_year = vintage
    state.save()
    from jointcare.places import report

    transaction.on_commit(report.clear_cache)


def current_vintage() -> tuple[int, int] | None:
    """(ICB lookup year, councils year) of today's geography in the database, or None when none is loaded."""
    state = ReferenceState.objects.filter(pk=1).values_list("nhs_year", "council_year").first()
    return state if state and state[0] else None


# --- load-reference ---------------------------------------------------------------------------------

STEPS = ["areas", "lsoas", "pct shares", "lsoa-pct shares", "current geography", "organisations", "history"]


@transaction.atomic
def load_reference(actor=None, progress: Progress | None = None, current: lookups.CurrentGeography | None = None) -> dict:
    """Load (or bring up to date) areas, LSOAs, PCT shares, today's geography and reference organisations.

    `current`: today's geography from a downloaded ONS lookup (`read_current_files`); by default the shipped
    one, unless the database already holds a newer vintage, which is then kept. Idempotent.
    """

    def tick(i):
        if progress:
            progress(STEPS[i], i + 1, len(STEPS))

    counts = {}
    counts["areas"] = _sync(
        Area.objects.exclude(level__in=CURRENT_LEVELS),
        lambda a: (a.level, a.code),
        {(r["level"], r["code"]): r for r in read_data("areas.csv.gz")},
        ["code", "name", "level", "ods_code", "parent_code"],
    )
    tick(0)
    counts["lsoas"] = _sync(
        Lsoa.objects.all(),
        lambda o: o.code,
        {
            r["lsoa11cd"]: {
                "code": r["lsoa11cd"], "name": r["name"], "ccg20": r["ccg20cd"], "lad20": r["lad20cd"],
                "lad19": r["lad19cd"], "utla19": r["utla19cd"], "imd_rank": int(r["imd19_rank"]),
            }
            for r in read_data("lsoa.csv.gz")
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

    before = current_vintage()
    shipped = current is None
    geo = current or shipped_current()
    kept_newer = shipped and before is not None and before > geo.vintage
    now = before if kept_newer else geo.vintage
    previous = None
    if kept_newer:
        counts["current"] = {"created": 0, "updated": 0, "deleted": 0}
    else:
        if before is not None and before != geo.vintage:
            previous = _current_memberships()
        counts["current"] = _load_current(geo)
    tick(4)
    counts["organisations"], skipped = _load_area_organisations()
    tick(5)
    # 2020 -> today's bodies, when today's geography is the shipped one or is loaded for the first time; a newer
    # lookup replacing an older one links the bodies that closed to those that took their area.
    history = {"created": 0, "updated": 0, "deleted": 0}
    if before is None or (shipped and before == geo.vintage):
        history = _sync_successions_from_2020()
    if previous is not None:
        history["created"] += _link_replaced_bodies(previous)
    counts["history"] = history
    practices, practice_skips = _load_practices()
    skipped += practice_skips
    counts["organisations"] = {k: counts["organisations"][k] + practices[k] for k in practices}
    counts["organisations"]["updated"] += _refresh_search_text()
    tick(6)

    changed = any(c["created"] or c["updated"] or c["deleted"] for c in counts.values())
    if changed or not ReferenceState.objects.filter(pk=1, version__gt=0).exists() or before != now:
        _bump(vintage=now)
    summary = "; ".join(f"{name}: {c['created']} new, {c['updated']} changed, {c['deleted']} removed" for name, c in counts.items())
    vintage_text = f"ICBs {now[0]}, councils {now[1]}" + (" (kept: newer than the shipped lookup)" if kept_newer else "")
    record(actor, "reference.load", object_type="places.reference", object_id="england", after={**counts, "vintage": list(now)},
           summary=f"Loaded reference data ({vintage_text}). {summary}")
    return {"counts": counts, "skipped": skipped, "vintage": now, "kept_newer": kept_newer}


def _current_memberships() -> dict[str, tuple[str, str, str, str]]:
    """LSOA 2021 -> (Sub-ICB location, ICB, district, council) of today's geography in the database."""
    icb_of = dict(Area.objects.filter(level=Level.SUB_ICB).values_list("code", "parent_code"))
    return {code: (sub, icb_of.get(sub, ""), district, council)
            for code, sub, district, council in Lsoa21.objects.values_list("code", "sub_icb", "district", "council")}


def _load_current(geo: lookups.CurrentGeography) -> dict:
    counts = _sync(
        Lsoa21.objects.all(),
        lambda o: o.code,
        {code: {"code": code, "sub_icb": sub, "district": district, "council": council}
         for code, (sub, district, council) in geo.lsoas.items()},
        ["code", "sub_icb", "district", "council"],
    )
    areas = {}
    for code, (ods, name, icb) in geo.sub_icbs.items():
        areas[(Level.SUB_ICB.value, code)] = (name, ods, icb)
    for code, (ods, name) in geo.icbs.items():
        areas[(Level.ICB.value, code)] = (name, ods, "")
    for code, name in geo.councils.names.items():
        areas[(Level.COUNCIL.value, code)] = (name, "", "")
    for code, (name, council) in geo.councils.districts.items():
        areas[(Level.DISTRICT.value, code)] = (name, "", council)
    result = _sync(
        Area.objects.filter(level__in=CURRENT_LEVELS),
        lambda a: (a.level, a.code),
        {(level, code): {"level": level, "code": code, "name": n, "ods_code": o, "parent_code": p}
         for (level, code), (n, o, p) in areas.items()},
        ["code", "name", "level", "ods_code", "parent_code"],
    )
    return {k: counts[k] + result[k] for k in counts}


# --- reference organisations ---------------------------------------------------------------------------

ORG_FIELDS = ["name", "sector", "kind", "ods_code", "gss_code", "parent", "postcode", "active", "source"]


class _ReferenceOrganisations:
    """Writes reference organisations kind by kind, skipping (and reporting) rows whose code an open
    organisation added by people already holds. Reference rows that leave the data are closed, not deleted."""

    def __init__(self):
        others = Organisation.objects.exclude(source=REFERENCE).filter(active=True)
        self.taken_ods = set(others.exclude(ods_code=None).values_list("ods_code", flat=True))
        self.taken_gss = set(others.exclude(gss_code=None).values_list("gss_code", flat=True))
        self.skipped: list[str] = []
        self.totals = {"created": 0, "updated": 0, "deleted": 0}

    def row(self, kind, sector, name, ods="", gss="", parent=None, postcode="", active=True) -> dict | None:
        if active and ((ods and ods in self.taken_ods) or (gss and gss in self.taken_gss)):
            self.skipped.append(f"{kind} {gss or ods} ({name}): code already used by a non-reference organisation")
            return None
        return {
            "name": name, "sector": sector, "kind": kind, "ods_code": ods or None, "gss_code": gss or None,
            "parent_id": parent, "postcode": postcode, "active": active, "source": REFERENCE,
            "search_text": search_text(name, (ods, gss, postcode)),
        }

    def sync(self, kind: str, rows: list[dict | None], key_field: str = "gss_code") -> dict[str, int]:
        """Write one kind; returns code -> pk of its reference rows."""
        wanted = {r[key_field]: r for r in rows if r is not None}
        qs = Organisation.objects.filter(source=REFERENCE, kind=kind)
        gone = [pk for code, pk in qs.filter(active=True).values_list(key_field, "pk") if code not in wanted]
        if gone:  # closed first, so that an open successor may take the code
            Organisation.objects.filter(pk__in=gone).update(active=False)
        result = _sync(qs, lambda o: getattr(o, key_field), wanted, ORG_FIELDS, delete=False)
        for k in self.totals:
            self.totals[k] += result[k]
        self.totals["deleted"] += len(gone)
        return dict(qs.exclude(**{f"{key_field}__isnull": True}).values_list(key_field, "pk"))


def _load_area_organisations() -> tuple[dict, list[str]]:
    """Today's ICBs, Sub-ICB locations, councils and districts, open; the 2020 STPs and CCGs, the 2013 PCTs and the
    2019 councils and districts that no longer exist, closed, kept for their history and partnerships."""
    by_level: dict[str, list[dict]] = defaultdict(list)
    for a in Area.objects.values("level", "code", "name", "ods_code", "parent_code"):
        by_level[a["level"]].append(a)
    w = _ReferenceOrganisations()
    icb = w.sync("icb", [w.row("icb", "nhs", a["name"], a["ods_code"], a["code"]) for a in by_level[Level.ICB]])
    w.sync("sub_icb", [w.row("sub_icb", "nhs", a["name"], a["ods_code"], a["code"], icb.get(a["parent_code"]))
                       for a in by_level[Level.SUB_ICB]])
    stp = w.sync("stp", [w.row("stp", "nhs", a["name"], a["ods_code"], a["code"], active=False) for a in by_level[Level.STP]])
    w.sync("ccg", [w.row("ccg", "nhs", a["name"], a["ods_code"], a["code"], stp.get(a["parent_code"]), active=False)
                   for a in by_level[Level.CCG]])
    w.sync("pct", [w.row("pct", "nhs", a["name"], a["ods_code"], a["code"], active=False) for a in by_level[Level.PCT]])
    today = {a["code"] for a in by_level[Level.COUNCIL]}
    councils = w.sync(
        "upper_tier_council",
        [w.row("upper_tier_council", "council", a["name"], gss=a["code"]) for a in by_level[Level.COUNCIL]]
        + [w.row("upper_tier_council", "council", a["name"], gss=a["code"], active=False) for a in by_level[Level.UTLA]
           if domain.is_social_services_council(a["code"]) and a["code"] not in today],
    )
    districts_today = {a["code"] for a in by_level[Level.DISTRICT]}
    w.sync(
        "district_council",
        [w.row("district_council", "council", a["name"], gss=a["code"], parent=councils.get(a["parent_code"]))
         for a in by_level[Level.DISTRICT] if a["code"].startswith("E07")]
        + [w.row("district_council", "council", a["name"], gss=a["code"], parent=councils.get(a["parent_code"]), active=False)
           for a in by_level[Level.LTLA] if a["code"].startswith("E07") and a["code"] not in districts_today],
    )
    return w.totals, w.skipped


def _load_practices() -> tuple[dict, list[str]]:
    """The GP practices, each under today's Sub-ICB location."""
    parents = _practice_parents()
    w = _ReferenceOrganisations()
    w.sync("gp_practice", [
        w.row("gp_practice", "nhs", p["name"], p["ods_code"], parent=parents.get(p["sicbl24cd"]), postcode=p["postcode"])
        for p in read_data("gp_practices.csv.gz")
    ], "ods_code")
    return w.totals, w.skipped


def _practice_parents() -> dict[str, int]:
    """Sub-ICB location code in the practice file -> the open Sub-ICB location holding it today.

    The file gives each practice its April 2024 Sub-ICB location (decision 0015). When a newer lookup has
    closed that one, the practice follows the successor that took most of its area.
    """
    subs = {code: (pk, active) for code, pk, active in Organisation.objects.filter(source=REFERENCE, kind="sub_icb")
            .values_list("gss_code", "pk", "active")}
    next_of = {}
    for link in Succession.objects.filter(predecessor__kind="sub_icb").order_by("predecessor", "-share", "successor__gss_code"):
        next_of.setdefault(link.predecessor_id, link.successor_id)
    active = dict(Organisation.objects.filter(kind="sub_icb").values_list("pk", "active"))
    parents = {}
    for code, (pk, is_open) in subs.items():
        hops = 0
        while not is_open and pk in next_of and hops < 10:
            pk, hops = next_of[pk], hops + 1
            is_open = active.get(pk, False)
        parents[code] = pk
    return parents


# --- history: who succeeded whom --------------------------------------------------------------------------


def _bridge() -> dict[str, list[str]]:
    """LSOA 2011 -> its 2021 LSOAs, for the changed ones (unchanged LSOAs keep their code)."""
    parts = defaultdict(list)
    for r in read_data(BRIDGE):
        parts[r["LSOA11CD"]].append(r["LSOA21CD"])
    return parts


def _succession_shares(memberships: list[tuple]) -> dict[tuple[str, str], float]:
    """(old, new) -> share of the old body's LSOAs in the new one, through the same arithmetic as coterminosity."""
    result = domain.coterminosity(memberships)
    return {(b.code, c.code): c.share for b in result.bodies for c in b.councils}


def _org_pks(kinds: Iterable[str]) -> dict[tuple[str, str], int]:
    return {(kind, code): pk for kind, code, pk in Organisation.objects.filter(source=REFERENCE, kind__in=list(kinds))
            .exclude(gss_code=None).values_list("kind", "gss_code", "pk")}


def _sync_successions_from_2020() -> dict:
    """CCG 2020 -> Sub-ICB location, STP 2020 -> ICB, and 2019 councils and districts that no longer exist -> their
    successors today, by the share of each old body's 2011 LSOAs (through the 2011 -> 2021 bridge; an LSOA split in
    2021 counts equally in each part)."""
    parts = _bridge()
    stp_of = dict(Area.objects.filter(level=Level.CCG).values_list("code", "parent_code"))
    icb_of = dict(Area.objects.filter(level=Level.SUB_ICB).values_list("code", "parent_code"))
    today = {code: (sub, district, council) for code, sub, district, council
             in Lsoa21.objects.values_list("code", "sub_icb", "district", "council")}
    councils_today = set(Area.objects.filter(level=Level.COUNCIL).values_list("code", flat=True))
    districts_today = set(Area.objects.filter(level=Level.DISTRICT).values_list("code", flat=True))
    ccg, stp, council, district = [], [], [], []
    for code, ccg20, lad19, utla19 in Lsoa.objects.values_list("code", "ccg20", "lad19", "utla19"):
        kids = parts.get(code, [code])
        for kid in kids:
            if kid not in today:
                continue
            sub, lad, upper = today[kid]
            piece, f = f"{code}>{kid}", 1 / len(kids)
            ccg.append((piece, ccg20, sub, f))
            stp.append((piece, stp_of.get(ccg20, ""), icb_of.get(sub, ""), f))
            if utla19 not in councils_today:
                council.append((piece, utla19, upper, f))
            if lad19.startswith("E07") and lad19 not in districts_today:
                district.append((piece, lad19, lad, f))
    pks = _org_pks(["ccg", "sub_icb", "stp", "icb", "upper_tier_council", "district_council"])

    def district_or_council(code):  # a 2019 district went to a district today, or to a unitary council
        return pks.get(("district_council", code)) or pks.get(("upper_tier_council", code))

    wanted = {}
    for memberships, old_kind, new in (
        (ccg, "ccg", lambda c: pks.get(("sub_icb", c))),
        (stp, "stp", lambda c: pks.get(("icb", c))),
        (council, "upper_tier_council", lambda c: pks.get(("upper_tier_council", c))),
        (district, "district_council", district_or_council),
    ):
        for (old, code), share in _succession_shares(memberships).items():
            a, b = pks.get((old_kind, old)), new(code)
            if a and b and a != b:
                wanted[(a, b)] = {"predecessor_id": a, "successor_id": b, "share": round(share, 6), "source": REFERENCE}
    return _sync(Succession.objects.filter(source=REFERENCE), lambda s: (s.predecessor_id, s.successor_id), wanted,
                 ["predecessor", "successor", "share", "source"])


def _link_replaced_bodies(previous: dict[str, tuple[str, str, str, str]]) -> int:
    """After a newer lookup: each Sub-ICB location, ICB, district or council that closed -> the bodies that took its
    LSOAs (the same 2021 LSOAs in both lookups). Returns the number of links made."""
    now = _current_memberships()
    pks = _org_pks(["sub_icb", "icb", "upper_tier_council", "district_council"])
    closed = set(Organisation.objects.filter(source=REFERENCE, active=False).values_list("pk", flat=True))
    # Column of the memberships -> the kinds its codes may be (a unitary council is its own district).
    kinds = {0: ("sub_icb",), 1: ("icb",), 2: ("district_council", "upper_tier_council"), 3: ("upper_tier_council",)}
    links = 0
    for i, candidates in kinds.items():
        def pk(code, candidates=candidates):
            return next((pks[(k, code)] for k in candidates if (k, code) in pks), None)

        memberships = [(code, old[i], now[code][i]) for code, old in previous.items() if code in now]
        for (old, new), share in _succession_shares(memberships).items():
            a, b = pk(old), pk(new)
            if a in closed and b and a != b:
                _, created = Succession.objects.update_or_create(
                    predecessor_id=a, successor_id=b, defaults={"share": round(share, 6), "source": NEWER_LOOKUP}
                )
                links += created
    return links


def _refresh_search_text() -> int:
    """Reference organisations are found by their former names too; write only the texts that changed."""
    former = defaultdict(list)
    links = Succession.objects.filter(share__gte=FORMER_NAME_SHARE)
    for successor, name in links.values_list("successor_id", "predecessor__name").order_by("predecessor__name"):
        former[successor].append(name)
    changed = []
    for org in Organisation.objects.filter(source=REFERENCE).only("pk", "name", "ods_code", "gss_code", "postcode", "search_text"):
        text = search_text(org.name, (org.ods_code, org.gss_code, org.postcode), tuple(former.get(org.pk, ())))
        if text != org.search_text:
            org.search_text = text
            changed.append(org)
    Organisation.objects.bulk_update(changed, ["search_text"], batch_size=1000)
    return len(changed)


# --- load-population ---------------------------------------------------------------------------------


@transaction.atomic
def load_population(actor, text: str) -> dict:
    """Set LSOA populations from CSV text `lsoa_code,population` (a header row is allowed).

    A code sets the 2011 LSOA, the 2021 LSOA or both: an LSOA unchanged in 2021 kept its code, so one file serves
    both (decision 0014). Populations weight coterminosity at a level only when every LSOA it uses has one.
    Errors name the row and field; nothing is written unless the whole file is valid.
    """
    known = dict(Lsoa.objects.values_list("code", "population"))
    known21 = dict(Lsoa21.objects.values_list("code", "population"))
    if not known and not known21:
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
        if code not in known and code not in known21:
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
    changed = 0
    for model, have in ((Lsoa, known), (Lsoa21, known21)):
        rows = [(p, c) for c, p in values.items() if c in have and have[c] != p]
        if rows:
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {table} SET population = %s WHERE code = %s", rows)
        changed += len(rows)
    complete = bool(known) and all(values.get(c, p) is not None for c, p in known.items())
    complete21 = bool(known21) and all(values.get(c, p) is not None for c, p in known21.items())
    _bump(population_loaded=complete or complete21)
    result = {"rows": len(values), "changed": changed, "complete_2011": complete, "complete_2021": complete21}
    record(actor, "reference.population", object_type="places.lsoa", object_id="population", after=result,
           summary=f"Loaded populations for {len(values)} LSOAs ({changed} changed)")
    return result
