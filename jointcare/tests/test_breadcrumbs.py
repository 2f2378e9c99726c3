"""Every page below Home carries its breadcrumbs (NHS.UK breadcrumb), found by visiting every named page; question
pages of a journey carry a back link instead, never both. And "History" links reach an object's audit trail for
those who may read it, and only for them."""

import re
from html import unescape

import pytest
from django.urls import reverse

from jointcare import breadcrumbs
from jointcare.partnerships.models import Board, Meeting
from jointcare.pool import queries
from jointcare.tests import crawl

pytestmark = [pytest.mark.django_db, pytest.mark.one_database]  # pages' markup: the same on any database

NAV = re.compile(r'<nav class="nhsuk-breadcrumb"[^>]*>(.*?)</nav>', re.S)
CRUMB = re.compile(r'<a class="nhsuk-breadcrumb__link" href="([^"]*)"[^>]*>\s*(.*?)\s*</a>', re.S)
NO_CRUMBS = {"home", "sign-in", "sign-out"}
QUESTION_PAGES = {"pool:setup", "pool:setup-check"}


def crumbs(html: str) -> list[tuple[str, str]]:
    found = NAV.findall(html)
    assert len(found) <= 1, "more than one breadcrumb trail"
    return [(href, unescape(text)) for href, text in CRUMB.findall(found[0])] if found else []


def _urls(world):
    return crawl.page_urls(
        {
            "pool": {
                "pk": [world.pool_id],
                "kind": list(queries.REPORT_KINDS)[:1],
                "tx_id": [world.transaction_id],
                "number": [1],
                "step": ["agreement"],
            },
            "partnerships": {"pk": [world.agreement_id], "meeting_pk": [Meeting.objects.get().pk]},
            "organisations": {"pk": [world.organisation_id], "code": [world.organisation_code]},
            "places": {"fmt": ["csv"]},
            # person records and CLD submissions this user cannot open: their refusal and not-found pages
            "people": {"pk": [999_999]},
            "packages": {k: [999_999] for k in ("person_id", "plan_id", "service_id", "episode_id", "follow_up_id")},
            "care": {"pk": [999_999], "person_id": [999_999], "practice_pk": [999_999], "section": ["needs"]},
            "cld": {"pk": [999_999]},
            "outcomes": {"fmt": ["csv"], "code": ["2A"]},
        }
    )


def test_every_page_below_home_has_breadcrumbs_starting_at_home(client, api_world):
    client.force_login(api_world.user)
    seen = 0
    for name, url in _urls(api_world):
        response = client.get(url)
        if response.status_code in (301, 302, 405) or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        trail = crumbs(html)
        if name in NO_CRUMBS:
            assert not trail, name
        elif name in QUESTION_PAGES:
            assert not trail and "nhsuk-back-link" in html, f"{name}: a question page keeps its back link alone"
        else:
            assert trail, f"{name} ({url}) has no breadcrumbs"
            assert trail[0] == ("/", "Home"), name
            assert "nhsuk-back-link__link" not in NAV.sub("", html), f"{name}: a back link beside the breadcrumbs"
            seen += 1
    assert seen >= 20


def test_trails_lead_through_section_and_object(client, api_world):
    client.force_login(api_world.user)
    pool = reverse("pool:detail", args=[api_world.pool_id])
    ledger = reverse("pool:ledger", args=[api_world.pool_id])
    monitoring = crumbs(client.get(reverse("pool:monitoring", args=[api_world.pool_id])).content.decode())
    assert [h for h, _ in monitoring] == ["/", reverse("pool:list"), pool]
    assert monitoring[2][1] == "Better Care Fund 2026-27"
    tx = crumbs(client.get(reverse("pool:transaction", args=[api_world.pool_id, api_world.transaction_id])).content.decode())
    assert [h for h, _ in tx] == ["/", reverse("pool:list"), pool, ledger]
    agreement = reverse("partnerships:detail", args=[api_world.agreement_id])
    form = crumbs(client.get(reverse("partnerships:member-add", args=[api_world.agreement_id])).content.decode())
    assert form == [("/", "Home"), (reverse("partnerships:list"), "Partnerships"), (agreement, "Trafford Better Care Fund")]
    # A section's own page sits under Home; an object's page under its section.
    assert crumbs(client.get(reverse("audit:list")).content.decode()) == [("/", "Home")]
    org = crumbs(client.get(reverse("organisations:detail", args=[api_world.organisation_id])).content.decode())
    assert org == [("/", "Home"), (reverse("organisations:list"), "Organisations")]


def test_a_view_may_give_its_own_trail():
    given = [{"text": "Home", "href": "/"}, {"text": "Somewhere", "href": "/x"}]
    assert breadcrumbs.trail("pool:monitoring", {"breadcrumbs": given}) == given
    assert breadcrumbs.trail("home", {}) == []
    assert breadcrumbs.trail(None, {}) == []


# --- History links ---------------------------------------------------------------------------------------


def _entries(html: str) -> set[str]:
    return {unescape(h) for h in re.findall(r'<h2 class="nhsuk-card__heading nhsuk-heading-s">(.*?)</h2>', html)}


def _history_links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="(/audit/\?object=[^"]+)"', html)]


def test_history_links_for_an_administrator_reach_each_objects_trail(client, api_world):
    client.force_login(api_world.user)  # holds the administrator role
    board, meeting = Board.objects.get(), Meeting.objects.get()
    agreement_page = client.get(reverse("partnerships:detail", args=[api_world.agreement_id])).content.decode()
    assert _history_links(agreement_page) == [
        f"/audit/?object=agreement:{api_world.agreement_id}", f"/audit/?object=board:{board.pk}",
        f"/audit/?object=meeting:{meeting.pk}",
    ]
    pool_page = client.get(reverse("pool:detail", args=[api_world.pool_id])).content.decode()
    assert _history_links(pool_page) == [f"/audit/?object=pool:{api_world.pool_id}"]
    org_page = client.get(reverse("organisations:detail", args=[api_world.organisation_id])).content.decode()
    assert _history_links(org_page) == [f"/audit/?object=organisation:{api_world.organisation_id}"]

    board_trail = client.get(f"/audit/?object=board:{board.pk}").content.decode()
    assert "Trafford Health and Care Board" in board_trail
    # The board's trail, not the whole agreement's.
    assert _entries(board_trail) == {"Set up a partnership board", "Added a board member", "Recorded a board meeting"}
    assert crumbs(board_trail)[-1] == (reverse("partnerships:detail", args=[api_world.agreement_id]), "Trafford Better Care Fund")
    meeting_trail = client.get(f"/audit/?object=meeting:{meeting.pk}").content.decode()
    assert "Meeting on 1 May 2026 of Trafford Health and Care Board" in meeting_trail
    assert _entries(meeting_trail) == {"Recorded a board meeting"}


def test_history_links_only_for_those_who_may_read_the_trail(client, api_world, user_factory):
    from jointcare.organisations.models import Organisation

    council = Organisation.objects.get(pk=api_world.organisation_id)
    finance = user_factory("fin", roles=["finance_officer"], organisation=council)  # the host's finance officer
    commissioner = user_factory("com", roles=["commissioner"], organisation=council)
    client.force_login(finance)
    pool_page = client.get(reverse("pool:detail", args=[api_world.pool_id])).content.decode()
    assert _history_links(pool_page) == [f"/audit/?object=pool:{api_world.pool_id}"]
    trail = client.get(f"/audit/?object=pool:{api_world.pool_id}").content.decode()
    assert "Posted a transaction" in _entries(trail)
    agreement_page = client.get(reverse("partnerships:detail", args=[api_world.agreement_id])).content.decode()
    assert _history_links(agreement_page) == []  # agreement trails are the administrators'
    client.force_login(commissioner)
    for url in (reverse("pool:detail", args=[api_world.pool_id]), reverse("partnerships:detail", args=[api_world.agreement_id])):
        assert _history_links(client.get(url).content.decode()) == []


def test_every_form_sent_empty_says_error_in_its_title(client, api_world):
    """Each page sent an empty form: where it answers with an error summary, the title starts "Error:"."""
    client.force_login(api_world.user)
    checked = 0
    for name, url in _urls(api_world):
        if name in ("sign-in", "sign-out"):
            continue
        response = client.post(url, {})
        if "text/html" not in response.get("Content-Type", "") or response.status_code in (302, 405):
            continue
        html = response.content.decode()
        title = unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip())
        if "nhsuk-error-summary" in html:
            assert title.startswith("Error: "), f"{name}: {title!r}"
            checked += 1
    assert checked >= 8
