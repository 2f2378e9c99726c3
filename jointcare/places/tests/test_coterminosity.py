"""Coterminosity at every level checked against an independent count over the shipped ONS lookups.

`independent` below reads the compressed lookups with nothing but gzip and csv: no service, domain or database
code. Each LSOA counts once (LSOA-count weighting); a body is coterminous with a council when at least 95% of
the body lies in the council and at least 95% of the council lies in the body.
"""

import csv
import gzip
import json
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from jointcare.audit.models import AuditEntry
from jointcare.errors import FieldError
from jointcare.places import domain, report, services
from jointcare.places.models import Area, Lsoa, Lsoa21, ReferenceState
from jointcare.places.tests.conftest import clear_reference

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
SOCIAL_SERVICES = ("E06", "E08", "E09", "E10")
BODIES = {"ccg": 135, "stp": 42, "sub-icb": 106, "icb": 42}


def rows(name):
    with gzip.open(DATA / name, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def independent(level):
    """(body, council) pairs of LSOAs straight from the shipped lookups -> {body: {council: (share, council_share)}}."""
    if level in ("ccg", "stp"):
        stp_of = {r["code"]: r["parent_code"] for r in rows("areas.csv.gz") if r["level"] == "ccg"}
        pairs = [
            (r["ccg20cd"] if level == "ccg" else stp_of[r["ccg20cd"]], r["utla19cd"])
            for r in rows("lsoa.csv.gz") if r["utla19cd"].startswith(SOCIAL_SERVICES)
        ]
    else:
        upper = {r["LTLA23CD"]: r["UTLA23CD"] for r in rows("ltla23_utla23.csv.gz")}
        icb_of = {r["SICBL24CD"]: r["ICB24CD"] for r in rows("sicbl24_icb24.csv.gz")}
        pairs = [
            (r["SICBL24CD"] if level == "sub-icb" else icb_of[r["SICBL24CD"]], upper[r["LAD23CD"]])
            for r in rows("lsoa21_sicbl24_lad23.csv.gz")
        ]
    pair, body, council = Counter(pairs), Counter(b for b, _ in pairs), Counter(c for _, c in pairs)
    out = {}
    for (b, c), n in pair.items():
        out.setdefault(b, {})[c] = (n / body[b], n / council[c])
    return out


def independent_summary(level, threshold=0.95):
    expected = independent(level)
    return {
        "bodies": len(expected),
        "several_councils": sum(1 for councils in expected.values() if len(councils) > 1),
        "coterminous": sum(1 for councils in expected.values()
                           if any(s >= threshold and cs >= threshold for s, cs in councils.values())),
        "councils": len({c for councils in expected.values() for c in councils}),
    }


@pytest.mark.parametrize("level", ["ccg", "stp", "sub-icb", "icb"])
def test_coterminosity_equals_an_independent_count_of_the_ons_lookups(reference_data, level):
    result = report.coterminosity_report(level)
    expected = independent(level)
    assert len(result["bodies"]) == BODIES[level] == len(expected)
    for b in result["bodies"]:
        got = {c["code"]: (c["share"], c["council_share"]) for c in b["councils"]}
        assert got.keys() == expected[b["code"]].keys()
        for code, (share, council_share) in got.items():
            assert share == pytest.approx(expected[b["code"]][code][0], abs=1e-12)
            assert council_share == pytest.approx(expected[b["code"]][code][1], abs=1e-12)
        assert b["coterminous"] == any(s >= 0.95 and cs >= 0.95 for s, cs in expected[b["code"]].values())
    assert result["summary"] == independent_summary(level)
    assert result["weighting"] == "lsoa_count"
    print(level, result["summary"])  # the figures recorded in docs/decisions/0014


@pytest.mark.parametrize("level", ["ccg", "stp", "sub-icb", "icb"])
def test_the_published_json_is_the_independent_count_rounded(reference_data, level):
    out = StringIO()
    call_command("coterminosity", "--level", level, "--format", "json", stdout=out)
    published = json.loads(out.getvalue())
    expected = independent(level)
    for b in published:
        assert {c["code"]: (c["share"], c["council_share"]) for c in b["councils"]} == {
            code: (round(s, 4), round(cs, 4)) for code, (s, cs) in expected[b["code"]].items()
        }
        assert b["largest_share"] == max(round(s, 4) for s, _ in expected[b["code"]].values())


def test_today_s_levels_use_the_april_2024_bodies_and_2023_councils(reference_data):
    icbs = {b["code"]: b for b in report.coterminosity_report("icb")["bodies"]}
    gm = icbs["E54000057"]
    assert (gm["ods_code"], gm["name"]) == ("QOP", "NHS Greater Manchester Integrated Care Board")
    assert {c["name"] for c in gm["councils"]} == {
        "Bolton", "Bury", "Manchester", "Oldham", "Rochdale", "Salford", "Stockport", "Tameside", "Trafford", "Wigan"}
    trafford = report.body("sub-icb", "E38000187")
    assert trafford["name"] == "NHS Greater Manchester ICB - 02A" and trafford["coterminous"]
    assert trafford["councils"] == [{"code": "E08000009", "name": "Trafford", "share": 1.0, "council_share": 1.0}]
    councils = {c["code"] for c in report.coterminosity_report("sub-icb")["councils"]}
    assert {"E06000063", "E06000064", "E06000065", "E06000066"} <= councils  # Cumberland, Westmorland and Furness,
    assert "E10000006" not in councils  # North Yorkshire and Somerset of 2023; no Cumbria County Council
    assert report.coterminosity_report("icb")["vintage"] == {"bodies": "April 2024", "councils": "April 2023"}
    stps = {b["code"]: b for b in report.coterminosity_report("stp")["bodies"]}
    assert stps["E54000007"]["name"] == "Greater Manchester Health and Social Care Partnership"
    # Glossop moved from Greater Manchester to Derbyshire in July 2022: the STP overlapped Derbyshire, the ICB not.
    assert "Derbyshire" in {c["name"] for c in stps["E54000007"]["councils"]}


@pytest.mark.parametrize("level,bodies,councils", [("ccg", 135, 151), ("stp", 42, 151), ("pct", 151, 151),
                                                   ("sub-icb", 106, 153), ("icb", 42, 153)])
def test_invariants_at_every_level(reference_data, level, bodies, councils):
    result = report.coterminosity_report(level, 0.9)
    assert result["summary"]["bodies"] == bodies
    assert result["summary"]["councils"] == councils  # every council with social services is covered
    for b in result["bodies"]:
        assert b["name"] and b["ods_code"]
        assert sum(c["share"] for c in b["councils"]) == pytest.approx(1)
        assert b["largest_share"] == b["councils"][0]["share"]
        assert b["coterminous"] <= (b["largest_share"] >= 0.9)
    for c in result["councils"]:
        assert c["name"]
        assert sum(o["share"] for o in c["bodies"]) == pytest.approx(1)
    assert [b["code"] for b in result["bodies"]] == sorted(b["code"] for b in result["bodies"])


def test_the_measure_reproduces_published_facts_about_ccgs_and_districts(reference_data):
    # STANDARDS 1.3: 65 of the 135 CCGs of 2020 lie wholly within one district, and 277 of the 314 districts lie
    # in exactly one CCG (counted by LSOA). Same function, districts in place of councils.
    result = domain.coterminosity(Lsoa.objects.values_list("code", "ccg20", "lad20"))
    assert len(result.bodies) == 135 and len(result.councils) == 314
    assert sum(1 for b in result.bodies if len(b.councils) == 1) == 65
    assert sum(1 for c in result.councils if len(c.bodies) == 1) == 277


@pytest.mark.parametrize("small,large", [("ccg", "stp"), ("sub-icb", "icb")])
def test_a_body_spans_at_least_the_councils_of_each_of_its_parts(reference_data, small, large):
    parts = {b["code"]: {c["code"] for c in b["councils"]} for b in report.coterminosity_report(small)["bodies"]}
    wholes = {b["code"]: {c["code"] for c in b["councils"]} for b in report.coterminosity_report(large)["bodies"]}
    parent = dict(Area.objects.filter(level=report.BODY_AREA[small]).values_list("code", "parent_code"))
    for code, councils in parts.items():
        assert councils <= wholes[parent[code]]


def test_council_view_lists_the_bodies_of_every_level(reference_data):
    levels = {entry["level"]: entry for entry in report.council("E08000009")}
    assert list(levels) == ["icb", "sub-icb", "stp", "ccg", "pct"]
    assert [b["name"] for b in levels["sub-icb"]["bodies"]] == ["NHS Greater Manchester ICB - 02A"]
    assert levels["sub-icb"]["bodies"][0]["coterminous"]
    # Cumbria existed only until 2023: measured at the 2019 levels, not today's.
    assert [e["level"] for e in report.council("E10000006")] == ["stp", "ccg", "pct"]


def test_today_s_outlines_map_back_to_the_2019_councils(reference_data):
    codes = report.coterminosity_report("ccg")["outlines"]
    assert codes["E06000063"] == codes["E06000064"] == "E10000006"  # Cumberland, Westmorland and Furness -> Cumbria
    assert codes["E08000009"] == "E08000009"
    assert len(codes) == 153
    assert report.coterminosity_report("icb")["outlines"] == {}


def test_bad_level_and_threshold_name_the_field():
    with pytest.raises(FieldError) as e:
        report.coterminosity_report("lad")
    assert e.value.field == "level"
    for bad in ("abc", "0", "1.5"):
        with pytest.raises(FieldError) as e:
            report.coterminosity_report("ccg", bad)
        assert e.value.field == "threshold"


def small_reference():
    clear_reference()  # inside the test's transaction: rolled back afterwards
    for code, body, council in [("E01000001", "E38000001", "E06000001"), ("E01000002", "E38000001", "E06000002"),
                                ("E01000003", "E38000002", "E06000002")]:
        Lsoa.objects.create(code=code, name=code, ccg20=body, lad20=council, lad19=council, utla19=council, imd_rank=1)
        Lsoa21.objects.create(code=code, sub_icb=body, district=council, council=council)
    for code, level, parent in [("E38000001", "ccg", "E54000001"), ("E38000002", "ccg", "E54000001"),
                                ("E54000001", "stp", ""), ("E06000001", "utla", ""), ("E06000002", "utla", ""),
                                ("E38000001", "sub_icb", "E54000001"), ("E38000002", "sub_icb", "E54000001"),
                                ("E54000001", "icb", ""), ("E06000001", "council", ""), ("E06000002", "council", "")]:
        Area.objects.create(code=code, name=f"Area {code}", level=level, ods_code="X", parent_code=parent)
    ReferenceState.objects.create(pk=1, version=1, nhs_year=2024, council_year=2023)


def test_population_weights_coterminosity_only_when_every_lsoa_has_one():
    small_reference()
    assert report.coterminosity_report("ccg")["weighting"] == "lsoa_count"
    assert report.coterminosity_report("ccg")["bodies"][0]["largest_share"] == 0.5
    result = services.load_population(None, "lsoa_code,population\nE01000001,900\nE01000002,100\n")
    # The codes are in both vintages (unchanged LSOAs keep their code), so both are set.
    assert result == {"rows": 2, "changed": 4, "complete_2011": False, "complete_2021": False}
    assert report.coterminosity_report("ccg")["weighting"] == "lsoa_count"
    services.load_population(None, "E01000001,900\nE01000002,100\nE01000003,\"1,000\"\n")
    for level in ("ccg", "sub-icb"):
        result = report.coterminosity_report(level)
        assert result["weighting"] == "population"
        assert result["bodies"][0]["largest_share"] == 0.9
        assert result["bodies"][0]["councils"][1]["council_share"] == pytest.approx(100 / 1100)
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
    assert Lsoa21.objects.filter(population__isnull=False).count() == 0
