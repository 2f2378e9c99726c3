"""Loading the reference data: today's geography and organisations, their history, idempotence, and a newer
ONS lookup loaded from files a user downloaded."""

import csv
import gzip
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jointcare.audit.models import AuditEntry
from jointcare.errors import FieldError
from jointcare.organisations.models import Organisation, Succession
from jointcare.places import report, services
from jointcare.places.models import Area, Lsoa, Lsoa21, LsoaPctShare, ReferenceState

pytestmark = pytest.mark.django_db


def table_counts():
    return {
        "areas": Area.objects.count(), "lsoas": Lsoa.objects.count(), "lsoa21": Lsoa21.objects.count(),
        "lsoa_pct": LsoaPctShare.objects.count(), "orgs": Organisation.objects.filter(source="reference").count(),
        "history": Succession.objects.count(),
    }


def test_reference_data_is_loaded_with_today_s_and_historic_organisations(reference_data):
    assert Lsoa.objects.count() == 32844 and Lsoa21.objects.count() == 33755
    levels = Counter(Area.objects.values_list("level", flat=True))
    assert (levels["ccg"], levels["stp"], levels["pct"]) == (135, 42, 151)
    assert (levels["sub_icb"], levels["icb"], levels["council"], levels["district"]) == (106, 42, 153, 296)
    kinds = Counter(Organisation.objects.filter(source="reference").values_list("kind", "active"))
    assert kinds[("icb", True)] == 42 and kinds[("sub_icb", True)] == 106
    assert kinds[("stp", False)] == 42 and kinds[("ccg", False)] == 135 and kinds[("pct", False)] == 151
    assert kinds[("upper_tier_council", True)] == 153 and kinds[("upper_tier_council", False)] == 5
    assert kinds[("gp_practice", True)] == 6830
    assert not any(active for (kind, active) in kinds if kind in ("stp", "ccg", "pct"))

    trafford = Organisation.objects.get(kind="sub_icb", ods_code="02A")
    assert (trafford.name, trafford.gss_code, trafford.active) == ("NHS Greater Manchester ICB - 02A", "E38000187", True)
    assert (trafford.parent.ods_code, trafford.parent.gss_code) == ("QOP", "E54000057")
    assert trafford.parent.name == "NHS Greater Manchester Integrated Care Board"
    ccg = Organisation.objects.get(kind="ccg", gss_code="E38000187")
    assert (ccg.name, ccg.active, ccg.parent.kind, ccg.parent.gss_code) == ("NHS Trafford CCG", False, "stp", "E54000007")
    bolton_practice = Organisation.objects.get(ods_code="P82001")
    assert (bolton_practice.postcode, bolton_practice.parent.ods_code, bolton_practice.parent.kind) == ("BL2 6NT", "00T", "sub_icb")
    # Commissioned in 2019 by Hartlepool and Stockton-on-Tees CCG (00K), merged into Tees Valley (16C) in 2020.
    assert Organisation.objects.get(ods_code="A81001").parent.gss_code == "E38000247"
    district = Organisation.objects.get(kind="district_council", gss_code="E07000026")  # Allerdale, until 2023
    assert not district.active and district.parent.gss_code == "E10000006"  # Cumbria, closed too


def test_codes_are_shared_only_between_an_open_body_and_closed_ones(reference_data):
    for field in ("ods_code", "gss_code"):
        open_codes = Counter(Organisation.objects.filter(active=True).exclude(**{field: None}).values_list(field, flat=True))
        assert max(open_codes.values()) == 1
    qop = Organisation.objects.filter(ods_code="QOP")
    assert sorted(qop.values_list("kind", "active")) == [("icb", True), ("stp", False)]
    from jointcare.organisations import services as organisations

    assert organisations.by_code("QOP").kind == "icb" and organisations.by_code("E38000187").kind == "sub_icb"


def test_history_links_2020_bodies_and_old_councils_to_today_s(reference_data):
    def successors(kind, code):
        links = Succession.objects.filter(predecessor__kind=kind, predecessor__gss_code=code).select_related("successor")
        return {(s.successor.kind, s.successor.gss_code): s.share for s in links}

    assert successors("ccg", "E38000187") == {("sub_icb", "E38000187"): 1.0}
    # Glossop went from Tameside and Glossop to Derbyshire in July 2022; West Birmingham to Birmingham and Solihull.
    tameside = successors("ccg", "E38000182")
    assert set(tameside) == {("sub_icb", "E38000263"), ("sub_icb", "E38000261")}
    assert tameside[("sub_icb", "E38000261")] == pytest.approx(0.1296, abs=1e-4)
    assert set(successors("ccg", "E38000144")) == {("sub_icb", "E38000258"), ("sub_icb", "E38000259")}
    assert successors("stp", "E54000007") == {("icb", "E54000057"): pytest.approx(0.9876, abs=1e-4),
                                              ("icb", "E54000058"): pytest.approx(0.0124, abs=1e-4)}
    cumbria = successors("upper_tier_council", "E10000006")
    assert set(cumbria) == {("upper_tier_council", "E06000063"), ("upper_tier_council", "E06000064")}
    assert successors("district_council", "E07000026") == {("upper_tier_council", "E06000063"): 1.0}
    for kind in ("ccg", "stp", "upper_tier_council", "district_council"):
        totals = Counter()
        for link in Succession.objects.filter(predecessor__kind=kind):
            totals[link.predecessor_id] += link.share
        assert totals and all(t == pytest.approx(1, abs=1e-5) for t in totals.values())
    assert Succession.objects.filter(predecessor__kind="ccg").values("predecessor").distinct().count() == 135
    # Today's bodies are found by their former names.
    assert " trafford ccg" in Organisation.objects.get(kind="sub_icb", ods_code="02A").search_text


def test_practices_of_divided_ccgs_follow_their_address(reference_data):
    shipped = {p["ods_code"]: p for p in services.read_data("gp_practices.csv.gz")}
    glossop = [code for code, p in shipped.items() if p["sub_icb_2020"] == "01Y" and p["sicbl24cd"] == "E38000261"]
    tameside = [code for code, p in shipped.items() if p["sub_icb_2020"] == "01Y" and p["sicbl24cd"] == "E38000263"]
    assert len(glossop) == 6 and len(tameside) == 31
    assert set(Organisation.objects.filter(ods_code__in=glossop).values_list("parent__ods_code", flat=True)) == {"15M"}
    assert set(Organisation.objects.filter(ods_code__in=tameside).values_list("parent__ods_code", flat=True)) == {"01Y"}


def test_loading_twice_writes_nothing_and_keeps_the_same_rows(reference_data):
    before = table_counts()
    version = ReferenceState.objects.get().version
    result = services.load_reference(None)
    assert all(c == {"created": 0, "updated": 0, "deleted": 0} for c in result["counts"].values())
    assert table_counts() == before
    assert ReferenceState.objects.get().version == version
    assert result["vintage"] == (2024, 2023) and not result["kept_newer"]


def test_loading_repairs_changed_rows_and_leaves_other_organisations_alone(reference_data):
    Lsoa.objects.filter(code="E01000001").update(utla19="E09000033", name="changed")
    Lsoa21.objects.filter(code="E01000001").update(sub_icb="E38000187")
    Area.objects.filter(level="ccg").first().delete()
    Succession.objects.filter(predecessor__gss_code="E10000006").delete()
    Organisation.objects.filter(kind="sub_icb", ods_code="02A").update(name="Renamed")
    mine = Organisation.objects.create(name="Our Trust", sector="nhs", kind="nhs_trust", ods_code="RZZ", source="")
    result = services.load_reference(None)
    assert result["counts"]["lsoas"]["updated"] == 1
    assert result["counts"]["current"]["updated"] == 1
    assert result["counts"]["areas"]["created"] == 1
    assert result["counts"]["history"]["created"] == 2
    assert Lsoa.objects.get(code="E01000001").utla19 == "E09000001"
    assert Lsoa21.objects.get(code="E01000001").sub_icb == "E38000255"
    assert Organisation.objects.get(kind="sub_icb", ods_code="02A").name == "NHS Greater Manchester ICB - 02A"
    mine.refresh_from_db()
    assert mine.name == "Our Trust"
    assert AuditEntry.objects.filter(action="reference.load").exists()


def test_a_non_reference_organisation_holding_a_code_is_not_overwritten(reference_data):
    Organisation.objects.filter(source="reference", ods_code="A81002").delete()
    Organisation.objects.create(name="Local copy", sector="nhs", kind="gp_practice", ods_code="A81002", source="")
    result = services.load_reference(None)
    assert any("A81002" in s for s in result["skipped"])
    assert Organisation.objects.get(ods_code="A81002").name == "Local copy"


# --- a newer ONS lookup ------------------------------------------------------------------------------------

def shipped_rows(name):
    with gzip.open(services.DATA_DIR / name, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8-sig") as f:  # as the ONS publishes: with a byte-order mark
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def newer_lookup(tmp_path):
    """An April 2025 lookup in the ONS form (names and codes in every row) in which Trafford (02A) and
    Manchester (14L) form one new Sub-ICB location, 99Z, in a new ICB, QZZ; everything else as in 2024."""
    bodies = {r["SICBL24CD"]: r for r in shipped_rows("sicbl24_icb24.csv.gz")}
    merged = {"E38000187", "E38000217"}
    out = []
    for r in shipped_rows("lsoa21_sicbl24_lad23.csv.gz"):
        b = bodies[r["SICBL24CD"]]
        if r["SICBL24CD"] in merged:
            body = ["E38000999", "99Z", "NHS Test ICB - 99Z", "E54000099", "QZZ", "NHS Test Integrated Care Board"]
        else:
            body = [b["SICBL24CD"], b["SICBL24CDH"], b["SICBL24NM"], b["ICB24CD"], b["ICB24CDH"], b["ICB24NM"]]
        out.append([r["LSOA21CD"], f"Somewhere {r['LSOA21CD'][-4:]}", *body, "E92000001", r["LAD23CD"], "A district"])
    header = ["LSOA21CD", "LSOA21NM", "SICBL25CD", "SICBL25CDH", "SICBL25NM", "ICB25CD", "ICB25CDH", "ICB25NM",
              "CTRY25CD", "LAD23CD", "LAD23NM"]
    return write_csv(tmp_path / "LSOA21_SICBL25_ICB25_LAD23_EN_LU.csv", header, out)


def test_a_newer_lookup_replaces_today_s_bodies_and_keeps_their_history(reference_data, tmp_path):
    path = newer_lookup(tmp_path)
    out = StringIO()
    call_command("load_reference", "--lookup", str(path), stdout=out)
    state = ReferenceState.objects.get()
    assert (state.nhs_year, state.council_year) == (2025, 2023)
    new = Organisation.objects.get(kind="sub_icb", gss_code="E38000999", active=True)
    assert (new.ods_code, new.parent.ods_code) == ("99Z", "QZZ")
    old = Organisation.objects.get(kind="sub_icb", gss_code="E38000187")
    assert not old.active
    assert list(Succession.objects.filter(predecessor=old).values_list("successor__gss_code", "share")) == [("E38000999", 1.0)]
    # Practices follow their closed Sub-ICB location's successor; the old Greater Manchester ICB lost two places.
    assert set(Organisation.objects.filter(kind="gp_practice", ods_code="P91004").values_list("parent__gss_code", flat=True)) == {"E38000999"}
    assert not Organisation.objects.filter(kind="gp_practice", parent__active=False).exists()
    gm = report.body("icb", "E54000057")
    assert "Trafford" not in {c["name"] for c in gm["councils"]}
    assert report.coterminosity_report("sub-icb")["summary"]["bodies"] == 105
    assert report.coterminosity_report("icb")["vintage"]["bodies"] == "April 2025"
    assert " 02a" in new.search_text and " 14l" in new.search_text  # found by the names of the bodies it replaced

    # A plain load keeps the newer lookup and writes nothing; the 2020 -> 2024 history is still there.
    version = state.version
    result = services.load_reference(None)
    assert result["kept_newer"] and result["vintage"] == (2025, 2023)
    assert all(c == {"created": 0, "updated": 0, "deleted": 0} for c in result["counts"].values())
    assert ReferenceState.objects.get().version == version
    assert Succession.objects.filter(predecessor__kind="ccg", predecessor__gss_code="E38000187",
                                     successor=old).exists()


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda h, r: (h, r[:5] + [r[5][:2] + ["W01"] + r[5][3:]] + r[6:]), "row 7, SICBL25CD: 'W01' is not a Sub-ICB location code"),
        (lambda h, r: (h, r + [r[0]]), "appears more than once"),
        (lambda h, r: (h, [x[:9] + ["E07999999"] + x[10:] if i == 2 else x for i, x in enumerate(r)]),
         "row 4, LAD23CD: E07999999 is not a district in the councils lookup"),
        (lambda h, r: ([c if c != "SICBL25CD" else "SUBICB" for c in h], r), "SICBLyyCD"),
        (lambda h, r: (h, [x[:3] + ["not an ods"] + x[4:] if i == 0 else x for i, x in enumerate(r)]),
         "row 2, SICBL25CDH: 'NOT AN ODS' is not a valid ODS code"),
    ],
)
def test_a_bad_lookup_names_the_row_and_column_and_writes_nothing(reference_data, tmp_path, change, message):
    path = newer_lookup(tmp_path)
    with open(path, encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    header, rows = change(header, rows)
    write_csv(path, header, rows)
    before = table_counts()
    with pytest.raises(CommandError) as e:
        call_command("load_reference", "--lookup", str(path), stdout=StringIO())
    assert message in str(e.value)
    assert table_counts() == before
    assert (ReferenceState.objects.get().nhs_year) == 2024


def test_a_lookup_without_names_takes_them_from_the_sub_icb_list(reference_data, tmp_path):
    rows = shipped_rows("lsoa21_sicbl24_lad23.csv.gz")
    lookup = write_csv(tmp_path / "lookup.csv", ["LSOA21CD", "SICBL24CD", "LAD23CD"],
                       [[r["LSOA21CD"], r["SICBL24CD"], r["LAD23CD"]] for r in rows])
    with pytest.raises(FieldError, match="give the Sub-ICB location list too"):
        services.read_current_files(lookup)
    bodies = shipped_rows("sicbl24_icb24.csv.gz")
    listed = write_csv(tmp_path / "bodies.csv", list(bodies[0]), [list(b.values()) for b in bodies])
    geo = services.read_current_files(lookup, listed)
    assert geo.vintage == (2024, 2023) and len(geo.sub_icbs) == 106 and len(geo.icbs) == 42
    assert geo == services.shipped_current()
