"""Reading the ONS lookups of today's NHS geography. Pure: no Django import.

The files shipped in `data/` and the ones a user downloads from the ONS Open Geography Portal are read by the
same code. ONS column names carry the year, and so say which vintage a file is:

- the LSOA lookup: `LSOA21CD`, `SICBLyyCD` and `LADyyCD`, and usually `SICBLyyCDH`/`NM`, `ICByyCD`/`CDH`/`NM`
  (e.g. "LSOA (2021) to Sub ICB Locations to Integrated Care Boards to LAD (April 2024)");
- the Sub-ICB location list, when the LSOA lookup lacks names: `SICBLyyCD`/`CDH`/`NM`, `ICByyCD`/`CDH`/`NM`;
- the councils: `LTLAyyCD`/`NM` (or `LADyyCD`/`NM`) and `UTLAyyCD`/`NM` (or `CTYUAyyCD`/`NM`).

Welsh, Scottish and Northern Irish rows are skipped. Every problem names the file, row (line of the file,
the header being row 1) and column; nothing is returned unless the whole input is valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from jointcare.errors import FieldError
from jointcare.organisations.domain import ods_error

MAX_ROWS = 100_000  # England has 33,755 LSOAs; a larger file is not an LSOA lookup
MAX_ERRORS = 50
LSOA = re.compile(r"^E01\d{6}$")
SUB_ICB = re.compile(r"^E38\d{6}$")
ICB = re.compile(r"^E54\d{6}$")
DISTRICT = re.compile(r"^E0[6-9]\d{6}$")
COUNCIL = re.compile(r"^E(06|08|09|10)\d{6}$")


@dataclass(frozen=True)
class Councils:
    year: int
    districts: dict[str, tuple[str, str]]  # district code -> (name, upper-tier council code)
    names: dict[str, str]  # upper-tier council code -> name


@dataclass(frozen=True)
class CurrentGeography:
    nhs_year: int
    council_year: int
    lsoas: dict[str, tuple[str, str, str]]  # LSOA 2021 -> (Sub-ICB location, district, upper-tier council)
    sub_icbs: dict[str, tuple[str, str, str]]  # code -> (ODS code, name, ICB code)
    icbs: dict[str, tuple[str, str]]  # code -> (ODS code, name)
    councils: Councils

    @property
    def vintage(self) -> tuple[int, int]:
        return (self.nhs_year, self.council_year)


class _Problems:
    def __init__(self):
        self.errors: list[dict] = []

    def add(self, file: str, row: int | None, field: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            where = f"{file}, row {row}, {field}" if row else f"{file}, {field}"
            self.errors.append({"file": file, "row": row, "field": field, "message": f"{where}: {message}"})

    def raise_if_any(self) -> None:
        if self.errors:
            more = " (and more)" if len(self.errors) >= MAX_ERRORS else ""
            raise FieldError(self.errors[0]["message"] + more, errors=self.errors)


def _header(rows: Iterable[list[str]], file: str, problems: _Problems):
    it = iter(rows)
    header = next(it, None)
    if not header:
        problems.add(file, None, "header", "the file is empty")
        problems.raise_if_any()
    return [h.strip().lstrip("\ufeff").upper() for h in header], it


def _find(header: list[str], pattern: str) -> dict[int, int]:
    """Year (2000 + yy) -> column index of the columns matching `pattern` (one group: the two-digit year)."""
    found = {}
    for i, h in enumerate(header):
        m = re.fullmatch(pattern, h)
        if m:
            found[2000 + int(m.group(m.lastindex))] = i
    return found


def _rows(it, file: str, width: int, problems: _Problems):
    for n, cells in enumerate(it, start=2):
        if n > MAX_ROWS + 1:
            problems.add(file, n, "rows", f"more than {MAX_ROWS:,} rows: this is not an LSOA or council lookup")
            problems.raise_if_any()
        if not cells or not "".join(cells).strip():
            continue
        if len(cells) < width:
            problems.add(file, n, "columns", f"expected at least {width} columns, found {len(cells)}")
            continue
        yield n, [c.strip() for c in cells]


def read_councils(rows: Iterable[list[str]], file: str = "councils lookup") -> Councils:
    """The lower-tier -> upper-tier council lookup (e.g. ONS LTLA23_UTLA23_EW_LU), England only."""
    problems = _Problems()
    header, it = _header(rows, file, problems)
    cols = {
        key: _find(header, pattern)
        for key, pattern in {
            "district": r"(LTLA|LAD)(\d\d)CD", "district_name": r"(LTLA|LAD)(\d\d)NM",
            "council": r"(UTLA|CTYUA)(\d\d)CD", "council_name": r"(UTLA|CTYUA)(\d\d)NM",
        }.items()
    }
    for key, label in (("district", "LTLAyyCD"), ("district_name", "LTLAyyNM"), ("council", "UTLAyyCD"),
                       ("council_name", "UTLAyyNM")):
        if len(cols[key]) != 1:
            problems.add(file, 1, label, f"expected one {label} column (or its LAD/CTYUA form), found {len(cols[key])}")
    problems.raise_if_any()
    year = next(iter(cols["council"]))
    d, dn, c, cn = (next(iter(cols[k].values())) for k in ("district", "district_name", "council", "council_name"))
    districts: dict[str, tuple[str, str]] = {}
    names: dict[str, str] = {}
    for n, cells in _rows(it, file, max(d, dn, c, cn) + 1, problems):
        code, council = cells[d].upper(), cells[c].upper()
        if not code.startswith("E"):
            continue  # Wales, Scotland, Northern Ireland
        if not DISTRICT.match(code):
            problems.add(file, n, header[d], f"'{code}' is not an English district code (E06, E07, E08 or E09 and 6 digits)")
        elif code in districts:
            problems.add(file, n, header[d], f"{code} appears more than once")
        if not COUNCIL.match(council):
            problems.add(file, n, header[c], f"'{council}' is not a code of a council with social services (E06, E08, E09 or E10)")
        if not cells[dn] or len(cells[dn]) > 200:
            problems.add(file, n, header[dn], "the name must have 1 to 200 characters")
        if not cells[cn] or len(cells[cn]) > 200:
            problems.add(file, n, header[cn], "the name must have 1 to 200 characters")
        elif names.get(council, cells[cn]) != cells[cn]:
            problems.add(file, n, header[cn], f"{council} is named '{names[council]}' on an earlier row")
        districts[code] = (cells[dn], council)
        names.setdefault(council, cells[cn])
    if not districts and not problems.errors:
        problems.add(file, None, "rows", "the file has no English councils")
    problems.raise_if_any()
    return Councils(year, districts, names)


def read_current(
    lookup: Iterable[list[str]],
    councils: Councils,
    bodies: Iterable[list[str]] | None = None,
    file: str = "LSOA lookup",
    bodies_file: str = "Sub-ICB location list",
) -> CurrentGeography:
    """The LSOA 2021 -> Sub-ICB location -> ICB -> district lookup, with the bodies' names and ODS codes taken
    from the lookup itself or from `bodies` (e.g. ONS SICBL23_ICB23_NHSER23_EN_LU)."""
    problems = _Problems()
    header, it = _header(lookup, file, problems)
    lsoa_col = _find(header, r"LSOA(21)CD")
    sub_col = _find(header, r"SICBL(\d\d)CD")
    lad_col = _find(header, r"LAD(\d\d)CD")
    if not lsoa_col:
        problems.add(file, 1, "LSOA21CD", "there is no LSOA21CD column (this reads lookups of 2021 LSOAs)")
    if len(sub_col) != 1:
        problems.add(file, 1, "SICBLyyCD", f"expected one SICBLyyCD column, found {len(sub_col)}")
    if not lad_col:
        problems.add(file, 1, "LADyyCD", "there is no LADyyCD column")
    problems.raise_if_any()
    nhs_year = next(iter(sub_col))
    # Several LAD columns (LAD23CD and LAD24CD): the one of the councils' year, else the latest.
    lad_year = councils.year if councils.year in lad_col else max(lad_col)
    li, si, di = lsoa_col[2021], sub_col[nhs_year], lad_col[lad_year]

    body_cols = {
        "sub_ods": r"SICBL(\d\d)CDH", "sub_name": r"SICBL(\d\d)NM",
        "icb": r"ICB(\d\d)CD", "icb_ods": r"ICB(\d\d)CDH", "icb_name": r"ICB(\d\d)NM",
    }
    in_lookup = {k: _find(header, p).get(nhs_year) for k, p in body_cols.items()}
    sub_icbs: dict[str, tuple[str, str, str]] = {}
    icbs: dict[str, tuple[str, str]] = {}
    first_row: dict[str, tuple[str, int]] = {}

    def body(source: str, n: int, cells: list[str], cols: dict, names: list[str], sub: str) -> None:
        ods, name, icb = cells[cols["sub_ods"]].upper(), cells[cols["sub_name"]], cells[cols["icb"]].upper()
        icb_ods, icb_name = cells[cols["icb_ods"]].upper(), cells[cols["icb_name"]]
        for problem, col in (
            (ods_error("sub_icb", ods), "sub_ods"),
            (None if ICB.match(icb) else f"'{icb}' is not an ICB code (E54 and 6 digits)", "icb"),
            (ods_error("icb", icb_ods), "icb_ods"),
            (None if 0 < len(name) <= 200 else "the name must have 1 to 200 characters", "sub_name"),
            (None if 0 < len(icb_name) <= 200 else "the name must have 1 to 200 characters", "icb_name"),
        ):
            if problem:
                problems.add(source, n, names[cols[col]], problem)
        new = (ods, name, icb)
        if sub_icbs.setdefault(sub, new) != new:
            where = first_row[sub]
            problems.add(source, n, names[cols["sub_name"]],
                         f"{sub} differs from {where[0]} row {where[1]} (ODS code, name or ICB)")
        first_row.setdefault(sub, (source, n))
        if icbs.setdefault(icb, (icb_ods, icb_name)) != (icb_ods, icb_name):
            problems.add(source, n, names[cols["icb_name"]], f"ICB {icb} has another ODS code or name on an earlier row")

    has_bodies = all(v is not None for v in in_lookup.values())
    lsoas: dict[str, tuple[str, str, str]] = {}
    width = max([li, si, di] + ([v for v in in_lookup.values()] if has_bodies else [])) + 1
    for n, cells in _rows(it, file, width, problems):
        code, sub, district = cells[li].upper(), cells[si].upper(), cells[di].upper()
        if code.startswith("W"):
            continue
        if not LSOA.match(code):
            problems.add(file, n, header[li], f"'{code}' is not an English LSOA code (E01 and 6 digits)")
        elif code in lsoas:
            problems.add(file, n, header[li], f"{code} appears more than once")
        if not SUB_ICB.match(sub):
            problems.add(file, n, header[si], f"'{sub}' is not a Sub-ICB location code (E38 and 6 digits)")
        if district not in councils.districts:
            problems.add(file, n, header[di], f"{district} is not a district in the councils lookup ({councils.year})")
            council = ""
        else:
            council = councils.districts[district][1]
        if has_bodies and SUB_ICB.match(sub):
            body(file, n, cells, in_lookup, header, sub)
        lsoas[code] = (sub, district, council)

    if not has_bodies:
        if bodies is None:
            problems.add(file, 1, "SICBLyyNM", "the lookup has no names and ODS codes of the Sub-ICB locations and "
                         "ICBs: give the Sub-ICB location list too")
            problems.raise_if_any()
        bheader, bit = _header(bodies, bodies_file, problems)
        bsub = _find(bheader, r"SICBL(\d\d)CD").get(nhs_year)
        cols = {k: _find(bheader, p).get(nhs_year) for k, p in body_cols.items()}
        missing = [p.replace(r"(\d\d)", str(nhs_year)[2:]) for k, p in body_cols.items() if cols[k] is None]
        if bsub is None:
            missing.insert(0, f"SICBL{str(nhs_year)[2:]}CD")
        if missing:
            problems.add(bodies_file, 1, missing[0], f"the list lacks the columns {', '.join(missing)}")
            problems.raise_if_any()
        for n, cells in _rows(bit, bodies_file, max([bsub, *cols.values()]) + 1, problems):
            sub = cells[bsub].upper()
            if not SUB_ICB.match(sub):
                problems.add(bodies_file, n, bheader[bsub], f"'{sub}' is not a Sub-ICB location code (E38 and 6 digits)")
                continue
            body(bodies_file, n, cells, cols, bheader, sub)
    unnamed = sorted({s for s, _, _ in lsoas.values()} - set(sub_icbs))
    if unnamed and not problems.errors:
        problems.add(bodies_file if not has_bodies else file, None, "SICBLyyCD",
                     f"no name or ICB for the Sub-ICB locations {', '.join(unnamed[:5])}")
    if not lsoas and not problems.errors:
        problems.add(file, None, "rows", "the file has no English LSOAs")
    problems.raise_if_any()
    used = {s for s, _, _ in lsoas.values()}
    sub_icbs = {k: v for k, v in sub_icbs.items() if k in used}
    icbs = {k: v for k, v in icbs.items() if k in {icb for _, _, icb in sub_icbs.values()}}
    return CurrentGeography(nhs_year, councils.year, lsoas, sub_icbs, icbs, councils)
