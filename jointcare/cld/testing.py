"""Build Client Level Data for tests from Python dicts, without files: submissions, hospital activity, populations.

    from jointcare.cld import testing
    sub = testing.submission(
        [testing.service("P1", "2025-05-01", None, service_type="Short term support: ST-Max"),
         testing.request("P1", "2025-04-20", outcome="Progress to reablement/ST-Max")],
        la_code="E09000001", period=("2025-04-01", "2026-03-31"),
    )
    con = duckdb.connect(); store.create_views(con)

Rows take the Release 2 column names; anything left out gets a plausible default (a service user born 1940-06-15,
the row's council and period). Values are stored as given, without the import's validation, so a test can build
exactly the case it means. The data directory is per test (the root conftest sets JOINTCARE_DATA_DIR).
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from datetime import UTC

import duckdb

from jointcare.cld import domain, store
from jointcare.cld.models import HospitalImport, Population, Status, Submission

_clock = itertools.count()
_BASE = datetime(2026, 1, 1, tzinfo=UTC)


def _date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _next_time() -> datetime:
    return _BASE + timedelta(minutes=next(_clock))


def event(person: str, event_type: str, start, end=None, *, outcome: str | None = None, nhs_number: str | None = None, **fields) -> dict:
    """One CLD row for `person` (their LA_Person_Unique_Identifier); other fields by their Release 2 names."""
    row = {
        "LA_Person_Unique_Identifier": person,
        "NHS_Number": nhs_number,
        "Client_Type": "Service user",
        "Date_of_Birth": "1940-06-15",
        "Gender": "Female",
        "Event_Type": event_type,
        "Event_Start_Date": start,
        "Event_End_Date": end,
        "Event_Outcome": outcome,
    }
    row.update(fields)
    return row


def request(person, start, end=None, *, outcome="NFA: Information and advice or signposting", **fields) -> dict:
    return event(person, "Request", start, end or start, outcome=outcome, **fields)


def assessment(person, start, end=None, *, outcome="Progress to support planning or services", **fields) -> dict:
    fields.setdefault("Assessment_Type", "Long term assessment")
    return event(person, "Assessment", start, end or start, outcome=outcome, **fields)


def review(person, start, end=None, *, outcome="Continuation of support or services", **fields) -> dict:
    return event(person, "Review", start, end or start, outcome=outcome, **fields)


def service(person, start, end=None, *, service_type="Long term support: Community", outcome=None, **fields) -> dict:
    fields.setdefault("Delivery_Mechanism", "CASSR Commissioned support")
    return event(person, "Service", start, end, outcome=outcome, Service_Type=service_type, **fields)


def submission(
    events: list[dict],
    *,
    la_code: str = "E09000001",
    period: tuple = ("2025-04-01", "2026-03-31"),
    received_at: datetime | None = None,
    file_name: str = "test.csv",
) -> Submission:
    """A loaded submission holding `events` (each a dict of Release 2 fields), written as the import writes it."""
    start, end = (_date(p) for p in period)
    sub = Submission.objects.create(
        la_code=la_code,
        reporting_period_start=start,
        reporting_period_end=end,
        received_at=received_at or _next_time(),
        file_name=file_name,
        file_sha256="0" * 64,
        batch="test",
        row_count=len(events),
        status=Status.LOADED,
    )
    names = [n for n, _ in store.FILE_COLUMNS]
    rows = []
    for given in events:
        unknown = set(given) - set(domain.FIELD_NAMES)
        if unknown:
            raise KeyError(f"not Release 2 CLD fields: {sorted(unknown)}")
        row = {"LA_Code": la_code, "Reporting_Period_Start_Date": start, "Reporting_Period_End_Date": end} | given
        rows.append([_value(n, row.get(n)) for n in names])
    sub.events_file = store.new_file("cld")
    _write(rows, store.FILE_COLUMNS, sub.events_file)
    sub.save(update_fields=["events_file"])
    return sub


def hospital(episodes: list[dict], *, received_at: datetime | None = None) -> HospitalImport:
    """Loaded hospital activity: each episode a dict of NHS_Number, Admission_Date, Discharge_Date, ..."""
    record = HospitalImport.objects.create(
        received_at=received_at or _next_time(), file_name="test.csv", file_sha256="0" * 64,
        row_count=len(episodes), status=Status.LOADED,
    )
    defaults = {"Admission_Method": "21", "Discharge_Destination": "19", "Discharge_Method": "1"}
    names = [n for n, _ in store.HOSPITAL_FILE_COLUMNS]
    rows = []
    for given in episodes:
        row = defaults | given
        rows.append([_value(n, row.get(n)) for n in names])
    record.events_file = store.new_file("hospital")
    _write(rows, store.HOSPITAL_FILE_COLUMNS, record.events_file)
    record.save(update_fields=["events_file"])
    return record


def population(area_code: str, age_band: str, people: int) -> Population:
    return Population.objects.update_or_create(
        area_code=area_code, age_band=age_band, defaults={"population": people, "loaded_at": _next_time()}
    )[0]


def _value(name: str, value):
    field = domain.FIELD_BY_NAME.get(name) or next((f for f in domain.HOSPITAL_FIELDS if f.name == name), None)
    if field is not None and field.kind == domain.DATE:
        return _date(value)
    return value


def _write(rows: list[list], columns, relative: str) -> None:
    con = duckdb.connect()
    try:
        con.execute(f"CREATE TEMP TABLE t ({', '.join(f'{n} {t}' for n, t in columns)})")
        if rows:
            con.executemany(f"INSERT INTO t VALUES ({', '.join('?' for _ in columns)})", rows)
        store.copy_to_parquet(con, "SELECT * FROM t", relative)
    finally:
        con.close()


def csv_text(events: list[dict], *, la_code: str = "E09000001", period: tuple = ("2025-04-01", "2026-03-31"),
             columns: list[str] | None = None) -> str:
    """The CSV a council would send for `events` (Release 2 columns unless `columns` names them otherwise)."""
    import csv
    import io

    names = columns or list(domain.FIELD_NAMES)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for given in events:
        row = {"LA_Code": la_code, "Reporting_Period_Start_Date": period[0], "Reporting_Period_End_Date": period[1]} | given
        writer.writerow(["" if row.get(n) is None else str(row.get(n)) for n in (domain.release_2_column(c) or c for c in names)])
    return out.getvalue()
