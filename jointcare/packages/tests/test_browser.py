"""Browser: add a jointly funded service with GOV.UK dates, see its costs and funding, run reablement to its
outcome and follow-up, approve the plan; axe-core clean on every page visited."""

import datetime as dt

import pytest

from conftest import axe_violations
from jointcare.packages import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, username, next_path):
    page.goto(f"{live_server.url}/sign-in?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", "correct-horse-battery")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"**{next_path}")


def _date(page, prefix, day):
    page.fill(f"#{prefix}-day", str(day.day))
    page.fill(f"#{prefix}-month", str(day.month))
    page.fill(f"#{prefix}-year", str(day.year))


def test_plan_service_reablement_and_approval(page, live_server, coordinator, commissioner, person, provider, schemes,
                                              artefacts, settings):
    settings.PACKAGES_APPROVAL_WEEKLY_PENCE = 10_000
    _sign_in(page, live_server, "carla", f"/care-plans/people/{person.pk}/")
    assert axe_violations(page) == []
    page.click("text=Add a service")
    page.fill("#name", "Home care, mornings")
    page.select_option("#provider", str(provider.pk))
    page.select_option("#service_type", "Long term support: Community")
    page.select_option("#component", "Home care or domiciliary care")
    page.select_option("#delivery_mechanism", "CASSR Commissioned support")
    page.fill("#units_per_week", "7")
    page.fill("#unit_cost", "20.00")
    _date(page, "starts_on", dt.date(2026, 4, 1))
    page.fill("#pooled_percent", "60")
    page.select_option("#scheme", str(schemes["REAB"].pk))
    page.fill("#council_percent", "30")
    page.click("button:has-text('Save service')")
    assert "add to 90%" in page.inner_text(".nhsuk-error-summary")
    assert axe_violations(page) == []
    page.fill("#council_percent", "40")
    page.click("button:has-text('Save service')")
    page.wait_for_url(f"**/care-plans/people/{person.pk}/")
    page.goto(f"{live_server.url}/care-plans/people/{person.pk}/?year=2026")
    assert "£140.00" in page.inner_text("#services")  # a week
    april = page.locator("#monthly-costs tbody tr").first.inner_text()
    assert "£600.00" in april and "£360.00" in april and "£240.00" in april
    assert "Awaiting approval" in page.inner_text("main")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "care-plan.png", full_page=True)

    page.goto(f"{live_server.url}/care-plans/people/{person.pk}/reablement/new")
    _date(page, "starts_on", dt.date(2026, 5, 1))
    _date(page, "discharged_on", dt.date(2026, 4, 30))
    page.click("button:has-text('Start episode')")
    page.wait_for_url(f"**/care-plans/people/{person.pk}/reablement")
    assert "91 days after discharge" in page.inner_text("main")
    assert axe_violations(page) == []
    episode = person.reablement_episodes.get()
    page.goto(f"{live_server.url}/care-plans/reablement/{episode.pk}/end")
    _date(page, "ends_on", dt.date(2026, 6, 20))
    page.select_option("#outcome", "NFA: Support ended as planned")
    page.click("button:has-text('End episode')")
    assert "42 days at most" in page.inner_text(".nhsuk-error-summary")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "reablement.png", full_page=True)

    page.context.clear_cookies()
    plan = services.plan_of(person)
    _sign_in(page, live_server, "cath", f"/care-plans/{plan.pk}/approval")
    assert "Service added: Home care, mornings" in page.inner_text("main")
    assert axe_violations(page) == []
    page.check("#decision")
    page.click("button:has-text('Record decision')")
    page.wait_for_url(f"**/care-plans/{plan.pk}/approval")
    assert "Nothing awaits approval" in page.inner_text("main")
    page.goto(f"{live_server.url}/care-plans/{plan.pk}/history")
    assert "Approved by cath" in page.inner_text("main")
    assert axe_violations(page) == []
