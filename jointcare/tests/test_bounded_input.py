"""Bounded input, piece by piece: the readers' messages, the request limits on pages and API, the form field for
text, and the API's contract (422 for what breaks the document, with the field named)."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook

from jointcare import limits, readers
from jointcare.errors import FieldError
from jointcare.tests import hostile


def _refusal(fn) -> FieldError:
    with pytest.raises(FieldError) as exc:
        fn()
    return exc.value


def _rows(name, content) -> list:
    return list(readers.read_table(name, content))


# --- readers (no database) -----------------------------------------------------------------------------------


@pytest.mark.domain
def test_csv_rows_stream_with_bom_and_quoted_newlines():
    content = b'\xef\xbb\xbfreference,description\nA,"two\nlines"\nB,plain\n'
    rows = readers.read_table("a.csv", io.BytesIO(content))
    assert next(rows) == ["reference", "description"]
    assert list(rows) == [["A", "two\nlines"], ["B", "plain"]]


@pytest.mark.domain
def test_csv_cell_over_excel_limit_names_row_and_column():
    error = _refusal(lambda: _rows("a.csv", b"reference,supplier\nA,ok\nB," + b"x" * 40_000 + b"\n"))
    assert error.errors == [
        {"row": 3, "field": "supplier", "message": "is 40,000 characters long; the most one cell may hold is 32,767"}
    ]


@pytest.mark.domain
def test_csv_control_character_is_refused_with_its_row():
    error = _refusal(lambda: _rows("a.csv", b"reference\nA\nB\x0b\n"))
    assert error.errors[0]["row"] == 3 and "U+000B" in error.message


@pytest.mark.domain
def test_csv_columns_beyond_the_limit_must_be_empty():
    wide = b"a\n" + b"1" + b"," * 60 + b"\n"
    assert len(_rows("a.csv", wide)[1]) == limits.MAX_TABLE_COLUMNS
    error = _refusal(lambda: _rows("a.csv", b"a\n1" + b"," * 60 + b"x\n"))
    assert "column 61" in error.message and "at most 50 columns" in error.message


@pytest.mark.domain
def test_csv_rows_beyond_the_limit_are_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_TABLE_ROWS", 3)
    assert len(_rows("a.csv", b"h\n1\n2\n3\n")) == 4
    error = _refusal(lambda: _rows("a.csv", b"h\n1\n2\n3\n4\n"))
    assert "more than 3 rows" in error.message


@pytest.mark.domain
def test_other_files_are_refused():
    assert _refusal(lambda: _rows("a.pdf", b"%PDF")).field == "file"


@pytest.mark.domain
def test_xlsx_reads_values_and_ignores_columns_beyond_the_limit():
    wb = Workbook()
    wb.active.append(["reference", "amount"])
    wb.active.append(["A", 12.5])
    wb.active.cell(row=2, column=60, value="far away")
    buf = io.BytesIO()
    wb.save(buf)
    rows = _rows("a.xlsx", buf.getvalue())
    assert rows[1][:2] == ["A", 12.5] and len(rows[1]) == limits.MAX_TABLE_COLUMNS


@pytest.mark.domain
def test_xlsx_control_character_is_not_well_formed_and_refused():
    """XML cannot hold a control character, so a workbook with one is refused before openpyxl reads it."""
    wb = Workbook()
    wb.active.append(["reference", "supplier"])
    wb.active.append(["A", "fine"])
    buf = io.BytesIO()
    wb.save(buf)
    bad = hostile.rewrite_part(buf.getvalue(), hostile.SHEET, lambda b: b.replace(b"fine", b"fi&#x1b;ne"))
    assert "is not well-formed XML" in _refusal(lambda: _rows("a.xlsx", bad)).message


@pytest.mark.domain
def test_xlsx_part_compressed_beyond_the_ratio_is_refused():
    data = hostile.rewrite_part(hostile.workbook([["a"]]), "docProps/app.xml", lambda b: b + b" " * 5_000_000)
    assert "times its compressed size" in _refusal(lambda: _rows("a.xlsx", data)).message


@pytest.mark.domain
@pytest.mark.parametrize(
    "text,words",
    [
        ("a: 1\nb: *a\n", "aliases (*a) are not allowed"),
        ("a: &x 1\nb: [&y 2]\n", None),
        ("a: &x 1\nb: *x\n", "aliases (*x) are not allowed"),
        ("a: x\x00\n", "NUL character"),
        ('a: "' + "x" * 10_001 + '"\n', "10,001 characters long"),
        ("a: [" + "9" * 5000 + "]\n", "number too large"),
        ("a: {b: 99999999999999999999}\n", "a.b: the number is too large"),
        ("a: b: c\n", "not valid YAML at line 1, column 5"),
    ],
)
def test_yaml_refusals_are_short_and_say_where(text, words):
    if words is None:  # anchors alone are harmless
        assert readers.load_yaml(text) == {"a": 1, "b": [2]}
        return
    error = _refusal(lambda: readers.load_yaml(text))
    assert words in error.message and len(error.message) < 200


@pytest.mark.domain
def test_yaml_reads_an_ordinary_document():
    assert readers.load_yaml(b"pool:\n  name: Fund\n  year: 2026\n") == {"pool": {"name": "Fund", "year": 2026}}


# --- requests and pages --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_upload_over_the_limit_gets_an_nhs_page_naming_the_limit(client, api_world, settings):
    settings.MAX_UPLOAD_BYTES = 1_000
    client.force_login(api_world.user)
    body = (
        b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n" + b"x" * 2_000 + b"\r\n--B--\r\n"
    )
    response = client.generic(
        "POST", f"/pools/{api_world.pool_id}/import", body, content_type="multipart/form-data; boundary=B"
    )
    page = response.content.decode()
    assert response.status_code == 413
    assert "The upload is 0 MB; the largest accepted is 0 MB" in page and "nhsuk-header" in page


@pytest.mark.django_db
def test_a_multipart_form_without_a_boundary_gets_a_page(client, api_world):
    client.force_login(api_world.user)
    response = client.generic("POST", f"/pools/{api_world.pool_id}/import", b"--x\r\n", content_type="multipart/form-data")
    assert response.status_code == 400 and "no boundary" in response.content.decode()


@pytest.mark.django_db
def test_a_content_length_that_is_not_a_number_is_refused(client, api_world):
    response = client.get("/api/v1/me", CONTENT_LENGTH="lots", **api_world.headers)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "Content-Length"


@pytest.mark.django_db
def test_a_control_character_in_a_form_field_names_the_field(client, api_world):
    client.force_login(api_world.user)
    response = client.post("/organisations/new", {"name": "Bad\x1bName", "kind": "provider", "sector": "voluntary"})
    assert response.status_code == 400 and "U+001B" in response.content.decode()


# --- the API's contract --------------------------------------------------------------------------------------


def _post(client, world, path, body):
    return client.post(path.format(pool=world.pool_id, agreement=world.agreement_id), json.dumps(body),
                       content_type="application/json", **world.headers)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path,body,field,words",
    [
        ("/api/v1/pools/{pool}/commitments", {"amount_pence": 10**14}, "amount_pence", "largest amount allowed, £100,000,000,000.00"),
        ("/api/v1/pools/{pool}/commitments", {"amount_pence": -1}, "amount_pence", "must not be negative"),
        ("/api/v1/pools/{pool}/commitments", {"amount_pence": "5"}, "amount_pence", "whole number"),
        ("/api/v1/pools/{pool}/commitments", {"amount_pence": True}, "amount_pence", "whole number"),
        ("/api/v1/pools/{pool}/commitments", {"month": 0}, "month", "date written YYYY-MM-DD"),
        ("/api/v1/pools/{pool}/commitments", {"sheme": "REAB"}, "sheme", "Extra inputs are not permitted"),
        ("/api/v1/pools/{pool}/settle", {"dry_run": "yes"}, "dry_run", "valid boolean"),
        ("/api/v1/pools/{pool}/transactions", {"postings": [{"account_id": 0}]}, "postings.0.account_id", "greater than"),
    ],
)
def test_a_body_that_breaks_the_document_gets_422_naming_the_field(client, api_world, path, body, field, words):
    response = _post(client, api_world, path, body)
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert words in errors[field]


@pytest.mark.django_db
def test_a_whole_number_written_with_a_point_is_a_whole_number(client, api_world):
    body = {"scheme": "REAB", "month": "2026-06-01", "amount_pence": 1200.0, "source": "care", "reference": "p1"}
    response = _post(client, api_world, "/api/v1/pools/{pool}/commitments", body)
    assert response.status_code == 200 and response.json()["amount_pence"] == 1200


@pytest.mark.django_db
def test_every_operation_documents_its_errors_in_one_shape(client, api_world):
    document = client.get("/api/v1/openapi.json").json()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            documented = set(operation["responses"])
            needed = {"400", "401", "403", "404", "422"} | ({"409", "413"} if method != "get" else set())
            assert needed <= documented, (method, path, needed - documented)
            for status in needed:
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)
