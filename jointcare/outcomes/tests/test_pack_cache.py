"""The kept pack: computed once per state of the data it reads, and computed again whenever that changes."""

import pytest

from jointcare.cld import testing as t
from jointcare.cld.models import Status
from jointcare.outcomes import compute, domain
from jointcare.outcomes.tests.conftest import FY, LA, OTHER, PERIOD

pytestmark = pytest.mark.django_db

RES = "Long term support: Residential care"


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = compute.compute_pack

    def counting(con, period, engine="duckdb"):
        calls.append(period.label)
        return real(con, period, engine)

    monkeypatch.setattr(compute, "compute_pack", counting)
    return calls


def admissions(area=domain.ALL):
    return compute.compute(PERIOD).figure(domain.BY_CODE["2C"], area)


def test_the_same_data_is_computed_once(counted):
    t.submission([t.service("A", "2025-05-01", None, service_type=RES)], la_code=LA, period=FY)
    t.population(LA, "65 and above", 10_000)
    first = admissions()
    again = admissions()
    assert (first.numerator, first.denominator) == (again.numerator, again.denominator) == (1, 10_000)
    assert counted == ["2025-26"]


def test_each_change_to_what_the_pack_reads_computes_it_again(counted):
    t.submission([t.service("A", "2025-05-01", None, service_type=RES)], la_code=LA, period=FY)
    t.population(LA, "65 and above", 10_000)
    assert admissions().numerator == 1

    # a later submission for the same council and period replaces the first
    t.submission([t.service("A", "2025-05-01", None, service_type=RES),
                  t.service("B", "2025-06-01", None, service_type=RES)], la_code=LA, period=FY)
    assert admissions().numerator == 2

    # a new population figure
    t.population(LA, "65 and above", 20_000)
    assert admissions().denominator == 20_000

    # another council's submission
    t.submission([t.service("C", "2025-07-01", None, service_type=RES)], la_code=OTHER, period=FY)
    t.population(OTHER, "65 and above", 5_000)
    assert (admissions().numerator, admissions().denominator) == (3, 25_000)

    # a submission no longer loaded no longer counts
    latest = t.submission([t.service("C", "2025-07-01", None)], la_code=OTHER, period=FY)  # community support
    assert admissions(OTHER).numerator == 0
    latest.status = Status.REJECTED
    latest.save(update_fields=["status"])
    assert admissions(OTHER).numerator == 1

    # hospital activity loaded
    t.hospital([{"NHS_Number": "9990000018", "Admission_Date": "2025-05-01", "Discharge_Date": "2025-05-03"}])
    assert compute.compute(PERIOD).hospital
    # computed for each new state: rejecting the latest submission gave back a state already computed
    assert len(counted) == 6
