"""Browser: the integrated care journey on the demo, in headless Chromium, through the pages alone.

A hospital discharge referral for a demo resident routes to the Trafford Reablement Team; a member of the team
claims it from the queue, records first contact, completes the integrated assessment (its task list, eligibility
explained), starts a reablement episode and ends it with an outcome, then adds a long-term service funded jointly
from the pool. The finance officer sees the pool's commitments grow by the plan's pooled share; the worker
schedules and completes a review. axe-core is clean on every page visited; a screenshot is kept for every step,
and the person page and the team queue at phone width.
"""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "jointcare-demo"  # the demo users' published password


class Journey:
    """The browser, with a screenshot and an axe-core check for each step."""

    def __init__(self, page, live_server, artefacts):
        self.page, self.url, self.artefacts, self.step = page, live_server.url, artefacts, 0
        self.visited: set[str] = set()
        page.set_default_timeout(8000)

    def check(self, name: str) -> None:
        self.page.wait_for_load_state()
        violations = axe_violations(self.page)
        assert violations == [], f"{name}: {violations}"
        self.visited.add(self.page.url)
        self.step += 1
        self.page.screenshot(path=self.artefacts / f"journey-{self.step:02d}-{name}.png", full_page=True)

    def phone(self, name: str) -> None:
        """The page at 375 px (a phone), then back to the desktop width."""
        self.page.set_viewport_size({"width": 375, "height": 812})
        # the page reflows after the resize, and the header moves its links into "More": let both settle first
        try:
            self.page.wait_for_function("document.documentElement.scrollWidth <= 375", timeout=5_000)
        except PlaywrightTimeout:
            pass  # the width check below names what sticks out
        self.page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        if axe_violations(self.page):  # taken mid-reflow, perhaps: a lasting violation is still there half a second on
            self.page.wait_for_timeout(500)
            assert axe_violations(self.page) == []
        width = self.page.evaluate("() => document.documentElement.scrollWidth")
        wide = self.page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 376)
            .map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + (e.textContent || '').slice(0, 60))""")
        assert width <= 375, f"{name} scrolls sideways at phone width ({width} px): {wide[:8]}"
        self.page.screenshot(path=self.artefacts / f"journey-phone-{name}.png", full_page=True)
        self.page.set_viewport_size({"width": 1280, "height": 900})

    def sign_in(self, username: str) -> None:
        self.page.context.clear_cookies()
        self.page.goto(f"{self.url}/sign-in")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.click("button:has-text('Sign in')")
        self.page.wait_for_url(f"{self.url}/")

    def click(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.click(selector)

    def date(self, prefix: str, day: dt.date) -> None:
        self.page.fill(f"#{prefix}-day", str(day.day))
        self.page.fill(f"#{prefix}-month", str(day.month))
        self.page.fill(f"#{prefix}-year", str(day.year))

    def choose(self, selector: str, *parts: str) -> None:
        """Select the option whose text holds every one of `parts`."""
        options = self.page.locator(f"{selector} option").all_inner_texts()
        self.page.select_option(selector, label=next(o for o in options if all(p in o for p in parts)))

    def radio(self, name: str, value: str) -> None:
        self.page.check(f"input[name='{name}'][value='{value}']")

    def text(self, selector: str = "main") -> str:
        return self.page.inner_text(selector)


def _pence(text: str) -> int:
    pounds, pence = re.sub(r"[£,\s]", "", text).split(".")
    return int(pounds) * 100 + int(pence)


HOME_CARE = "Home care after hospital discharge"  # the demo pool's scheme for home care


def _commitments(j: Journey, scheme: str) -> int:
    """The scheme's commitments for the year, as the monitoring page shows them."""
    row = j.page.locator("#schemes tbody tr", has=j.page.locator(f"th:has-text('{scheme}')"))
    return _pence(row.locator("td").nth(1).inner_text())


@pytest.fixture
def demo(settings):
    """The demo, built as `jointcare demo` builds it (the reference data first)."""
    call_command("demo", stdout=StringIO())


def _resident():
    """A demo resident on the social worker's caseload with no referral or plan yet (the hospital knows their NHS
    number)."""
    from jointcare.people.models import Person

    return (Person.objects.filter(care_team__user__username="social_worker", restricted=False, voided_at__isnull=True,
                                  referrals__isnull=True, care_plan__isnull=True, reablement_episodes__isnull=True)
            .order_by("pk").first())


def test_hospital_discharge_to_jointly_funded_package_and_review(demo, page, live_server, artefacts):
    j = Journey(page, live_server, artefacts)
    person = _resident()
    today = timezone.localdate()

    # The finance officer notes the home care scheme's commitments before the journey.
    j.sign_in("finance_officer")
    j.click("a:has-text('Pooled budgets')")
    j.click("main tr:has-text('Open') a")
    j.click("a:has-text('Budget monitoring')")
    home_care_before = _commitments(j, HOME_CARE)

    # 1. The hospital discharge referral, made by a reablement worker who finds the person by NHS number.
    j.sign_in("social_worker")
    j.check("worker-home")
    j.click("header a:has-text('People')")
    j.page.fill("#nhs_number", person.nhs_number_display)
    j.click("button:has-text('Search')")
    assert "1 person found" in j.text()
    j.check("person-search")
    j.click(f"#results a:has-text('{person.given_name} {person.family_name}')")
    assert person.nhs_number_display in j.text()
    j.check("person-before")
    j.click("a:has-text('Refer for care and support')")
    j.check("refer")
    j.click("button:has-text('Send referral')")
    assert "There is a problem" in j.text(".nhsuk-error-summary")
    j.check("refer-errors")
    j.radio("source", "hospital_discharge")
    j.radio("urgency", "urgent")
    j.page.fill("#referrer", "Ward 4, Trafford General Hospital (synthetic)")
    j.page.fill("#reason", "Medically fit for discharge; needs support with washing, dressing and meals at home")
    j.click("button:has-text('Send referral')")
    assert "Referral sent to Trafford Reablement Team" in j.text()
    heading = j.text("h1")
    assert "Unclaimed" in heading
    number = re.search(r"Referral (\d+)", heading).group(1)
    j.check("referral-unclaimed")

    # 2. Claimed from the team queue.
    j.click(".nhsuk-breadcrumb a:has-text('Trafford Reablement Team')")
    row = j.page.locator("#queue tbody tr", has=j.page.get_by_role("link", name=f"Referral {number}", exact=True))
    assert "Unclaimed" in row.inner_text() and "Discharge from hospital" in row.inner_text()
    j.check("team-queue")
    j.phone("team-queue")
    j.click(f"#queue tr:has(a:text-is('Referral {number}')) button:has-text('Claim')")
    assert f"You claimed referral {number}" in j.text() and "Claimed" in j.text("h1")
    j.check("referral-claimed")

    # 3. First contact.
    j.click("button:has-text('Record first contact')")
    assert "Contacted" in j.text("h1")
    j.check("referral-contacted")

    # 4. The integrated assessment: a task list, each section in turn, eligibility explained line by line.
    j.click("button:has-text('Start the integrated assessment')")
    assert j.page.locator(".nhsuk-task-list__item").count() == 4
    j.check("assessment-started")
    j.click(".nhsuk-task-list a:has-text('needs')")
    j.page.fill("#health", "Heart failure; recovering from a fall with a fractured wrist")
    j.page.fill("#social", "Lives alone; needs help to wash, dress and prepare meals for now")
    j.check("assessment-needs")
    j.click("button:has-text('Save')")
    j.click(".nhsuk-task-list a:has-text('ligibility')")
    j.radio("impairment", "yes")
    j.radio("wellbeing", "yes")
    for outcome in ("nutrition", "hygiene", "clothed"):
        j.radio(f"outcome_{outcome}", "only_with_assistance")
    for outcome in ("toilet", "home_safely", "habitable_home", "relationships", "work", "community", "caring_for_child"):
        j.radio(f"outcome_{outcome}", "achieves")
    j.check("assessment-eligibility")
    j.click("button:has-text('Save')")
    j.click(".nhsuk-task-list a:has-text('arer')")
    j.radio("has_carer", "no")
    j.check("assessment-carer")
    j.click("button:has-text('Save')")
    j.click(".nhsuk-task-list a:has-text('hecklist')")
    for name in j.page.eval_on_selector_all("input[type=radio][name^='score_']", "els => [...new Set(els.map(e => e.name))]"):
        j.radio(name, "C")
    j.check("assessment-checklist")
    j.click("button:has-text('Save')")
    assert "Incomplete" not in j.text(".nhsuk-task-list")
    assert "Eligible needs" in j.text()
    j.check("assessment-sections-done")
    j.click("a:has-text('Check and complete')")
    j.check("assessment-complete")
    j.page.select_option("#outcome", index=1)
    j.click("button:has-text('Complete')")
    assert "Assessment completed" in j.text()
    j.check("assessment-completed")

    # 5. Reablement from hospital, to its outcome.
    j.click(f"a:has-text(\"Open {person.given_name} {person.family_name}'s record\")")
    j.click("a:has-text('Open reablement')")
    j.check("reablement-none")
    j.click("a:has-text('Start a reablement episode')")
    j.date("starts_on", today - dt.timedelta(days=20))
    j.date("discharged_on", today - dt.timedelta(days=21))
    j.check("reablement-start")
    j.click("button:has-text('Start episode')")
    assert "91 days after discharge" in j.text()
    j.check("reablement-open")
    j.click("a:text-is('End this episode')")
    j.date("ends_on", today - dt.timedelta(days=1))
    j.page.select_option("#outcome", "Continuation of support or services")
    j.check("reablement-end")
    j.click("button:has-text('End episode')")
    assert "Continuation of support or services" in j.text()
    j.check("reablement-ended")

    # 6. The long-term package: home care, jointly funded from the pool's home care scheme and the council.
    j.click("a:has-text('Care plan')")
    j.check("plan-empty")
    j.click("a:has-text('Add a service')")
    j.page.fill("#name", "Home care, morning and evening calls")
    j.page.select_option("#provider", label="Carrington Moss Home Care Ltd (synthetic)")
    j.page.select_option("#service_type", "Long term support: Community")
    j.page.select_option("#component", "Home care or domiciliary care")
    j.page.select_option("#delivery_mechanism", "CASSR Commissioned support")
    j.page.fill("#units_per_week", "14")
    j.page.fill("#unit_cost", "21.50")
    j.date("starts_on", today)
    j.page.fill("#pooled_percent", "60")
    j.page.fill("#council_percent", "40")
    j.choose("#scheme", HOME_CARE, today.strftime("%Y"))
    j.check("service-add")
    j.click("button:has-text('Save service')")
    services_table = j.text("#services")
    assert "Home care, morning and evening calls" in services_table and "£301.00" in services_table
    pooled_this_year = _pence(j.page.locator("#monthly-costs tbody tr").last.locator("td").nth(1).inner_text())
    assert pooled_this_year > 0
    j.check("plan-with-service")

    # 7. The pool's commitments show it.
    j.sign_in("finance_officer")
    j.click("a:has-text('Pooled budgets')")
    j.click("main tr:has-text('Open') a")
    j.click("a:has-text('Budget monitoring')")
    assert _commitments(j, HOME_CARE) - home_care_before == pooled_this_year
    j.check("pool-monitoring")

    # 8. A review scheduled and completed; the person page shows the whole journey.
    j.sign_in("social_worker")
    j.click("header a:has-text('People')")
    j.page.fill("#nhs_number", person.nhs_number)
    j.click("button:has-text('Search')")
    j.click(f"#results a:has-text('{person.given_name} {person.family_name}')")
    j.click("a:has-text('Schedule a review')")
    j.date("due_on", today + dt.timedelta(days=56))
    j.radio("reason", j.page.locator("input[name='reason']").first.get_attribute("value"))
    j.page.select_option("#team", label="Trafford Reablement Team")
    j.radio("reviewer_is_me", "yes")
    j.check("review-schedule")
    j.click("button:has-text('Schedule review')")
    assert "Review scheduled" in j.text()
    j.click("a:has-text('Complete the review')")
    j.page.select_option("#outcome", index=1)
    j.radio("outcomes_achieved", "yes")
    j.page.fill("#notes", "Managing well with the calls; family visit at weekends")
    j.check("review-complete")
    j.click("button:has-text('Complete review')")
    assert "Review completed" in j.text()

    # Back on the person page: one view of the whole journey, each status a tag.
    assert person.nhs_number_display in j.text("main")

    def panel(key: str) -> str:
        return j.text(f"#panel-{key}")

    def tags(key: str) -> list[str]:
        return j.page.locator(f"#panel-{key} .nhsuk-tag").all_inner_texts()

    assert "Contacted" in tags("referrals") and "Trafford Reablement Team" in panel("referrals")
    assert "Completed" in tags("assessments") and "Eligible needs" in panel("assessments")
    assert "Continuation of support or services" in panel("reablement") and "Scheduled" in tags("reablement")
    assert "Home care, morning and evening calls" in panel("care-plan") and "£301.00 a week" in panel("care-plan")
    assert "Completed" in tags("reviews")
    j.check("person-after")
    j.phone("person")
