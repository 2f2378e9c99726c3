"""Board papers print cleanly: on paper the agreement (its board, meetings and decisions) and the pool's monitoring
lose navigation, breadcrumbs, forms, buttons, downloads and actions, no table is cut at the page's edge, and links
within the service print as their text alone. PDFs of both go to test-artefacts/."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREEN_ONLY = ".nhsuk-header__navigation, .nhsuk-breadcrumb, form, .nhsuk-button, .jc-downloads, .jc-actions, .jc-history"
PRINTED = """() => {
  const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
  return {
    screenOnly: [...document.querySelectorAll(arguments_selector)].filter(shown).map((e) => e.outerHTML.slice(0, 80)),
    cut: [...document.querySelectorAll("main table")].filter((t) => t.getBoundingClientRect().right > document.querySelector("main").getBoundingClientRect().right + 1).map((t) => t.id),
    linkText: [...document.querySelectorAll("main a[href^='/']")].map((a) => getComputedStyle(a, "::after").content).filter((c) => c !== "none" && c !== "normal"),
  };
}"""


def _sign_in(page, live_server):
    page.goto(f"{live_server.url}/sign-in")
    page.fill("#username", "api-user")
    page.fill("#password", "api-user-password-1")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/")


def _printed(page) -> dict:
    return page.evaluate(PRINTED.replace("arguments_selector", repr(SCREEN_ONLY)))


@pytest.mark.parametrize("which", ["agreement", "monitoring"])
def test_board_papers_print_cleanly(api_world, page, live_server, artefacts, which):
    _sign_in(page, live_server)
    path = f"/partnerships/{api_world.agreement_id}/" if which == "agreement" else f"/pools/{api_world.pool_id}/monitoring"
    page.set_viewport_size({"width": 720, "height": 1000})  # about an A4 page's printable width
    page.goto(live_server.url + path)
    on_screen = _printed(page)
    assert on_screen["screenOnly"], "the page has navigation, forms or actions on screen"
    page.emulate_media(media="print")
    printed = _printed(page)
    assert printed == {"screenOnly": [], "cut": [], "linkText": []}
    page.pdf(path=str(artefacts / f"print-{which}.pdf"), format="A4")
