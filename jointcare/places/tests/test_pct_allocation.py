"""The shipped LSOA -> PCT approximation places PCTs that shared a 2013 CCG by geography (decision 0012)."""

import pytest

from jointcare.places import report
from jointcare.places.models import PctCcg13Share

pytestmark = pytest.mark.django_db

# PCTs that shared a 2013 CCG with another PCT (13T, 00K, 00M, 99P, 13P/04X/05L, 06H, 11J), each with the
# council its area matched and the least share of it expected both ways (PCT in council, council in PCT).
OWN_COUNCIL = [
    ("5D7", "Newcastle upon Tyne", 0.9, 0.9),
    ("5KF", "Gateshead", 0.9, 0.9),
    ("5D9", "Hartlepool", 0.9, 0.9),
    ("5E1", "Stockton-on-Tees", 0.9, 0.9),
    ("5KM", "Middlesbrough", 0.9, 0.9),
    ("5QR", "Redcar and Cleveland", 0.9, 0.9),
    ("5F1", "Plymouth", 0.9, 0.9),
    ("5QQ", "Devon", 0.9, 0.9),
    ("5PN", "Peterborough", 0.9, 0.9),
    ("5PP", "Cambridgeshire", 0.9, 0.9),
    ("5PF", "Sandwell", 0.9, 0.9),
    # Birmingham had three PCTs, so the council is split between them.
    ("5PG", "Birmingham", 0.9, 0.2),
    ("5MX", "Birmingham", 0.9, 0.2),
    ("5M1", "Birmingham", 0.9, 0.2),
    # Dorset PCT covered Christchurch, now in Bournemouth, Christchurch and Poole.
    ("5QM", "Dorset", 0.8, 0.9),
    ("5QN", "Bournemouth, Christchurch and Poole", 0.9, 0.7),
]


@pytest.fixture
def pct_report(reference_data):
    return report.coterminosity_report("pct")


@pytest.mark.parametrize("ods,council,share,council_share", OWN_COUNCIL)
def test_pcts_sharing_a_ccg_sit_in_their_own_council(pct_report, ods, council, share, council_share):
    body = next(b for b in pct_report["bodies"] if b["ods_code"] == ods)
    largest = body["councils"][0]
    assert largest["name"] == council
    assert largest["share"] > share
    assert largest["council_share"] > council_share


def test_newcastle_and_gateshead_are_each_coterminous_with_their_council(pct_report):
    by_ods = {b["ods_code"]: b for b in pct_report["bodies"]}
    assert by_ods["5D7"]["coterminous"] and by_ods["5KF"]["coterminous"]
    assert by_ods["5D7"]["councils"][0]["code"] != by_ods["5KF"]["councils"][0]["code"]


def test_every_pct_keeps_a_part_of_every_ccg_it_had_postcodes_in(reference_data):
    shares = list(PctCcg13Share.objects.all())
    assert len(shares) == 237
    assert all(s.ccg13_share > 0 for s in shares)
    by_ccg = {}
    for s in shares:
        by_ccg[s.ccg13_code] = by_ccg.get(s.ccg13_code, 0) + s.ccg13_share
    assert all(total == pytest.approx(1, abs=1e-5) for total in by_ccg.values())


def test_every_gp_practice_sits_under_an_open_sub_icb_location(reference_data):
    from jointcare.organisations.models import Organisation
    from jointcare.places import services

    practices = Organisation.objects.filter(kind="gp_practice", source="reference")
    assert practices.count() == 6830
    assert not practices.exclude(parent__kind="sub_icb", parent__active=True).exists()
    # A practice commissioned in 2019 by NHS Airedale, Wharfedale and Craven CCG (02N, merged in April 2020 into
    # NHS Bradford District and Craven CCG, 36J) is in the West Yorkshire ICB's Sub-ICB location 36J today.
    shipped = services.read_data("gp_practices.csv.gz")
    codes = [p["ods_code"] for p in shipped if p["commissioner"] == "02N"]
    assert codes
    parents = set(practices.filter(ods_code__in=codes).values_list("parent__gss_code", "parent__ods_code", "parent__parent__ods_code"))
    assert parents == {("E38000232", "36J", "QWO")}
