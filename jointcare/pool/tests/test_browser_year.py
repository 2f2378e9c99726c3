"""A whole year of a pooled budget through the pages, in headless Chromium: set the pool up with the question
pages, import actual spend month by month, close each month, preview the risk share part way through (a
forecast, marked provisional), settle at year end, then reopen for a late invoice and settle again. Every page
is checked with axe-core, and screenshots are kept in test-artefacts/.

The dates are injected (the `clock` fixture sets the day the services and pages take as today): each month
is imported and closed a few days after it ends, the preview is taken in October (a forecast), and the year is
settled in April after it.
"""

import datetime as dt

import pytest

from conftest import axe_violations
from jointcare.organisations.models import Organisation
from jointcare.partnerships import services as partnerships
from jointcare.pool import services
from jointcare.pool.models import Pool
from jointcare.pool.tests.conftest import close_year

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONTHS = ["Apr 2025", "May 2025", "Jun 2025", "Jul 2025", "Aug 2025", "Sep 2025", "Oct 2025", "Nov 2025", "Dec 2025",
          "Jan 2026", "Feb 2026", "Mar 2026"]


@pytest.fixture
def partnership(db, user_factory):
    icb = Organisation.objects.create(name="Test ICB", sector="nhs", kind="icb", ods_code="QZZ")
    council = Organisation.objects.create(name="Test Council", sector="council", kind="upper_tier_council", gss_code="E06000099")
    agreement = partnerships.create_agreement(
        None, name="Test Section 75", kind="section_75_pooled_fund", starts_on="2025-04-01",
        parties=[(council, "host"), (icb, "member")],
    )
    user_factory("fiona", roles=["finance_officer"], organisation=council)
    return {"agreement": agreement, "icb": icb, "council": council}


def _sign_in(page, live_server, next_path):
    # nothing from other sites: pages are judged on what this site serves
    page.route(lambda url: not url.startswith(live_server.url), lambda route: route.abort())
    page.goto(f"{live_server.url}/sign-in?next={next_path}")
    page.fill("#username", "fiona")
    page.fill("#password", "correct-horse-battery")
    _submit(page, "Sign in")
    page.wait_for_url(f"{live_server.url}{next_path}")


def _submit(page, button: str) -> None:
    """Press a button that submits a form, and wait for the page that answers."""
    with page.expect_navigation():
        page.click(f"button:has-text('{button}')")


def _checked(page, artefacts, name: str, full_page: bool = True) -> None:
    assert axe_violations(page) == [], name
    page.screenshot(path=artefacts / f"year-{name}.png", full_page=full_page)


def _import(page, live_server, pool, tmp_path, name: str, rows: list[tuple[str, str, str, str, str]]):
    f = tmp_path / name
    f.write_text("reference,date,scheme,amount,supplier\n" + "".join(",".join(r) + "\n" for r in rows))
    page.goto(f"{live_server.url}/pools/{pool.pk}/import")
    page.set_input_files("#file", str(f))
    _submit(page, "Import")
    return page.inner_text("main")


def _month_rows(month: int) -> list[tuple[str, str, str, str, str]]:
    day = dt.date(2025 + (month + 2) // 12, (month + 2) % 12 + 1, 15).isoformat()
    return [(f"M{month:02d}-REAB", day, "REAB", "430.00", "Acme Care"), (f"M{month:02d}-EQUIP", day, "EQUIP", "350.00", "Kit Ltd")]


def _after(month: int) -> dt.date:
    """A few days after the end of month `month` (1 = April 2025)."""
    return dt.date(2025 + (month + 3) // 12, (month + 3) % 12 + 1, 5)


def test_a_whole_year_through_the_pages(page, live_server, partnership, artefacts, tmp_path, clock):
    icb, council = partnership["icb"].pk, partnership["council"].pk
    clock(dt.date(2025, 4, 2))
    _sign_in(page, live_server, "/pools/")

    # Set the pool up, one question page at a time.
    with page.expect_navigation():
        page.click("a:has-text('Set up a pooled budget')")
    _checked(page, artefacts, "01-start")
    _submit(page, "Start now")
    page.check(f"input[name=agreement][value='{partnership['agreement'].pk}']")
    page.fill("#financial_year", "2025-26")
    _checked(page, artefacts, "02-agreement")
    _submit(page, "Continue")
    page.fill("#name", "Better Care Fund")
    page.check(f"input[name=host][value='{council}']")
    _checked(page, artefacts, "03-pool")
    _submit(page, "Continue")
    for partner, amount, schedule in ((icb, "6000.00", "quarterly"), (council, "4000.00", "monthly")):
        page.check(f"input[name=partner][value='{partner}']")
        page.fill("#amount", amount)
        page.check("input[name=type][value=pooled]")
        page.check("input[name=form][value=cash]")
        page.check(f"input[name=schedule][value={schedule}]")
        _submit(page, "Add this contribution")
    assert page.locator("#items .nhsuk-summary-list__row").count() == 2
    _checked(page, artefacts, "04-contributions")
    _submit(page, "Continue")
    page.fill("#code", "REAB")
    page.fill("#name", "Reablement")
    page.select_option("#service_area", "reablement")
    page.check(f"input[name=lead][value='{council}']")
    page.fill("#budget", "5000.00")
    page.fill(f"#funder_{icb}", "60")
    page.fill(f"#funder_{council}", "40")
    _submit(page, "Add this scheme")
    page.fill("#code", "EQUIP")
    page.fill("#name", "Community equipment")
    page.select_option("#service_area", "community_equipment")
    page.check(f"input[name=lead][value='{icb}']")
    page.fill("#budget", "4500.00")
    _submit(page, "Add this scheme")
    _checked(page, artefacts, "05-schemes")
    _submit(page, "Continue")
    page.fill("#risk_reserve", "500.00")
    page.check("input[name=method][value=pro_rata]")
    page.select_option(f"#cap_{icb}", "contribution")
    page.select_option(f"#cap_{council}", "contribution")
    page.select_option("#excess_to", str(icb))
    page.check("input[name=underspend][value=return_pro_rata]")
    _checked(page, artefacts, "06-risk-share")
    _submit(page, "Continue")
    assert "£10,000.00" in page.inner_text("#sums")
    _checked(page, artefacts, "07-check-answers")
    _submit(page, "Create the pool")
    pool = Pool.objects.get()
    page.wait_for_url(f"**/pools/{pool.pk}/")
    assert "Created Better Care Fund 2025-26" in page.inner_text("main")
    _checked(page, artefacts, "08-pool")

    # Import each month's actuals, then close the month; half way, preview the risk share.
    for month in range(1, 13):
        clock(_after(month))
        summary = _import(page, live_server, pool, tmp_path, f"actuals-{month:02d}.csv", _month_rows(month))
        assert "posted 2 (£780.00)" in summary, summary
        if month == 1:
            _checked(page, artefacts, "09-import")
        if month <= 11:
            page.goto(f"{live_server.url}/pools/{pool.pk}/")
            _submit(page, f"Close {MONTHS[month - 1]}")
            assert f"Closed {MONTHS[month - 1]}" in page.inner_text("main")
        if month == 6:
            page.goto(f"{live_server.url}/pools/{pool.pk}/monitoring?through=6")
            assert page.locator("svg.jc-chart polyline").count() == 3
            _checked(page, artefacts, "10-monitoring-mid-year")
            with page.expect_navigation():
                page.click("#chart-data a >> nth=0")  # drill down from April's actuals
            assert "Total of all 2 postings" in page.inner_text("#ledger")
            _checked(page, artefacts, "11-ledger-drill-down")
            page.goto(f"{live_server.url}/pools/{pool.pk}/settle")
            assert "Provisional" in page.inner_text("main") and "forecast outturn" in page.inner_text("#provisional")
            assert page.locator("button:has-text('Settle and post the risk share')").count() == 0
            _checked(page, artefacts, "12-settle-preview-provisional")

    # A month closed takes no more: the import page says so against the row.
    summary = _import(page, live_server, pool, tmp_path, "late.csv", [("LATE-1", "2025-05-20", "REAB", "10.00", "Acme Care")])
    assert "Row 2, date" in summary and "closed" in summary

    # Year end: the whole year's figures, then settle.
    page.goto(f"{live_server.url}/pools/{pool.pk}/monitoring")
    assert "£9,360.00" in page.inner_text("#schemes")  # twelve months of £780.00
    _checked(page, artefacts, "13-monitoring-year-end")
    page.goto(f"{live_server.url}/pools/{pool.pk}/settle")
    assert "Provisional" not in page.inner_text("main")
    assert page.locator("#explanation li").count() > 3
    _checked(page, artefacts, "14-settle")
    _submit(page, "Settle and post the risk share")
    page.wait_for_url(f"**/pools/{pool.pk}/reports/statement")
    assert "As settled at year end" in page.inner_text("main")
    _checked(page, artefacts, "15-statement-settled")
    page.goto(f"{live_server.url}/pools/{pool.pk}/ledger?kind=settlement")
    assert "Settlement" in page.inner_text("#ledger")
    _checked(page, artefacts, "16-ledger-settlement")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/pools/{pool.pk}/monitoring")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    _checked(page, artefacts, "17-monitoring-375")


def test_reopen_for_a_late_invoice_and_settle_again(page, live_server, partnership, artefacts, tmp_path, clock):
    from jointcare.accounts.models import User
    from jointcare.pool import agreement_file
    from jointcare.pool.tests.conftest import AGREEMENT_YAML

    clock(dt.date(2026, 4, 20))
    fiona = User.objects.get(username="fiona")
    pool = agreement_file.create_from_text(fiona, AGREEMENT_YAML.replace("2026-27", "2025-26"))
    close_year(fiona, pool)
    services.settle_pool(fiona, pool)
    _sign_in(page, live_server, f"/pools/{pool.pk}/")
    with page.expect_navigation():
        page.click("a:has-text('Reopen the pool for a late item')")
    _submit(page, "Reopen the pool")
    assert "Enter why the pool is being reopened" in page.inner_text(".nhsuk-error-summary")
    _checked(page, artefacts, "18-reopen-errors")
    page.fill("#reason", "Late invoice INV-0412 from Acme Care for March")
    page.check("#confirm")
    _submit(page, "Reopen the pool")
    page.wait_for_url(f"**/pools/{pool.pk}/")
    assert "Reopened" in page.inner_text("main")
    summary = _import(page, live_server, pool, tmp_path, "late.csv", [("INV-0412", "2026-03-31", "REAB", "250.00", "Acme Care")])
    assert "posted 1 (£250.00)" in summary, summary
    page.goto(f"{live_server.url}/pools/{pool.pk}/settle")
    assert "Provisional" not in page.inner_text("main")
    _submit(page, "Settle and post the risk share")
    page.wait_for_url(f"**/pools/{pool.pk}/reports/statement")
    assert "As settled at year end" in page.inner_text("main") and "£250.00" in page.inner_text("#report")
    _checked(page, artefacts, "19-settled-again")
