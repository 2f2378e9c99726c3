"""Build the reference data shipped in jointcare/places/data/ from the public source files.

Developer tool, run by hand when the sources change; nothing at run or test time reads the sources.

    .venv/bin/pip install shapely        # build-time only, not a runtime dependency
    .venv/bin/python scripts/build_reference.py [SOURCE_DIR]

SOURCE_DIR (default ../shared/data relative to the repository) holds the ONS lookups (2020 and current), the
PCT -> CCG 2013 postcode shares, the ODS GP practice file and the boundaries (see its README for provenance).

Writes gzip'd CSV and GeoJSON files and ATTRIBUTION.md. The PCT method is described in
docs/decisions/0012-pct-coterminosity-approximation.md; the current geography in 0014, GP practices in 0015.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections import defaultdict
from pathlib import Path

from shapely.geometry import mapping, shape
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from jointcare.places import domain  # noqa: E402  (pure: the same share arithmetic as the loader)

OUT = ROOT / "jointcare" / "places" / "data"
DEFAULT_SOURCE = ROOT.parent / "shared" / "data"

# April 2019 district changes after the 2013 boundaries: 2013 LAD code -> 2019 LTLA code.
LAD13_TO_LTLA19 = {
    "E06000028": "E06000058",  # Bournemouth -> Bournemouth, Christchurch and Poole
    "E06000029": "E06000058",  # Poole
    "E07000048": "E06000058",  # Christchurch
    "E07000049": "E06000059",  # East Dorset -> Dorset
    "E07000050": "E06000059",  # North Dorset
    "E07000051": "E06000059",  # Purbeck
    "E07000052": "E06000059",  # West Dorset
    "E07000053": "E06000059",  # Weymouth and Portland
    "E07000190": "E07000246",  # Taunton Deane -> Somerset West and Taunton
    "E07000191": "E07000246",  # West Somerset
    "E07000201": "E07000245",  # Forest Heath -> West Suffolk
    "E07000204": "E07000245",  # St Edmundsbury
    "E07000205": "E07000244",  # Suffolk Coastal -> East Suffolk
    "E07000206": "E07000244",  # Waveney
}
# 2013 CCGs drawn under the codes of the shadow CCGs they were formed from in the boundary file.
CCG13_POLYGON_ALIASES = {"13P": ["04W", "05E"], "13T": ["00F", "00G", "00H"]}
# A 2013 CCG covering less than this fraction of a district's area is treated as a boundary sliver.
SLIVER = 0.02
# A vanished 2013 CCG went into each 2020 CCG holding at least this share of it (by LSOA-weighted area).
TARGET_SHARE = 0.1
DECIMALS = 4  # ~10 m: ample for a national map
CTYUA23 = "Counties_and_Unitary_Authorities_December_2023_Boundaries_UK_BSC_4952317392296043005.geo.json.gz"
SIMPLIFY = 0.0015  # degrees, applied to the dissolved council outlines


# 2011 districts since absorbed into a unitary council outside their old county (LSOA names keep them).
FORMER_COUNTY = {"Christchurch": "Dorset"}
# Words dropped when comparing PCT and council names.
NAME_NOISE = {"pct", "teaching", "care", "trust", "plus", "city", "county", "district", "of", "national", "health",
              "service", "the"}


def norm(name: str) -> str:
    """A place name reduced for comparison: 'Stockton-on-Tees Teaching PCT' -> 'stockton on tees'."""
    text = name.lower().replace("&", " and ")
    for ch in ",.-'()":
        text = text.replace(ch, " ")
    return " ".join(w for w in text.split() if w not in NAME_NOISE)


def pct_place_names(pct_names: dict[str, str], la_rows: list[dict]) -> dict[str, set[str]]:
    """PCT code -> normalised names of the councils its area covered.

    From the PCT's own name and its parts ('Hastings and Rother' -> hastings, rother) and from the hand-made
    PCT -> local authority table, whose numbered rows start a zone continued by the unnumbered rows below:
    every PCT of a zone covers every council of it.
    """
    zones: list[tuple[set[str], set[str]]] = []
    for r in la_rows:
        if r["row"].strip() or not zones:
            zones.append((set(), set()))
        if r["pct_name"].strip():
            zones[-1][0].add(norm(r["pct_name"]))
        if r["local_authority"].strip():
            zones[-1][1].add(norm(r["local_authority"]))
    out = {}
    for code, name in pct_names.items():
        own = norm(name)
        names = {own} | {part.strip() for part in own.replace(",", " and ").split(" and ") if part.strip()}
        for zone_pcts, councils in zones:
            if own in zone_pcts:
                names |= councils
        out[code] = names
    unmatched = sorted(n for n in pct_names.values() if not any(norm(n) in z for z, _ in zones))
    if unmatched:
        print(f"    PCTs not in the PCT -> local authority table (own name only): {unmatched}")
    return out


def read_csv(path: Path, header: bool = True):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f)) if header else list(csv.reader(f))


def write_csv(name: str, header: list[str], rows) -> int:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    n = 0
    for row in rows:
        w.writerow(row)
        n += 1
    with gzip.GzipFile(OUT / name, "wb", mtime=0) as f:
        f.write(buf.getvalue().encode())
    print(f"  {name}: {n} rows, {(OUT / name).stat().st_size:,} bytes")
    return n


def rounded(coords):
    if isinstance(coords[0], (int, float)):
        return [round(coords[0], DECIMALS), round(coords[1], DECIMALS)]
    return [rounded(c) for c in coords]


def main(source: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    ons = source / "ons_lookups"
    print(f"Reading {source}")

    # --- LSOAs -----------------------------------------------------------------------------------
    ccg_rows = read_csv(ons / "LSOA11_to_CCG20_to_LAD20_lookup_England.csv")
    utla_of = {r["LSOA11CD"]: r["UTLA19CD"] for r in read_csv(ons / "LSOA11_to_UTLA19_lookup_EW.csv")}
    imd = {r["LSOA11CD"]: r for r in read_csv(ons / "IMD2019_LSOA11_to_LAD19_lookup_England.csv")}
    lsoas = sorted(ccg_rows, key=lambda r: r["LSOA11CD"])
    missing = [r["LSOA11CD"] for r in lsoas if r["LSOA11CD"] not in utla_of or r["LSOA11CD"] not in imd]
    if missing:
        sys.exit(f"LSOAs without an upper-tier council or IMD rank: {missing[:10]}")
    lad19_of = {code: imd[code]["LAD19CD"] for code in imd}
    write_csv(
        "lsoa.csv.gz",
        ["lsoa11cd", "name", "ccg20cd", "lad20cd", "lad19cd", "utla19cd", "imd19_rank"],
        (
            [r["LSOA11CD"], r["LSOA11NM"], r["CCG20CD"], r["LAD20CD"], lad19_of[r["LSOA11CD"]],
             utla_of[r["LSOA11CD"]], imd[r["LSOA11CD"]]["IMD19"]]
            for r in lsoas
        ),
    )

    # --- Areas: STP, CCG, LAD20, LTLA19, UTLA19, PCT, CCG13 ------------------------------------
    areas: dict[tuple[str, str], list[str]] = {}
    stp = read_csv(ons / "CCG20_to_STP20_lookup_England.csv")
    for r in stp:
        areas[("stp", r["STP20CD"])] = [r["STP20CD"], r["STP20NM"], "stp", r["STP20CDH"], ""]
        areas[("ccg", r["CCG20CD"])] = [r["CCG20CD"], r["CCG20NM"], "ccg", r["CCG20CDH"], r["STP20CD"]]
    for r in read_csv(ons / "CCG20_names_codes_England.csv"):
        if ("ccg", r["CCG20CD"]) not in areas:
            sys.exit(f"CCG {r['CCG20CD']} has no STP")
    ltla = [r for r in read_csv(ons / "LTLA19_to_UTLA19_lookup_EW.csv") if r["LTLA19CD"].startswith("E")]
    utla_names = {}
    for r in ltla:
        utla_names[r["UTLA19CD"]] = r["UTLA19NM"]
        areas[("ltla", r["LTLA19CD"])] = [r["LTLA19CD"], r["LTLA19NM"], "ltla", "", r["UTLA19CD"]]
    for code, name in utla_names.items():
        areas[("utla", code)] = [code, name, "utla", "", ""]
    for r in ccg_rows:
        areas[("lad", r["LAD20CD"])] = [r["LAD20CD"], r["LAD20NM"], "lad", "", ""]
    pct_rows = read_csv(source / "pct" / "PCT_to_CCG_2013_postcode_share.csv")
    for r in pct_rows:
        areas[("pct", r["PCT_ONS_CODE"])] = [r["PCT_ONS_CODE"], r["PCT_NAME"], "pct", r["PCT_ODS_CODE"], ""]
        areas[("ccg13", r["CCG_ONS_CODE"])] = [r["CCG_ONS_CODE"], r["CCG_NAME"], "ccg13", r["CCG_ODS_CODE"], ""]
    write_csv("areas.csv.gz", ["code", "name", "level", "ods_code", "parent_code"], sorted(areas.values(), key=lambda a: (a[2], a[0])))

    # --- Council and district polygons -------------------------------------------------------------
    lad13 = json.loads((source / "boundaries" / "eng_lad2013.geojson").read_text())
    ltla_to_utla = {r["LTLA19CD"]: r["UTLA19CD"] for r in ltla}
    by_ltla = defaultdict(list)
    for f in lad13["features"]:
        code = f["properties"]["LAD13CD"]
        code = LAD13_TO_LTLA19.get(code, code)
        if code not in ltla_to_utla:
            sys.exit(f"2013 district {code} has no 2019 upper-tier council")
        by_ltla[code].append(shape(f["geometry"]).buffer(0))
    ltla_shape = {code: unary_union(parts) for code, parts in by_ltla.items()}  # 2019 districts, for the PCTs
    if {ltla_to_utla[c] for c in ltla_shape} != set(utla_names):
        sys.exit(f"councils without districts: {set(utla_names) - {ltla_to_utla[c] for c in ltla_shape}}")

    # --- PCT 2013 -> LSOA fractions (see decision 0012) ---------------------------------------------
    ccg20_codes = {r["CCG20CD"] for r in stp}
    ccg13 = {r["CCG_ONS_CODE"]: r["CCG_ODS_CODE"] for r in pct_rows}
    surviving = {c for c in ccg13 if c in ccg20_codes}
    gone = sorted(set(ccg13) - surviving)
    polys13 = {f["properties"]["ccg_code"]: shape(f["geometry"]).buffer(0) for f in json.loads(
        (source / "boundaries" / "ccg2013.geojson").read_text())["features"]}

    def polygon13(ods):
        return unary_union([polys13[a] for a in CCG13_POLYGON_ALIASES.get(ods, [ods])])

    # Fraction of each district's area in each vanished 2013 CCG.
    overlap = defaultdict(dict)  # ltla -> {ccg13: fraction of the district's area}
    for c in gone:
        geom = polygon13(ccg13[c])
        for code, lg in ltla_shape.items():
            if geom.intersects(lg):
                frac = geom.intersection(lg).area / lg.area
                if frac > 0:
                    overlap[code][c] = frac
    lsoas_by = defaultdict(list)  # (ccg20, ltla19) -> lsoas
    for r in lsoas:
        lsoas_by[(r["CCG20CD"], lad19_of[r["LSOA11CD"]])].append(r["LSOA11CD"])
    new_ccg20 = sorted(ccg20_codes - surviving)
    # Which new 2020 CCGs each vanished 2013 CCG went into: those holding at least TARGET_SHARE of it, scoring
    # each district's LSOAs in a 2020 CCG by the fraction of the district's area in the 2013 CCG.
    ltla_lsoa_count = defaultdict(int)
    for (_m, lt), items in lsoas_by.items():
        ltla_lsoa_count[lt] += len(items)
    targets = {}
    for c in gone:
        score = defaultdict(float)
        for (m, lt), items in lsoas_by.items():
            if m in new_ccg20 and c in overlap.get(lt, {}):
                score[m] += overlap[lt][c] * len(items)
        if not score:
            sys.exit(f"2013 CCG {c} ({ccg13[c]}) overlaps no merged 2020 CCG")
        total = sum(score.values())
        targets[c] = {m for m, v in score.items() if v / total >= TARGET_SHARE}
    # Each district's LSOAs in a new 2020 CCG go to the vanished 2013 CCGs covering the district, in
    # proportion to area: first those that went into that 2020 CCG, else any covering it (a 2013 CCG split
    # between 2020 CCGs), ignoring slivers; failing that, any overlap at all.
    ccg13_of_lsoa: dict[str, dict[str, float]] = {}
    fallbacks = 0
    for (m, lt), items in sorted(lsoas_by.items()):
        if m in surviving:
            split = {m: 1.0}
        else:
            here = overlap.get(lt, {})
            cands = {c: f for c, f in here.items() if m in targets[c] and f >= SLIVER}
            if not cands:
                fallbacks += len(items)
                cands = {c: f for c, f in here.items() if f >= SLIVER} or dict(here)
                print(f"    {len(items)} LSOAs of {m} in {lt}: placed in {sorted(cands)} (2013 CCG split in 2020)")
            if not cands:
                sys.exit(f"No 2013 CCG covers district {lt} of {m}")
            total = sum(cands.values())
            split = {c: f / total for c, f in cands.items()}
        for s in items:
            ccg13_of_lsoa[s] = split
    ccg13_size = defaultdict(float)
    for split in ccg13_of_lsoa.values():
        for c, f in split.items():
            ccg13_size[c] += f
    unplaced = [c for c in ccg13 if ccg13_size[c] == 0]
    print(f"  2013 CCGs: {len(ccg13)}, code surviving in 2020: {len(surviving)}, vanished: {len(gone)}, "
          f"placed by area: {len(gone) - len(unplaced)}, LSOAs placed outside their 2020 CCG's sources: {fallbacks}")
    if unplaced:
        sys.exit(f"2013 CCGs with no LSOAs: {unplaced}")
    # Split each 2013 CCG between PCTs (see decision 0012): each LSOA goes only to the PCTs whose area covers
    # its district (or, failing that, its upper-tier council), plus any PCT with postcodes in the CCG but no
    # council of its own there; with no geographic evidence, to all the CCG's PCTs. Among those it is shared
    # in proportion to f_pc * S_p (f_pc: fraction of PCT p's postcodes in CCG c; S_p: PCT size, solved so
    # that the LSOAs allocated add up to it: a fixed point, in LSOAs).
    f_pc = defaultdict(dict)  # ccg13 -> {pct: fraction of the PCT's postcodes in the CCG}
    pct_names = {}
    for r in pct_rows:
        f_pc[r["CCG_ONS_CODE"]][r["PCT_ONS_CODE"]] = float(r["PCT_POSTCODE_PERCENT_IN_CCG"]) / 100
        pct_names[r["PCT_ONS_CODE"]] = r["PCT_NAME"]
    pcts = sorted(pct_names)
    covers = pct_place_names(pct_names, read_csv(source / "pct" / "PCT_to_LocalAuthority_homogenised.csv"))
    ltla_names = {r["LTLA19CD"]: r["LTLA19NM"] for r in ltla}
    places_of = {}  # lsoa -> (district names, upper-tier names), normalised
    for r in lsoas:
        s = r["LSOA11CD"]
        district11 = r["LSOA11NM"].rsplit(" ", 1)[0]
        upper = {norm(utla_names[utla_of[s]])}
        if district11 in FORMER_COUNTY:
            upper.add(norm(FORMER_COUNTY[district11]))
        places_of[s] = ({norm(district11), norm(r["LAD20NM"]), norm(ltla_names[lad19_of[s]])}, upper)
    allowed_of = {}  # (lsoa, ccg13) -> PCTs among which its share of the CCG is split
    evidence = defaultdict(int)  # how the LSOAs of shared CCGs were placed
    for c, ps in f_pc.items():
        if len(ps) == 1:
            continue
        members = [s for s, split in ccg13_of_lsoa.items() if c in split]
        match = {}
        for s in members:
            districts, upper = places_of[s]
            m = {p for p in ps if covers[p] & districts}
            level = "district"
            if not m:
                m, level = {p for p in ps if covers[p] & upper}, "upper-tier council"
            match[s] = (m, level)
        placed = set().union(*(m for m, _ in match.values()))
        elsewhere = {p for p in ps if p not in placed}  # no council of its own in this CCG
        for s, (m, level) in match.items():
            if m:
                allowed_of[(s, c)] = frozenset(m | elsewhere)
                evidence[level] += 1
            else:
                evidence["none (all the CCG's PCTs)"] += 1
        if elsewhere and placed:
            print(f"    {ccg13[c]}: {', '.join(pct_names[p] for p in sorted(elsewhere))} share every LSOA "
                  "(no council of their own in the CCG)")
    print("  LSOAs of 2013 CCGs shared by several PCTs, placed by: "
          + ", ".join(f"{k} {v}" for k, v in sorted(evidence.items())))
    mass = defaultdict(float)  # (ccg13, allowed PCTs) -> LSOAs
    for s, split in ccg13_of_lsoa.items():
        for c, f in split.items():
            mass[(c, allowed_of.get((s, c), frozenset(f_pc[c])))] += f

    def weights(c, allowed, size):
        total = sum(f_pc[c][q] * size[q] for q in allowed)
        return {p: f_pc[c][p] * size[p] / total for p in allowed}

    size = {p: 1.0 for p in pcts}
    steps = 0
    while steps < 1000:
        steps += 1
        new = defaultdict(float)
        for (c, allowed), m in mass.items():
            for p, w in weights(c, allowed, size).items():
                new[p] += m * w
        delta = max(abs(new[p] - size[p]) for p in pcts)
        size = dict(new)
        if delta < 1e-9:
            break
    print(f"  PCT sizes solved in {steps} steps (last change {delta:.1e} LSOAs)")
    in_ccg = defaultdict(lambda: defaultdict(float))  # ccg13 -> {pct: LSOAs}
    for (c, allowed), m in mass.items():
        for p, w in weights(c, allowed, size).items():
            in_ccg[c][p] += m * w
    g = {c: {p: in_ccg[c][p] / ccg13_size[c] for p in ps} for c, ps in f_pc.items()}
    write_csv(
        "pct_ccg13.csv.gz",
        ["pct_code", "pct_ods", "ccg13_code", "ccg13_ods", "postcode_percent", "ccg13_share"],
        ([r["PCT_ONS_CODE"], r["PCT_ODS_CODE"], r["CCG_ONS_CODE"], r["CCG_ODS_CODE"], r["PCT_POSTCODE_PERCENT_IN_CCG"],
          f"{g[r['CCG_ONS_CODE']][r['PCT_ONS_CODE']]:.6f}"] for r in sorted(pct_rows, key=lambda r: (r["PCT_ONS_CODE"], r["CCG_ONS_CODE"]))),
    )
    pct_rows_out = []
    for s in sorted(ccg13_of_lsoa):
        shares = defaultdict(float)
        for c, f in ccg13_of_lsoa[s].items():
            for p, share in weights(c, allowed_of.get((s, c), f_pc[c]), size).items():
                shares[p] += f * share
        shares = {p: v for p, v in shares.items() if v >= 5e-7}
        total = sum(shares.values())
        pct_rows_out += [[s, p, f"{v / total:.6f}"] for p, v in sorted(shares.items())]
    write_csv("lsoa_pct.csv.gz", ["lsoa11cd", "pct_code", "fraction"], pct_rows_out)

    # --- Current geography: LSOA 2021 -> Sub-ICB location -> ICB, districts -> councils, the bridge ----------
    successors = build_current(source, lsoas, stp)

    # --- GP practices ----------------------------------------------------------------------------
    practices = [
        row for row in read_csv(source / "gp" / "epraccur_2019-12.csv", header=False) if row[12] == "A" and row[25] == "4"
    ]
    # The file's commissioner is the practice's CCG in December 2019. Where that CCG merged in April 2020, its
    # 2020 sub-ICB is the single new 2020 CCG the 2013 CCG of the same code went into (placed by area above).
    ods20 = {r["CCG20CD"]: r["CCG20CDH"] for r in stp}
    gss20 = {ods: gss for gss, ods in ods20.items()}
    successor = {ccg13[c]: ods20[next(iter(t))] for c, t in targets.items() if len(t) == 1}
    current = set(ods20.values())

    def sub_icb_2020(commissioner: str) -> str:
        return commissioner if commissioner in current else successor.get(commissioner, "")

    rows, how = [], defaultdict(int)
    for r in sorted(practices):
        ccg = sub_icb_2020(r[14])
        sub, reason = successors.place(gss20[ccg], " ".join(r[4:9]))
        how[reason] += 1
        rows.append([r[0], r[1], r[9], r[14], ccg, sub])
    write_csv("gp_practices.csv.gz", ["ods_code", "name", "postcode", "commissioner", "sub_icb_2020", "sicbl24cd"], rows)
    unmapped = sorted({r[3] for r in rows if not r[4]})
    print(f"  GP practices: {len(rows)}; without a 2020 sub-ICB: {sum(1 for r in rows if not r[4])} ({unmapped})")
    print("  GP practices' Sub-ICB location: " + ", ".join(f"{k} {v}" for k, v in sorted(how.items())))
    write_attribution(source)


class Successors:
    """Which Sub-ICB locations each 2020 CCG's area went to, and how to place a practice of a divided CCG."""

    def __init__(self, shares: dict[str, dict[str, float]], names: dict[str, set[str]]):
        self.shares = shares  # CCG20 -> {SICBL: share of the CCG's LSOAs}
        self.names = names  # SICBL -> normalised names of the districts and councils it overlaps

    def place(self, ccg20: str, address: str) -> tuple[str, str]:
        """The practice's Sub-ICB location and how it was chosen.

        A CCG that went whole into one Sub-ICB location passes its practices to it. A CCG divided between
        several: the one successor named by a district or council in the practice's address (and by no other
        successor's); otherwise the successor that took most of the CCG.
        """
        shares = self.shares[ccg20]
        main = max(shares, key=lambda s: (shares[s], s))
        if len(shares) == 1:
            return main, "whole CCG"
        words = f" {norm(address)} "
        own = {s: self.names[s] - set().union(*(self.names[o] for o in shares if o != s)) for s in shares}
        named = {s for s, names in own.items() if any(f" {n} " in words for n in names)}
        if len(named) == 1:
            return named.pop(), "divided CCG, by address"
        return main, "divided CCG, largest share"


def build_current(source: Path, lsoas: list[dict], stp: list[dict]) -> Successors:
    """Ship the current lookups in ONS column names (the loader reads downloaded ONS files the same way)."""
    cur = source / "ons_lookups_current"
    lookup = read_csv(cur / "LSOA21_SICBL24_ICB24_LAD23_LAD24_EN_LU_derived.csv.gz")
    ltla = [r for r in read_csv(cur / "LTLA23_UTLA23_EW_LU.csv") if r["LTLA23CD"].startswith("E")]
    bodies_23 = read_csv(cur / "SICBL23_ICB23_NHSER23_EN_LU.csv")
    bridge = [r for r in read_csv(cur / "geographr_lookup_lsoa11_lsoa21_ltla22.csv.gz") if r["lsoa11_code"].startswith("E")]

    utla_of = {r["LTLA23CD"]: r["UTLA23CD"] for r in ltla}
    missing = sorted({r["LAD23CD"] for r in lookup} - set(utla_of))
    if missing:
        sys.exit(f"LAD23 codes without an upper-tier council: {missing}")
    bodies = {}
    for r in lookup:
        bodies[r["SICBL24CD"]] = [r["SICBL24CD"], r["SICBL24CDH"], r["SICBL24NM"], r["ICB24CD"], r["ICB24CDH"], r["ICB24NM"]]
    listed = {r["SICBL23CD"]: [r["SICBL23CD"], r["SICBL23CDH"], r["SICBL23NM"], r["ICB23CD"], r["ICB23CDH"], r["ICB23NM"]]
              for r in bodies_23}
    if bodies != listed:
        sys.exit("The Sub-ICB locations and ICBs of the LSOA lookup differ from the ONS April 2023 list")
    write_csv("lsoa21_sicbl24_lad23.csv.gz", ["LSOA21CD", "SICBL24CD", "LAD23CD"],
              ([r["LSOA21CD"], r["SICBL24CD"], r["LAD23CD"]] for r in sorted(lookup, key=lambda r: r["LSOA21CD"])))
    write_csv("sicbl24_icb24.csv.gz", ["SICBL24CD", "SICBL24CDH", "SICBL24NM", "ICB24CD", "ICB24CDH", "ICB24NM"],
              (bodies[c] for c in sorted(bodies)))
    write_csv("ltla23_utla23.csv.gz", ["LTLA23CD", "LTLA23NM", "UTLA23CD", "UTLA23NM"],
              ([r["LTLA23CD"], r["LTLA23NM"], r["UTLA23CD"], r["UTLA23NM"]] for r in sorted(ltla, key=lambda r: r["LTLA23CD"])))

    # The LSOA 2011 -> 2021 bridge (exact, with change codes). Unchanged LSOAs (U) keep their code, so only the
    # split, merged and irregular ones are shipped: a 2011 code not listed is the same LSOA in 2021.
    if any(r["change_code"] == "U" and r["lsoa11_code"] != r["lsoa21_code"] for r in bridge):
        sys.exit("An unchanged LSOA changed its code")
    if {r["lsoa11_code"] for r in bridge} != {r["LSOA11CD"] for r in lsoas}:
        sys.exit("The bridge's LSOA 2011 codes differ from the 2011 lookup's")
    if {r["lsoa21_code"] for r in bridge} != {r["LSOA21CD"] for r in lookup}:
        sys.exit("The bridge's LSOA 2021 codes differ from the 2021 lookup's")
    changed = sorted((r for r in bridge if r["change_code"] != "U"), key=lambda r: (r["lsoa11_code"], r["lsoa21_code"]))
    write_csv("lsoa11_lsoa21.csv.gz", ["LSOA11CD", "LSOA21CD", "CHGIND"],
              ([r["lsoa11_code"], r["lsoa21_code"], r["change_code"]] for r in changed))

    # Council outlines: the 153 upper-tier councils of December 2023 (ONS, generalised), simplified.
    boundary = json.loads(gzip.decompress((cur / "boundaries" / CTYUA23).read_bytes()))
    features = []
    for f in sorted(boundary["features"], key=lambda f: f["properties"]["CTYUA23CD"]):
        code = f["properties"]["CTYUA23CD"]
        if not code.startswith(domain.SOCIAL_SERVICES_PREFIXES):
            continue
        gj = mapping(shape(f["geometry"]).buffer(0).simplify(SIMPLIFY, preserve_topology=True))
        features.append({"type": "Feature", "properties": {"code": code, "name": f["properties"]["CTYUA23NM"]},
                         "geometry": {"type": gj["type"], "coordinates": rounded(gj["coordinates"])}})
    if {f["properties"]["code"] for f in features} != set(utla_of.values()):
        sys.exit("The council outlines differ from the 2023 upper-tier councils")
    text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    with gzip.GzipFile(OUT / "councils.geojson.gz", "wb", mtime=0) as f:
        f.write(text.encode())
    print(f"  councils.geojson.gz: {len(features)} councils, {(OUT / 'councils.geojson.gz').stat().st_size:,} bytes")

    # Where each 2020 CCG went: its LSOAs (split LSOAs shared equally among their 2021 parts) by Sub-ICB location.
    parts = defaultdict(list)
    for r in bridge:
        parts[r["lsoa11_code"]].append(r["lsoa21_code"])
    sicbl_of = {r["LSOA21CD"]: r["SICBL24CD"] for r in lookup}
    ccg_of = {r["LSOA11CD"]: r["CCG20CD"] for r in lsoas}
    memberships = [(f"{l11}>{l21}", ccg_of[l11], sicbl_of[l21], 1 / len(kids)) for l11, kids in parts.items() for l21 in kids]
    shares = {b.code: {c.code: c.share for c in b.councils} for b in domain.coterminosity(memberships).bodies}
    if set(shares) != {r["CCG20CD"] for r in stp}:
        sys.exit("Some 2020 CCGs have no LSOAs")
    names = defaultdict(set)
    lad_names = {r["LTLA23CD"]: r["LTLA23NM"] for r in ltla}
    utla_names = {r["UTLA23CD"]: r["UTLA23NM"] for r in ltla}
    for r in lookup:
        names[r["SICBL24CD"]] |= {norm(lad_names[r["LAD23CD"]]), norm(utla_names[utla_of[r["LAD23CD"]]])}
    divided = {c: s for c, s in shares.items() if len(s) > 1}
    print(f"  2020 CCGs: {len(shares)}, divided between Sub-ICB locations: {len(divided)} "
          + "; ".join(f"{c} -> " + ", ".join(f"{k} {v:.2%}" for k, v in sorted(s.items())) for c, s in sorted(divided.items())))
    return Successors(shares, names)


def write_attribution(source: Path) -> None:
    readme = (source / "README.md").read_text()
    current_readme = (source / "ons_lookups_current" / "README.md").read_text()

    def origin(name: str) -> str:
        for line in readme.splitlines():
            if name in line:
                cells = [c.strip() for c in line.split("|")]
                return cells[3]
        return "see source README"

    def current(name: str) -> str:
        """The '- Source:' line of a file's section (or of the boundaries section) in the current lookups' README."""
        lines = current_readme.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("#") and name in line)
        line = next(line for line in lines[start:] if line.startswith("- Source"))
        return line.split(":", 1)[1].strip().split(" (last changed")[0].rstrip(".").replace("`", "")

    (OUT / "ATTRIBUTION.md").write_text(f"""# Reference data: sources and licences

Built by `scripts/build_reference.py` from public files. Coordinates are rounded to {DECIMALS} decimal places and
council outlines simplified; lookups are reshaped but not otherwise altered, except the derived PCT files and the
GP practices' Sub-ICB locations.

## Open Government Licence v3.0

Contains public sector information licensed under the Open Government Licence v3.0
(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).
Source: Office for National Statistics (ONS) and NHS Digital.
Contains National Statistics data © Crown copyright and database right 2020, 2023 and 2024.

| File | Made from | Source repository @ commit, path |
|---|---|---|
| lsoa.csv.gz | LSOA11 → CCG20 → LAD20; LSOA11 → UTLA19; IMD 2019 rank by LSOA (ONS, MHCLG) | {origin("LSOA11_to_CCG20_to_LAD20")}; {origin("LSOA11_to_UTLA19")}; {origin("IMD2019_LSOA11")} |
| areas.csv.gz | CCG20 → STP20; LTLA19 → UTLA19; LAD20, PCT and CCG 2013 names and codes (ONS) | {origin("CCG20_to_STP20")}; {origin("LTLA19_to_UTLA19")}; {origin("ccg2ons_PCT_to_CCG_2013.js")} |
| pct_ccg13.csv.gz | PCT → CCG 2013 postcode shares (ONS/NHS); `ccg13_share` derived here | {origin("ccg2ons_PCT_to_CCG_2013.js")} |
| lsoa_pct.csv.gz | Derived here from the files above, the 2013 boundaries below and the PCT → local authority names table (approximation, see docs/decisions) | as above |
| lsoa21_sicbl24_lad23.csv.gz | ONS LSOA 2021 → Sub ICB Location → ICB (April 2024) joined to ONS LSOA 2021 → LAD (April 2023); the columns LSOA21CD, SICBL24CD, LAD23CD | {current("geographr_lookup_lsoa21_icb24")} (ONS service LSOA21_SICBL24_ICB24_CAL24_LAD24_EN_LU; MIT repository, OGL data); {current("LSOA21_LAD23_EW_LU")} |
| sicbl24_icb24.csv.gz | ONS Sub ICB Locations → ICBs (April 2024; identical to the April 2023 list), names and ODS codes | as above; checked against {current("SICBL23_ICB23_NHSER23_EN_LU")} |
| ltla23_utla23.csv.gz | ONS Lower Tier → Upper Tier Local Authority (April 2023), England | {current("LTLA23_UTLA23_EW_LU")} |
| lsoa11_lsoa21.csv.gz | ONS LSOA 2011 → LSOA 2021 exact lookup with change codes, England; rows of unchanged LSOAs (U, same code) left out | {current("geographr_lookup_lsoa11_lsoa21_ltla22")} (ONS service LSOA11_LSOA21_LAD22_EW_LU) |
| gp_practices.csv.gz | ODS GP practice file epraccur, December 2019 (NHS Digital); active GP practices only; the 2020 CCG and April 2024 Sub-ICB location derived here (decision 0015) | {origin("epraccur_2019-12.csv")} |

## Boundaries: Open Government Licence v3.0 and Crown copyright

`councils.geojson.gz`: the 153 English upper-tier councils, ONS Counties and Unitary Authorities (December 2023)
Boundaries UK BSC, simplified. Source: Office for National Statistics licensed under the Open Government Licence
v3.0. Contains OS data © Crown copyright and database right 2023. Taken from {current("## 4. Boundaries")}
(MIT repository, Crown copyright (Department of Health and Social Care) 2024; the geometry is ONS OGL data).

Not shipped, used only when deriving `lsoa_pct.csv.gz`: the 2013 districts, UK-GeoJSON by Martin Chorley, licensed
under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/), {origin("eng_lad2013.geojson")}, contains OS data
© Crown copyright and database right 2013; and the 2013 CCG outlines, ONS boundary data (OGL),
{origin("ccg2013.geojson")}.

## PCT → local authority names (MIT)

Which councils each PCT covered, used to place PCTs that shared a 2013 CCG when deriving `lsoa_pct.csv.gz` (the
table itself is not shipped), comes from a hand-made table in LeonardoCastro/BritishDrugDynamics, MIT licence;
{origin("PCT_to_LocalAuthority_homogenised.csv")}.
""")
    print("  ATTRIBUTION.md")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE)
