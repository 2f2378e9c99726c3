"""Caseload import: all or nothing, dry run, every rejected row named by row and column; page and command."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from jointcare.audit.models import AuditEntry
from jointcare.errors import FieldError
from jointcare.people import imports
from jointcare.people.domain import synthetic_nhs_number
from jointcare.people.models import Person

pytestmark = pytest.mark.django_db

HEADER = "nhs_number,given_name,family_name,date_of_birth,responsible_council,gp_practice,postcode,long_term_conditions,consent_to_share\n"


def _good(n: int) -> str:
    return "".join(
        f"{synthetic_nhs_number(100 + i)},Person{i},Smith,1950-01-{i + 1:02d},E08000009,P91004,M33 7ZZ,copd;dementia,yes\n"
        for i in range(n)
    )


def test_a_good_file_is_imported_whole(people_world):
    result = imports.import_people(people_world.social_worker, "caseload.csv", (HEADER + _good(5)).encode())
    assert result.created == 5 and Person.objects.count() == 5
    person = Person.objects.get(given_name="Person2")
    assert person.gp_practice == people_world.practice and person.long_term_conditions == ["copd", "dementia"]
    assert person.consent_to_share and person.family_key == "smith"
    assert AuditEntry.objects.filter(action="person.import", object_id=str(person.pk)).exists()


def test_one_bad_row_imports_nothing_and_every_problem_is_named(people_world):
    bad = (
        "999 000 001A,Bad,Number,1950-01-01,E08000009,,,,\n"
        f"{synthetic_nhs_number(100)},Twice,Smith,1950-01-01,E08000009,,,,\n"  # the same number as row 2
        f"{synthetic_nhs_number(300)},,Nameless,31/02/1950,E08000009,Z99999,nowhere,gout,maybe\n"
    )
    with pytest.raises(FieldError) as caught:
        imports.import_people(people_world.social_worker, "caseload.csv", (HEADER + _good(2) + bad).encode())
    found = {(e["row"], e["field"]) for e in caught.value.errors}
    assert {(4, "nhs_number"), (5, "nhs_number"), (6, "given_name"), (6, "date_of_birth"), (6, "gp_practice"),
            (6, "postcode"), (6, "long_term_conditions"), (6, "consent_to_share")} <= found
    assert Person.objects.count() == 0


def test_a_number_already_held_is_refused(people_world, person):
    csv = HEADER + f"{person.nhs_number},Sian,OBrien,1941-03-09,E08000009,,,,\n"
    with pytest.raises(FieldError) as caught:
        imports.import_people(people_world.social_worker, "c.csv", csv.encode())
    assert caught.value.errors[0]["row"] == 2 and f"id {person.pk}" in caught.value.errors[0]["message"]


def test_dry_run_imports_nothing(people_world):
    result = imports.import_people(None, "c.csv", (HEADER + _good(3)).encode(), dry_run=True)
    assert result.rows == 3 and result.created == 0 and Person.objects.count() == 0


def test_columns_are_checked_first(people_world):
    with pytest.raises(FieldError) as caught:
        imports.import_people(None, "c.csv", b"given_name,surname\nA,B\n")
    fields = {e["field"] for e in caught.value.errors}
    assert {"family_name", "date_of_birth", "surname"} <= fields


def test_xlsx_with_real_dates(people_world):
    import datetime as dt

    book = Workbook()
    sheet = book.active
    sheet.append(["given_name", "family_name", "date_of_birth", "lsoa_code"])
    sheet.append(["Zoë", "Núñez", dt.datetime(1944, 5, 6), "E01006100"])
    buf = io.BytesIO()
    book.save(buf)
    imports.import_people(None, "c.xlsx", buf.getvalue())
    person = Person.objects.get()
    assert person.date_of_birth == dt.date(1944, 5, 6) and person.responsible_council == "E08000009"
    assert person.family_key == "nunez"


def test_the_import_page_reports_rejected_rows(client, people_world):
    client.force_login(people_world.social_worker)
    bad = HEADER + "123,A,B,1950-01-01,E08000009,,,,\n"
    page = client.post("/people/import", {"file": SimpleUploadedFile("c.csv", bad.encode(), content_type="text/csv")})
    assert page.status_code == 400 and 'id="rejected"' in page.content.decode()
    good = client.post("/people/import", {"file": SimpleUploadedFile("c.csv", (HEADER + _good(2)).encode())})
    assert good.status_code == 200 and "Imported 2 people" in good.content.decode()


def test_the_command(people_world, tmp_path, capsys):
    path = tmp_path / "caseload.csv"
    path.write_text(HEADER + _good(2))
    call_command("import_people", str(path), "--dry-run")
    assert Person.objects.count() == 0
    call_command("import_people", str(path), "--user", "sw")
    assert Person.objects.count() == 2
    with pytest.raises(CommandError, match="may not"):
        call_command("import_people", str(path), "--user", "admin")
    path.write_text(HEADER + "1,A,B,1950-01-01,E08000009,,,,\n")
    with pytest.raises(CommandError):
        call_command("import_people", str(path), "--user", "sw")
    assert "row 2, nhs_number" in capsys.readouterr().err
