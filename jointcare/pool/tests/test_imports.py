import datetime as dt
import io

import pytest
from openpyxl import Workbook

from jointcare.errors import FieldError
from jointcare.pool import imports
from jointcare.pool.models import LedgerTransaction, Posting
from jointcare.pool.tests.conftest import close_year

pytestmark = pytest.mark.django_db

GOOD = (
    "reference,date,scheme,partner,supplier,description,amount\n"
    'INV-1,2026-05-31,REAB,QZZ,Acme Care,May visits,"1,234.56"\n'
    "INV-2,15/06/2026,Community equipment,,Kit Ltd,Hoists,£99\n"
).encode()


def test_csv_import_posts_and_second_import_posts_nothing(pool, finance):
    r = imports.import_actuals(finance, pool, "a.csv", GOOD)
    assert (r.rows, r.posted, r.total_pence) == (2, 2, 123456 + 9900)
    assert Posting.objects.count() == 4
    again = imports.import_actuals(finance, pool, "a.csv", GOOD)
    assert (again.posted, again.skipped) == (0, 2)
    assert Posting.objects.count() == 4
    tx = LedgerTransaction.objects.get(idempotency_key="actual:INV-1")
    assert tx.period.number == 2 and "Acme Care" in tx.reason and tx.source == "import:a.csv"


def test_dry_run_posts_nothing(pool, finance):
    r = imports.import_actuals(finance, pool, "a.csv", GOOD, dry_run=True)
    assert r.posted == 2 and r.dry_run
    assert not Posting.objects.exists()


def test_bad_rows_are_all_reported_and_nothing_posted(pool, finance):
    bad = (
        b"reference,date,scheme,amount\n"
        b"A,2026-05-31,REAB,10.00\n"
        b"B,31/02/2026,REAB,10.00\n"
        b"C,2026-05-31,NOPE,10.00\n"
        b"D,2026-05-31,REAB,-5\n"
        b"E,2026-05-31,REAB,ten\n"
        b"A,2026-05-31,REAB,10.00\n"
        b"F,2025-05-31,REAB,10.00\n"
        b"G,2026-05-31,REAB,1.234\n"
    )
    with pytest.raises(FieldError) as exc:
        imports.import_actuals(finance, pool, "b.csv", bad)
    found = {(e["row"], e["field"]) for e in exc.value.errors}
    assert found == {
        (3, "date"),
        (4, "scheme"),
        (5, "amount"),
        (6, "amount"),
        (7, "reference"),
        (8, "date"),
        (9, "amount"),
    }
    assert not Posting.objects.exists()


def test_wrong_columns(pool, finance):
    with pytest.raises(FieldError) as exc:
        imports.import_actuals(finance, pool, "c.csv", b"ref,when,amount,colour\nA,2026-05-01,1,red\n")
    fields = {e["field"] for e in exc.value.errors}
    assert {"reference", "date", "scheme", "ref", "when", "colour"} <= fields


def test_reference_imported_before_with_other_details(pool, finance):
    imports.import_actuals(finance, pool, "a.csv", GOOD)
    changed = GOOD.replace(b"\xc2\xa399", b"100")
    with pytest.raises(FieldError, match="different details"):
        imports.import_actuals(finance, pool, "a.csv", changed)


def test_closed_month_row_is_rejected(pool, finance):
    close_year(finance, pool, through=2)
    with pytest.raises(FieldError) as exc:
        imports.import_actuals(finance, pool, "a.csv", GOOD)
    assert exc.value.errors == [
        {"row": 2, "field": "date", "message": "2026-05-31 is in 2026-05, which is closed"}
    ]


def test_xlsx_import(pool, finance):
    wb = Workbook()
    ws = wb.active
    ws.append(["Reference", "Date", "Scheme", "Amount"])
    ws.append(["X-1", dt.datetime(2026, 7, 4), "REAB", 250.5])
    ws.append(["X-2", dt.date(2026, 7, 5), "EQUIP", 12])
    buf = io.BytesIO()
    wb.save(buf)
    r = imports.import_actuals(finance, pool, "x.xlsx", buf.getvalue())
    assert (r.posted, r.total_pence) == (2, 25050 + 1200)


def test_not_a_workbook(pool, finance):
    with pytest.raises(FieldError, match="XLSX"):
        imports.import_actuals(finance, pool, "x.xlsx", b"nope")


def test_reimporting_a_file_binds_no_variable_per_row(pool, finance):
    """Re-importing a file of more than 250,000 rows failed on SQLite with "too many SQL variables": the
    look-up of the references imported before bound one variable per row, and 250,000 is the most the SQLite
    here allows. The test lowers the limit to 999 (SQLite's old default, still that of many builds), so a file
    of 2,500 rows meets the same failure in a fraction of the time."""
    import sqlite3

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("a limit of SQLite")
    connection.ensure_connection()
    connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    try:
        rows = 2_500
        lines = ["reference,date,scheme,amount"]
        lines += [f"R{i},2026-{4 + i % 9:02d}-{1 + i % 28:02d},{'REAB' if i % 2 else 'EQUIP'},{1 + i % 997}.{i % 100:02d}" for i in range(rows)]
        content = ("\n".join(lines) + "\n").encode()
        first = imports.import_actuals(finance, pool, "big.csv", content)
        assert (first.rows, first.posted) == (rows, rows)
        again = imports.import_actuals(finance, pool, "big.csv", content)
        assert (again.posted, again.skipped) == (0, rows)
        assert LedgerTransaction.objects.filter(pool=pool).count() == rows
    finally:
        connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 250_000)
