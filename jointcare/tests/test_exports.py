"""The project's CSV and XLSX writer: safe to open (no cell read as a formula) and ready to hand to a board."""

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from jointcare import exports
from jointcare.errors import FieldError

HOSTILE = ["=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "＝1+1", '=HYPERLINK("http://x.invalid","y")']


def sheet(rows, **kwargs):
    return exports.Sheet(
        title="Budget monitoring: Test pool 2026-27",
        headers=["Name", "Month", "Date", "Budget", "Count"],
        rows=rows,
        as_at=dt.datetime(2026, 11, 29, 14, 5, tzinfo=dt.UTC),
        **kwargs,
    )


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_would_be_a_formula_gets_a_quote(text):
    assert exports.safe_text(text) == "'" + text


@pytest.mark.parametrize("text", ["Reablement", "1+1", " =1", "", "O'Neill", "a=b"])
def test_other_text_is_left_alone(text):
    assert exports.safe_text(text) == text


def test_csv_has_plain_numbers_and_quoted_formulas():
    body = exports.to_csv(sheet([[t, "Apr 2026", dt.date(2026, 4, 1), -123456, 3] for t in HOSTILE]))
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Month", "Date", "Budget", "Count"]
    for text, row in zip(HOSTILE, rows[1:], strict=True):
        assert row == ["'" + text, "Apr 2026", "2026-04-01", "-1234.56", "3"]


def _cells(content: bytes):
    wb = load_workbook(io.BytesIO(content))
    return wb.worksheets[0]


def test_xlsx_is_laid_out_for_a_board():
    ws = _cells(exports.to_xlsx(sheet([["Reablement", "Apr 2026", dt.date(2026, 4, 1), 123456, 3], ["Home care", "May 2026", dt.date(2026, 5, 1), 100, 1]], notes=["Actuals to the end of Oct 2026"], totals=True)))
    assert ws["A1"].value == "Budget monitoring: Test pool 2026-27" and ws["A1"].font.b
    assert ws["A2"].value == "As at 29 November 2026 14:05"  # Europe/London in winter
    assert ws["A3"].value == "Actuals to the end of Oct 2026"
    assert [c.value for c in ws[5]] == ["Name", "Month", "Date", "Budget", "Count"]
    assert ws.freeze_panes == "A6"
    assert ws["D6"].value == pytest.approx(1234.56) and "£" in ws["D6"].number_format
    assert ws["C6"].is_date and ws["C6"].value.date() == dt.date(2026, 4, 1)
    assert ws["A8"].value == "Total" and ws["D8"].value == pytest.approx(1235.56) and ws["D8"].font.b
    assert ws["E8"].value is None  # counts are not money: not summed
    assert ws.column_dimensions["A"].width >= len("Reablement")


def test_xlsx_writes_every_text_as_a_string_never_a_formula():
    content = exports.to_xlsx(sheet([[t, t, None, 1, 1] for t in HOSTILE] + [["bell\x07 and \x1b", "", None, 0, 0]]))
    ws = _cells(content)
    assert [c.value for c in ws[4]] == ["Name", "Month", "Date", "Budget", "Count"]  # no notes: header on row 4
    for i, text in enumerate(HOSTILE, start=5):
        # a string cell, the text kept (XML reads a carriage return back as a line feed)
        assert ws.cell(i, 1).data_type == "s" and ws.cell(i, 1).value == text.replace("\r", "\n")
    assert ws.cell(5 + len(HOSTILE), 1).value == "bell\ufffd and \ufffd"
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


def test_response_names_the_file_and_refuses_other_formats():
    r = exports.export_response(sheet([]), "xlsx", exports.filename("Trafford BCF", "2026-27", "monitoring", day=dt.date(2026, 11, 29)))
    assert r["Content-Disposition"] == 'attachment; filename="trafford-bcf-2026-27-monitoring-2026-11-29.xlsx"'
    with pytest.raises(FieldError) as exc:
        exports.export_response(sheet([]), "pdf", "x")
    assert exc.value.field == "format"


def test_a_file_name_from_hostile_text_is_plain():
    name = exports.filename('</title><script>x</script>"', "2026-27", day=timezone.localdate())
    assert name.replace("-", "").isalnum()
