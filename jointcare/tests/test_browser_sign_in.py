"""Browser journey: signing in, in headless Chromium, with axe-core checks."""

import pytest

from conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_page_is_accessible_and_signs_in(page, live_server, user_factory, artefacts):
    user_factory("ann", roles=["commissioner"])
    page.goto(f"{live_server.url}/")
    assert page.url.endswith("/sign-in")
    assert axe_violations(page) == []
    page.click("button:has-text('Sign in')")
    assert page.locator(".nhsuk-error-summary").is_visible()
    assert "Enter your username" in page.inner_text(".nhsuk-error-summary")
    page.screenshot(path=artefacts / "00-sign-in-errors.png", full_page=True)
    page.fill("#username", "ann")
    page.fill("#password", "correct-horse-battery")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/")
    assert "Joint commissioner" in page.inner_text("main")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "01-home.png", full_page=True)
