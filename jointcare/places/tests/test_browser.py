"""Browser: the coterminosity page and an ICB's own page in headless Chromium, on the shipped reference data, at
desktop width and at 375 px: search, filters, sorting, pages, the maps, and axe-core checks; screenshots kept."""

import pytest

from conftest import axe_violations
from jointcare.organisations.models import Organisation
from jointcare.places import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 812}


def sign_in(page, live_server, user_factory, next_path):
    user_factory("ana", roles=["analyst"])
    page.goto(f"{live_server.url}/sign-in?next={next_path}")
    page.fill("#username", "ana")
    page.fill("#password", "correct-horse-battery")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}{next_path}")


def fits_the_screen(page) -> bool:
    """Nothing but the tables' own scrolling regions is wider than the window."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_coterminosity_page_searches_filters_sorts_maps_and_is_accessible(page, live_server, user_factory, artefacts):
    services.load_reference(None)
    sign_in(page, live_server, user_factory, "/coterminosity/")
    # Today's ICBs by default, paged: 25 rows, not a 16,000-pixel list.
    assert "Integrated care boards (April 2024)" in page.inner_text("#summary-heading")
    assert page.locator("#bodies tbody tr").count() == 25
    page.wait_for_selector("#map[data-loaded='true']", state="attached")
    assert page.locator("#map path.leaflet-interactive").count() == 153
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollHeight") < 6000
    page.screenshot(path=artefacts / "places-coterminosity-icb.png", full_page=True)

    # Sort by the largest share, biggest first: two presses of the column heading.
    page.click("#bodies th:nth-child(3) a")
    page.click("#bodies th:nth-child(3) a")
    assert page.locator("#bodies th").nth(2).get_attribute("aria-sort") == "descending"
    shares = [float(t.split("%")[0]) for t in page.locator("#bodies tbody tr td:nth-child(3)").all_inner_texts()]
    assert shares == sorted(shares, reverse=True)

    # Search and filter: ICBs that are coterminous with a council; then one by a council's name.
    page.select_option("#coterminous", "yes")
    page.click("button:has-text('Show')")
    rows = page.locator("#bodies tbody tr").all_inner_texts()
    assert rows and all(r.rstrip().endswith("Yes") for r in rows)
    page.select_option("#coterminous", "")
    page.fill("#q", "trafford")
    page.click("button:has-text('Show')")
    assert page.locator("#bodies tbody tr").count() == 1
    assert "NHS Greater Manchester Integrated Care Board" in page.inner_text("#bodies")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "places-coterminosity-icb-search.png", full_page=True)

    # The 2020 STPs, measured against the 2019 councils, drawn on today's outlines.
    page.select_option("#level", "stp")
    page.fill("#q", "")
    page.select_option("#spans", "several")
    page.click("button:has-text('Show')")
    page.wait_for_selector("#map[data-loaded='true']", state="attached")
    assert "Sustainability and transformation partnerships (April 2020)" in page.inner_text("#summary-heading")
    assert "of 42 STPs match" in page.inner_text("#result-count")

    # A bad threshold is named in the error summary.
    page.fill("#threshold", "2")
    page.click("button:has-text('Show')")
    assert "at most 1" in page.inner_text(".nhsuk-error-summary")
    assert axe_violations(page) == []

    # At 375 px the page fits the screen; the table scrolls within its own region.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/coterminosity/?level=icb")
    page.wait_for_selector("#map[data-loaded='true']", state="attached")
    assert fits_the_screen(page)
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "places-coterminosity-icb-375.png", full_page=True)


def test_an_icb_page_shows_its_coterminosity_map_history_and_parts(page, live_server, user_factory, artefacts):
    services.load_reference(None)
    icb = Organisation.objects.get(kind="icb", ods_code="QOP")
    sign_in(page, live_server, user_factory, f"/organisations/{icb.pk}/")
    assert page.locator("h1").inner_text().startswith("NHS Greater Manchester Integrated Care Board")
    assert "Overlaps 10 councils" in page.inner_text("#coterminosity-summary")
    assert page.locator("#overlaps tbody tr").count() == 10
    page.wait_for_selector("#map[data-loaded='true']", state="attached")
    assert page.locator("#map").get_attribute("data-shaded") == "10"
    assert "Greater Manchester Health and Social Care Partnership" in page.inner_text("#predecessors")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "organisations-icb-greater-manchester.png", full_page=True)

    # From the ICB to a council it overlaps, and on to the council's own picture.
    page.click("#overlaps a:has-text('Trafford')")
    assert page.locator("h1").inner_text() == "Trafford"
    assert "NHS Greater Manchester ICB - 02A" in page.inner_text("#bodies-sub-icb")
    page.wait_for_selector("#map[data-loaded='true']", state="attached")
    assert page.locator("#map").get_attribute("data-shaded") == "1"
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "organisations-council-trafford.png", full_page=True)

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/organisations/{icb.pk}/")
    page.wait_for_selector("#map[data-loaded='true']", state="attached")
    assert fits_the_screen(page)
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "organisations-icb-greater-manchester-375.png", full_page=True)
