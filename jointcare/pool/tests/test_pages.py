"""The finance officer's pages: monitoring with its drill-down, the ledger, contributions, reports, settle and
reopen; bad query parameters answer a clear 400, never a 500."""

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from jointcare.pool import queries, reports, services
from jointcare.pool.domain import AccountKind
from jointcare.pool.models import Contribution

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def ledger_totals(response) -> dict:
    """The debits, credits and net the ledger page shows (for every page of the filter)."""
    body = response.content.decode()
    found = {}
    for key, label in (("debit", "Debits"), ("credit", "Credits"), ("net", "Net (debits less credits)")):
        m = re.search(re.escape(label) + r"\s*</dt>\s*<dd[^>]*>\s*(-?)£([\d,]+)\.(\d\d)", body)
        found[key] = (-1 if m.group(1) else 1) * (int(m.group(2).replace(",", "")) * 100 + int(m.group(3)))
    return found


@pytest.fixture
def signed_in(client, finance):
    client.login(username="fiona", password=PASSWORD)
    return client


def spend(pool, user, key, code, day, amount, reason="Acme Care – home care"):
    scheme = pool.schemes.get(code=code)
    return services.post_transaction(
        user,
        pool,
        key=key,
        value_date=day,
        reason=reason,
        reference=key.upper(),
        kind="actual",
        postings=[
            (services.account_for(pool, AccountKind.SPEND, scheme=scheme), amount),
            (services.account_for(pool, AccountKind.CASH), -amount),
        ],
    )


@pytest.fixture
def spent(pool, finance):
    spend(pool, finance, "a1", "REAB", dt.date(2026, 4, 3), 120000)
    spend(pool, finance, "a2", "REAB", dt.date(2026, 4, 20), 30050)
    spend(pool, finance, "a3", "REAB", dt.date(2026, 5, 2), 99999)
    spend(pool, finance, "e1", "EQUIP", dt.date(2026, 5, 9), 45000)
    return pool


# ------------------------------------------------------------------------------ bad parameters


@pytest.mark.parametrize(
    "query, field",
    [
        ("through=13", "through"),
        ("through=-1", "through"),
        ("through=abc", "through"),
        ("scheme=NOPE", "scheme"),
        ("format=pdf", "format"),
    ],
)
def test_bad_monitoring_parameters_are_a_400_naming_the_field(signed_in, pool, query, field):
    r = signed_in.get(f"/pools/{pool.pk}/monitoring?{query}")
    assert r.status_code == 400
    body = r.content.decode()
    assert "There is a problem" in body and f"{field}: " in body


@pytest.mark.parametrize(
    "query, field",
    [("month=13", "month"), ("month=x", "month"), ("scheme=NOPE", "scheme"), ("partner=999999", "partner"),
     ("kind=gift", "kind"), ("account=bank", "account"), ("page=0", "page"), ("page=two", "page"), ("format=ods", "format")],
)
def test_bad_ledger_parameters_are_a_400_naming_the_field(signed_in, pool, query, field):
    r = signed_in.get(f"/pools/{pool.pk}/ledger?{query}")
    assert r.status_code == 400 and f"{field}: " in r.content.decode()


def test_bad_report_and_contribution_formats(signed_in, pool):
    assert signed_in.get(f"/pools/{pool.pk}/reports/statement?format=pdf").status_code == 400
    assert signed_in.get(f"/pools/{pool.pk}/contributions?format=pdf").status_code == 400
    assert signed_in.get(f"/pools/{pool.pk}/ledger?page=99").status_code == 404


def test_api_monitoring_through_13_is_a_422_naming_the_field(client, pool, finance):
    client.force_login(finance)
    r = client.get(f"/api/v1/pools/{pool.pk}/monitoring?through=13")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "through"
    assert client.get(f"/api/v1/pools/{pool.pk}/monitoring?through=12").status_code == 200
    r = client.get(f"/api/v1/pools/{pool.pk}/reports/statement?format=pdf")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "format"


# ------------------------------------------------------------------------------ errors at the web edge


def test_a_service_error_in_a_view_is_a_clear_page_with_its_status(signed_in, pool):
    assert signed_in.post(f"/pools/{pool.pk}/periods/1/close").status_code == 302
    r = signed_in.post(f"/pools/{pool.pk}/periods/1/close")
    assert r.status_code == 409
    body = r.content.decode()
    assert "There is a problem" in body and "already closed" in body and "Traceback" not in body
    r = signed_in.post(f"/pools/{pool.pk}/periods/40/close")
    assert r.status_code == 404 and "period: " in r.content.decode()


def test_an_unexpected_error_is_the_plain_500_page_without_a_traceback(pool, finance, monkeypatch, settings):
    settings.DEBUG = False

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(reports, "monitoring", broken)
    client = Client(raise_request_exception=False)
    client.force_login(finance)
    r = client.get(f"/pools/{pool.pk}/monitoring")
    assert r.status_code == 500
    body = r.content.decode()
    assert "Sorry, there is a problem" in body and "secret internals" not in body and "Traceback" not in body


# ------------------------------------------------------------------------------ monitoring and drill-down


def test_monitoring_chart_is_drawn_by_the_template_with_a_table_beside_it(signed_in, spent):
    body = signed_in.get(f"/pools/{spent.pk}/monitoring?scheme=REAB&through=2").content.decode()
    assert body.count("<polyline") == 3  # budget, actuals, forecast
    for label in ("£0", ">Apr<", ">2026<", ">Jan<", ">2027<", "Budget</li>", "Actuals</li>", "Forecast</li>"):
        assert label in body, label
    assert body.count('<tr class="nhsuk-table__row jc-total">') == 3  # month table, schemes, partners


def test_every_actuals_figure_drills_down_to_ledger_postings_that_add_up_to_it(signed_in, spent):
    data = reports.monitoring(spent, through=2)
    checked = 0
    for line in data["schemes"]:
        for month in range(1, 3):
            r = signed_in.get(f"/pools/{spent.pk}/ledger", {"scheme": line.key, "month": month})
            assert r.status_code == 200
            assert ledger_totals(r)["net"] == line.actuals[month - 1], (line.key, month)
            checked += 1
        r = signed_in.get(f"/pools/{spent.pk}/ledger", {"scheme": line.key})
        assert ledger_totals(r)["net"] == line.totals["actuals"]
    r = signed_in.get(f"/pools/{spent.pk}/ledger", {"account": "spend"})
    assert ledger_totals(r)["net"] == data["total"].totals["actuals"] == 120000 + 30050 + 99999 + 45000
    body = signed_in.get(f"/pools/{spent.pk}/monitoring?through=2").content.decode()
    assert f"/pools/{spent.pk}/ledger?scheme=REAB" in body and f"/pools/{spent.pk}/ledger?month=1&amp;account=spend" in body
    assert checked == 4


def test_ledger_lists_postings_with_the_other_side_and_totals(signed_in, spent):
    r = signed_in.get(f"/pools/{spent.pk}/ledger?scheme=REAB&month=1")
    body = r.content.decode()
    assert ">A1</a>" in body and ">A2</a>" in body and ">A3</a>" not in body
    assert "Cash (held by the host)" in body  # the other side of each posting
    assert ledger_totals(r) == {"debit": 150050, "credit": 0, "net": 150050}
    assert "£1,500.50" in body
    r = signed_in.get(f"/pools/{spent.pk}/ledger?account=cash")
    assert ledger_totals(r)["credit"] == 295049 and "Total of all 4 postings" in r.content.decode()
    r = signed_in.get(f"/pools/{spent.pk}/ledger?kind=contribution")
    assert "No postings match" in r.content.decode()


def test_ledger_pages_cost_the_same_queries_at_any_size(signed_in, spent, finance):
    with CaptureQueriesContext(connection) as few:
        signed_in.get(f"/pools/{spent.pk}/ledger")
    s = services.account_for(spent, AccountKind.SPEND, scheme=spent.schemes.get(code="REAB")).pk
    c = services.account_for(spent, AccountKind.CASH).pk
    services.post_transactions_bulk(
        finance, spent, [services.Entry(f"k{i}", dt.date(2026, 6, 1), [(s, 5), (c, -5)], "r") for i in range(150)], "t"
    )
    with CaptureQueriesContext(connection) as many:
        r = signed_in.get(f"/pools/{spent.pk}/ledger?page=2")
    assert len(many) == len(few) and r.content.decode().count(f'href="/pools/{spent.pk}/ledger/') == 50


def test_ledger_downloads_every_matching_posting(signed_in, spent):
    r = signed_in.get(f"/pools/{spent.pk}/ledger?scheme=REAB&format=csv")
    assert r["Content-Disposition"].startswith('attachment; filename="better-care-fund-2026-27-ledger-reab-')
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == queries.LEDGER_HEADERS and len(rows) == 4
    assert rows[1][:2] == ["2026-04-03", "Apr 2026"] and rows[1][8] == "1200.00"
    r = signed_in.get(f"/pools/{spent.pk}/ledger?format=xlsx")
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert ws["A1"].value == f"Ledger: {spent}" and ws.freeze_panes == "A6"
    last = ws.max_row
    assert ws.cell(last, 1).value == "Total" and ws.cell(last, 9).value == ws.cell(last, 10).value == pytest.approx(2950.49)


def test_transaction_page_shows_all_its_postings(signed_in, spent):
    tx = spent.transactions.get(idempotency_key="a1")
    body = signed_in.get(f"/pools/{spent.pk}/ledger/{tx.pk}").content.decode()
    assert "Spend: Reablement (REAB)" in body and "Cash (held by the host)" in body and body.count("£1,200.00") == 4
    assert signed_in.get(f"/pools/{spent.pk}/ledger/999999").status_code == 404


# ------------------------------------------------------------------------------ contributions


def test_contributions_due_received_and_arrears(pool, finance):
    icb = Contribution.objects.get(pool=pool, partner__ods_code="QZZ")  # £6,000 quarterly
    services.receive_contribution(finance, icb, 1, dt.date(2026, 4, 10), 100000)
    data = queries.contributions_by_partner(pool, dt.date(2026, 8, 15))
    icb_line = next(p for p in data["partners"] if p["partner"] == "Test ICB")
    assert (icb_line["due_in_year_pence"], icb_line["due_to_date_pence"], icb_line["received_pence"], icb_line["arrears_pence"]) == (
        600000, 300000, 100000, 200000
    )
    assert [(i["month"], i["due_pence"], i["received_pence"], i["status"]) for i in icb_line["instalments"]] == [
        ("April 2026", 150000, 100000, "part paid"),
        ("July 2026", 150000, 0, "overdue"),
        ("October 2026", 150000, 0, "not yet due"),
        ("January 2027", 150000, 0, "not yet due"),
    ]
    council = next(p for p in data["partners"] if p["partner"] == "Test Council")
    assert council["arrears_pence"] == council["due_to_date_pence"] and len(council["instalments"]) == 12


def test_contributions_page_and_download(signed_in, pool, finance):
    icb = Contribution.objects.get(pool=pool, partner__ods_code="QZZ")
    tx = services.receive_contribution(finance, icb, 1, dt.date(2026, 4, 10))
    body = signed_in.get(f"/pools/{pool.pk}/contributions").content.decode()
    assert "Test ICB" in body and "Paid" in body and 'class="nhsuk-table__row jc-total"' in body
    assert f'href="/pools/{pool.pk}/ledger/{tx.pk}"' in body  # the receipt behind the figure
    r = signed_in.get(f"/pools/{pool.pk}/contributions?format=xlsx")
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert [c.value for c in ws[5]] == ["Partner", "Month", "Due on", "Due", "Received", "Received on", "Arrears", "Status"]
    assert ws.cell(ws.max_row, 1).value == "Total" and ws.cell(ws.max_row, 4).value == pytest.approx(10000)


# ------------------------------------------------------------------------------ reports and downloads


def test_reports_have_totals_rows_and_board_ready_downloads(signed_in, spent):
    body = signed_in.get(f"/pools/{spent.pk}/reports/statement").content.decode()
    assert '<tr class="nhsuk-table__row jc-total">' in body and "Projected" in body
    assert "£6,000.00" in body and ">600000<" not in body  # money shown as money, with a total
    assert "£10,000.00" in body
    r = signed_in.get(f"/pools/{spent.pk}/monitoring?format=xlsx")
    assert r["Content-Disposition"].startswith('attachment; filename="better-care-fund-2026-27-monitoring-20')
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert ws["A1"].value == f"Budget monitoring: {spent}" and ws["A2"].value.startswith("As at ")
    assert ws.freeze_panes == "A6" and ws["C6"].value == "Apr 2026"
    assert "£" in ws["D6"].number_format
    r = signed_in.get(f"/pools/{spent.pk}/reports/quarterly?format=csv")
    assert r["Content-Disposition"].endswith('.csv"') and "Q1 (Apr 2026 to Jun 2026)" in r.content.decode("utf-8-sig")


# ------------------------------------------------------------------------------ months, settle, reopen


def test_only_the_next_ended_month_offers_a_close_button(signed_in, pool, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(2026, 6, 15))
    body = signed_in.get(f"/pools/{pool.pk}/").content.decode()
    assert body.count('action="/pools/') == 1 and "Close Apr 2026" in body
    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(2026, 4, 15))
    assert "Close Apr 2026" not in signed_in.get(f"/pools/{pool.pk}/").content.decode()


def test_settled_pool_offers_reopening_not_settling(signed_in, pool, finance, clock):
    from jointcare.pool.tests.conftest import AFTER_YEAR_END, close_year

    clock(AFTER_YEAR_END)
    close_year(finance, pool)
    services.settle_pool(finance, pool)
    r = signed_in.get(f"/pools/{pool.pk}/settle")
    assert r.status_code == 302 and r["Location"].endswith("/reports/statement")
    body = signed_in.get(f"/pools/{pool.pk}/").content.decode()
    assert f"/pools/{pool.pk}/reopen" in body and f"/pools/{pool.pk}/settle" not in body
    r = signed_in.get(f"/pools/{pool.pk}/reopen")
    assert r.status_code == 200 and "Why is the pool being reopened?" in r.content.decode()
    r = signed_in.post(f"/pools/{pool.pk}/reopen", {"reason": ""})
    assert r.status_code == 400 and 'href="#reason"' in r.content.decode() and 'href="#confirm"' in r.content.decode()


def test_reopen_reverses_the_settlement_with_the_reason(signed_in, pool, finance, clock):
    from jointcare.audit.models import AuditEntry
    from jointcare.pool.tests.conftest import AFTER_YEAR_END, close_year

    clock(AFTER_YEAR_END)
    close_year(finance, pool)
    services.settle_pool(finance, pool)
    r = signed_in.post(f"/pools/{pool.pk}/reopen", {"reason": "Late invoice INV-9 for March", "confirm": "on"})
    assert r.status_code == 302
    pool.refresh_from_db()
    assert pool.settled_at is None and "Reopened" in signed_in.get(r["Location"]).content.decode()
    reopening = AuditEntry.objects.filter(action__icontains="reopen").get()
    assert "Late invoice INV-9" in f"{reopening.summary} {reopening.after}"


def test_unsettled_pool_has_nothing_to_reopen(signed_in, pool):
    r = signed_in.post(f"/pools/{pool.pk}/reopen", {"reason": "x", "confirm": "on"})
    assert r.status_code == 302 and r["Location"] == f"/pools/{pool.pk}/"
