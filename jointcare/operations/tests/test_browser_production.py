"""Browser: the production server's pages in headless Chromium make no request to any other host (every
such request is blocked and counted) and break no rule of the Content-Security-Policy."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

pytestmark = pytest.mark.browser

# Records each violation the page reports, whether or not the browser also logs it to the console.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__cspViolations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def test_production_pages_fetch_nothing_from_other_hosts_and_keep_the_csp(browser, production_site, artefacts):
    site = urlsplit(production_site.url).netloc
    elsewhere: list[str] = []
    served: list[str] = []
    console: list[str] = []
    violations: list[str] = []

    def route(r):
        if urlsplit(r.request.url).netloc == site:
            served.append(r.request.url)
            r.continue_()
        else:
            elsewhere.append(r.request.url)
            r.abort()

    # The server's certificate comes from the tests' own certificate authority, which Chromium does not know.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, ignore_https_errors=True)
    context.route("**/*", route)
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.on(
        "console",
        lambda m: console.append(f"{m.type}: {m.text} ({m.location.get('url')})")
        if m.type in ("error", "warning")
        else None,
    )

    def visit(path: str, status: int = 200):
        response = page.goto(production_site.url + path)
        assert response.status == status, path
        page.wait_for_load_state("networkidle")
        violations.extend(page.evaluate("window.__cspViolations"))
        return page

    try:
        visit("/sign-in")
        page.fill("#username", "finance_officer")
        page.fill("#password", "jointcare-demo")
        page.click("button:has-text('Sign in')")
        page.wait_for_url(production_site.url + "/")
        # NHS.UK frontend's components started from the static module (the header's menu toggle is live).
        assert page.evaluate("document.body.classList.contains('nhsuk-frontend-supported')")
        for path in ("/", "/organisations/", "/partnerships/", "/pools/", "/about/data"):
            visit(path)
        visit("/partnerships/")
        agreement = page.locator("main a[href^='/partnerships/']").first.get_attribute("href")
        visit(agreement)
        visit("/pools/")
        pool = next(
            h for h in page.locator("main a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
            if re.fullmatch(r"/pools/\d+/", h or "")
        )
        visit(pool)
        visit(pool + "monitoring")
        visit("/coterminosity/?level=icb")
        page.wait_for_selector("#map[data-loaded='true']", state="attached")
        assert page.locator("#map path.leaflet-interactive").count() == 151
        page.locator("#map-heading").scroll_into_view_if_needed()
        page.screenshot(path=artefacts / "production-coterminosity.png")
        visit("/api/v1/docs")
        page.wait_for_selector(".swagger-ui .opblock", state="attached")
        violations.extend(page.evaluate("window.__cspViolations"))
        visit("/no-such-page", status=404)
        page.screenshot(path=artefacts / "production-not-found.png", full_page=True)
        # The one error the console may show is the missing page's own 404.
        console.remove(f"error: Failed to load resource: the server responded with a status of 404 (Not Found) "
                       f"({production_site.url}/no-such-page)")

        assert elsewhere == [], f"{len(elsewhere)} requests to other hosts: {elsewhere}"
        assert violations == []
        assert console == []
        assert len(served) > 40  # the counting saw the pages, their styles, scripts, images and the map data

        # The counter counts: a request to another host is blocked, and counted.
        with pytest.raises(PlaywrightError):
            page.goto("https://elsewhere.invalid/")
        assert elsewhere == ["https://elsewhere.invalid/"]
    finally:
        context.close()
