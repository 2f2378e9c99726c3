"""Browser journeys on the shipped reference data, in headless Chromium: sign in, find an organisation by code,
open coterminosity, then create a partnership with a board, meetings and decisions; and an agreement that
follows its dates, ended and terminated through their confirmation pages."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import axe_violations
from jointcare.organisations.models import Organisation
from jointcare.partnerships import services
from jointcare.partnerships.models import Agreement
from jointcare.places import services as places

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_date(page, name: str, day: dt.date) -> None:
    page.fill(f"#{name}-day", str(day.day))
    page.fill(f"#{name}-month", str(day.month))
    page.fill(f"#{name}-year", str(day.year))


def _sign_in(page, live_server, username, next_path):
    page.goto(f"{live_server.url}/sign-in?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", "correct-horse-battery")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}{next_path}")


def test_find_an_organisation_and_create_a_partnership_with_a_board(page, live_server, user_factory, artefacts):
    places.load_reference(None)
    council = Organisation.objects.get(gss_code="E08000009", active=True)
    user_factory("comm", roles=["commissioner"], organisation=council)
    _sign_in(page, live_server, "comm", "/organisations/")

    # Find an organisation by its code: today's Sub-ICB location first, then the CCG that had the code until 2022.
    page.fill("#q", "02A")
    page.click("button:has-text('Search')")
    assert "2 organisations" in page.inner_text("#result-count")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "partnerships-01-organisation-search.png", full_page=True)
    page.click("#organisations a:has-text('NHS Greater Manchester ICB - 02A')")
    assert "E38000187" in page.inner_text("main")
    assert "ALTRINCHAM MEDICAL PRACTICE" in page.inner_text("#children")
    assert "NHS Greater Manchester Integrated Care Board" in page.inner_text("#parent-chain")
    assert "NHS Trafford CCG" in page.inner_text("#predecessors")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "partnerships-02-organisation-detail.png", full_page=True)

    # How the Sub-ICB location's boundary fits the council: Trafford is coterminous.
    page.click("nav a:has-text('Coterminosity')")
    page.select_option("#level", "sub-icb")
    page.fill("#q", "trafford")
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
    _fill_date(page, "starts_on", dt.date(2025, 4, 1))
    page.fill("#ends_on-month", "3")
    page.fill("#host_code", "E99999999")
    page.click("button:has-text('Create agreement')")
    summary = page.inner_text(".nhsuk-error-summary")
    assert "No organisation with code E99999999" in summary and "End date must include a day and year" in summary
    assert "nhsuk-input--error" in page.get_attribute("#ends_on-day", "class")
    assert "nhsuk-input--error" not in page.get_attribute("#ends_on-month", "class")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "partnerships-03-create-errors.png", full_page=True)
    page.fill("#host_code", "")
    page.select_option("#host_id", label="Trafford (E08000009)")
    _fill_date(page, "ends_on", timezone.localdate() + dt.timedelta(days=400))
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
    page.click("a:has-text('Add a meeting')")
    _fill_date(page, "held_on", dt.date(2025, 6, 12))
    page.fill("#title", "June board")
    page.check("label:has-text('Cllr Ada Example')")
    page.check("label:has-text('Dr Ben Sample')")
    assert axe_violations(page) == []
    page.click("button:has-text('Add meeting')")
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


def test_an_agreement_follows_its_dates_and_ends_only_when_confirmed(page, live_server, user_factory, artefacts):
    """Start is not offered before the start date; a future meeting is scheduled; ending and terminating each
    ask on their own page, with a warning and a way back."""
    places.load_reference(None)
    council = Organisation.objects.get(gss_code="E08000009", active=True)
    sub = Organisation.objects.get(gss_code="E38000187", active=True)
    comm = user_factory("comm", roles=["commissioner"], organisation=council)
    today = timezone.localdate()
    later = services.create_agreement(
        None, name="Trafford neighbourhood teams", kind="duty_to_cooperate", starts_on=today + dt.timedelta(days=60),
        parties=[(council, "member"), (sub, "member")],
    )
    running = services.create_agreement(
        None, name="Trafford Better Care Fund pooled budget", kind="section_75_pooled_fund",
        starts_on=today - dt.timedelta(days=200), parties=[(council, "host"), (sub, "member")],
    )
    _sign_in(page, live_server, "comm", f"/partnerships/{later.pk}/")

    # A draft whose start date lies ahead: no Start button, the reason instead.
    assert page.locator("button:has-text('Start the agreement')").count() == 0
    assert "cannot start before its start date" in page.inner_text("#start-blocked")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "partnerships-06-draft-before-its-start.png", full_page=True)

    # A draft whose start date has come: Start makes it active.
    page.goto(f"{live_server.url}/partnerships/{running.pk}/")
    page.click("button:has-text('Start the agreement')")
    assert "Active" in page.inner_text("main") and "has started" in page.inner_text("main")
    page.click("a:has-text('Create the board')")
    page.click("button:has-text('Create board')")
    # meetings are recorded by those who sit on the board
    services.add_board_member(
        None, services.board_of(running), person_name="Jo Commissioner", organisation=council,
        basis="appointed_by_council", user=comm,
    )
    page.reload()
    page.click("a:has-text('Add a meeting')")
    _fill_date(page, "held_on", today + dt.timedelta(days=21))
    page.fill("#title", "Next board")
    page.click("button:has-text('Add meeting')")
    row = page.locator("#meetings tbody tr", has_text="Next board").inner_text()
    assert "Scheduled" in row and "Not yet held" in row
    assert page.locator("a:has-text('Record a decision')").count() == 0

    # Ending: a page of its own, with the warning; Cancel goes back and changes nothing.
    page.click("a:has-text('End the agreement')")
    assert page.locator("h1").inner_text() == "Are you sure you want to end this agreement?"
    assert "Ending cannot be undone" in page.inner_text(".nhsuk-card--warning")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "partnerships-07-end-confirmation.png", full_page=True)
    page.click("a:has-text('Cancel')")
    page.wait_for_url(f"{live_server.url}/partnerships/{running.pk}/")
    assert Agreement.objects.get(pk=running.pk).status_today == "active"

    # Terminating needs a reason; every error is listed and linked.
    page.click("a:has-text('Terminate the agreement')")
    page.click("button:has-text('Terminate the agreement')")
    assert "Enter the reason for terminating the agreement" in page.inner_text(".nhsuk-error-summary")
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "partnerships-08-terminate-needs-a-reason.png", full_page=True)
    page.fill("#reason", "Notice given by NHS Greater Manchester under clause 24")
    page.click("button:has-text('Terminate the agreement')")
    page.wait_for_url(f"{live_server.url}/partnerships/{running.pk}/")
    main = page.inner_text("main")
    assert "Terminated" in main and "Notice given by NHS Greater Manchester under clause 24" in main
    assert page.locator("a:has-text('End the agreement')").count() == 0
    assert axe_violations(page) == []
    page.screenshot(path=artefacts / "partnerships-09-terminated.png", full_page=True)
    assert Agreement.objects.get(pk=running.pk).status_today == "terminated"
