"""Imports of Client Level Data, hospital activity and populations: validated whole, then loaded all or nothing.

A file loads whole or not at all: one problem anywhere (a mandatory blank, an undefined value, an impossible
date, a duplicate row, a row cut short) and nothing of it is loaded. The submissions a rejected file held are
kept as `rejected`, each with its own rows' problems, so a council's list shows what was tried and why it
failed. Every write is one transaction with one audit entry. Decision 0101.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from jointcare import limits
from jointcare.audit.services import record
from jointcare.cld import domain, store, validation
from jointcare.cld.models import HospitalImport, Population, Status, Submission
from jointcare.cld.validation import Outcome, as_decimal, blank, d, given, quote
from jointcare.errors import FieldError

NOT_LOADED = "not loaded: other rows of the file have problems (a file loads whole or not at all)"


# --- CLD ------------------------------------------------------------------------------------------------------

_CLD_COLUMNS = {domain.column_key(n): n for n in domain.FIELD_NAMES} | {
    domain.column_key(k): v for k, v in domain.RELEASE_1_COLUMNS.items()
}
_CLD_REQUIRED = tuple(dict.fromkeys((*domain.MANDATORY, *domain.MANDATORY_WHEN)))


def _mapped(field: str) -> str:
    return f"{field}__r2"


def _checked_sql(mapped: str, with_row: bool) -> str:
    """`raw` with (once materialized) its row id and, for each field with defined values, the Release 2 value
    and whether the file gave it in a Release 1 spelling (`validation.mapped_columns`)."""
    row = "rowid AS r, " if with_row else ""
    return f"SELECT {row}*, {mapped}, {validation.date_columns(domain.FIELDS)} FROM raw"


def _typed(f: domain.Field) -> str:
    c = f.name
    if f.name in domain.DEFINED_VALUES:
        return f"{_mapped(c)} AS {c}"
    if f.kind == domain.DATE:
        return f"{d(c)} AS {c}"
    if f.kind == domain.DECIMAL:
        return f"{as_decimal(c)} AS {c}"
    if c == "NHS_Number":
        return f"nullif(replace(trim({c}), ' ', ''), '') AS {c}"
    if c == "LA_Code":
        return f"upper(trim({c})) AS {c}"
    return f"nullif(trim({c}), '') AS {c}"


def _check_cld(staged: validation.Staged) -> None:
    con, outcome = staged.con, staged.outcome
    defined = list(domain.DEFINED_VALUES)
    # Scan 1: the distinct values of the fields with defined values (to map Release 1 spellings).
    lists = staged.scan("SELECT " + ", ".join(f"list(DISTINCT {f})" for f in defined) + " FROM raw")
    mapped = validation.mapped_columns(dict(zip(defined, lists[0], strict=True)))
    con.execute(f"CREATE OR REPLACE TEMP VIEW checked AS {_checked_sql(mapped, False)}")
    checks = validation.cld_checks({f: _mapped(f) for f in defined})
    la, start, end = domain.SUBMISSION_KEY
    valid_key = (
        f"regexp_full_match(trim({la}), 'E(06|08|09|10)[0-9]{{6}}') AND {d(start)} IS NOT NULL "
        f"AND {d(end)} IS NOT NULL AND {d(end)} >= {d(start)}"
    )
    release_1 = " + ".join(f"coalesce(CAST({f}__r1 AS INTEGER), 0)" for f in defined)
    fields = ", ".join(domain.FIELD_NAMES)
    # Scan 2: the submissions, their rows, Release 1 spellings, rows with a problem and repeated rows.
    summary = staged.scan(f"""
        SELECT trim({la}), {d(start)}, {d(end)}, count(*), sum({release_1}),
               count(*) FILTER ({validation.any_problem(checks)}), bool_and({valid_key}),
               count(*) - count(DISTINCT hash({fields}))
        FROM checked GROUP BY ALL ORDER BY ALL
    """)
    staged.counted(sum(row[3] for row in summary))
    if outcome.file_errors:
        return
    for la_code, s, e, rows, r1, _bad, valid, _repeats in summary:
        if valid:
            outcome.submissions.append(validation.Found(la_code, s, e, rows, release_1_values=int(r1 or 0)))
    if any(row[5] or row[7] for row in summary):
        # Only a file with problems is held, to name each one by row and field.
        staged.materialize()
        con.execute(f"CREATE OR REPLACE TEMP VIEW checked AS {_checked_sql(mapped, True)}")
        validation.run_checks(con, checks, domain.SUBMISSION_KEY)
        validation.duplicates(con, domain.FIELD_NAMES, domain.SUBMISSION_KEY)
        validation.collect(con, outcome, None)


def validate_cld(path: Path, file_name: str) -> Outcome:
    """The outcome of checking a CLD file, writing nothing (a dry run)."""
    return import_cld(None, path, file_name, dry_run=True)


def import_cld(actor, path: Path, file_name: str, *, dry_run: bool = False) -> Outcome:
    """Check the CLD file at `path` and, unless `dry_run` or a problem was found, load every submission it holds.

    Raises FieldError only for a file that cannot be read at all (not CSV/XLSX, not UTF-8 in its header);
    every other problem is in the returned Outcome's report, row by row.
    """
    file_name = _file_name(file_name)
    with validation.staged(
        Path(path), file_name, columns=_CLD_COLUMNS, fields=domain.FIELD_NAMES, required=_CLD_REQUIRED,
    ) as staged:
        outcome = staged.outcome
        if outcome.file_errors == 0:
            _check_cld(staged)
        if dry_run:
            return outcome
        if not outcome.ok:
            _record_rejected(actor, outcome)
            return outcome
        # Scan 3: the rows, typed and in their Release 2 spelling, straight into Parquet.
        relative = store.new_file("cld")
        try:
            store.copy_to_parquet(
                staged.con, f"SELECT {', '.join(_typed(f) for f in domain.FIELDS)} FROM checked", relative
            )
            _record_loaded(actor, outcome, relative)
        except BaseException:
            store.remove_file(relative)
            raise
    return outcome


@transaction.atomic
def _record_loaded(actor, outcome: Outcome, relative: str) -> list[Submission]:
    received, batch = timezone.now(), uuid.uuid4().hex
    created = [
        Submission.objects.create(
            la_code=found.la_code, reporting_period_start=found.start, reporting_period_end=found.end,
            received_at=received, file_name=outcome.file_name, file_sha256=outcome.sha256, batch=batch,
            row_count=found.rows, status=Status.LOADED, release_1_columns=outcome.release_1_columns,
            release_1_values=found.release_1_values, error_count=0, validation_report=[], events_file=relative,
            received_by=_user(actor),
        )
        for found in outcome.submissions
    ]
    record(
        actor, "cld.import", object_type="cld.submission", object_id=batch,
        after={"file": outcome.file_name, "sha256": outcome.sha256, "rows": outcome.rows,
               "submissions": [dict(found.as_dict(), id=s.pk) for found, s in zip(outcome.submissions, created, strict=True)]},
        summary=f"Loaded {len(created)} CLD submission{'s' if len(created) != 1 else ''} ({outcome.rows:,} rows) from {outcome.file_name}",
    )
    return created


@transaction.atomic
def _record_rejected(actor, outcome: Outcome) -> list[Submission]:
    received, batch = timezone.now(), uuid.uuid4().hex
    created = []
    for found in outcome.submissions:
        report = found.report or [{"row": None, "field": "file", "reason": NOT_LOADED}]
        if found.errors and outcome.file_report:
            report = (outcome.file_report + report)[: validation.MAX_REPORT_ROWS]
        created.append(Submission.objects.create(
            la_code=found.la_code, reporting_period_start=found.start, reporting_period_end=found.end,
            received_at=received, file_name=outcome.file_name, file_sha256=outcome.sha256, batch=batch,
            row_count=found.rows, status=Status.REJECTED, release_1_columns=outcome.release_1_columns,
            release_1_values=found.release_1_values, error_count=found.errors + outcome.file_errors,
            validation_report=report, received_by=_user(actor),
        ))
    record(
        actor, "cld.reject", object_type="cld.submission", object_id=batch,
        after={"file": outcome.file_name, "sha256": outcome.sha256, "rows": outcome.rows, "errors": outcome.error_count,
               "first_problems": outcome.report(20), "submissions": [s.as_dict() for s in outcome.submissions]},
        summary=f"Rejected CLD file {outcome.file_name}: {outcome.error_count:,} problem{'s' if outcome.error_count != 1 else ''}",
    )
    return created


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _file_name(name: str) -> str:
    name = Path(str(name or "upload.csv")).name
    limits.check_text(name, "file")
    return limits.shorten(name, 200)


# --- hospital activity --------------------------------------------------------------------------------------

_HOSPITAL_NAMES = tuple(f.name for f in domain.HOSPITAL_FIELDS)


def _hospital_checks() -> list[validation.Check]:
    checks = validation.field_checks(domain.HOSPITAL_FIELDS)
    for c in domain.HOSPITAL_MANDATORY:
        checks.append(validation.Check(c, blank(c), quote(f"is blank; {c} is mandatory")))
    checks.append(validation.Check(
        "NHS_Number", f"{given('NHS_Number')} AND NOT {validation.nhs_number_ok('NHS_Number')}",
        "'The value is not a valid NHS number (ten digits ending in the right check digit)'",
    ))
    for c, pattern, what in (
        ("Admission_Method", "[0-9A-Za-z]{2}", "a two-character admission method code (e.g. 21)"),
        ("Discharge_Destination", "[0-9]{2}", "a two-digit discharge destination code (e.g. 19)"),
        ("Discharge_Method", "[0-9]", "a one-digit discharge method code (e.g. 1)"),
    ):
        checks.append(validation.Check(
            c, f"{given(c)} AND NOT regexp_full_match(trim({c}), '{pattern}')",
            validation.value_sql(c) + " || " + quote(f" is not {what}"),
        ))
    checks.append(validation.Check(
        "LA_Code", f"{given('LA_Code')} AND NOT regexp_full_match(trim(LA_Code), 'E(06|08|09|10)[0-9]{{6}}')",
        "'''' || left(trim(LA_Code), 60) || ''' is not the GSS code of a council with social services'",
    ))
    for c, condition, why in (
        ("Discharge_Date", f"{d('Discharge_Date')} < {d('Admission_Date')}", "is before the Admission_Date"),
        ("Date_of_Birth", f"{d('Date_of_Birth')} > {d('Admission_Date')}", "is after the Admission_Date"),
        ("Date_of_Birth", f"{d('Date_of_Birth')} < DATE '1900-01-01'", "is before 1900"),
    ):
        checks.append(validation.Check(c, condition, validation.value_sql(c) + " || " + quote(" " + why)))
    return checks


def _hospital_typed(f: domain.Field) -> str:
    c = f.name
    if f.kind == domain.DATE:
        return f"{d(c)} AS {c}"
    if c == "NHS_Number":
        return f"nullif(replace(trim({c}), ' ', ''), '') AS {c}"
    return f"nullif(upper(trim({c})), '') AS {c}"


def import_hospital(actor, path: Path, file_name: str, *, dry_run: bool = False) -> Outcome:
    """Check hospital activity (NHS_Number, Admission_Date, Discharge_Date, Admission_Method,
    Discharge_Destination; optionally Discharge_Method, Date_of_Birth, LA_Code) and load it all or nothing."""
    file_name = _file_name(file_name)
    with validation.staged(
        Path(path), file_name, columns=domain.HOSPITAL_COLUMNS, fields=_HOSPITAL_NAMES, required=domain.HOSPITAL_MANDATORY,
    ) as staged:
        con, outcome = staged.con, staged.outcome
        checks = _hospital_checks()
        if outcome.file_errors == 0:
            dates = validation.date_columns(domain.HOSPITAL_FIELDS)
            con.execute(f"CREATE OR REPLACE TEMP VIEW checked AS SELECT *, {dates} FROM raw")
            rows, bad, repeats = staged.scan(f"""
                SELECT count(*), count(*) FILTER ({validation.any_problem(checks)}),
                       count(*) - count(DISTINCT hash({', '.join(_HOSPITAL_NAMES)})) FROM checked
            """)[0]
            staged.counted(rows)
            if outcome.file_errors == 0 and (bad or repeats):
                staged.materialize()
                con.execute(f"CREATE OR REPLACE TEMP VIEW checked AS SELECT rowid AS r, *, {dates} FROM raw")
                validation.run_checks(con, checks, None)
                validation.duplicates(con, _HOSPITAL_NAMES, None)
                validation.collect(con, outcome, None)
        if dry_run:
            return outcome
        if not outcome.ok:
            with transaction.atomic():
                rejected = HospitalImport.objects.create(
                    received_at=timezone.now(), file_name=file_name, file_sha256=outcome.sha256, row_count=outcome.rows,
                    status=Status.REJECTED, error_count=outcome.error_count, validation_report=outcome.report(),
                    received_by=_user(actor),
                )
                record(actor, "cld.hospital_reject", rejected, after={"file": file_name, "errors": outcome.error_count},
                       summary=f"Rejected hospital activity {file_name}: {outcome.error_count:,} problems")
            return outcome
        relative = store.new_file("hospital")
        try:
            store.copy_to_parquet(
                con, f"SELECT {', '.join(_hospital_typed(f) for f in domain.HOSPITAL_FIELDS)} FROM checked", relative
            )
            with transaction.atomic():
                loaded = HospitalImport.objects.create(
                    received_at=timezone.now(), file_name=file_name, file_sha256=outcome.sha256, row_count=outcome.rows,
                    status=Status.LOADED, events_file=relative, received_by=_user(actor),
                )
                record(actor, "cld.hospital_import", loaded, after={"file": file_name, "rows": outcome.rows},
                       summary=f"Loaded hospital activity {file_name} ({outcome.rows:,} episodes)")
        except BaseException:
            store.remove_file(relative)
            raise
    return outcome


# --- populations --------------------------------------------------------------------------------------------


@dataclass
class PopulationResult:
    rows: int
    changed: int
    kind: str  # "age bands" or "LSOA"


POPULATION_HEADER = ("area_code", "age_band", "population")


def import_population(actor, text: str, *, demo: bool = False) -> PopulationResult:
    """Load populations from CSV text. `area_code,age_band,population` (age bands `18 to 64`, `65 and above`)
    sets the denominators of the per-100,000 measures; `lsoa_code,population` is passed to the places loader,
    which weights coterminosity. All or nothing; errors name the row and field. `demo`: the figures are the demo's
(labelled so wherever they are used), not ONS estimates."""
    first = next(csv.reader(io.StringIO(text[:4096])), [])
    keys = [c.strip().lower() for c in first]
    if keys[:1] == ["lsoa_code"] or (first and first[0].strip().upper().startswith("E01")):
        from jointcare.places import services as places

        result = places.load_population(actor, text)
        return PopulationResult(rows=result["rows"], changed=result["changed"], kind="LSOA")
    if keys[:3] != list(POPULATION_HEADER):
        raise FieldError(
            "Row 1: the header must be area_code,age_band,population (or lsoa_code,population for LSOA populations)",
            errors=[{"row": 1, "field": "file", "message": "the header must be area_code,age_band,population"}],
        )
    errors, values = [], {}
    for n, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        if n == 1 or not "".join(cells).strip():
            continue
        if n > limits.MAX_TABLE_ROWS:
            raise FieldError(f"The file has more than {limits.MAX_TABLE_ROWS:,} rows", field="file")
        cells = [*cells, "", "", ""][:3] if len(cells) <= 3 else cells
        if len(cells) > 3:
            errors.append({"row": n, "field": "file", "message": f"the row has {len(cells)} values; the header has 3"})
            continue
        code, band, people = (c.strip() for c in cells)
        problem = limits.text_problem(code + band + people)
        if problem:
            errors.append({"row": n, "field": "file", "message": f"the row {problem}"})
            continue
        code = code.upper()
        if not domain.COUNCIL_CODE.match(code) and not code.startswith(("E92", "E12", "E38", "E54", "E40")):
            errors.append({"row": n, "field": "area_code", "message": f"'{limits.shorten(code, 20)}' is not a GSS area code"})
            continue
        if band not in domain.AGE_BANDS:
            errors.append({"row": n, "field": "age_band",
                           "message": f"'{limits.shorten(band, 30)}' is not an age band: use '18 to 64' or '65 and above'"})
            continue
        raw = people.replace(",", "")
        if not raw.isdigit() or len(raw) > 9:
            errors.append({"row": n, "field": "population", "message": f"'{limits.shorten(people, 20)}' is not a whole number of people"})
            continue
        if (code, band) in values:
            errors.append({"row": n, "field": "area_code", "message": f"{code} {band} appears more than once"})
            continue
        values[(code, band)] = int(raw)
    if errors:
        first_error = errors[0]
        raise FieldError(f"Row {first_error['row']}, {first_error['field']}: {first_error['message']}", errors=errors[:1000])
    if not values:
        raise FieldError("The file has no rows", field="file")
    return _save_populations(actor, values, demo)


@transaction.atomic
def _save_populations(actor, values: dict, demo: bool = False) -> PopulationResult:
    now = timezone.now()
    before = {(p.area_code, p.age_band): p for p in Population.objects.select_for_update()}
    changed, created, updated = [], [], []
    for (code, band), people in values.items():
        old = before.get((code, band))
        if old is None:
            created.append(Population(area_code=code, age_band=band, population=people, loaded_at=now, demo=demo))
        elif old.population != people or old.demo != demo:
            changed.append({"area_code": code, "age_band": band, "before": old.population, "after": people})
            old.population, old.loaded_at, old.demo = people, now, demo
            updated.append(old)
    Population.objects.bulk_create(created, batch_size=1000)
    Population.objects.bulk_update(updated, ["population", "loaded_at", "demo"], batch_size=1000)
    record(actor, "cld.population", object_type="cld.population", object_id="populations",
           after={"rows": len(values), "new": len(created), "changed": changed[:200], "demo": demo},
           summary=f"Loaded {'demo ' if demo else ''}populations for {len(values)} area and age bands ({len(created)} new, {len(updated)} changed)")
    return PopulationResult(rows=len(values), changed=len(created) + len(updated), kind="age bands")


# --- uploads (the page and the API) -------------------------------------------------------------------------

IMPORTERS = {"cld": import_cld, "hospital": import_hospital}


def import_upload(actor, upload, kind: str, *, dry_run: bool = False) -> Outcome:
    """An uploaded file (Django's UploadedFile) checked and loaded as `kind` ("cld" or "hospital"). The upload is
    copied in chunks to a temporary file first, so DuckDB reads it from disk whatever its size."""
    import tempfile

    if kind not in IMPORTERS:
        raise FieldError("kind must be cld or hospital", field="kind")
    name = _file_name(getattr(upload, "name", "") or "upload.csv")
    suffix = ".xlsx" if name.lower().endswith(".xlsx") else ".csv"
    with tempfile.TemporaryDirectory(prefix="jointcare-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return IMPORTERS[kind](actor, path, name, dry_run=dry_run)


# --- export ---------------------------------------------------------------------------------------------------


def rolling_year(period_end: date) -> date:
    """The first day of the 12 months ending on `period_end` (2026-03-31 -> 2025-04-01)."""
    try:
        year_before = period_end.replace(year=period_end.year - 1)
    except ValueError:  # 29 February: a year before is the 28th
        year_before = period_end.replace(year=period_end.year - 1, day=28)
    return year_before + timedelta(days=1)


@dataclass(frozen=True)
class ExportResult:
    council: str
    period_start: date
    period_end: date
    rows: int
    outcome: Outcome


def export_cld(actor, council: str, period_end: date, path: Path) -> ExportResult:
    """Write `council`'s rolling 12-month CLD submission from jointcare's own records to `path` (CSV) and check
    it as an import would; one audit entry (the export reads every reported person's record)."""
    from jointcare.cld import export, from_records

    council = (council or "").strip().upper()
    if not domain.is_council_code(council):
        raise FieldError("Enter the GSS code of a council with social services (E06, E08, E09 or E10, then 6 "
                         "digits), for example E08000009", field="council")
    start = rolling_year(period_end)
    rows, outcome = export.write_submission(
        from_records.events(council), Path(path), la_code=council, period_start=start, period_end=period_end
    )
    record(
        actor, "cld.export", object_type="cld.export", object_id=council,
        after={"council": council, "period_start": start.isoformat(), "period_end": period_end.isoformat(),
               "rows": rows, "problems": outcome.error_count},
        summary=f"Exported {council}'s CLD submission for {start:%Y-%m-%d} to {period_end:%Y-%m-%d} ({rows:,} rows)",
    )
    return ExportResult(council, start, period_end, rows, outcome)
