"""CLD import: each validation rule, all or nothing, Release 1 spellings, several submissions in one file."""

from datetime import date

import duckdb
import pytest

from jointcare.audit.models import AuditEntry
from jointcare.cld import services, store, testing
from jointcare.cld.models import Status, Submission

pytestmark = pytest.mark.django_db

LA, OTHER = "E09000001", "E08000003"
FY = ("2025-04-01", "2026-03-31")


def run(tmp_path, text, name="cld.csv", dry_run=False, raw=None):
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(text, encoding="utf-8")
    return services.import_cld(None, path, name, dry_run=dry_run)


def problems(outcome):
    return [(p["row"], p["field"]) for p in outcome.report()]


def good():
    return [
        testing.request("P1", "2025-05-01", outcome="Progress to assessment, review or reassessment", nhs_number="9434765919"),
        testing.assessment("P1", "2025-05-02", "2025-05-10"),
        testing.service("P1", "2025-05-11", None, service_type="Short term support: ST-Max", Unit_Cost="20.50",
                        Planned_units_per_week="7"),
        testing.review("P2", "2025-07-01"),
    ]


def stored(sql):
    con = duckdb.connect()
    store.create_views(con)
    return con.execute(sql).fetchall()


def test_a_good_file_loads_its_rows_typed_and_audited(tmp_path):
    outcome = run(tmp_path, testing.csv_text(good()))
    assert outcome.ok, outcome.report()
    sub = Submission.objects.get()
    assert (sub.status, sub.la_code, sub.row_count) == (Status.LOADED, LA, 4)
    assert (sub.reporting_period_start, sub.reporting_period_end) == (date(2025, 4, 1), date(2026, 3, 31))
    rows = stored("SELECT Row_Number, Event_Type, Event_Start_Date, Unit_Cost FROM cld_events_all ORDER BY Row_Number")
    assert [r[:3] for r in rows] == [
        (2, "Request", date(2025, 5, 1)), (3, "Assessment", date(2025, 5, 2)),
        (4, "Service", date(2025, 5, 11)), (5, "Review", date(2025, 7, 1)),
    ]
    assert float(rows[2][3]) == 20.5
    assert AuditEntry.objects.filter(action="cld.import").count() == 1


def test_a_dry_run_checks_and_writes_nothing(tmp_path):
    outcome = run(tmp_path, testing.csv_text(good()), dry_run=True)
    assert outcome.ok and [s.rows for s in outcome.submissions] == [4]
    assert not Submission.objects.exists() and not AuditEntry.objects.exists()


def test_one_file_holds_several_councils_submissions(tmp_path):
    text = testing.csv_text(good(), la_code=LA) + testing.csv_text(good()[:2], la_code=OTHER).split("\n", 1)[1]
    outcome = run(tmp_path, text)
    assert outcome.ok, outcome.report()
    assert sorted(Submission.objects.values_list("la_code", "row_count")) == [(OTHER, 2), (LA, 4)]
    assert len(set(Submission.objects.values_list("batch", flat=True))) == 1


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"LA_Person_Unique_Identifier": ""}, "LA_Person_Unique_Identifier", "mandatory"),
        ({"Event_Type": " "}, "Event_Type", "mandatory"),
        ({"Event_End_Date": None, "Event_Type": "Review"}, "Event_End_Date", "mandatory for this review"),
        ({"Service_Type": None, "Event_Type": "Service", "Event_Outcome": None}, "Service_Type", "mandatory for this service"),
        ({"Date_of_Birth": None}, "Date_of_Birth", "mandatory for a service user"),
        ({"Event_Type": "Phone call"}, "Event_Type", "'Phone call' is not a defined value"),
        ({"Event_Outcome": "Went home"}, "Event_Outcome", "not a defined value"),
        ({"Client_Type": "Patient"}, "Client_Type", "not a defined value"),
        ({"Ethnicity": "White"}, "Ethnicity", "not a defined value"),
        ({"Event_Start_Date": "31/02/2025"}, "Event_Start_Date", "is not a date"),
        ({"Unit_Cost": "lots"}, "Unit_Cost", "is not a number"),
        ({"Unit_Cost": "-5"}, "Unit_Cost", "is negative"),
        ({"NHS_Number": "9434765918"}, "NHS_Number", "not a valid NHS number"),
        ({"LA_Code": "E07000001"}, "LA_Code", "not the GSS code"),
        ({"Event_Start_Date": "2025-06-01", "Event_End_Date": "2025-05-01"}, "Event_End_Date", "before the Event_Start_Date"),
        ({"Date_of_Birth": "2025-06-01", "Event_Start_Date": "2025-05-01"}, "Date_of_Birth", "after the event starts"),
        ({"Date_of_Birth": "1850-01-01"}, "Date_of_Birth", "before 1900"),
        ({"Date_of_Death": "1930-01-01", "Date_of_Birth": "1940-01-01"}, "Date_of_Death", "before the Date_of_Birth"),
        ({"Date_of_Death": "2025-04-20"}, "Event_Start_Date", "after the person's Date_of_Death"),
        ({"Event_Start_Date": "2026-04-02", "Event_End_Date": "2026-04-03"}, "Event_Start_Date", "after the reporting period ends"),
        ({"GP_Practice_Code": "X" * 40}, "GP_Practice_Code", "characters long"),
    ],
)
def test_each_rule_names_the_row_and_field_and_loads_nothing(tmp_path, change, field, words):
    rows = good()
    rows[1] = rows[1] | change
    outcome = run(tmp_path, testing.csv_text(rows))
    assert not outcome.ok
    found = [p for p in outcome.report() if p["row"] == 3 and p["field"] == field]
    assert found and words in found[0]["reason"], outcome.report()
    assert not stored("SELECT * FROM cld_events_all")
    sub = Submission.objects.get()
    assert sub.status == Status.REJECTED and sub.error_count >= 1
    assert {"row": 3, "field": field} == {k: found[0][k] for k in ("row", "field")}


def test_reporting_period_ending_before_it_starts_is_reported(tmp_path):
    outcome = run(tmp_path, testing.csv_text(good(), period=("2026-03-31", "2025-04-01")))
    assert not outcome.ok
    assert (2, "Reporting_Period_End_Date") in problems(outcome)
    assert not Submission.objects.exists()  # no valid submission key: nothing to record but the audit entry


def test_a_duplicate_row_is_reported_against_the_row_it_repeats(tmp_path):
    rows = good()
    outcome = run(tmp_path, testing.csv_text([*rows, rows[1]]))
    assert not outcome.ok
    assert outcome.report() == [{"row": 6, "field": "row", "reason": "repeats row 3 exactly (a duplicate event)"}]


def test_a_bad_submission_stops_the_whole_file_and_each_is_kept_as_rejected(tmp_path):
    bad = good()
    bad[0] = bad[0] | {"Event_Type": "Nonsense"}
    text = testing.csv_text(good(), la_code=LA) + testing.csv_text(bad, la_code=OTHER).split("\n", 1)[1]
    outcome = run(tmp_path, text)
    assert not outcome.ok
    assert not stored("SELECT * FROM cld_events_all")
    subs = {s.la_code: s for s in Submission.objects.all()}
    assert {s.status for s in subs.values()} == {Status.REJECTED}
    assert subs[OTHER].validation_report[0]["field"] == "Event_Type"
    assert "a file loads whole or not at all" in subs[LA].validation_report[0]["reason"]
    assert AuditEntry.objects.filter(action="cld.reject").count() == 1


def test_release_1_column_names_and_values_are_accepted_and_stored_as_release_2(tmp_path):
    rows = good()
    rows[0] = rows[0] | {"Event_Outcome": "NFA - Information and advice or signposting"}
    rows[2] = rows[2] | {"Service_Type": "Short Term Support: ST-Max"}
    rows[3] = rows[3] | {"Ethnicity": "Mixed: White and Asian"}
    from jointcare.cld import domain

    columns = [{"Method_of_Assessment": "Method_Of_Assessment", "Request_Route_of_Access": "Route_of_Access",
                "LA_Person_Unique_Identifier": "LA_Person_ID"}.get(n, n) for n in domain.FIELD_NAMES]
    outcome = run(tmp_path, testing.csv_text(rows, columns=columns))
    assert outcome.ok, outcome.report()
    sub = Submission.objects.get()
    assert (sub.release_1_columns, sub.release_1_values) == (3, 3)
    got = stored("SELECT Event_Outcome, Service_Type, Ethnicity, LA_Person_Unique_Identifier FROM cld_events_all ORDER BY Row_Number")
    assert got[0][0] == "NFA: Information and advice or signposting"
    assert got[2][1] == "Short term support: ST-Max"
    assert got[3][2] == "Mixed or multiple ethnic groups: White and Asian"
    assert got[3][3] == "P2"


def test_a_missing_column_is_reported_on_the_header(tmp_path):
    from jointcare.cld import domain

    columns = [n for n in domain.FIELD_NAMES if n != "Event_Type"]
    outcome = run(tmp_path, testing.csv_text(good(), columns=columns))
    assert outcome.report() == [{"row": 1, "field": "Event_Type", "reason": "the column Event_Type is missing"}]
    assert not Submission.objects.exists()


def test_a_truncated_file_is_reported_at_its_last_row(tmp_path):
    text = testing.csv_text(good())
    outcome = run(tmp_path, text[: text.rstrip("\n").rfind(",") - 3])
    assert not outcome.ok
    assert [p["row"] for p in outcome.report()] == [5]
    assert "cut short" in outcome.report()[0]["reason"]
    assert not stored("SELECT * FROM cld_events_all")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe\x00garbage",
        b"LA_Code," * 500 + b"\n",
        b"PK\x03\x04not really a zip",
    ],
)
def test_hostile_files_are_refused_or_reported_never_loaded(tmp_path, raw):
    from jointcare.errors import FieldError

    try:
        outcome = run(tmp_path, None, raw=raw)
    except FieldError as exc:
        assert exc.message
    else:
        assert not outcome.ok and outcome.report()
    assert not stored("SELECT * FROM cld_events_all")


def test_invalid_utf8_in_a_row_is_reported_on_that_row(tmp_path):
    text = testing.csv_text(good()).encode()
    lines = text.split(b"\n")
    lines[2] = lines[2].replace(b"P1", b"P\xff1", 1)
    outcome = run(tmp_path, None, raw=b"\n".join(lines))
    assert not outcome.ok
    assert outcome.report()[0]["row"] == 3 and "UTF-8" in outcome.report()[0]["reason"]


def test_xlsx_is_read_like_csv(tmp_path):
    import csv
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO(testing.csv_text(good()))):
        sheet.append([date.fromisoformat(v) if len(v) == 10 and v[4] == "-" else v for v in row])
    book.save(tmp_path / "cld.xlsx")
    outcome = services.import_cld(None, tmp_path / "cld.xlsx", "cld.xlsx")
    assert outcome.ok, outcome.report()
    assert stored("SELECT count(*) FROM cld_events_all") == [(4,)]


@pytest.mark.parametrize("maker", ["zip_bomb", "entity_bomb", "huge_cell", "wide_row", "dimension_bomb"])
def test_hostile_workbooks_are_refused_or_reported_never_loaded(tmp_path, maker):
    from jointcare.errors import FieldError
    from jointcare.tests import hostile

    data = hostile.zip_bomb(50) if maker == "zip_bomb" else getattr(hostile, maker)()
    try:
        outcome = run(tmp_path, None, name="cld.xlsx", raw=data)
    except FieldError as exc:
        assert exc.message
    else:
        assert not outcome.ok and outcome.report()
    assert not stored("SELECT * FROM cld_events_all")
