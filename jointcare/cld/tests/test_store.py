"""The selection and de-duplication the measures read (`cld_events`, `cld_events_joined`), on hand-made cases."""

from datetime import date, datetime, UTC

import duckdb
import pytest

from jointcare.cld import store, testing

pytestmark = pytest.mark.django_db

LA, OTHER = "E09000001", "E06000001"
FY = ("2025-04-01", "2026-03-31")


def views(**kwargs):
    con = duckdb.connect()
    store.create_views(con, **kwargs)
    return con


def rows(con, sql):
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_empty_store_gives_empty_views_of_the_right_shape():
    con = views()
    for view in ("cld_events", "cld_events_joined", "cld_events_all", "cld_person_details", "hospital_activity", "populations"):
        assert con.execute(f"SELECT count(*) FROM {view}").fetchone()[0] == 0
    names = [d[0] for d in con.execute("SELECT * FROM cld_events").description]
    assert {"Der_NHS_LA_Combined_Person_ID", "Der_Event_End_Date", "Service_Type_Cleaned", "LA_Code"} <= set(names)


def test_the_latest_submission_covering_the_period_is_selected_and_withdrawn_events_disappear():
    testing.submission([testing.request("P1", "2025-05-01"), testing.request("P2", "2025-06-01")], la_code=LA, period=FY)
    latest = testing.submission([testing.request("P1", "2025-05-01")], la_code=LA, period=FY)
    con = views(period_start=date(2025, 4, 1), period_end=date(2026, 3, 31))
    got = rows(con, "SELECT LA_Person_Unique_Identifier AS p, Submission_ID FROM cld_events")
    assert got == [{"p": "P1", "Submission_ID": latest.pk}]


def test_a_submission_not_covering_the_period_is_not_selected():
    fy = testing.submission([testing.request("P1", "2025-05-01")], la_code=LA, period=FY)
    testing.submission([testing.request("P9", "2025-08-01")], la_code=LA, period=("2025-07-01", "2026-06-30"))
    con = views(period_start=date(2025, 4, 1), period_end=date(2026, 3, 31))
    assert rows(con, "SELECT Submission_ID FROM cld_events") == [{"Submission_ID": fy.pk}]
    # without a period, the latest reporting period end wins
    con = views()
    assert rows(con, "SELECT LA_Person_Unique_Identifier AS p FROM cld_events") == [{"p": "P9"}]


def test_as_of_ignores_later_submissions():
    first = testing.submission([testing.request("P1", "2025-05-01")], la_code=LA, period=FY,
                               received_at=datetime(2026, 5, 1, tzinfo=UTC))
    testing.submission([testing.request("P2", "2025-05-01")], la_code=LA, period=FY,
                       received_at=datetime(2026, 8, 1, tzinfo=UTC))
    con = views(as_of=datetime(2026, 6, 1, tzinfo=UTC))
    assert rows(con, "SELECT Submission_ID FROM cld_events") == [{"Submission_ID": first.pk}]


def test_each_council_has_its_own_selection():
    a = testing.submission([testing.request("P1", "2025-05-01")], la_code=LA, period=FY)
    b = testing.submission([testing.request("P1", "2025-05-01")], la_code=OTHER, period=FY)
    con = views()
    got = rows(con, "SELECT LA_Code, Submission_ID, Der_NHS_LA_Combined_Person_ID AS id FROM cld_events ORDER BY LA_Code")
    assert got == [
        {"LA_Code": OTHER, "Submission_ID": b.pk, "id": f"{OTHER}_P1"},
        {"LA_Code": LA, "Submission_ID": a.pk, "id": f"{LA}_P1"},
    ]


def test_identity_is_the_nhs_number_then_the_council_person_id():
    testing.submission(
        [
            testing.request("L1", "2025-05-01", nhs_number="9434765919"),
            testing.request("L2", "2025-05-01", nhs_number="9434765919"),  # same NHS number, other local id: one person
            testing.request("L3", "2025-05-01"),
        ],
        la_code=LA, period=FY,
    )
    con = views()
    got = rows(con, "SELECT Der_NHS_LA_Combined_Person_ID AS id FROM cld_events ORDER BY id")
    assert got == [{"id": "9434765919"}, {"id": f"{LA}_L3"}]


def test_a_local_id_seen_with_an_nhs_number_elsewhere_is_flagged():
    testing.submission(
        [testing.request("L1", "2025-05-01", nhs_number="9434765919"), testing.review("L1", "2025-06-01")],
        la_code=LA, period=FY,
    )
    got = rows(views(), "SELECT Event_Type, Der_LA_ID_Also_With_NHS_Number AS f FROM cld_events ORDER BY Event_Type")
    assert got == [{"Event_Type": "Request", "f": False}, {"Event_Type": "Review", "f": True}]


def test_duplicate_records_of_one_event_keep_the_one_with_the_highest_outcome():
    testing.submission(
        [
            testing.assessment("P1", "2025-05-01", "2025-05-10", outcome="NFA: Other"),
            testing.assessment("P1", "2025-05-01", "2025-05-10", outcome="Progress to reablement/ST-Max"),
            testing.assessment("P1", "2025-05-01", "2025-05-10", outcome="NFA: Support declined"),
        ],
        la_code=LA, period=FY,
    )
    assert rows(views(), "SELECT Event_Outcome FROM cld_events") == [{"Event_Outcome": "Progress to reablement/ST-Max"}]


def test_an_open_service_record_wins_over_a_closed_duplicate_then_the_latest_end():
    testing.submission(
        [
            testing.service("P1", "2025-05-01", "2025-09-01"),
            testing.service("P1", "2025-05-01", None),
            testing.service("P2", "2025-05-01", "2025-07-01"),
            testing.service("P2", "2025-05-01", "2025-08-01"),
        ],
        la_code=LA, period=FY,
    )
    got = rows(views(), "SELECT LA_Person_Unique_Identifier p, Der_Event_End_Date e FROM cld_events ORDER BY p")
    assert got == [{"p": "P1", "e": None}, {"p": "P2", "e": date(2025, 8, 1)}]


def test_services_differing_in_cost_are_different_events_in_a_single_submission():
    testing.submission(
        [testing.service("P1", "2025-05-01", Unit_Cost=20), testing.service("P1", "2025-05-01", Unit_Cost=25)],
        la_code=LA, period=FY,
    )
    assert views().execute("SELECT count(*) FROM cld_events").fetchone()[0] == 2


def test_events_outside_the_reference_period_are_left_out():
    testing.submission(
        [
            testing.request("P1", "2025-03-01", "2025-03-20"),  # ended before the period
            testing.service("P2", "2024-01-01", "2025-03-31"),  # ended before the period
            testing.service("P3", "2024-01-01", None),  # open: active in the period
            testing.request("P4", "2025-03-25", "2025-04-02"),  # ended in the period
        ],
        la_code=LA, period=FY,
    )
    got = rows(views(), "SELECT LA_Person_Unique_Identifier p FROM cld_events ORDER BY p")
    assert got == [{"p": "P3"}, {"p": "P4"}]


def test_the_end_date_is_corrected_to_the_date_of_death():
    testing.submission([testing.service("P1", "2025-05-01", None, Date_of_Death="2025-10-01")], la_code=LA, period=FY)
    assert rows(views(), "SELECT Der_Event_End_Date d FROM cld_events") == [{"d": date(2025, 10, 1)}]


def test_joined_submissions_chain_periods_and_crop_services_the_next_period_does_not_carry():
    testing.submission(
        [testing.service("P1", "2024-06-01", None), testing.service("P2", "2024-07-01", None)],
        la_code=LA, period=("2024-04-01", "2025-03-31"),
    )
    testing.submission([testing.service("P2", "2024-07-01", None)], la_code=LA, period=FY)
    got = rows(views(), "SELECT LA_Person_Unique_Identifier p, Der_Event_End_Date e, Ref_Period_End_Date r "
                        "FROM cld_events_joined ORDER BY p")
    assert got == [
        {"p": "P1", "e": date(2025, 3, 31), "r": date(2025, 3, 31)},  # not carried: cropped to its period
        {"p": "P2", "e": None, "r": date(2026, 3, 31)},  # carried: the later record is kept
    ]


def test_populations_and_hospital_activity_views():
    testing.population(LA, "65 and above", 40000)
    testing.hospital([
        {"NHS_Number": "9434765919", "Admission_Date": "2025-05-01", "Discharge_Date": "2025-05-09"},
    ])
    con = views()
    assert rows(con, "SELECT * FROM populations") == [{"area_code": LA, "age_band": "65 and above", "population": 40000}]
    got = rows(con, "SELECT NHS_Number, Discharge_Date FROM hospital_activity")
    assert got == [{"NHS_Number": "9434765919", "Discharge_Date": date(2025, 5, 9)}]
