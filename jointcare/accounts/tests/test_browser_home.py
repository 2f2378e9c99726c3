"""Browser journeys: each role starts at its home page, follows a link from it, and signs out in one click.
Screenshots (and phone-width ones of the home page) go to test-artefacts/; every page is axe-core clean."""

import pytest

from conftest import axe_violations
from jointcare.accounts.domain import Role
from jointcare.accounts.tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOURNEYS = [
    (Role.FINANCE_OFFICER, "host", "Months to close"),
    (Role.COMMISSIONER, "host", "Your partnerships"),
    (Role.BOARD_MEMBER, "seat", "Decisions recently recorded"),
    (Role.ADMINISTRATOR, "host", "Recent failed sign-ins"),
    (Role.CARE_COORDINATOR, "host", "What you can use here"),
]


@pytest.mark.parametrize("role, tie, heading", JOURNEYS)
def test_each_role_starts_at_its_home(world, page, live_server, artefacts, role, tie, heading):
    user = world.user(role, tie)
    page.goto(f"{live_server.url}/sign-in")
    page.fill("#username", user.username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/")
    assert heading in page.inner_text("main")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / f"home-{role.value}.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    # the page reflows after the resize: wait for it (a page that never fits fails here)
    page.wait_for_function("document.documentElement.scrollWidth <= 375", timeout=10_000)
    page.screenshot(path=artefacts / f"home-{role.value}-375.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    offers_pools = page.locator(".nhsuk-header a[href='/pools/']").count() > 0
    assert offers_pools is (role in (Role.FINANCE_OFFICER, Role.COMMISSIONER, Role.BOARD_MEMBER))
    # the first link of the first section (or page card) opens without refusal
    page.locator("main a").first.click()
    page.wait_for_load_state()
    assert "You cannot do this" not in page.inner_text("main")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / f"home-{role.value}-first-link.png", full_page=True)
    page.click(".nhsuk-header__account-button")
    page.wait_for_url(f"{live_server.url}/sign-in")


def test_audit_trail_for_an_administrator(world, page, live_server, artefacts):
    user = world.user(Role.ADMINISTRATOR, "host")
    page.goto(f"{live_server.url}/sign-in?next=/audit/")
    page.fill("#username", user.username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/audit/")
    assert "Set up a pooled budget" in page.inner_text("main")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "audit-trail.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=artefacts / "audit-trail-375.png", full_page=True)
