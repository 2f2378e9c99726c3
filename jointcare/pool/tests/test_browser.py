"""Browser: budget monitoring with its chart, the import report and settlement, with axe-core checks."""

import datetime as dt

import pytest

from conftest import axe_violations
from jointcare.pool import services
from jointcare.pool.domain import AccountKind
from jointcare.pool.tests.conftest import AFTER_YEAR_END, close_year

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_monitoring_import_and_settle_pages(page, live_server, pool, finance, artefacts, tmp_path, clock):
    scheme = pool.schemes.get(code="REAB")
    services.post_transaction(
        finance,
        pool,
        key="a",
        value_date=dt.date(2026, 4, 3),
        reason="r",
        postings=[
            (services.account_for(pool, AccountKind.SPEND, scheme=scheme), 450000),
            (services.account_for(pool, AccountKind.CASH), -450000),
        ],
    )
    page.goto(f"{live_server.url}/sign-in?next=/pools/{pool.pk}/monitoring")
    page.fill("#username", "fiona")
    page.fill("#password", "correct-horse-battery")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"**/pools/{pool.pk}/monitoring")
    assert page.locator("figure svg[role='img'] title").count() == 1
    assert page.locator("#chart-data tbody tr").count() == 13  # twelve months and the year
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "pool-monitoring.png", full_page=True)

    bad = tmp_path / "actuals.csv"
    bad.write_text("reference,date,scheme,amount\nA,2026-05-01,NOPE,1\nB,31/02/2026,REAB,2\n")
    page.goto(f"{live_server.url}/pools/{pool.pk}/import")
    page.set_input_files("#file", str(bad))
    page.click("button:has-text('Import')")
    summary = page.inner_text(".nhsuk-error-summary")
    assert "Row 2, scheme" in summary and "Row 3, date" in summary
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/pools/{pool.pk}/settle")
    assert "Provisional" in page.inner_text("main")
    assert page.locator("button:has-text('Settle and post the risk share')").count() == 0
    clock(AFTER_YEAR_END)  # the year has ended: it may be settled once April to February are closed
    close_year(finance, pool)
    page.goto(f"{live_server.url}/pools/{pool.pk}/settle")
    assert page.locator("#explanation li").count() > 3
    assert axe_violations(page) == []
    page.click("button:has-text('Settle and post the risk share')")
    page.wait_for_url(f"**/pools/{pool.pk}/reports/statement")
    assert "As settled at year end" in page.inner_text("main")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "pool-statement.png", full_page=True)
