"""Browser: the coterminosity page in headless Chromium: map, sorting, and axe-core checks."""

import pytest

from conftest import axe_violations
from jointcare.places import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coterminosity_page_maps_sorts_and_is_accessible(page, live_server, user_factory, artefacts):
    services.load_reference(None)
    user_factory("ana", roles=["analyst"])
    page.goto(f"{live_server.url}/sign-in?next=/coterminosity/")
    page.fill("#username", "ana")
    page.fill("#password", "correct-horse-battery")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/coterminosity/")
    page.select_option("#level", "icb")
    page.click("button:has-text('Show')")
    page.wait_for_url("**level=icb**")
    page.wait_for_selector("#map[data-loaded='true']", state="attached")
    assert page.locator("#map path.leaflet-interactive").count() == 151
    assert axe_violations(page) == []
    assert page.locator("#map").bounding_box()["height"] > 300
    page.locator("#map-heading").scroll_into_view_if_needed()
    page.screenshot(path=artefacts / "places-coterminosity-icb.png")
    page.locator("#bodies-heading").scroll_into_view_if_needed()
    page.screenshot(path=artefacts / "places-coterminosity-icb-table.png")

    header = page.locator("#bodies th").nth(4)  # Largest share
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert page.locator("#bodies th").first.get_attribute("aria-sort") == "none"
    shares = page.locator("#bodies tbody tr td:nth-child(5)").all_inner_texts()
    values = [float(s.rstrip("%")) for s in shares]
    assert values == sorted(values)
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    values = [float(s.rstrip("%")) for s in page.locator("#bodies tbody tr td:nth-child(5)").all_inner_texts()]
    assert values == sorted(values, reverse=True)

    page.fill("#threshold", "2")
    page.click("button:has-text('Show')")
    assert "at most 1" in page.inner_text(".nhsuk-error-summary")
    assert axe_violations(page) == []
