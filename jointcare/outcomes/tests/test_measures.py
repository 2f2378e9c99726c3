"""Each measure on small hand-worked cases, read through the CLD views as imported (jointcare.cld.testing):
numerator, denominator, exclusions, rounding and the de-duplication rules as they reach the measure."""

from decimal import Decimal

import pytest

from jointcare.cld import testing as t
from jointcare.outcomes.tests.conftest import FY, LA, NHS, OTHER, PREVIOUS, behind, figure, pack

pytestmark = pytest.mark.django_db

STMAX = "Short term support: ST-Max"
RES = "Long term support: Residential care"
NURSING = "Long term support: Nursing care"
COMMUNITY = "Long term support: Community"


def nf(code, area="all"):
    f = figure(code, area)
    return f.numerator, f.denominator, f.value


# --- 2B / 2C: admissions per 100,000 ---------------------------------------------------------------------------


def test_2c_counts_new_admissions_per_100000_aged_65_and_over():
    t.submission([
        t.service("A", "2025-05-01", None, service_type=RES, Service_Component="Residential care"),
        t.service("B", "2025-06-01", None, service_type=NURSING),  # no component: kept (see the notes)
        t.service("C", "2025-07-01", None, service_type=COMMUNITY),  # not a care home
        t.service("D", "2024-12-01", None, service_type=RES),  # began before the year
    ], la_code=LA, period=FY)
    t.population(LA, "65 and above", 32_000)
    assert nf("2C") == (2, 32_000, Decimal("6.3"))  # 6.25 rounds away from zero


def test_2b_and_2c_exclusions():
    t.submission([
        t.service("SF", "2025-05-01", "2025-06-01", service_type=RES, outcome="NFA: Self-funded client or under 12wk disregard"),
        t.service("ST", "2025-05-01", None, service_type=RES, Service_Component="Short term residential care"),
        t.service("KID", "2025-05-01", None, service_type=RES, Date_of_Birth="2010-01-01"),
        t.service("DEAD", "2025-05-01", "2025-05-10", service_type=RES, Date_of_Death="2024-12-01"),
        t.service("YOUNG", "2025-05-01", None, service_type=NURSING, Date_of_Birth="1980-01-01"),
    ], la_code=LA, period=FY)
    t.population(LA, "18 to 64", 200_000)
    t.population(LA, "65 and above", 40_000)
    assert nf("2B") == (1, 200_000, Decimal("0.5"))
    assert nf("2C") == (0, 40_000, Decimal("0.0"))


def test_2c_an_admission_is_not_new_within_365_days_of_an_earlier_one():
    t.submission([
        t.service("RECENT", "2024-06-01", "2025-03-01", service_type=RES),
        t.service("LONG_AGO", "2024-01-01", "2024-04-02", service_type=NURSING),
    ], la_code=LA, period=PREVIOUS)
    t.submission([
        t.service("RECENT", "2025-06-01", None, service_type=NURSING),  # ended 92 days before: not new
        t.service("LONG_AGO", "2025-06-01", None, service_type=RES),  # ended 425 days before: new
    ], la_code=LA, period=FY)
    t.population(LA, "65 and above", 10_000)
    assert nf("2C") == (1, 10_000, Decimal("10.0"))
    assert [r["person_id"] for r in behind("2C")] == [f"{LA}_LONG_AGO"]


def test_2b_one_admission_per_person_in_the_younger_band():
    # turns 65 between two admissions in the year: counted once, in 18 to 64
    t.submission([
        t.service("P", "2025-04-10", "2025-04-20", service_type=RES, Date_of_Birth="1960-05-15"),
        t.service("P", "2026-03-01", None, service_type=RES, Date_of_Birth="1960-05-15"),
    ], la_code=LA, period=FY)
    t.population(LA, "18 to 64", 100_000)
    t.population(LA, "65 and above", 50_000)
    assert nf("2B") == (1, 100_000, Decimal("1.0"))
    assert nf("2C")[0] == 0


def test_2c_the_same_admission_submitted_twice_counts_once():
    same = t.service("P", "2025-05-01", None, service_type=RES, Service_Component="Residential care")
    t.submission([same, dict(same)], la_code=LA, period=FY)
    t.population(LA, "65 and above", 100_000)
    assert nf("2C")[0] == 1


def test_2c_a_withdrawn_admission_disappears_with_its_superseded_submission():
    t.submission([t.service("P", "2025-05-01", None, service_type=RES), t.service("Q", "2025-05-01", None, service_type=RES)],
                 la_code=LA, period=FY)
    t.submission([t.service("P", "2025-05-01", None, service_type=RES)], la_code=LA, period=FY)  # resubmitted without Q
    t.population(LA, "65 and above", 100_000)
    assert nf("2C")[0] == 1


def test_2c_people_are_one_person_by_nhs_number_across_local_ids():
    t.submission([
        t.service("OLD-ID", "2024-06-01", "2025-03-01", service_type=RES, nhs_number=NHS[0]),
    ], la_code=LA, period=PREVIOUS)
    t.submission([
        t.service("NEW-ID", "2025-06-01", None, service_type=RES, nhs_number=NHS[0]),
    ], la_code=LA, period=FY)
    t.population(LA, "65 and above", 100_000)
    assert nf("2C")[0] == 0  # the same person by NHS number: a continuing placement, not a new admission


def test_no_population_gives_no_value():
    t.submission([t.service("A", "2025-05-01", None, service_type=RES)], la_code=LA, period=FY)
    assert nf("2C") == (1, 0, None)


# --- 2A and STS002 ---------------------------------------------------------------------------------------------


def stmax(person, start, end, outcome, **kw):
    return t.service(person, start, end, service_type=STMAX, outcome=outcome, **kw)


def test_2a_sequels_in_and_out_of_numerator_and_denominator():
    t.submission([
        stmax("HOME", "2025-05-01", "2025-05-30", "NFA: Support ended as planned"),  # numerator
        stmax("LOW", "2025-05-01", "2025-05-30", "Continuation of support or services"),
        t.service("LOW", "2025-06-02", "2025-08-01", service_type="Short term support: Ongoing low level"),  # numerator
        stmax("LTS", "2025-05-01", "2025-05-30", "Progress to support planning or services"),
        t.service("LTS", "2025-06-05", None, service_type=COMMUNITY),  # denominator only
        stmax("HOSP", "2025-05-01", "2025-05-30", "Admitted to hospital"),  # left out
        stmax("DIED", "2025-05-01", "2025-05-30", "NFA: Support ended for other reason", Date_of_Death="2025-06-03"),  # left out
        stmax("UNSURE", "2025-05-01", "2025-05-30", "Progress to support planning or services"),  # unclassified: left out
        stmax("OPEN", "2025-05-01", None, None),  # not ended in the year
    ], la_code=LA, period=FY)
    assert nf("2A") == (2, 3, Decimal("66.7"))
    sequel = {r["person_id"].split("_")[-1]: r["outcome"] for r in behind("2A")}
    assert sequel["LTS"] == COMMUNITY and sequel["DIED"] == "NFA: Deceased" and sequel["HOSP"] == "Admitted to hospital"


def test_2a_existing_clients_are_left_out_and_counted_in_sts002b():
    t.submission([
        t.service("EXISTING", "2025-04-01", "2025-04-20", service_type=COMMUNITY),  # 11 days before reablement
        stmax("EXISTING", "2025-05-01", "2025-05-30", "NFA: Support ended as planned"),
        t.service("LAPSED", "2025-04-01", "2025-04-20", service_type=COMMUNITY, Date_of_Birth="1950-01-01"),
        stmax("LAPSED", "2025-08-01", "2025-08-30", "NFA: Support ended as planned", Date_of_Birth="1950-01-01"),  # 103 days: new
    ], la_code=LA, period=FY)
    assert nf("2A") == (1, 1, Decimal("100.0"))
    assert nf("STS002a") == (1, 1, Decimal("100.0"))
    assert nf("STS002b") == (1, 1, Decimal("100.0"))


def test_2a_reablement_within_7_days_is_one_episode_with_the_latest_outcome():
    t.submission([
        stmax("P", "2025-05-01", "2025-05-20", "Continuation of support or services"),
        stmax("P", "2025-05-25", "2025-06-10", "NFA: Support ended as planned"),  # 5 days later: same episode
        stmax("Q", "2025-05-01", "2025-05-20", "NFA: Support ended as planned"),
        stmax("Q", "2025-06-01", "2025-06-10", "NFA: Support ended as planned"),  # 12 days later: a second episode
    ], la_code=LA, period=FY)
    assert nf("2A") == (3, 3, Decimal("100.0"))
    assert nf("STS002a")[1] == 3


def test_2a_equipment_during_reablement_is_ongoing_low_level_support():
    t.submission([
        stmax("P", "2025-05-01", "2025-05-30", "Progress to support planning or services"),
        t.service("P", "2025-05-05", "2025-05-06", service_type="Short term support: Other short term", Service_Component="Equipment"),
    ], la_code=LA, period=FY)
    assert [r["outcome"] for r in behind("2A")] == ["Short term support: Ongoing low level"]
    assert nf("2A") == (1, 1, Decimal("100.0"))


def test_2a_under_18s_are_left_out():
    t.submission([stmax("KID", "2025-05-01", "2025-05-30", "NFA: Support ended as planned", Date_of_Birth="2010-01-01")],
                 la_code=LA, period=FY)
    assert nf("2A") == (0, 0, None)


# --- 2E ---------------------------------------------------------------------------------------------------------


def test_2e_settled_accommodation_from_the_latest_service():
    t.submission([
        t.service("HOME", "2025-05-01", None, Accommodation_Status="Tenant"),
        t.service("CARE", "2025-05-01", None, service_type=RES, Accommodation_Status="Registered care home"),
        t.service("MOVED", "2024-05-01", "2025-06-01", Accommodation_Status="Registered care home"),
        t.service("MOVED", "2025-06-02", None, Accommodation_Status="Owner occupier or shared ownership scheme"),
        t.service("CONFLICT", "2025-05-01", None, Accommodation_Status="Tenant", Service_Component="Home care"),
        t.service("CONFLICT", "2025-05-01", None, Accommodation_Status="Refuge", Service_Component="Day care"),
        t.service("NOSERVICE", "2025-05-01", None, service_type="Short term support: Other short term", Accommodation_Status="Tenant"),
    ], la_code=LA, period=FY)
    assert nf("2E") == (2, 4, Decimal("50.0"))
    outcomes = {r["person_id"].split("_")[-1]: r["outcome"] for r in behind("2E")}
    assert outcomes["CONFLICT"] == "Unknown" and outcomes["MOVED"] == "Owner occupier or shared ownership scheme"


# --- 2D and the legacy 91-day measure ----------------------------------------------------------------------------


def _people_in_reablement():
    t.submission([
        stmax("STAYED", "2025-06-03", "2025-07-01", "NFA: Support ended as planned", nhs_number=NHS[0]),
        stmax("READMIT", "2025-06-03", "2025-07-01", "NFA: Support ended as planned", nhs_number=NHS[1]),
        stmax("CAREHOME", "2025-06-03", "2025-07-01", "NFA: Support ended as planned", nhs_number=NHS[2]),
        t.service("CAREHOME", "2025-08-01", None, service_type=RES, nhs_number=NHS[2]),
        stmax("LATE", "2025-07-01", "2025-07-20", "NFA: Support ended as planned", nhs_number=NHS[3]),  # 29 days after
        stmax("YOUNG", "2025-06-03", "2025-07-01", "NFA: Support ended as planned", nhs_number=NHS[4], Date_of_Birth="1970-01-01"),
        stmax("AUTUMN", "2025-11-02", "2025-11-30", "NFA: Support ended as planned", nhs_number=NHS[5]),
        t.service("AUTUMN", "2026-01-20", "2026-02-20", service_type=RES, nhs_number=NHS[5]),
    ], la_code=LA, period=FY)


def test_2d_from_hospital_activity():
    _people_in_reablement()
    t.hospital([
        {"NHS_Number": n, "Admission_Date": "2025-05-20", "Discharge_Date": "2025-06-01"} for n in NHS[:5]
    ] + [
        {"NHS_Number": NHS[1], "Admission_Date": "2025-07-15", "Discharge_Date": "2025-07-20", "Admission_Method": "21"},
        {"NHS_Number": NHS[5], "Admission_Date": "2025-10-25", "Discharge_Date": "2025-11-01", "Admission_Method": "11"},
    ])
    # STAYED, READMIT, CAREHOME and AUTUMN (in care 80 days after: not within 84? 2026-01-20 is 80 days) are in
    assert nf("2D") == (1, 4, Decimal("25.0"))
    row = next(r for r in pack().rows() if r.measure.code == "2D")
    assert not row.follow_up


def test_legacy_91_days_at_home_for_autumn_discharges():
    _people_in_reablement()
    t.hospital([{"NHS_Number": NHS[5], "Admission_Date": "2025-10-25", "Discharge_Date": "2025-11-01", "Admission_Method": "11"}])
    # discharged 1 November; in residential care on 31 January (day 91)
    assert nf("R91") == (0, 1, Decimal("0.0"))


def test_2d_without_hospital_data_uses_reablement_follow_ups_and_says_so():
    t.submission([
        t.request("P", "2025-06-01", outcome="Progress to reablement/ST-Max", Request_Route_of_Access="Discharge from hospital"),
        stmax("P", "2025-06-02", "2025-06-30", "NFA: Support ended as planned"),
        t.request("Q", "2025-06-01", outcome="Progress to reablement/ST-Max", Request_Route_of_Access="Discharge from hospital"),
        stmax("Q", "2025-06-02", "2025-06-30", "Admitted to hospital"),
    ], la_code=LA, period=FY)
    assert nf("2D") == (1, 2, Decimal("50.0"))
    row = next(r for r in pack().rows() if r.measure.code == "2D")
    assert row.follow_up and "reablement follow-ups" in row.name


# --- STS001 and BCF -----------------------------------------------------------------------------------------------


def test_sts001_new_client_requests_and_their_sequel():
    t.submission([
        t.request("NEW", "2025-05-01", outcome="Progress to reablement/ST-Max"),
        stmax("NEW", "2025-05-10", "2025-06-01", "NFA: Support ended as planned"),
        t.request("ADVICE", "2025-05-01", outcome="NFA: Information and advice or signposting"),
        t.request("ADVICE", "2025-05-03", outcome="NFA: Information and advice or signposting"),  # within 4 days: one request
        t.service("CLIENT", "2025-04-01", None, service_type=COMMUNITY),
        t.request("CLIENT", "2025-05-01", outcome="Progress to reablement/ST-Max"),  # existing client: left out
    ], la_code=LA, period=FY)
    assert nf("STS001") == (1, 2, Decimal("50.0"))


def test_bcf_discharge_to_usual_place_of_residence():
    t.submission([t.service("P", "2025-04-01", None, nhs_number=NHS[0]), t.service("Q", "2025-04-01", None, nhs_number=NHS[1])],
                 la_code=LA, period=FY)
    t.hospital([
        {"NHS_Number": NHS[0], "Admission_Date": "2025-05-01", "Discharge_Date": "2025-05-05", "Discharge_Destination": "19"},
        {"NHS_Number": NHS[1], "Admission_Date": "2025-05-01", "Discharge_Date": "2025-05-05", "Discharge_Destination": "54"},
        {"NHS_Number": NHS[1], "Admission_Date": "2025-06-01", "Discharge_Date": "2025-06-05", "Discharge_Destination": "79"},
        {"NHS_Number": NHS[2], "Admission_Date": "2025-05-01", "Discharge_Date": "2025-05-05"},  # not in the CLD
    ])
    assert nf("BCF-DTR") == (1, 2, Decimal("50.0"))


# --- councils together -------------------------------------------------------------------------------------------


def test_all_is_the_sum_of_numerators_over_the_sum_of_denominators():
    t.submission([t.service("A", "2025-05-01", None, service_type=RES)], la_code=LA, period=FY)
    t.submission([t.service("B", "2025-05-01", None, service_type=RES), t.service("C", "2025-05-01", None, service_type=NURSING)],
                 la_code=OTHER, period=FY)
    t.population(LA, "65 and above", 10_000)
    t.population(OTHER, "65 and above", 30_000)
    assert nf("2C", LA) == (1, 10_000, Decimal("10.0"))
    assert nf("2C", OTHER) == (2, 30_000, Decimal("6.7"))
    assert nf("2C") == (3, 40_000, Decimal("7.5"))
