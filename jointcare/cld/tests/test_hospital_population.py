"""Hospital activity and populations: all or nothing, every problem named by row and field."""

from datetime import date

import duckdb
import pytest

from jointcare.audit.models import AuditEntry
from jointcare.cld import services, store
from jointcare.cld.models import HospitalImport, Population, Status
from jointcare.errors import FieldError

pytestmark = pytest.mark.django_db

HEADER = "NHS_Number,Admission_Date,Discharge_Date,Admission_Method,Discharge_Destination\n"
GOOD = HEADER + "9434765919,2025-05-01,2025-05-09,21,19\n943 476 5870,01/06/2025,10/06/2025,22,54\n"


def run(tmp_path, text, dry_run=False):
    path = tmp_path / "hospital.csv"
    path.write_text(text, encoding="utf-8")
    return services.import_hospital(None, path, "hospital.csv", dry_run=dry_run)


def loaded():
    con = duckdb.connect()
    store.create_views(con)
    return con.execute("SELECT NHS_Number, Admission_Date, Discharge_Date, Admission_Method FROM hospital_activity "
                       "ORDER BY Admission_Date").fetchall()


def test_hospital_activity_loads_typed(tmp_path):
    outcome = run(tmp_path, GOOD)
    assert outcome.ok, outcome.report()
    assert loaded() == [
        ("9434765919", date(2025, 5, 1), date(2025, 5, 9), "21"),
        ("9434765870", date(2025, 6, 1), date(2025, 6, 10), "22"),
    ]
    assert HospitalImport.objects.get().status == Status.LOADED
    assert AuditEntry.objects.filter(action="cld.hospital_import").exists()


def test_hospital_dry_run_writes_nothing(tmp_path):
    assert run(tmp_path, GOOD, dry_run=True).ok
    assert not HospitalImport.objects.exists() and loaded() == []


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        (",2025-05-01,2025-05-09,21,19", "NHS_Number", "mandatory"),
        ("9434765918,2025-05-01,2025-05-09,21,19", "NHS_Number", "not a valid NHS number"),
        ("9434765919,2025-05-10,2025-05-09,21,19", "Discharge_Date", "before the Admission_Date"),
        ("9434765919,2025-05-01,someday,21,19", "Discharge_Date", "is not a date"),
        ("9434765919,2025-05-01,2025-05-09,2,19", "Admission_Method", "admission method code"),
        ("9434765919,2025-05-01,2025-05-09,21,home", "Discharge_Destination", "discharge destination code"),
    ],
)
def test_each_hospital_rule_rejects_the_file(tmp_path, line, field, words):
    outcome = run(tmp_path, GOOD + line + "\n")
    assert not outcome.ok
    assert {(p["row"], p["field"]) for p in outcome.report()} == {(4, field)}, outcome.report()
    assert any(words in p["reason"] for p in outcome.report()), outcome.report()
    assert loaded() == []
    assert HospitalImport.objects.get().status == Status.REJECTED


def test_a_repeated_episode_is_a_duplicate(tmp_path):
    outcome = run(tmp_path, GOOD + "9434765919,2025-05-01,2025-05-09,21,19\n")
    assert outcome.report() == [{"row": 4, "field": "row", "reason": "repeats row 2 exactly (a duplicate event)"}]


def test_a_hospital_file_missing_a_column_is_refused_on_its_header(tmp_path):
    outcome = run(tmp_path, "NHS_Number,Admission_Date,Discharge_Date\n9434765919,2025-05-01,2025-05-09\n")
    assert {p["field"] for p in outcome.report()} == {"Admission_Method", "Discharge_Destination"}
    assert loaded() == []


# --- populations ---------------------------------------------------------------------------------------------


def test_populations_load_all_or_nothing():
    # "1,500" unquoted is two cells: the row is refused, and with it the file
    with pytest.raises(FieldError) as caught:
        services.import_population(None, "area_code,age_band,population\nE09000001,18 to 64,6000\nE09000001,65 and above,1,500\n")
    assert caught.value.errors == [{"row": 3, "field": "file", "message": "the row has 4 values; the header has 3"}]
    with pytest.raises(FieldError) as caught:
        services.import_population(None, "area_code,age_band,population\nE09000001,65 and above,\"1,500\"\nE09000001,70 plus,10\n")
    assert caught.value.errors == [{"row": 3, "field": "age_band", "message": "'70 plus' is not an age band: use '18 to 64' or '65 and above'"}]
    assert Population.objects.count() == 0
    result = services.import_population(None, "area_code,age_band,population\nE09000001,65 and above,\"1,500\"\n")
    assert result.rows == 1 and Population.objects.get().population == 1500


def test_populations_are_updated_in_place_and_audited():
    services.import_population(None, "area_code,age_band,population\nE09000001,18 to 64,6000\n")
    result = services.import_population(None, "area_code,age_band,population\nE09000001,18 to 64,\"6,100\"\nE08000003,65 and above,90000\n")
    assert result.changed == 2
    assert sorted(Population.objects.values_list("area_code", "age_band", "population")) == [
        ("E08000003", "65 and above", 90000), ("E09000001", "18 to 64", 6100),
    ]
    assert AuditEntry.objects.filter(action="cld.population").count() == 2


@pytest.mark.parametrize(
    ("row", "field"),
    [("X1,18 to 64,10", "area_code"), ("E09000001,18 to 64,ten", "population"), ("E09000001,18 to 64,-3", "population")],
)
def test_population_rows_name_their_problem(row, field):
    with pytest.raises(FieldError) as caught:
        services.import_population(None, "area_code,age_band,population\n" + row + "\n")
    assert caught.value.errors[0]["row"] == 2 and caught.value.errors[0]["field"] == field


def test_lsoa_populations_go_to_the_coterminosity_loader():
    with pytest.raises(FieldError) as caught:
        services.import_population(None, "lsoa_code,population\nE01000001,1500\n")
    assert "load-reference" in caught.value.message  # the places loader answered (no reference data in this test)
