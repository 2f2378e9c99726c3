"""The injection sweep, in headless Chromium: every user-editable name (organisation, agreement, board, member,
meeting, decision, pool, scheme, supplier and description of imported actual spend, a person's names, a user's own name, answers to
the pool set-up questions) holds a script payload, and every page of the project is visited, with its CSV and
XLSX downloads. No script runs, no element is injected, and the text is shown as it was typed."""

import csv
import datetime as dt
from decimal import Decimal
import io

import pytest

from jointcare.accounts.domain import Role
from jointcare.organisations.services import create_organisation
from jointcare.partnerships import services as partnerships
from jointcare.packages import services as packages
from jointcare.packages.domain import Funding
from jointcare.people import services as people
from jointcare.people.models import Person
from jointcare.pool import imports, queries, services
from jointcare.tests import crawl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOAD = "</title><script>window.__x=1</script><img src=x onerror=window.__x=1>"
DIALOG = "<svg onload=alert(1)>"  # would open a dialog if it ran


def named(what: str) -> str:
    return f"{PAYLOAD}{DIALOG} {what}"


@pytest.fixture
def everything_named(user_factory):
    icb = create_organisation(None, name=named("ICB"), kind="icb", ods_code="QZZ")
    council = create_organisation(None, name=named("Council"), kind="upper_tier_council", gss_code="E06000099")
    agreement = partnerships.create_agreement(
        None, name=named("Agreement"), kind="section_75_pooled_fund", starts_on="2026-04-01",
        scope=named("Scope"), parties=[(council, "host"), (icb, "member")],
    )
    board = partnerships.create_board(None, agreement, name=named("Board"), terms_of_reference=named("Terms"), quorum=1)
    member = partnerships.add_board_member(None, board, person_name=named("Member"), organisation=council, basis="elected_councillor", position=named("Chair"))
    meeting = partnerships.record_meeting(None, board, held_on="2026-05-01", title=named("Meeting"), location=named("Room"), attendees=[member])
    partnerships.record_decision(None, meeting, summary=named("Decision"), detail=named("Detail"))
    pool = services.create_pool(
        None,
        services.PoolSpec(
            agreement=agreement, financial_year=2026, name=named("Pool"), host=council,
            contributions=[services.ContributionSpec(icb, 600000, description=named("Contribution")), services.ContributionSpec(council, 400000)],
            schemes=[services.SchemeSpec("REAB", named("Scheme"), "reablement", council, 500000, [(icb, 6000), (council, 4000)]),
                     services.SchemeSpec("EQUIP", "Equipment", "community_equipment", icb, 500000)],
        ),
    )
    buf = io.StringIO()
    csv.writer(buf).writerows([["reference", "date", "scheme", "amount", "supplier", "description"],
                               ["INV-1", "2026-04-03", "REAB", "1200.00", named("Supplier"), named("Description")]])
    imports.import_actuals(None, pool, "a.csv", buf.getvalue().encode())
    services.receive_contribution(None, pool.contributions.get(partner=icb), 1, dt.date(2026, 4, 10))
    user = user_factory("eve", roles=[r.value for r in Role], organisation=council)
    user.first_name = named("User")
    user.save()
    person = Person.objects.create(given_name=named("Given"), family_name=named("Family"), date_of_birth=dt.date(1940, 1, 1),
                                   responsible_council="E06000099", council_person_id=named("Id")[:40])
    people.add_care_team_member(None, person, user=user, name=named("Carer"), role="social_worker", is_coordinator=True)
    packages.set_goals(user, person, [named("Goal")])
    service = packages.add_service(user, person, packages.ServiceSpec(
        name=named("Service"), provider=icb, service_type="Short term support: ST-Max", component="Reablement",
        delivery_mechanism="CASSR Commissioned support", units_per_week=Decimal("5"), unit_cost_pence=2000,
        starts_on=dt.date(2026, 5, 1), ends_on=dt.date(2026, 6, 11), funding=Funding(pooled_bp=10_000),
        scheme=pool.schemes.get(code="REAB"),
    ))
    episode = packages.start_episode(user, person, starts_on=dt.date(2026, 5, 1), discharged_on=dt.date(2026, 4, 30),
                                     service=service, provider=council)
    care = _care_named(council, user, person)
    return {"pool": pool, "agreement": agreement, "council": council, "icb": icb, "person": person,
            "service": service, "episode": episode, **care}


def _care_named(council, user, person) -> dict:
    """A team, a referral, an assessment, a task and a review for the person, every text of them holding the payload."""
    from jointcare.care import services as care

    team = care.create_team(None, name=named("Team"), organisation=council, description=named("Team description"))
    care.add_routing_rule(None, team)
    care.add_member(None, team, user)
    referral = care.refer(None, person, source="community", reason=named("Reason"), referrer=named("Referrer"))
    care.claim_referral(user, referral.pk)
    assessment = care.start_assessment(user, person, referral=referral)
    care.save_section(user, assessment, "needs", {"health": named("Health"), "social": named("Social")})
    care.create_task(user, person, title=named("Task"), team=team, due_on=dt.date(2026, 1, 1))
    care.schedule_review(user, person, due_on=dt.date(2026, 1, 1), team=team, reviewer=user)
    return {"team": team, "referral": referral, "assessment": assessment}


def _sign_in(page, live_server):
    page.goto(f"{live_server.url}/sign-in")
    page.fill("#username", "eve")
    page.fill("#password", "correct-horse-battery")
    _submit(page, "Sign in")
    page.wait_for_url(f"{live_server.url}/")


def _submit(page, button: str) -> None:
    with page.expect_navigation():
        page.click(f"button:has-text('{button}')")


def _no_script_ran(page, where: str) -> None:
    assert page.evaluate("() => window.__x") is None, f"a script ran on {where}"
    assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"], svg[onload]').length") == 0, f"markup injected on {where}"


def test_no_user_text_runs_as_script_on_any_page_or_download(page, live_server, everything_named, artefacts):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    # nothing from other sites (a web font would only slow each page down: it is not what is tested here)
    page.route(lambda url: not url.startswith(live_server.url), lambda route: route.abort())
    _sign_in(page, live_server)
    pool = everything_named["pool"]

    # Answers to the set-up questions are shown back on later pages too.
    page.goto(f"{live_server.url}/pools/new")
    _submit(page, "Start now")
    page.check("input[name=agreement] >> nth=0")
    page.fill("#financial_year", "2027-28")
    _submit(page, "Continue")
    page.fill("#name", named("Draft pool"))
    page.check("input[name=host] >> nth=0")
    _submit(page, "Continue")
    page.check("input[name=partner] >> nth=0")
    page.fill("#amount", "100")
    page.check("#type")
    page.check("#form")
    page.check("input[name=schedule][value=monthly]")
    page.fill("#description", named("Draft contribution"))
    _submit(page, "Add this contribution")
    _no_script_ran(page, "the contributions step")

    urls = crawl.page_urls(
        {
            "pool": {"pk": [pool.pk], "kind": list(queries.REPORT_KINDS), "tx_id": [t.pk for t in pool.transactions.all()],
                     "number": [1], "step": ["agreement", "pool", "contributions", "schemes", "risk-share"]},
            "partnerships": {"pk": [everything_named["agreement"].pk], "meeting_pk": list(
                everything_named["agreement"].board.meetings.values_list("pk", flat=True)) or [999_999]},
            "organisations": {"pk": [everything_named["council"].pk, everything_named["icb"].pk], "code": ["QZZ"]},
            "places": {"fmt": ["csv", "xlsx"]},
            "outcomes": {"fmt": ["csv", "xlsx"], "code": ["2A", "2C"]},
            "people": {"pk": [everything_named["person"].pk]},
            "packages": {"person_id": [everything_named["person"].pk], "service_id": [everything_named["service"].pk],
                         "plan_id": [everything_named["service"].plan_id], "episode_id": [everything_named["episode"].pk],
                         "follow_up_id": list(everything_named["episode"].follow_ups.values_list("pk", flat=True))},
            "care": {"pk": [everything_named[k].pk for k in ("team", "referral", "assessment")],
                     "person_id": [everything_named["person"].pk], "practice_pk": [999_999], "section": ["needs"]},
            "cld": {"pk": [999_999]},
        }
    )
    urls += [("people:search", "/people/?name=Family&date_of_birth-day=1&date_of_birth-month=1&date_of_birth-year=1940"),("pool:monitoring", f"/pools/{pool.pk}/monitoring?scheme=REAB"), ("pool:ledger", f"/pools/{pool.pk}/ledger?scheme=REAB"),
             ("organisations:list", "/organisations/?q=ICB")]
    shown_on = set()
    downloads = set()
    for name, url in urls:
        probe = page.request.get(f"{live_server.url}{url}", max_redirects=0)
        if probe.status == 405:
            continue  # an action, posted from a form on another page
        if probe.headers.get("content-disposition", "").startswith("attachment"):
            assert not probe.headers["content-type"].startswith("text/html"), url
            continue  # a download (the agreement files), never shown as a page
        response = page.goto(f"{live_server.url}{url}")
        assert response.status < 500, f"{url} answered {response.status}"
        _no_script_ran(page, url)
        if PAYLOAD in page.inner_text("body"):
            shown_on.add(name)
        if PAYLOAD in page.title():  # shown in the title as typed: `</title>` did not end the title
            assert page.title().endswith(" – jointcare")
        for href in page.eval_on_selector_all("a[href*='format=']", "links => links.map(a => a.href)"):
            got = page.request.get(href)
            assert got.status == 200 and got.headers["content-disposition"].startswith("attachment;"), href
            assert got.headers.get("x-content-type-options") == "nosniff"
            downloads.add(href.split("?")[0].removeprefix(live_server.url))
            if "format=csv" in href:
                assert PAYLOAD in got.text(), href
    assert dialogs == []
    expected = {
        "pool:list", "pool:detail", "pool:monitoring", "pool:report", "pool:ledger", "pool:transaction", "pool:contributions",
        "pool:settle", "pool:import", "pool:setup", "pool:setup-check", "partnerships:list", "partnerships:detail",
        "partnerships:decision-record", "partnerships:meeting-record", "organisations:list", "organisations:detail", "audit:list", "home",
        "people:search", "people:detail", "people:edit", "people:care-team", "people:break-glass", "people:access", "people:void", "people:merge",
        "packages:plan", "packages:goals", "packages:service-change", "packages:service-end", "packages:approval",
        "packages:history", "packages:reablement", "packages:reablement-extend", "packages:reablement-end", "packages:follow-up",
        "care:teams", "care:queue", "care:referral", "care:my-caseload", "care:team-caseload", "care:assessment",
    }
    assert expected <= shown_on, f"the names were not shown on: {expected - shown_on}"
    for path in ("monitoring", "ledger", "contributions", *(f"reports/{k}" for k in queries.REPORT_KINDS if k != "monitoring")):
        assert f"/pools/{pool.pk}/{path}" in downloads, path
    page.goto(f"{live_server.url}/pools/{pool.pk}/monitoring?scheme=REAB")
    assert page.locator("svg.jc-chart title").text_content().endswith(named("Scheme"))
    page.screenshot(path=artefacts / "injection-sweep-monitoring.png", full_page=True)
    page.goto(f"{live_server.url}/partnerships/{everything_named['agreement'].pk}/")
    page.screenshot(path=artefacts / "injection-sweep-partnership.png", full_page=True)
