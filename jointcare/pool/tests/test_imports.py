import datetime as dt
import io

import pytest
from openpyxl import Workbook

from jointcare.errors import FieldError
from jointcare.pool import imports, reports
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


def _rows(n: int, start: int = 0, prefix: str = "C") -> list[str]:
    return [f"{prefix}{i},2026-{4 + i % 9:02d}-{1 + i % 28:02d},{'REAB' if i % 2 else 'EQUIP'},{1 + i % 97}.{i % 100:02d}" for i in range(start, start + n)]


def _csv(lines: list[str]) -> bytes:
    return ("reference,date,scheme,amount\n" + "\n".join(lines) + "\n").encode()


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 4)


def test_a_file_of_several_chunks_posts_all_and_again_posts_nothing(pool, finance, small_chunks):
    from jointcare.audit.models import AuditEntry

    content = _csv(_rows(10))
    r = imports.import_actuals(finance, pool, "c.csv", io.BytesIO(content))
    assert (r.rows, r.posted, r.skipped) == (10, 10, 0)
    assert LedgerTransaction.objects.filter(pool=pool).count() == 10
    # one entry for the import as a whole, besides the bulk posting's own for each chunk
    entry = AuditEntry.objects.get(action="pool.import_actuals")
    assert entry.after["posted"] == 10 and entry.after["rows"] == 10
    assert AuditEntry.objects.filter(action="pool.post_bulk").count() == 3
    again = imports.import_actuals(finance, pool, "c.csv", io.BytesIO(content))
    assert (again.rows, again.posted, again.skipped) == (10, 0, 10)
    assert AuditEntry.objects.filter(action="pool.import_actuals").count() == 1  # nothing posted, nothing to record
    assert reports.ledger_check(pool) == []


def test_a_problem_in_a_later_chunk_leaves_nothing_posted(pool, finance, small_chunks):
    lines = _rows(9)
    lines[8] = "C8,2026-05-01,NOPE,1.00"  # row 10, in the third chunk, after two chunks were posted
    with pytest.raises(FieldError) as exc:
        imports.import_actuals(finance, pool, "c.csv", _csv(lines))
    assert [(e["row"], e["field"]) for e in exc.value.errors] == [(10, "scheme")]
    assert not LedgerTransaction.objects.exists() and not Posting.objects.exists()
    assert not pool.accounts.get(kind="cash").monthly.exclude(amount_pence=0).exists()


def test_a_reference_repeated_in_another_chunk_names_the_first_row(pool, finance, small_chunks):
    lines = _rows(6)
    lines[5] = lines[1].replace(",1.", ",2.")  # row 7 repeats row 3's reference, two chunks later
    lines.append(lines[5])  # and row 8 repeats it again, in the same chunk
    with pytest.raises(FieldError) as exc:
        imports.import_actuals(finance, pool, "c.csv", _csv(lines), dry_run=True)
    assert exc.value.errors == [
        {"row": 7, "field": "reference", "message": "reference 'C1' is also on row 3"},
        {"row": 8, "field": "reference", "message": "reference 'C1' is also on row 3"},
    ]


def test_references_alike_in_their_hash_are_told_apart(pool, finance, small_chunks, monkeypatch):
    """Repeated references are first found by their hashes: references that only share a hash (here every one of
    the same length) are not repeats, and a real repeat still names the row it was first on."""
    monkeypatch.setattr(imports._SeenReferences, "hash", staticmethod(len))
    r = imports.import_actuals(finance, pool, "c.csv", _csv(_rows(10)), dry_run=True)
    assert (r.rows, r.posted) == (10, 10)
    lines = _rows(10)
    lines[7] = lines[4].replace(",1.", ",2.")  # row 9 repeats row 6's reference
    with pytest.raises(FieldError) as exc:
        imports.import_actuals(finance, pool, "c.csv", _csv(lines), dry_run=True)
    assert exc.value.errors == [{"row": 9, "field": "reference", "message": "reference 'C4' is also on row 6"}]


def test_a_file_unreadable_in_a_later_chunk_is_refused_naming_the_row(pool, finance, small_chunks):
    """The file is read ahead of the posting, in another thread: a row that cannot be read, after chunks were
    posted, is still refused naming its row, and nothing is posted."""
    content = _csv(_rows(9)).replace(b"C6,", b"C\xff6,")  # row 8, in the second chunk
    with pytest.raises(FieldError) as exc:
        imports.import_actuals(finance, pool, "c.csv", io.BytesIO(content))
    assert exc.value.errors[0]["row"] == 8 and "not UTF-8" in exc.value.errors[0]["message"]
    assert not LedgerTransaction.objects.exists() and not Posting.objects.exists()


def test_changed_details_are_found_in_every_chunk(pool, finance, small_chunks):
    imports.import_actuals(finance, pool, "c.csv", _csv(_rows(8)))
    changed = [line.replace("2026-04-01", "2026-04-02") for line in _rows(8)]
    with pytest.raises(FieldError) as exc:
        imports.import_actuals(finance, pool, "c.csv", _csv(changed + _rows(2, start=8)))
    assert {e["row"] for e in exc.value.errors} == {2} and "different details" in exc.value.errors[0]["message"]
    assert LedgerTransaction.objects.count() == 8  # the two new rows were not posted either


def test_problems_beyond_the_listed_number_are_counted(pool, finance, monkeypatch, small_chunks):
    monkeypatch.setattr(imports, "MAX_REPORTED", 3)
    lines = [f"B{i},2026-05-01,NOPE,1.00" for i in range(7)]
    with pytest.raises(FieldError) as exc:
        imports.import_actuals(finance, pool, "c.csv", _csv(lines))
    assert [e["row"] for e in exc.value.errors] == [2, 3, 4]
    assert exc.value.message.startswith("7 problem(s) (the first 3 are listed); nothing was imported. Row 2, scheme")


@pytest.mark.domain
def test_the_imports_digest_is_the_ledgers():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from jointcare.pool import services

    @settings(max_examples=60, deadline=None)
    @given(
        reason=st.text(min_size=1, max_size=40),
        reference=st.text(max_size=20),
        amount=st.integers(1, 10**13),
        accounts=st.tuples(st.integers(1, 10**6), st.integers(1, 10**6)),
        day=st.dates(dt.date(2026, 4, 1), dt.date(2027, 3, 31)),
    )
    def same(reason, reference, amount, accounts, day):
        entry = services.Entry(
            key="k", value_date=day, postings=[(accounts[0], amount), (accounts[1], -amount)], reason=reason,
            kind="actual", reference=reference,
        )
        assert imports._digest(entry) == entry.digest

    same()


def test_plain_and_formatted_amounts_read_alike():
    for text, pence in [("12", 1200), ("12.5", 1250), ("0012.05", 1205), ("£1,234.56", 123456), (" 7.1 ", 710)]:
        assert imports._pence(text) == pence
    for text in ("1.234", "", "1e3", "99999999999999"):
        with pytest.raises(ValueError):
            imports._pence(text)


def test_a_locked_database_is_busy_not_a_server_error(pool, finance, monkeypatch):
    from django.db import OperationalError

    from jointcare.errors import Busy
    from jointcare.pool import services

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services.ledger, "post_checked_bulk", locked)
    with pytest.raises(Busy) as exc:
        imports.import_actuals(finance, pool, "a.csv", GOOD)
    assert exc.value.status == 503 and "Try again" in exc.value.message
    monkeypatch.setattr(services.ledger, "post_checked_bulk", lambda *a, **k: (_ for _ in ()).throw(OperationalError("disk I/O error")))
    with pytest.raises(OperationalError):
        imports.import_actuals(finance, pool, "a.csv", GOOD)


def _lock_the_database(monkeypatch):
    from django.db import OperationalError

    from jointcare.pool import services

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "post_transactions_bulk", locked)
    monkeypatch.setattr(services.ledger, "post_checked_bulk", locked)  # the actuals import's way in
    monkeypatch.setattr(services, "post_transaction", locked)


def test_a_busy_database_answers_503_with_retry_after_on_pages_and_api(client, pool, finance, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jointcare.accounts import services as account_services

    _, token = account_services.create_token(None, finance, "test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    _lock_the_database(monkeypatch)
    r = client.post(f"/api/v1/pools/{pool.pk}/actuals", {"file": SimpleUploadedFile("a.csv", GOOD)}, **auth)
    assert r.status_code == 503 and r["Retry-After"] == "30"
    assert "busy" in r.json()["detail"] and "Try again" in r.json()["detail"]
    accounts = {a.kind: a.pk for a in pool.accounts.filter(scheme__isnull=True, partner__isnull=True)}
    body = {
        "key": "k1",
        "value_date": "2026-05-04",
        "reason": "invoice",
        "postings": [{"account_id": accounts["cash"], "amount_pence": 5}, {"account_id": accounts["cash"], "amount_pence": -5}],
    }
    r = client.post(f"/api/v1/pools/{pool.pk}/transactions", body, content_type="application/json", **auth)
    assert r.status_code == 503 and r["Retry-After"] == "30" and "busy" in r.json()["detail"]

    client.login(username="fiona", password="correct-horse-battery")
    r = client.post(f"/pools/{pool.pk}/import", {"file": SimpleUploadedFile("a.csv", GOOD)})
    assert r.status_code == 503 and r["Retry-After"] == "30" and b"Try again in 30 seconds" in r.content
    assert not Posting.objects.exists()


def test_a_busy_database_on_any_page_is_503(client, pool, finance, monkeypatch):
    from django.db import OperationalError

    from jointcare.pool import views

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(views.services, "close_period", locked)
    client.login(username="fiona", password="correct-horse-battery")
    r = client.post(f"/pools/{pool.pk}/periods/1/close")
    assert r.status_code == 503 and r["Retry-After"] == "30" and b"The service is busy" in r.content


def test_agreement_upload_refuses_bytes_that_are_not_utf8_naming_the_line(client, partners, finance):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jointcare.pool.models import Pool
    from jointcare.pool.tests.conftest import AGREEMENT_YAML

    client.login(username="fiona", password="correct-horse-battery")
    broken = AGREEMENT_YAML.encode().replace(b"name: Better Care Fund", b"name: Better Care Fund \xe9t\xe9")
    line = AGREEMENT_YAML.splitlines().index("  name: Better Care Fund") + 1
    for content in (broken, b"\xef\xbb\xbf" + broken):  # with and without a byte-order mark
        r = client.post("/pools/new", {"file": SimpleUploadedFile("a.yaml", content)})
        assert r.status_code == 400
        assert f"line {line}, column 26 has the byte 0xe9, which is not valid UTF-8".encode() in r.content
        assert "\ufffd".encode() not in r.content
    assert not Pool.objects.exists()
    r = client.post("/pools/new", {"file": SimpleUploadedFile("a.yaml", AGREEMENT_YAML.encode())})
    assert r.status_code == 302 and Pool.objects.count() == 1


def test_home_lists_an_import_once_whatever_its_chunks(client, pool, finance, small_chunks):
    imports.import_actuals(finance, pool, "many-chunks.csv", _csv(_rows(10)))
    client.login(username="fiona", password="correct-horse-battery")
    html = client.get("/").content.decode()
    assert html.count("Imported 10 actuals") == 1 and "Posted 4 transactions" not in html
