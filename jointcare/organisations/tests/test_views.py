import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jointcare.audit.models import AuditEntry
from jointcare.organisations.models import Organisation
from jointcare.organisations.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def commissioner(client, user_factory):
    user = user_factory("comm", roles=["commissioner"])
    client.force_login(user)
    return user


@pytest.fixture
def analyst(client, user_factory):
    user = user_factory("ana", roles=["analyst"])
    client.force_login(user)
    return user


def _practices(n):
    icb = factories.icb()
    sub = factories.sub_icb(icb)
    for _ in range(n):
        factories.practice(sub)


def _list_queries(client, n) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/organisations/?kind=gp_practice")
    assert response.status_code == 200
    assert response.content.decode().count('<tr class="nhsuk-table__row">') == n + 1
    return len(ctx.captured_queries)


def test_list_uses_a_fixed_number_of_queries(client, analyst, django_assert_num_queries):
    _practices(5)
    few = _list_queries(client, 5)
    sub = Organisation.objects.get(ods_code="02A")
    for _ in range(45):
        factories.practice(sub)
    with django_assert_num_queries(few):
        response = client.get("/organisations/?kind=gp_practice")
    assert response.content.decode().count("Trafford sub-ICB") == 50  # each row shows its parent


def test_list_search_and_filters(client, analyst):
    icb = factories.icb()
    factories.sub_icb(icb)
    factories.council()
    body = client.get("/organisations/?q=e08000009").content.decode()
    assert "Trafford" in body and "1 organisation" in body
    body = client.get("/organisations/?kind=icb").content.decode()
    assert "NHS Greater Manchester ICB" in body and "E38000187" not in body
    body = client.get("/organisations/?sector=council&q=traff").content.decode()
    assert "E08000009" in body


def test_detail_shows_codes_chain_children_and_partnerships(client, analyst):
    icb = factories.icb()
    sub = factories.sub_icb(icb)
    practice = factories.practice(sub, name="Altrincham Medical Practice", ods="P91004")
    body = client.get(f"/organisations/{sub.pk}/").content.decode()
    assert "02A" in body and "E38000187" in body
    assert "NHS Greater Manchester ICB" in body  # parent chain
    assert "Altrincham Medical Practice" in body  # children
    body = client.get(f"/organisations/{practice.pk}/").content.decode()
    assert body.index("NHS Trafford sub-ICB location") < body.index("NHS Greater Manchester ICB")


def test_lookup_by_code_redirects_or_explains(client, analyst):
    council = factories.council()
    response = client.get("/organisations/code/e08000009")
    assert response.status_code == 302 and response["Location"] == f"/organisations/{council.pk}/"
    response = client.get("/organisations/code/ZZZ99")
    assert response.status_code == 404
    assert "no organisation with the ODS or GSS code ZZZ99" in response.content.decode()
    assert client.get("/organisations/424242/").status_code == 404


def test_create_needs_the_edit_capability(client, analyst):
    response = client.get("/organisations/new")
    assert response.status_code == 403
    response = client.post("/organisations/new", {"name": "X", "kind": "icb", "ods_code": "QXX"})
    assert response.status_code == 403
    assert not Organisation.objects.exists()


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/organisations/")
    assert response.status_code == 302 and "/sign-in" in response["Location"]


def test_create_and_edit_through_the_forms(client, commissioner):
    icb = factories.icb()
    response = client.post(
        "/organisations/new",
        {"name": "NHS Trafford", "kind": "sub_icb", "ods_code": "02a", "gss_code": "E38000187", "parent_code": "QOP", "active": "on"},
    )
    org = Organisation.objects.get(ods_code="02A")
    assert response.status_code == 302 and response["Location"] == f"/organisations/{org.pk}/"
    assert org.parent == icb and org.sector == "nhs"
    response = client.post(
        f"/organisations/{org.pk}/edit",
        {"name": "NHS Trafford place", "kind": "sub_icb", "ods_code": "02A", "gss_code": "E38000187", "parent_code": "QOP"},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "NHS Trafford place" and org.active is False
    assert AuditEntry.objects.filter(action="organisation.update", actor=commissioner).count() == 1


def test_form_errors_are_summarised_and_name_the_field(client, commissioner):
    response = client.post("/organisations/new", {"name": "Bad", "kind": "gp_practice", "ods_code": "99999", "parent_code": "NOPE"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert 'href="#ods_code"' in body and "not a valid ODS code" in body
    assert not Organisation.objects.exists()


def test_dates_are_gov_uk_date_inputs_and_every_error_shows_at_once(client, commissioner):
    assert 'id="opened_on-day"' in client.get("/organisations/new").content.decode()
    response = client.post(
        "/organisations/new",
        {"name": "Bad", "kind": "gp_practice", "ods_code": "99999", "parent_code": "NOPE",
         "opened_on-day": "30", "opened_on-month": "2", "opened_on-year": "2020", "closed_on-year": "2021"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    # The dates (the form's) and the code and parent (the service's rules) in one round.
    for href in ('href="#opened_on-day"', 'href="#closed_on-day"', 'href="#ods_code"', 'href="#parent_code"'):
        assert href in body, href
    assert "Opening date must be a real date" in body
    assert "<title>Error: " in body
    response = client.post(
        "/organisations/new",
        {"name": "Riverside carers", "kind": "provider", "sector": "voluntary",
         "opened_on-day": "1", "opened_on-month": "4", "opened_on-year": "2013", "active": "on"},
    )
    assert response.status_code == 302
    org = Organisation.objects.get(name="Riverside carers")
    assert str(org.opened_on) == "2013-04-01"
    page = client.get(f"/organisations/{org.pk}/edit").content.decode()
    assert 'id="opened_on-year" name="opened_on-year" type="text" value="2013"' in page


def test_pager_links_keep_the_search(client, analyst):
    icb = factories.icb()
    sub = factories.sub_icb(icb)
    for i in range(51):
        factories.practice(sub, name=f"Smith & Jones Practice {i:02d}")
    body = client.get("/organisations/", {"q": "smith & jones", "kind": "gp_practice"}).content.decode()
    assert "51 organisations" in body
    assert 'href="?q=smith+%26amp%3B+jones' not in body
    assert 'href="?q=smith+%26+jones&amp;kind=gp_practice&amp;page=2"' in body
    body = client.get("/organisations/?q=smith+%26+jones&kind=gp_practice&page=2").content.decode()
    assert "Smith &amp; Jones Practice 50" in body
