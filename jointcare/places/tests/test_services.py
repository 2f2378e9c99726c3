"""Loading the reference data, and coterminosity checked against an independent count on the shipped files."""

import csv
import gzip
from collections import Counter

import pytest

from jointcare.audit.models import AuditEntry
from jointcare.errors import FieldError
from jointcare.organisations.models import Organisation
from jointcare.places import domain, services
from jointcare.places.models import Area, Lsoa, LsoaPctShare, ReferenceState
from jointcare.places.tests.conftest import clear_reference

pytestmark = pytest.mark.django_db


def table_counts():
    return {
        "areas": Area.objects.count(), "lsoas": Lsoa.objects.count(), "lsoa_pct": LsoaPctShare.objects.count(),
        "orgs": Organisation.objects.filter(source="reference").count(),
    }


def test_reference_data_is_loaded_with_reference_organisations(reference_data):
    assert Lsoa.objects.count() == 32844
    assert Area.objects.filter(level="ccg").count() == 135
    assert Area.objects.filter(level="icb").count() == 42
    assert Area.objects.filter(level="pct").count() == 151
    kinds = Counter(Organisation.objects.filter(source="reference").values_list("kind", flat=True))
    assert kinds["icb"] == 42 and kinds["sub_icb"] == 135 and kinds["pct"] == 151
    assert kinds["upper_tier_council"] == 151
    assert kinds["gp_practice"] == 6830
    bolton = Organisation.objects.get(gss_code="E38000016")
    assert (bolton.ods_code, bolton.kind, bolton.parent.ods_code) == ("00T", "sub_icb", "QOP")
    district = Organisation.objects.get(kind="district_council", gss_code="E07000026")  # Allerdale
    assert district.parent.gss_code == "E10000006"  # Cumbria
    assert not Organisation.objects.filter(kind="pct", active=True).exists()
    bolton_practice = Organisation.objects.get(ods_code="P82001")
    assert (bolton_practice.kind, bolton_practice.postcode, bolton_practice.parent) == ("gp_practice", "BL2 6NT", bolton)
    # Commissioned in 2019 by Hartlepool and Stockton-on-Tees CCG (00K), merged into Tees Valley in 2020.
    assert Organisation.objects.get(ods_code="A81001").parent.ods_code == "16C"


def test_loading_twice_writes_nothing_and_keeps_the_same_rows(reference_data):
    before = table_counts()
    version = ReferenceState.objects.get().version
    result = services.load_reference(None)
    assert all(c == {"created": 0, "updated": 0, "deleted": 0} for c in result["counts"].values())
    assert table_counts() == before
    assert ReferenceState.objects.get().version == version


def test_loading_repairs_changed_rows_and_leaves_other_organisations_alone(reference_data):
    Lsoa.objects.filter(code="E01000001").update(utla19="E09000033", name="changed")
    Area.objects.filter(level="ccg").first().delete()
    mine = Organisation.objects.create(name="Our Trust", sector="nhs", kind="nhs_trust", ods_code="RZZ", source="")
    result = services.load_reference(None)
    assert result["counts"]["lsoas"]["updated"] == 1
    assert result["counts"]["areas"]["created"] == 1
    assert Lsoa.objects.get(code="E01000001").utla19 == "E09000001"
    mine.refresh_from_db()
    assert mine.name == "Our Trust"
    assert AuditEntry.objects.filter(action="reference.load").exists()


def test_a_non_reference_organisation_holding_a_code_is_not_overwritten(reference_data):
    Organisation.objects.filter(source="reference", ods_code="A81002").delete()
    Organisation.objects.create(name="Local copy", sector="nhs", kind="gp_practice", ods_code="A81002", source="")
    result = services.load_reference(None)
    assert any("A81002" in s for s in result["skipped"])
    assert Organisation.objects.get(ods_code="A81002").name == "Local copy"


def independent(level):
    """Count LSOAs straight from the shipped files."""
    data = services.DATA_DIR
    with gzip.open(data / "areas.csv.gz", "rt") as f:
        icb_of = {r["code"]: r["parent_code"] for r in csv.DictReader(f) if r["level"] == "ccg"}
    with gzip.open(data / "lsoa.csv.gz", "rt") as f:
        rows = list(csv.DictReader(f))
    pair, body, council = Counter(), Counter(), Counter()
    for r in rows:
        b = r["ccg20cd"] if level == "ccg" else icb_of[r["ccg20cd"]]
        pair[(b, r["utla19cd"])] += 1
        body[b] += 1
        council[r["utla19cd"]] += 1
    return {
        b: {u: (n / body[b], n / council[u]) for (bb, u), n in pair.items() if bb == b} for b in body
    }


@pytest.mark.parametrize("level,bodies", [("ccg", 135), ("icb", 42)])
def test_coterminosity_matches_an_independent_count(reference_data, level, bodies):
    report = services.coterminosity_report(level)
    expected = independent(level)
    assert len(report["bodies"]) == bodies == len(expected)
    for b in report["bodies"]:
        got = {c["code"]: (c["share"], c["council_share"]) for c in b["councils"]}
        assert got.keys() == expected[b["code"]].keys()
        for code, (share, council_share) in got.items():
            assert share == pytest.approx(expected[b["code"]][code][0], abs=1e-12)
            assert council_share == pytest.approx(expected[b["code"]][code][1], abs=1e-12)
        assert b["coterminous"] == any(s >= 0.95 and cs >= 0.95 for s, cs in expected[b["code"]].values())
    assert report["weighting"] == "lsoa_count"


@pytest.mark.parametrize("level,bodies", [("ccg", 135), ("icb", 42), ("pct", 151)])
def test_invariants_at_every_level(reference_data, level, bodies):
    report = services.coterminosity_report(level, 0.9)
    assert report["summary"]["bodies"] == bodies
    assert report["summary"]["councils"] == 151  # every council with social services is covered
    for b in report["bodies"]:
        assert b["name"] and b["ods_code"]
        assert sum(c["share"] for c in b["councils"]) == pytest.approx(1)
        assert b["largest_share"] == b["councils"][0]["share"]
        assert b["coterminous"] <= (b["largest_share"] >= 0.9)
    for c in report["councils"]:
        assert sum(o["share"] for o in c["bodies"]) == pytest.approx(1)
    assert [b["code"] for b in report["bodies"]] == sorted(b["code"] for b in report["bodies"])


def test_the_measure_reproduces_published_facts_about_ccgs_and_districts(reference_data):
    # STANDARDS 1.3: 65 of the 135 CCGs of 2020 lie wholly within one district, and 277 of the 314 districts lie
    # in exactly one CCG (counted by LSOA). Same function, districts in place of councils.
    result = domain.coterminosity(Lsoa.objects.values_list("code", "ccg20", "lad20"))
    assert len(result.bodies) == 135 and len(result.councils) == 314
    assert sum(1 for b in result.bodies if len(b.councils) == 1) == 65
    assert sum(1 for c in result.councils if len(c.bodies) == 1) == 277


def test_icbs_span_at_least_as_many_councils_as_any_of_their_ccgs(reference_data):
    ccg = {b["code"]: {c["code"] for c in b["councils"]} for b in services.coterminosity_report("ccg")["bodies"]}
    icb = {b["code"]: {c["code"] for c in b["councils"]} for b in services.coterminosity_report("icb")["bodies"]}
    parent = dict(Area.objects.filter(level="ccg").values_list("code", "parent_code"))
    for code, councils in ccg.items():
        assert councils <= icb[parent[code]]


def test_bad_level_and_threshold_name_the_field():
    with pytest.raises(FieldError) as e:
        services.coterminosity_report("lad")
    assert e.value.field == "level"
    for bad in ("abc", "0", "1.5"):
        with pytest.raises(FieldError) as e:
            services.coterminosity_report("ccg", bad)
        assert e.value.field == "threshold"


def small_reference():
    clear_reference()  # inside the test's transaction: rolled back afterwards
    for code, body, council in [("E01000001", "E38000001", "E06000001"), ("E01000002", "E38000001", "E06000002"),
                                ("E01000003", "E38000002", "E06000002")]:
        Lsoa.objects.create(code=code, name=code, ccg20=body, lad20=council, lad19=council, utla19=council, imd_rank=1)
    for code, level, parent in [("E38000001", "ccg", "E54000001"), ("E38000002", "ccg", "E54000001"),
                                ("E54000001", "icb", ""), ("E06000001", "utla", ""), ("E06000002", "utla", "")]:
        Area.objects.create(code=code, name=f"Area {code}", level=level, ods_code="X", parent_code=parent)
    ReferenceState.objects.create(pk=1, version=1)


def test_population_weights_coterminosity_only_when_every_lsoa_has_one():
    small_reference()
    report = services.coterminosity_report("ccg")
    assert report["weighting"] == "lsoa_count"
    assert report["bodies"][0]["largest_share"] == 0.5
    result = services.load_population(None, "lsoa_code,population\nE01000001,900\nE01000002,100\n")
    assert result == {"rows": 2, "changed": 2, "complete": False}
    assert services.coterminosity_report("ccg")["weighting"] == "lsoa_count"
    services.load_population(None, "E01000001,900\nE01000002,100\nE01000003,\"1,000\"\n")
    report = services.coterminosity_report("ccg")
    assert report["weighting"] == "population"
    assert report["bodies"][0]["largest_share"] == 0.9
    assert report["bodies"][0]["councils"][1]["council_share"] == pytest.approx(100 / 1100)
    assert AuditEntry.objects.filter(action="reference.population").count() == 2


def test_population_errors_name_row_and_field_and_write_nothing():
    small_reference()
    with pytest.raises(FieldError) as e:
        services.load_population(None, "E01000001,900\nE01999999,5\nE01000002,many\nE01000001,3\n")
    errors = e.value.errors
    assert {"row": 2, "field": "lsoa_code"} == {k: errors[0][k] for k in ("row", "field")}
    assert (errors[1]["row"], errors[1]["field"]) == (3, "population")
    assert (errors[2]["row"], errors[2]["field"]) == (4, "lsoa_code")
    assert Lsoa.objects.filter(population__isnull=False).count() == 0
