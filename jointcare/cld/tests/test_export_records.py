"""The CLD export from jointcare's own records: every event type with its defined values, who is left out, the
command, and the round trip (records -> export -> import into an empty database -> the same events)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import duckdb
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from jointcare.audit.models import AuditEntry
from jointcare.care.models import Assessment, Referral, Review, Team
from jointcare.cld import domain, export, from_records, services, store
from jointcare.cld.models import Submission
from jointcare.organisations.models import Organisation
from jointcare.packages.models import CarePlan, PlanService, ReablementEpisode
from jointcare.partnerships.tests.test_demo import reference  # noqa: F401 (a fixture)
from jointcare.people.models import CareTeamMember, Person

pytestmark = pytest.mark.django_db

GSS, OTHER = "E08000009", "E08000003"
END = dt.date(2026, 3, 31)
START = dt.date(2025, 4, 1)


def moment(day: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(day + "T10:00"))


def make_person(given: str, *, council: str = GSS, nhs: str | None = None, **fields) -> Person:
    defaults = dict(
        given_name=given, family_name="Example", date_of_birth=dt.date(1941, 3, 2), sex="female",
        ethnicity="white_irish", accommodation="owner_occupier", postcode="M33 7ZZ", responsible_council=council,
        nhs_number=nhs,
    )
    return Person.objects.create(**(defaults | fields))


@pytest.fixture
def records(db):
    """Two people of the council (one a carer of the other), one of another council, one voided and one merged
    into the first; each recording kind of event once, with in- and out-of-period events."""
    council = Organisation.objects.create(name="Trafford Council", sector="council", kind="council", gss_code=GSS)
    provider = Organisation.objects.create(name="Altrincham Home Care", sector="independent", kind="provider")
    practice = Organisation.objects.create(name="Sale Surgery", sector="nhs", kind="gp_practice", ods_code="P91004")
    team = Team.objects.create(name="Trafford Reablement Team", organisation=council)
    ann = make_person("Ann", nhs="9434765919", council_person_id="TR-1", gp_practice=practice,
                      long_term_conditions=["dementia", "hypertension"], date_of_death=dt.date(2026, 3, 1))
    bob = make_person("Bob", sex="male", ethnicity="asian_indian", accommodation="tenant")
    elsewhere = make_person("Cal", council=OTHER)
    voided = make_person("Dee", voided_at=timezone.now(), void_reason="entered in error")
    merged = make_person("Ann", council=OTHER, voided_at=timezone.now(), void_reason="duplicate", merged_into=ann)
    CareTeamMember.objects.create(person=ann, name="Bob Example", role="unpaid_carer", carer_record=bob)

    def referral(person, received, closed, outcome, route="hospital_discharge"):
        # "declined" needs no claiming worker; the export reads any closed referral with an outcome
        return Referral.objects.create(
            person=person, team=team, route=route, received_at=moment(received),
            closed_at=moment(closed) if closed else None, status="declined" if closed else "unclaimed", outcome=outcome,
        )

    referral(ann, "2025-05-01", "2025-05-03", "progress_reablement")
    referral(ann, "2025-06-01", None, "")  # still open: not a completed request
    referral(bob, "2025-07-01", "2025-07-01", "nfa_information", route="community")
    referral(elsewhere, "2025-05-01", "2025-05-02", "nfa_information")
    referral(voided, "2025-05-01", "2025-05-02", "nfa_information")
    referral(merged, "2025-08-01", "2025-08-04", "nfa_declined", route="self_funder")
    Assessment.objects.create(person=ann, kind="long_term", status=Assessment.COMPLETED, started_at=moment("2025-09-01"),
                              completed_at=moment("2025-09-10"), eligible=True, outcome="progress_services")
    Assessment.objects.create(person=ann, status=Assessment.IN_PROGRESS, started_at=moment("2025-10-01"))
    Review.objects.create(person=ann, team=team, reason="unplanned", due_on=dt.date(2025, 12, 1),
                          completed_on=dt.date(2025, 12, 3), outcome="continuation", outcomes_achieved=False)
    Review.objects.create(person=ann, team=team, due_on=dt.date(2026, 2, 1))  # not done yet
    plan = CarePlan.objects.create(person=ann)
    common = dict(plan=plan, provider=provider, units_per_week=Decimal("10.50"), unit_cost_pence=2150)
    reablement = PlanService.objects.create(
        name="Reablement at home", service_type="Short term support: ST-Max", component="Reablement",
        delivery_mechanism="CASSR Commissioned support", starts_on=dt.date(2025, 5, 4), ends_on=dt.date(2025, 6, 14),
        **common)
    ReablementEpisode.objects.create(person=ann, service=reablement, discharged_on=dt.date(2025, 5, 3),
                                     starts_on=dt.date(2025, 5, 4), ends_on=dt.date(2025, 6, 14),
                                     outcome="NFA: Support ended as planned")
    PlanService.objects.create(
        name="Home care", service_type="Long term support: Community", component="Home care or domiciliary care",
        delivery_mechanism="Direct payment", starts_on=dt.date(2025, 9, 15), **common)
    PlanService.objects.create(
        name="Old day care", service_type="Long term support: Community", component="Day care",
        delivery_mechanism="Direct payment", starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2025, 3, 1), **common)
    PlanService.objects.create(
        name="Entered in error", service_type="Long term support: Community", component="Meals",
        delivery_mechanism="Direct payment", starts_on=dt.date(2025, 9, 15), withdrawn_at=timezone.now(), **common)
    ReablementEpisode.objects.create(person=bob, starts_on=dt.date(2026, 1, 5))  # open, no plan service
    return {"ann": ann, "bob": bob, "elsewhere": elsewhere, "voided": voided, "merged": merged}


def exported(tmp_path, name="out.csv"):
    path = tmp_path / name
    result = services.export_cld(None, GSS, END, path)
    return path, result


def test_each_event_type_is_written_with_its_defined_values(records, tmp_path):
    events = list(from_records.events(GSS))
    by_reference = {e["Event_Reference"]: e for e in events}
    ann, bob = records["ann"], records["bob"]
    request = by_reference[f"referral-{Referral.objects.get(person=ann, closed_at__isnull=False).pk}"]
    assert request["Event_Type"] == "Request"
    assert (request["Event_Start_Date"], request["Event_End_Date"]) == (dt.date(2025, 5, 1), dt.date(2025, 5, 3))
    assert request["Event_Outcome"] == "Progress to reablement/ST-Max"
    assert request["Request_Route_of_Access"] == "Discharge from hospital"
    # the person's fields, in CLD wording
    assert request["LA_Person_Unique_Identifier"] == "TR-1" and request["NHS_Number"] == "9434765919"
    assert request["Gender"] == "Female" and request["Ethnicity"] == "White: Irish"
    assert request["Accommodation_Status"] == "Owner occupier or shared ownership scheme"
    assert request["GP_Practice_Code"] == "P91004" and request["Date_of_Death"] == dt.date(2026, 3, 1)
    assert (request["Dementia"], request["Visual_Impairment"], request["Has_Unpaid_Carer"]) == ("Yes", "No", "Yes")
    assert request["Client_Type"] == "Service user"

    assessment = next(e for e in events if e["Event_Type"] == "Assessment")
    assert assessment["Assessment_Type"] == "Long term assessment" and assessment["Eligible_Needs_Identified"] == "Yes"
    assert assessment["Event_Outcome"] == "Progress to support planning or services"
    review = next(e for e in events if e["Event_Type"] == "Review")
    assert (review["Review_Reason"], review["Review_Outcomes_Achieved"], review["Event_Outcome"]) == (
        "Unplanned", "No", "Continuation of support or services")
    services_ = [e for e in events if e["Event_Type"] == "Service"]
    reablement = next(e for e in services_ if e["Event_Description"] == "Reablement at home")
    assert reablement["Service_Type"] == "Short term support: ST-Max"
    assert reablement["Event_Outcome"] == "NFA: Support ended as planned"  # the episode's outcome
    assert reablement["Unit_Cost"] == Decimal("21.50") and reablement["Planned_units_per_week"] == Decimal("10.50")
    home_care = next(e for e in services_ if e["Event_Description"] == "Home care")
    assert home_care["Delivery_Mechanism"] == "Direct payment" and home_care["Event_End_Date"] is None
    assert not any(e["Event_Description"] == "Entered in error" for e in services_)  # withdrawn
    # the episode recorded without a plan service is a service of its own; Bob is Ann's carer
    bob_events = [e for e in events if e["LA_Person_Unique_Identifier"] == f"JC{bob.pk}"]
    episode = next(e for e in bob_events if e["Event_Type"] == "Service")
    assert episode["Service_Type"] == "Short term support: ST-Max" and episode["Event_End_Date"] is None
    assert bob_events[0]["Client_Type"] == "Carer" and bob_events[0]["Adult_1_Linked_Person_ID"] == "TR-1"
    assert bob_events[0]["Gender"] == "Male" and bob_events[0]["Ethnicity"] == "Asian or Asian British: Indian"
    # no event left incomplete: open referrals, assessments and reviews are not reported
    assert sum(e["Event_Type"] == "Assessment" for e in events) == 1
    assert sum(e["Event_Type"] == "Review" for e in events) == 1
    # every value of a field with defined values is one of them
    for e in events:
        for field, allowed in domain.DEFINED_VALUES.items():
            assert e.get(field) in (None, *allowed), (field, e.get(field))


def test_voided_people_are_left_out_and_merged_ones_reported_under_the_record_kept(records):
    events = list(from_records.events(GSS))
    people = {e["LA_Person_Unique_Identifier"] for e in events}
    assert people == {"TR-1", f"JC{records['bob'].pk}"}
    merged_request = [e for e in events if e.get("Request_Route_of_Access") == "Self-funder with depleted funds"]
    assert len(merged_request) == 1 and merged_request[0]["LA_Person_Unique_Identifier"] == "TR-1"
    assert merged_request[0]["Event_Outcome"] == "NFA: Support declined"
    # the other council's submission has its own person only
    assert {e["LA_Person_Unique_Identifier"] for e in from_records.events(OTHER)} == {f"JC{records['elsewhere'].pk}"}


def test_an_unknown_code_is_written_as_stored_and_reported(records, tmp_path):
    Person.objects.filter(pk=records["ann"].pk).update(ethnicity="martian")
    path, result = exported(tmp_path)
    assert not result.outcome.ok
    assert {p["field"] for p in result.outcome.report()} == {"Ethnicity"}


@pytest.mark.domain
@pytest.mark.parametrize(("end", "start"), [
    (dt.date(2026, 3, 31), dt.date(2025, 4, 1)),
    (dt.date(2025, 12, 31), dt.date(2025, 1, 1)),
    (dt.date(2028, 2, 29), dt.date(2027, 3, 1)),
])
def test_the_period_is_the_twelve_months_ending_on_its_last_day(end, start):
    assert services.rolling_year(end) == start


def _normal(value):
    if value is None or value == "":
        return None
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()[:10]
    if isinstance(value, Decimal | float | int):
        return str(Decimal(str(value)).normalize())
    return str(value)


def _key(row: dict) -> tuple:
    return tuple(_normal(row.get(name)) for name in domain.FIELD_NAMES[3:])


def test_round_trip_records_export_import_the_same_events(records, tmp_path):
    path, result = exported(tmp_path)
    assert result.outcome.ok, result.outcome.report()
    expected = sorted(_key(e) for e in from_records.events(GSS) if export.in_period(e, START, END))
    assert result.rows == len(expected) == 8  # 3 requests, 1 assessment, 1 review, 3 services (1 ended before)
    assert Submission.objects.count() == 0
    loaded = services.import_cld(None, path, path.name)
    assert loaded.ok and loaded.rows == len(expected)
    (sub,) = Submission.objects.all()
    assert (sub.la_code, sub.reporting_period_start, sub.reporting_period_end) == (GSS, START, END)
    assert _imported_events() == expected


def _imported_events() -> list[tuple]:
    con = duckdb.connect()
    try:
        store.create_views(con)
        cursor = con.execute(f"SELECT {', '.join(domain.FIELD_NAMES)} FROM cld_events_all ORDER BY Row_Number")
        names = [c[0] for c in cursor.description]
        return sorted(_key(dict(zip(names, row, strict=True))) for row in cursor.fetchall())
    finally:
        con.close()


def test_round_trip_from_the_demo(reference, tmp_path):  # noqa: F811
    """The demo as `jointcare demo` builds it -> export -> import into an empty database -> the same events."""
    call_command("demo", stdout=StringIO())
    Submission.objects.all().delete()  # the demo's own import: the round trip starts from an empty database
    end = timezone.localdate()
    path = tmp_path / "demo.csv"
    result = services.export_cld(None, GSS, end, path)
    assert result.outcome.ok, result.outcome.report(20)
    expected = sorted(_key(e) for e in from_records.events(GSS) if export.in_period(e, result.period_start, end))
    kinds = {k[domain.FIELD_NAMES.index("Event_Type") - 3] for k in expected}
    assert result.rows == len(expected) > 0 and "Service" in kinds  # the demo closes no referral yet
    loaded = services.import_cld(None, path, path.name)
    assert loaded.ok and loaded.rows == len(expected)
    assert _imported_events() == expected


def test_the_command_writes_the_file_and_the_report(records, tmp_path, capsys):
    Person.objects.filter(pk=records["bob"].pk).update(ethnicity="martian")
    out, report = tmp_path / "gss.csv", tmp_path / "report.csv"
    call_command("cld", "export", "--council", GSS, "--period-end", "2026-03-31", "--report", str(report), str(out))
    printed = capsys.readouterr().out
    assert "8 rows" in printed and "row\tfield\treason" in printed and "Ethnicity" in printed
    lines = report.read_text().splitlines()
    assert lines[0] == "row,field,reason" and len(lines) == 1 + 2 and all(",Ethnicity," in line for line in lines[1:])
    assert out.read_text().splitlines()[0] == ",".join(domain.FIELD_NAMES)
    assert AuditEntry.objects.filter(action="cld.export").count() == 1


@pytest.mark.parametrize(("args", "message"), [
    (["--council", "E07000001", "--period-end", "2026-03-31"], "GSS code"),
    (["--council", GSS, "--period-end", "31/03/2026"], "YYYY-MM-DD"),
])
def test_the_command_refuses_bad_arguments(db, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("cld", "export", *args, str(tmp_path / "x.csv"))


def _measured_records() -> None:
    """Events the measures count, in 2026-27: a request into reablement that ends as planned (ASCOF 2A, SALT
    STS001), reablement followed by long-term residential care at 82 (2A's denominator, 2C) and nursing care at
    54 (2B)."""
    from jointcare.organisations.models import Organisation as Org

    council = Org.objects.filter(gss_code=GSS).first() or Org.objects.create(
        name="Trafford Council", sector="council", kind="council", gss_code=GSS)
    provider = Org.objects.create(name="Sale Care Home", sector="independent", kind="provider")
    team = Team.objects.create(name="Measured Reablement Team", organisation=council)
    common = dict(provider=provider, units_per_week=Decimal("7"), unit_cost_pence=10000,
                  delivery_mechanism="CASSR Commissioned support")
    for given, born, lasting in (("Eve", dt.date(1944, 2, 1), "Residential care"),
                                 ("Fay", dt.date(1972, 6, 1), "Nursing care"),
                                 ("Gil", dt.date(1940, 9, 9), None)):
        person = make_person(given, date_of_birth=born)
        Referral.objects.create(person=person, team=team, route="hospital_discharge", received_at=moment("2026-05-01"),
                                closed_at=moment("2026-05-03"), status="declined", outcome="progress_reablement")
        plan = CarePlan.objects.create(person=person)
        reablement = PlanService.objects.create(
            plan=plan, name="Reablement", service_type="Short term support: ST-Max", component="Reablement",
            starts_on=dt.date(2026, 5, 4), ends_on=dt.date(2026, 6, 14), **common)
        ReablementEpisode.objects.create(
            person=person, service=reablement, discharged_on=dt.date(2026, 5, 3), starts_on=dt.date(2026, 5, 4),
            ends_on=dt.date(2026, 6, 14),
            outcome="NFA: Support ended as planned" if lasting is None else "Progress to support planning or services")
        if lasting:
            PlanService.objects.create(
                plan=plan, name=lasting, service_type=f"Long term support: {lasting}", component=f"Long term {lasting.lower()}",
                starts_on=dt.date(2026, 6, 15), **common)


def test_round_trip_the_same_measures(reference, tmp_path):  # noqa: F811
    """jointcare's demo and its own records -> CLD export -> import into an empty database -> the same measure
    values as the measures computed straight from the records."""
    from jointcare.outcomes import compute
    from jointcare.outcomes import domain as outcomes
    from jointcare.outcomes import source
    call_command("demo", stdout=StringIO())
    _measured_records()
    Submission.objects.all().delete()  # the demo's own import: the round trip starts from an empty database
    period = outcomes.parse_period("2026-27")
    with source.from_records(period) as con:
        direct = compute.compute_pack(con, period)
    assert Submission.objects.count() == 0  # nothing of the load from the records is kept
    for council in source.record_councils():
        path = tmp_path / f"{council}.csv"
        assert services.export_cld(None, council, period.end, path).outcome.ok
        assert services.import_cld(None, path, path.name).ok
    imported = compute.compute(period)
    assert direct.councils == imported.councils and GSS in direct.councils
    assert direct.figures == imported.figures
    counted = {code for (code, la), f in direct.figures.items() if la == GSS and f.numerator}
    assert {"2A", "2B", "2C", "STS001"} <= counted, counted
