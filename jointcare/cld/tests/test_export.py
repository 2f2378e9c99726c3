"""The CLD export writer: the period filter, the file, and the same data-quality report an import gives."""

from datetime import date

import pytest

from jointcare.cld import export, services, testing

pytestmark = pytest.mark.django_db

START, END = date(2025, 4, 1), date(2026, 3, 31)


@pytest.mark.domain
@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (testing.request("P", "2025-03-01", "2025-03-31"), False),  # ended before the period
        (testing.request("P", "2025-03-25", "2025-04-02"), True),  # ends in it
        (testing.review("P", "2026-04-01"), False),  # after it
        (testing.service("P", "2024-01-01", None), True),  # open: active in it
        (testing.service("P", "2024-01-01", "2025-03-31"), False),
        (testing.service("P", "2026-03-31", None), True),
    ],
)
def test_only_events_in_the_period_are_written(event, expected):
    assert export.in_period(event, START, END) is expected


def test_the_written_file_imports_and_its_report_is_the_import_report(tmp_path):
    events = [
        testing.request("P1", date(2025, 5, 1), nhs_number="9434765919"),
        testing.service("P1", "2025-05-02", None, service_type="Short term support: ST-Max", Unit_Cost=20.5),
        testing.request("P0", "2024-05-01"),  # outside the period: left out
    ]
    path = tmp_path / "out.csv"
    written, outcome = export.write_submission(events, path, la_code="E09000001", period_start=START, period_end=END)
    assert written == 2 and outcome.ok, outcome.report()
    assert [(s.la_code, s.start, s.end, s.rows) for s in outcome.submissions] == [("E09000001", START, END, 2)]
    loaded = services.import_cld(None, path, path.name)
    assert loaded.ok and loaded.rows == 2


def test_the_data_quality_report_names_rows_and_fields(tmp_path):
    events = [testing.review("P1", "2025-06-01", Event_Outcome="Made up"), testing.request("", "2025-06-01")]
    written, outcome = export.write_submission(events, tmp_path / "out.csv", la_code="E09000001", period_start=START, period_end=END)
    assert written == 2 and not outcome.ok
    assert {(p["row"], p["field"]) for p in outcome.report()} == {(2, "Event_Outcome"), (3, "LA_Person_Unique_Identifier")}


def test_a_field_outside_release_2_is_refused(tmp_path):
    with pytest.raises(KeyError):
        export.write_submission([{"Colour": "blue"}], tmp_path / "out.csv", la_code="E09000001", period_start=START, period_end=END)
