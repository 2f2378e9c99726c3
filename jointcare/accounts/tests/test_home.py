"""The home page shows each role what needs doing, as links, with bounded queries; the header offers only what
the user may open; signing out is one click."""

from __future__ import annotations

import pytest
from django.test import Client

from jointcare.accounts.domain import Role
from jointcare.accounts.tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.one_database]  # what each role's home offers: the same on any database

CARE = (Role.CARE_COORDINATOR, Role.SOCIAL_WORKER, Role.COMMUNITY_MATRON)


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def nav_links(html: str) -> list[str]:
    start = html.index('class="nhsuk-header__navigation-list"')
    return [part.split('"')[0] for part in html[start : html.index("</nav>", start)].split('href="')[1:]]


@pytest.mark.parametrize("role", CARE)
def test_care_roles_see_no_pools_or_audit_in_the_header_and_a_page_saying_what_they_can_use(world, role):
    response = signed_in(world.user(role, "host")).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/pools/" not in nav_links(html) and "/audit/" not in nav_links(html)
    assert nav_links(html) == ["/people/", "/care/caseload", "/organisations/", "/coterminosity/", "/partnerships/"]
    assert "What you can use here" in html
    # every page the header offers opens
    client = signed_in(world.user(role, "host"))
    for href in nav_links(html):
        assert client.get(href).status_code == 200, href


def test_the_header_offers_the_finance_officer_pools_and_the_administrator_audit(world):
    assert "/pools/" in nav_links(signed_in(world.user(Role.FINANCE_OFFICER, "host")).get("/").content.decode())
    admin_nav = nav_links(signed_in(world.user(Role.ADMINISTRATOR, "host")).get("/").content.decode())
    assert "/audit/" in admin_nav and "/pools/" not in admin_nav


def test_finance_officer_of_the_host_sees_the_month_to_close_as_a_link(world, clock):
    import datetime as dt

    clock(dt.date(2026, 6, 10))  # April and May have ended: April may close
    html = signed_in(world.user(Role.FINANCE_OFFICER, "host")).get("/").content.decode()
    assert "Months to close" in html
    assert f'<a href="/pools/{world.pool.pk}/">Close April 2026</a>' in html
    assert "Recent imports" in html


def test_finance_officer_of_a_member_party_has_no_month_to_close(world, clock):
    import datetime as dt

    clock(dt.date(2026, 6, 10))
    html = signed_in(world.user(Role.FINANCE_OFFICER, "party")).get("/").content.decode()
    assert "Close April 2026" not in html


def test_board_member_sees_partnership_meetings_decisions_and_figures(world):
    html = signed_in(world.user(Role.BOARD_MEMBER, "seat")).get("/").content.decode()
    assert f'<a href="/partnerships/{world.agreement.pk}/">{world.agreement.name}</a>' in html
    assert "Board meetings" in html and "Decisions recently recorded" in html
    assert "The pools at a glance" in html
    assert f'href="/pools/{world.pool.pk}/monitoring"' in html


def test_commissioner_outside_the_partnership_is_told_there_is_none(world):
    html = signed_in(world.user(Role.COMMISSIONER, "outsider")).get("/").content.decode()
    assert "not party to a partnership agreement yet" in html
    assert world.agreement.name not in html


def test_administrator_sees_users_tokens_about_to_expire_and_failed_sign_ins(world):
    from jointcare.accounts import services as accounts

    admin = world.user(Role.ADMINISTRATOR, "host")
    accounts.create_token(admin, world.user(Role.ANALYST, "host"), name="nightly report", days=3)
    Client().post("/sign-in", {"username": "analyst-host", "password": "wrong"})
    html = signed_in(admin).get("/").content.decode()
    assert "active users" in html
    assert "nightly report (analyst-host)" in html
    assert "Username analyst-host: 1 failed attempt" in html


@pytest.mark.parametrize(
    "role, tie", [(Role.FINANCE_OFFICER, "host"), (Role.BOARD_MEMBER, "seat"), (Role.ADMINISTRATOR, "host")]
)
def test_home_queries_stay_bounded_as_pools_multiply(world, role, tie, django_assert_max_num_queries, monkeypatch):
    """With as many pools as the home page looks at, one more pool adds no query."""
    from jointcare.accounts import home
    from jointcare.accounts.tests.conftest import agreement_yaml
    from jointcare.pool import agreement_file

    monkeypatch.setattr(home, "HOME_POOLS", 1)
    client = signed_in(world.user(role, tie))
    with django_assert_max_num_queries(60) as first:
        client.get("/")
    agreement_file.create_from_text(None, agreement_yaml(2027))
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/")


def test_sign_out_is_one_click_from_the_header(world):
    client = signed_in(world.user(Role.ANALYST, "host"))
    html = client.get("/").content.decode()
    form = html[html.index('class="nhsuk-header__account-form"') :]
    assert 'action="/sign-out"' in form[:200] and 'method="post"' in form[:200]
    assert 'name="csrfmiddlewaretoken"' in form[: form.index("</form>")]
    assert client.post("/sign-out").status_code == 302
    assert client.get("/").url == "/sign-in"


def _render_with_message(user, level: str, text: str) -> str:
    from django.contrib import messages
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.shortcuts import render
    from django.test import RequestFactory

    request = RequestFactory().get("/about/data")
    request.user, request.session, request.csp_nonce = user, {}, "n"
    request._messages = FallbackStorage(request)
    getattr(messages, level)(request, text)
    return render(request, "accounts/data_sources.jinja", {"title": "Data sources"}).content.decode()


def test_success_messages_are_success_banners_not_inset_text(world):
    html = _render_with_message(world.user(Role.ANALYST, "host"), "success", "Board <created>.")
    assert "nhsuk-notification-banner--success" in html and "nhsuk-inset-text" not in html
    assert "Board &lt;created&gt;." in html
    assert "<title>Data sources" in html


def test_pages_showing_errors_say_error_first_in_their_title(world):
    html = _render_with_message(world.user(Role.ANALYST, "host"), "error", "Create the board first.")
    assert "<title>Error: Data sources" in html and "nhsuk-error-summary" in html
    response = Client().post("/sign-in", {"username": "", "password": ""})
    assert "<title>Error: Sign in" in response.content.decode()
