"""Where imported Client Level Data lives, and the DuckDB views the measures read (decision 0100).

Each imported file's events are one Parquet file, `<JOINTCARE_DATA_DIR>/cld/<uuid>.parquet`, holding its rows
(every submission the file held; each submission reads its own by LA_Code and reporting period) under the
Release 2 column names (typed: dates are DATE, costs DECIMAL), in the order of the file they came from; the
views add `Submission_ID` and `Row_Number` (the row of that file; the header is row 1). Hospital activity files are the same, under
`hospital/`. Submission metadata, populations and the status of every file are Django models.

`create_views(con)` registers, on any DuckDB connection:

- `cld_submissions`: every loaded submission (Submission_ID, LA_Code, Reporting_Period_Start_Date,
  Reporting_Period_End_Date, Received_At, File_Name, Row_Count) and whether it is `Selected`;
- `cld_events_all`: every row of every loaded submission, as stored, with `Received_At`;
- `cld_events`: the selected, de-duplicated events, as DHSC's single-submission main table builds them: per
  council the latest submission covering the period; events in its reference period (requests, assessments and
  reviews ending in it, services active in it); one record per DHSC "unique event"; with DHSC's derived fields;
- `cld_events_joined`: the same over a chain of consecutive reference periods per council (DHSC's joined
  submissions table), with open services cropped where the next period does not carry them;
- `cld_person_details`: per council and person, the details of their latest record;
- `populations` (area_code, age_band, population) and `hospital_activity` (one row per distinct episode).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import uuid
from datetime import date, datetime
from pathlib import Path

from django.conf import settings

from jointcare.cld import domain

# DuckDB types of the stored columns.
_KIND_TYPES = {domain.TEXT: "VARCHAR", domain.DATE: "DATE", domain.DECIMAL: "DECIMAL(14,4)"}
# The columns of an events file, in the order of the rows of the file it came from. `Submission_ID` and
# `Row_Number` (the row of that file: the header is row 1, so the Parquet row number + 2) are added on reading.
FILE_COLUMNS: tuple[tuple[str, str], ...] = tuple((f.name, _KIND_TYPES[f.kind]) for f in domain.FIELDS)
EVENT_COLUMNS: tuple[tuple[str, str], ...] = (("Submission_ID", "BIGINT"), ("Row_Number", "BIGINT"), *FILE_COLUMNS)
HOSPITAL_FILE_COLUMNS: tuple[tuple[str, str], ...] = tuple((f.name, _KIND_TYPES[f.kind]) for f in domain.HOSPITAL_FIELDS)
HOSPITAL_COLUMNS: tuple[tuple[str, str], ...] = (("Import_ID", "BIGINT"), ("Row_Number", "BIGINT"), *HOSPITAL_FILE_COLUMNS)

# The values DHSC renames "_Cleaned": ours are Release 2 already, so the cleaned name is the same column.
CLEANED_ALIASES = (
    "Client_Type",
    "Service_Type",
    "Service_Component",
    "Event_Outcome",
    "Delivery_Mechanism",
    "Ethnicity",
    "Assessment_Type",
    "Request_Route_of_Access",
    "Review_Reason",
    "Gender",
    "Accommodation_Status",
    "Employment_Status",
    "Primary_Support_Reason",
    "Client_Funding_Status",
)


_DATA_DIR: contextvars.ContextVar[Path | None] = contextvars.ContextVar("jointcare_cld_data_dir", default=None)


def data_dir() -> Path:
    return Path(settings.JOINTCARE_DATA_DIR)


@contextlib.contextmanager
def using_data_dir(path: Path):
    """Within the block, CLD events files are written to and read from `path` instead of JOINTCARE_DATA_DIR (for
    a load that is not kept: the measures from jointcare's own records, `jointcare.outcomes.source`). Hospital
    activity files are still read from JOINTCARE_DATA_DIR."""
    token = _DATA_DIR.set(Path(path))
    try:
        yield Path(path)
    finally:
        _DATA_DIR.reset(token)


def new_file(kind: str) -> str:
    """A new events file's name, relative to the data directory: `cld/<uuid>.parquet` or `hospital/<uuid>.parquet`.

    Files are written before their rows exist (so no database transaction waits on a large write) and named
    by a fresh UUID, never by an id that a rolled-back transaction could hand out again."""
    assert kind in ("cld", "hospital")
    return f"{kind}/{uuid.uuid4().hex}.parquet"


def absolute(relative: str) -> Path:
    override = _DATA_DIR.get()
    if override is not None and relative.startswith("cld/"):
        return override / relative
    return data_dir() / relative


def copy_to_parquet(con, select_sql: str, relative: str, params: list | None = None) -> Path:
    """Write the rows of `select_sql` to the Parquet file `relative` (written aside, then moved into place)."""
    target = absolute(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".parquet.partial")
    con.execute(
        f"COPY ({select_sql}) TO '{_quote(str(partial))}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 500000)",
        params or [],
    )
    os.replace(partial, target)
    return target


def remove_file(relative: str) -> None:
    if relative:
        absolute(relative).unlink(missing_ok=True)
        absolute(relative).with_suffix(".parquet.partial").unlink(missing_ok=True)


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _empty(columns) -> str:
    return "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS {n}" for n, t in columns) + " WHERE false"


def _read(files: list[tuple], columns) -> str:
    """A SELECT over Parquet files, each (id, file) or (id, file, LA_Code, period start, period end): the id as
    the first of `columns`, and only the submission's rows when one file holds several; or an empty SELECT of
    the same shape when there are none."""
    if not files:
        return _empty(columns)
    id_name = columns[0][0]
    cols = "CAST(file_row_number + 2 AS BIGINT) AS Row_Number, " + ", ".join(
        f"CAST({n} AS {t}) AS {n}" for n, t in columns[2:]
    )
    parts = []
    for pk, f, *key in files:
        where = ""
        if key:
            la, start, end = key
            where = (f" WHERE LA_Code = '{_quote(la)}' AND Reporting_Period_Start_Date = DATE '{start.isoformat()}'"
                     f" AND Reporting_Period_End_Date = DATE '{end.isoformat()}'")
        parts.append(f"SELECT CAST({int(pk)} AS BIGINT) AS {id_name}, {cols} FROM read_parquet('{_quote(str(absolute(f)))}', file_row_number = true){where}")
    return " UNION ALL ".join(parts)


def _values_table(con, name: str, columns, rows) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({', '.join(f'{n} {t}' for n, t in columns)})")
    if rows:
        con.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' for _ in columns)})", rows)


def _hierarchy_sql() -> str:
    whens = " ".join(f"WHEN '{_quote(v)}' THEN {n}" for v, n in domain.EVENT_OUTCOME_HIERARCHY.items())
    return f"CASE Event_Outcome {whens} END"


def create_views(
    con,
    *,
    period_start: date | None = None,
    period_end: date | None = None,
    as_of: datetime | None = None,
    materialize: bool = False,
    submissions=None,
) -> None:
    """Register the CLD views (see the module's docstring) on the DuckDB connection `con`.

    `period_start`/`period_end`: the period the measures are for; a submission is selected for a council when its
    reporting period covers it (starts on or before `period_start`, ends on or after `period_end`), the latest
    received winning. Without a period, each council's submission with the latest reporting period end (the latest
    received among them) is selected. `as_of`: only submissions received by then count (for reproducible
    figures). `materialize`: compute `cld_events` and `cld_events_joined` once into temporary tables.
    `submissions`: only these submissions' ids count (default: every loaded submission).
    """
    from jointcare.cld.models import HospitalImport, Population, Status, Submission

    subs = Submission.objects.filter(status=Status.LOADED)
    if as_of is not None:
        subs = subs.filter(received_at__lte=as_of)
    if submissions is not None:
        subs = subs.filter(pk__in=list(submissions))
    rows = list(
        subs.values_list(
            "pk", "la_code", "reporting_period_start", "reporting_period_end", "received_at", "file_name",
            "row_count", "events_file",
        )
    )
    _values_table(
        con,
        "cld_submissions_loaded",
        (("Submission_ID", "BIGINT"), ("LA_Code", "VARCHAR"), ("Reporting_Period_Start_Date", "DATE"),
         ("Reporting_Period_End_Date", "DATE"), ("Received_At", "TIMESTAMP"), ("File_Name", "VARCHAR"),
         ("Row_Count", "BIGINT")),
        [(r[0], r[1], r[2], r[3], _naive(r[4]), r[5], r[6]) for r in rows],
    )
    if period_end is not None or period_start is not None:
        start = period_start or period_end
        end = period_end or period_start
        covering = f"Reporting_Period_Start_Date <= DATE '{start.isoformat()}' AND Reporting_Period_End_Date >= DATE '{end.isoformat()}'"
        order = "Received_At DESC, Reporting_Period_End_Date DESC, Submission_ID DESC"
    else:
        covering = "true"
        order = "Reporting_Period_End_Date DESC, Received_At DESC, Submission_ID DESC"
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW cld_submissions AS
        SELECT s.*, coalesce(p.Submission_ID IS NOT NULL, false) AS Selected
        FROM cld_submissions_loaded s
        LEFT JOIN (
            SELECT Submission_ID FROM (
                SELECT Submission_ID, row_number() OVER (PARTITION BY LA_Code ORDER BY {order}) AS n
                FROM cld_submissions_loaded WHERE {covering}
            ) WHERE n = 1
        ) p USING (Submission_ID)
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW cld_events_all AS
        SELECT e.*, s.Received_At
        FROM ({_read([(r[0], r[7], r[1], r[2], r[3]) for r in rows], EVENT_COLUMNS)}) e
        JOIN cld_submissions_loaded s USING (Submission_ID)
    """)
    kind = "TABLE" if materialize else "VIEW"
    con.execute(f"CREATE OR REPLACE TEMP {kind} cld_events AS {_single_sql()}")
    con.execute(f"CREATE OR REPLACE TEMP {kind} cld_events_joined AS {_joined_sql()}")
    con.execute("""
        CREATE OR REPLACE TEMP VIEW cld_person_details AS
        SELECT * EXCLUDE (n) FROM (
            SELECT LA_Code, Der_NHS_LA_Combined_Person_ID, NHS_Number, LA_Person_Unique_Identifier, Gender,
                   Ethnicity, Date_of_Birth, Der_Birth_Date, Date_of_Death, Postcode, GP_Practice_Code,
                   Primary_Support_Reason, Accommodation_Status, Employment_Status, Has_Unpaid_Carer,
                   Client_Funding_Status,
                   row_number() OVER (PARTITION BY LA_Code, Der_NHS_LA_Combined_Person_ID
                                      ORDER BY Ref_Period_End_Date DESC, Event_Start_Date DESC,
                                               Der_Event_End_Date DESC NULLS FIRST, Row_Number DESC) AS n
            FROM cld_events_joined
        ) WHERE n = 1
    """)

    _values_table(
        con,
        "populations",
        (("area_code", "VARCHAR"), ("age_band", "VARCHAR"), ("population", "BIGINT")),
        list(Population.objects.values_list("area_code", "age_band", "population")),
    )
    hospital = list(HospitalImport.objects.filter(status=Status.LOADED).values_list("pk", "events_file"))
    fields = ", ".join(f.name for f in domain.HOSPITAL_FIELDS)
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW hospital_activity AS
        SELECT DISTINCT {fields} FROM ({_read(hospital, HOSPITAL_COLUMNS)})
    """)


def events_relation(con, **kwargs):
    """The `cld_events` view as a DuckDB relation (registering the views first; see `create_views`)."""
    create_views(con, **kwargs)
    return con.table("cld_events")


def _naive(moment: datetime | None):
    if moment is None:
        return None
    return moment.replace(tzinfo=None) if moment.tzinfo is None else moment.astimezone(tz=None).replace(tzinfo=None)


# --- the DHSC selection and de-duplication, in SQL ------------------------------------------------------------

def _derived(source: str) -> str:
    """Rows of `source` (events with their submission's Ref_Period_*) with DHSC's derived fields."""
    cleaned = ", ".join(f"{c} AS {c}_Cleaned" for c in CLEANED_ALIASES)
    service_groups = " ".join(f"WHEN '{_quote(v)}' THEN '{_quote(g)}'" for v, g in domain.SERVICE_TYPE_GROUPS.items())
    return f"""
        SELECT *,
            coalesce(NHS_Number, LA_Code || '_' || LA_Person_Unique_Identifier) AS Der_NHS_LA_Combined_Person_ID,
            CASE WHEN Date_of_Death IS NOT NULL AND (Event_End_Date IS NULL OR Date_of_Death < Event_End_Date)
                 THEN Date_of_Death ELSE Event_End_Date END AS Der_Event_End_Date,
            CAST(date_trunc('month', Date_of_Birth) AS DATE) AS Der_Birth_Date,
            {_hierarchy_sql()} AS Event_Outcome_Hierarchy,
            CASE WHEN Event_Outcome LIKE 'NFA%' THEN 'NFA' ELSE Event_Outcome END AS Event_Outcome_Grouped,
            CASE Service_Type {service_groups} END AS Service_Type_Grouped,
            {cleaned}
        FROM ({source})
    """


def _in_period(alias: str = "") -> str:
    """DHSC's event filter: requests, assessments and reviews ending in the reference period; services active in it."""
    return """(
        (Event_Type = 'Service' AND Event_Start_Date <= Ref_Period_End_Date
            AND (Der_Event_End_Date IS NULL OR Der_Event_End_Date >= Ref_Period_Start_Date))
        OR (Event_Type <> 'Service' AND Der_Event_End_Date BETWEEN Ref_Period_Start_Date AND Ref_Period_End_Date)
    )"""


_KEY_COMMON = (
    "LA_Code",
    "Der_NHS_LA_Combined_Person_ID",
    "Event_Start_Date",
    "CASE WHEN Event_Type <> 'Service' THEN Der_Event_End_Date END",
    "Client_Type",
    "Event_Type",
    "CASE WHEN Event_Type = 'Request' THEN Request_Route_of_Access END",
    "CASE WHEN Event_Type = 'Assessment' THEN Assessment_Type END",
    "CASE WHEN Event_Type = 'Service' THEN Service_Type END",
    "CASE WHEN Event_Type = 'Service' THEN Service_Component END",
)
# Single submissions keep more service detail: the delivery and cost fields identify a service too.
_KEY_SINGLE = (
    *_KEY_COMMON,
    "CASE WHEN Event_Type = 'Service' THEN Delivery_Mechanism END",
    "CASE WHEN Event_Type = 'Service' THEN Unit_Cost END",
    "CASE WHEN Event_Type = 'Service' THEN Cost_Frequency_Unit_Type END",
    "CASE WHEN Event_Type = 'Service' THEN Planned_units_per_week END",
)

# Step 3: the record kept for each unique event. (DHSC's "conversation flag" is not in the file format.)
_KEEP_ORDER = (
    "Ref_Period_End_Date DESC, Der_Event_End_Date DESC NULLS FIRST, Event_Outcome_Hierarchy ASC NULLS LAST, "
    "Received_At DESC, Submission_ID DESC, Row_Number DESC"
)


def _unique_ref(key: tuple[str, ...]) -> str:
    return f"LA_Code || '_' || CAST(hash({', '.join(key)}) AS VARCHAR)"


def _single_sql() -> str:
    source = """
        SELECT e.*, s.Reporting_Period_Start_Date AS Ref_Period_Start_Date,
               s.Reporting_Period_End_Date AS Ref_Period_End_Date
        FROM cld_events_all e JOIN cld_submissions s USING (Submission_ID)
        WHERE s.Selected
    """
    return f"""
        SELECT * EXCLUDE (n) FROM (
            SELECT *, {_unique_ref(_KEY_SINGLE)} AS Der_Unique_Event_Ref,
                   bool_or(NHS_Number IS NOT NULL) OVER (PARTITION BY LA_Code, LA_Person_Unique_Identifier)
                       AND NHS_Number IS NULL AS Der_LA_ID_Also_With_NHS_Number,
                   row_number() OVER (PARTITION BY {', '.join(_KEY_SINGLE)} ORDER BY {_KEEP_ORDER}) AS n
            FROM ({_derived(source)})
            WHERE {_in_period()}
        ) WHERE n = 1
    """


def _joined_sql() -> str:
    # The chain of reference periods per council: the selected submission's period, then (walking back) the latest
    # received submission whose period ends the day before the later one starts.
    chain = """
        WITH RECURSIVE latest AS (
            SELECT * FROM (
                SELECT *, row_number() OVER (PARTITION BY LA_Code, Reporting_Period_End_Date
                                             ORDER BY Received_At DESC, Submission_ID DESC) AS n
                FROM cld_submissions_loaded
            ) WHERE n = 1
        ),
        chain(Submission_ID, LA_Code, Reporting_Period_Start_Date, Reporting_Period_End_Date, depth) AS (
            SELECT Submission_ID, LA_Code, Reporting_Period_Start_Date, Reporting_Period_End_Date, 0
            FROM cld_submissions WHERE Selected
            UNION ALL
            SELECT l.Submission_ID, l.LA_Code, l.Reporting_Period_Start_Date, l.Reporting_Period_End_Date, c.depth + 1
            FROM chain c JOIN latest l
              ON l.LA_Code = c.LA_Code AND l.Reporting_Period_End_Date = c.Reporting_Period_Start_Date - 1
              AND l.Reporting_Period_Start_Date < c.Reporting_Period_Start_Date
            WHERE c.depth < 40
        )
        SELECT * FROM chain
    """
    source = f"""
        SELECT e.*, c.Reporting_Period_Start_Date AS Ref_Period_Start_Date,
               c.Reporting_Period_End_Date AS Ref_Period_End_Date, c.depth = 0 AS Last_Period
        FROM cld_events_all e JOIN ({chain}) c USING (Submission_ID)
    """
    key = ", ".join(_KEY_COMMON)
    return f"""
        WITH d AS (
            SELECT *, {_unique_ref(_KEY_COMMON)} AS Der_Unique_Event_Ref
            FROM ({_derived(source)})
            WHERE {_in_period()}
        ),
        -- Step 2: a service open at the end of an earlier period and carried by the next is dropped there (the
        -- later record is kept by step 3); one the next period does not carry ends with its reference period.
        carried AS (
            SELECT DISTINCT Der_Unique_Event_Ref, Ref_Period_Start_Date FROM d WHERE Event_Type = 'Service'
        ),
        cropped AS (
            SELECT d.* REPLACE (
                CASE WHEN d.Event_Type = 'Service' AND NOT d.Last_Period
                          AND (d.Der_Event_End_Date IS NULL OR d.Der_Event_End_Date > d.Ref_Period_End_Date)
                          AND c.Der_Unique_Event_Ref IS NULL
                     THEN d.Ref_Period_End_Date ELSE d.Der_Event_End_Date END AS Der_Event_End_Date
            )
            FROM d LEFT JOIN carried c
              ON c.Der_Unique_Event_Ref = d.Der_Unique_Event_Ref AND c.Ref_Period_Start_Date = d.Ref_Period_End_Date + 1
        )
        SELECT * EXCLUDE (n, Last_Period) FROM (
            SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY {_KEEP_ORDER}) AS n FROM cropped
        ) WHERE n = 1
    """
