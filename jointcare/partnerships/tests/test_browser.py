"""Browser journey on the shipped reference data, in headless Chromium: sign in, find an organisation by code,
open coterminosity, then create a partnership with a board, meetings and decisions."""

import pytest

from conftest import axe_violations
from jointcare.organisations.models import Organisation
from jointcare.partnerships.models import Agreement
from jointcare.places import services as places

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, username, next_path):
    page.goto(f"{live_server.url}/sign-in?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", "correct-horse-battery")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}{next_path}")


def test_find_an_organisation_and_create_a_partnership_with_a_board(page, live_server, user_factory, artefacts):
    places.load_reference(None)
    council = Organisation.objects.get(gss_code="E08000009")
    user_factory("comm", roles=["commissioner"], organisation=council)
    _sign_in(page, live_server, "comm", "/organisations/")

    # Find an organisation by its code.
    page.fill("#q", "02A")
    page.click("button:has-text('Search')")
    assert "1 organisation" in page.inner_text("#result-count")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "partnerships-01-organisation-search.png", full_page=True)
    page.click("#organisations a:has-text('NHS Trafford CCG')")
    assert "E38000187" in page.inner_text("main")
    assert "ALTRINCHAM MEDICAL PRACTICE" in page.inner_text("#children")
    assert "Greater Manchester Health and Social Care Partnership" in page.inner_text("#parent-chain")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "partnerships-02-organisation-detail.png", full_page=True)

    # How the sub-ICB's boundary fits the council: Trafford is coterminous.
    page.click("nav a:has-text('Coterminosity')")
    page.select_option("#level", "ccg")
    page.click("button:has-text('Show')")
    page.wait_for_selector("#map[data-loaded='true']", state="attached")
    row = page.locator("#bodies tbody tr", has_text="E38000187")
    assert "Trafford" in row.inner_text() and "yes" in row.inner_text().lower()
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "partnerships-02b-coterminosity.png")
    page.goto(f"{live_server.url}/organisations/code/P91004")
    assert page.locator("h1").inner_text() == "ALTRINCHAM MEDICAL PRACTICE"
    page.goto(f"{live_server.url}/organisations/code/Q99")
    assert "no organisation with the ODS or GSS code Q99" in page.inner_text("main")

    # The organisation form explains a bad code against its field.
    page.goto(f"{live_server.url}/organisations/new")
    page.fill("#name", "Trafford Vale Community Health NHS Trust")
    page.select_option("#kind", "nhs_trust")
    page.fill("#ods_code", "T1")
    page.click("button:has-text('Save')")
    assert "not a valid ODS code" in page.inner_text(".nhsuk-error-summary")
    assert axe_violations(page) == []
    page.fill("#ods_code", "R9Z")
    page.click("button:has-text('Save')")
    assert "R9Z" in page.inner_text("main")

    # Create a Section 75 agreement: first with a mistake, to see the error summary.
    page.goto(f"{live_server.url}/partnerships/")
    assert axe_violations(page) == []
    page.click("a:has-text('Create a partnership agreement')")
    page.fill("#name", "Trafford Better Care Fund pooled budget")
    page.select_option("#kind", "section_75_pooled_fund")
    page.fill("#starts_on", "2025-04-01")
    page.fill("#host_code", "E99999999")
    page.click("button:has-text('Create agreement')")
    summary = page.inner_text(".nhsuk-error-summary")
    assert "No organisation with code E99999999" in summary
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "partnerships-03-create-errors.png", full_page=True)
    page.fill("#host_code", "")
    page.select_option("#host_id", label="Trafford (E08000009)")
    page.fill("#ends_on", "2026-03-31")
    page.fill("#scope", "Reablement, community equipment and carers' support")
    page.click("button:has-text('Create agreement')")
    agreement = Agreement.objects.get()
    page.wait_for_url(f"{live_server.url}/partnerships/{agreement.pk}/")

    # Add the NHS party, the board and two members.
    page.click("a:has-text('Add a party')")
    page.fill("#organisation_code", "02A")
    page.select_option("#role", "member")
    page.click("button:has-text('Add party')")
    page.click("a:has-text('Create the board')")
    page.fill("#quorum", "2")
    page.click("button:has-text('Create board')")
    page.click("a:has-text('Add a board member')")
    assert axe_violations(page) == []
    page.fill("#person_name", "Cllr Ada Example")
    page.fill("#position", "Chair")
    page.select_option("#organisation_id", label="Trafford (E08000009)")
    page.select_option("#basis", "elected_councillor")
    page.check("#voting")
    page.fill("#username", "comm")  # the commissioner sits on the board, so may record its meetings
    page.click("button:has-text('Add member')")
    page.click("a:has-text('Add a board member')")
    page.fill("#person_name", "Dr Ben Sample")
    page.fill("#organisation_code", "E38000187")
    page.select_option("#basis", "appointed_by_nhs")
    page.click("button:has-text('Add member')")
    page.click("button:has-text('Start the agreement')")
    main = page.inner_text("main")
    for text in ("Cllr Ada Example", "Elected councillor", "Dr Ben Sample", "Appointed by an NHS body", "Active"):
        assert text in main
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "partnerships-04-agreement-with-board.png", full_page=True)

    # A meeting with attendance, and a decision in the log.
    page.click("a:has-text('Record a meeting')")
    page.fill("#held_on", "2025-06-12")
    page.fill("#title", "June board")
    page.check("label:has-text('Cllr Ada Example')")
    page.check("label:has-text('Dr Ben Sample')")
    assert axe_violations(page) == []
    page.click("button:has-text('Record meeting')")
    page.click("a:has-text('Record a decision')")
    page.fill("#summary", "Approved the 2025/26 Better Care Fund plan")
    page.fill("#votes_for", "3")
    page.click("button:has-text('Record decision')")
    assert "only 2 voting members attended" in page.inner_text(".nhsuk-error-summary")
    assert axe_violations(page) == []
    page.fill("#votes_for", "2")
    page.click("button:has-text('Record decision')")
    assert "D2025-001" in page.inner_text("#decisions")
    page.screenshot(path=artefacts / "partnerships-05-decision-log.png", full_page=True)
